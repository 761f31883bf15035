import type { ShellCommand } from './shellSyntax';

/** Flag names as hadolint reads them: `--name=value` is `name`, `-abc` is `a`, `b` and `c`. */
export function flagNames(cmd: ShellCommand): string[] {
  const names: string[] = [];
  for (const a of cmd.args) {
    const v = a.value;
    if (v === '--') break;
    if (v.length < 2 || v[0] !== '-') continue;
    if (v[1] === '-') {
      const eq = v.indexOf('=');
      names.push(eq < 0 ? v.slice(2) : v.slice(2, eq));
    } else for (let i = 1; i < v.length; i++) names.push(v[i]);
  }
  return names;
}

export function hasFlag(cmd: ShellCommand, ...names: string[]): boolean {
  for (const a of cmd.args) {
    const v = a.value;
    if (v === '--') return false;
    if (v.length < 2 || v.charCodeAt(0) !== 45) continue;
    if (v.charCodeAt(1) === 45) {
      const eq = v.indexOf('=');
      if (names.includes(eq < 0 ? v.slice(2) : v.slice(2, eq))) return true;
    } else for (let i = 1; i < v.length; i++) if (names.includes(v[i])) return true;
  }
  return false;
}

/** The command is `name` and one of its words is one of `args` (hadolint's cmdHasArgs). */
export function isCommand(cmd: ShellCommand, name: string, ...args: string[]): boolean {
  if (cmd.name !== name) return false;
  return args.length === 0 || cmd.args.some((a) => args.includes(a.value));
}

/** The first word that is not a flag: apt-get's `install`, yum's `update`. */
export function subcommand(cmd: ShellCommand, flagsWithValue: readonly string[] = []): string | undefined {
  return positional(cmd, flagsWithValue)[0]?.value;
}

/**
 * The words that are not flags, leaving out the values of `flagsWithValue` (given without dashes:
 * `t` for `-t bookworm`, `target-release` for `--target-release bookworm`). A value written in the
 * same word (`--target-release=bookworm`, `-tbookworm`) takes no next word.
 */
export function positional(cmd: ShellCommand, flagsWithValue: readonly string[] = []) {
  const out: ShellCommand['args'][number][] = [];
  let afterDashes = false;
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i];
    const v = a.value;
    if (afterDashes || v.length < 2 || v[0] !== '-') {
      out.push(a);
      continue;
    }
    if (v === '--') {
      afterDashes = true;
      continue;
    }
    if (v[1] === '-') {
      if (!v.includes('=') && flagsWithValue.includes(v.slice(2))) i++;
    } else if (flagsWithValue.includes(v[v.length - 1]) && !v.slice(1, -1).split('').some((f) => flagsWithValue.includes(f))) i++;
  }
  return out;
}

/** Words after the subcommand (`install`), flags and their values left out. */
export function packagesAfter(cmd: ShellCommand, sub: string, flagsWithValue: readonly string[] = []) {
  const words = positional(cmd, flagsWithValue);
  const at = words.findIndex((w) => w.value === sub);
  return at < 0 ? [] : words.slice(at + 1).filter((w) => w.value !== sub);
}

/** A word that is only `$VAR` or `${VAR}`: its value, and so any pin in it, is unknown here. */
export function isOpaque(word: { value: string; expands: boolean }): boolean {
  return word.expands && /^(\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]*\}|\$\(.*\)|`.*`)$/s.test(word.value);
}
