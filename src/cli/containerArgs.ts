import { CliError } from './cliCommand';

export interface ContainerArgs {
  /** `--engine core` or STEVEDORE_ENGINE=core. */
  readonly core: boolean;
  readonly flags: ReadonlySet<string>;
  /** Every value of each option, in order (`-e A=1 -e B=2`). */
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly positional: readonly string[];
}

/**
 * Options as the docker CLI takes them for container commands: short and long names, values
 * after a space or `=`, repeatable; with `stopAtCommand`, everything from the first positional
 * argument after the first one (`run IMAGE CMD...`, `exec CONTAINER CMD...`) is the command, options included.
 */
export function parseContainerArgs(args: readonly string[], spec: { flags?: readonly string[]; values?: readonly string[]; aliases?: Record<string, string>; stopAtCommand?: boolean }, usage: string, env: NodeJS.ProcessEnv = process.env): ContainerArgs {
  let engine = env.STEVEDORE_ENGINE || 'daemon';
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (spec.stopAtCommand && positional.length) {
      positional.push(...args.slice(i));
      break;
    }
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
    else if (spec.values?.includes(name)) values.set(name, [...(values.get(name) ?? []), value()]);
    else if (/^-[a-zA-Z]{2,}$/.test(arg) && [...arg.slice(1)].every((c) => spec.flags?.includes(spec.aliases?.[`-${c}`] ?? `-${c}`))) {
      for (const c of arg.slice(1)) flags.add(spec.aliases?.[`-${c}`] ?? `-${c}`);
    } else if (arg.startsWith('-') && arg !== '-') throw new CliError(`unknown option ${raw}\n${usage}`, 2);
    else positional.push(arg);
  }
  if (engine !== 'core' && engine !== 'daemon') throw new CliError(`--engine (or STEVEDORE_ENGINE) is "core" or "daemon", not "${engine}"`, 2);
  return { core: engine === 'core', flags, values, positional };
}

export function lastValue(args: ContainerArgs, name: string): string | undefined {
  const all = args.values.get(name);
  return all?.[all.length - 1];
}
