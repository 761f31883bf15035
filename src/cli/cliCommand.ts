import { printable } from '../engine/humanize';

/** One `stevedore <name>` command. Each area of the CLI lives in its own file under src/cli/. */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** A failure to report as `stevedore: <message>` with this exit code, without a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export function hasFlag(args: readonly string[], ...names: string[]): boolean {
  return args.some((a) => names.includes(a));
}

/** Prints data as JSON or as text for a person (outside text in it escaped, so it cannot drive the terminal). */
export function print(json: boolean, data: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${printable(text())}\n`);
}

/** Columns padded like the docker CLI's tables; a cell is one line, its control characters escaped. */
export function table(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((r) => r.map((cell) => printable(cell, true)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ')).join('\n');
}
