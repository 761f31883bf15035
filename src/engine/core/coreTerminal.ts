import type { PtyProcess } from '../../core/run/ptyProcess';
import type { TerminalSession } from '../engine';

/** A process of a core container on a pseudo-terminal (`exec -it`). */
export class CoreTerminalSession implements TerminalSession {
  readonly output: AsyncIterable<Buffer>;
  private readonly exited: Promise<number | undefined>;

  constructor(private readonly pty: PtyProcess) {
    this.output = pty.child.stdout!;
    this.exited = new Promise((resolve) => pty.child.on('close', (code) => resolve(code ?? undefined)));
  }

  write(data: string): void {
    if (this.pty.child.stdin?.writable) this.pty.child.stdin.write(data);
  }

  resize(columns: number, rows: number): Promise<void> {
    return this.pty.resize(columns, rows);
  }

  exitCode(): Promise<number | undefined> {
    return this.exited;
  }

  close(): void {
    this.pty.child.kill('SIGHUP');
  }
}
