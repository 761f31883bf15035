import { CliError } from './cliCommand';

export interface ParsedArgs {
  /** True for `--engine core` or STEVEDORE_ENGINE=core: the bundled core's image store, not a daemon. */
  readonly core: boolean;
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
  readonly positional: readonly string[];
}

/**
 * The options of an image command: `--engine core|daemon` (default STEVEDORE_ENGINE, else daemon),
 * the boolean `flags` and the `values` (`-o FILE`, `--output=FILE`) it takes; the rest positional.
 * Aliases map a short option to its long name (`-f` → `--force`).
 */
export function parseArgs(args: readonly string[], spec: { flags?: readonly string[]; values?: readonly string[]; aliases?: Record<string, string> }, usage: string, env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  let engine = env.STEVEDORE_ENGINE || 'daemon';
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const raw = eq > 0 ? arg.slice(0, eq) : arg;
    const name = spec.aliases?.[raw] ?? raw;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (v === undefined) throw new CliError(`${raw} needs a value\n${usage}`, 2);
      return v;
    };
    if (name === '--engine') engine = value();
    else if (spec.flags?.includes(name)) flags.add(name);
    else if (spec.values?.includes(name)) values.set(name, value());
    else if (arg.startsWith('-') && arg !== '-') throw new CliError(`unknown option ${raw}\n${usage}`, 2);
    else positional.push(arg);
  }
  if (engine !== 'core' && engine !== 'daemon') throw new CliError(`--engine (or STEVEDORE_ENGINE) is "core" or "daemon", not "${engine}"`, 2);
  return { core: engine === 'core', flags, values, positional };
}
