import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLintConfig, type LintConfig } from './lintConfig';

/**
 * Where hadolint looks for its configuration, in its order, the first found wins: the project's
 * `.hadolint.yaml` (here: the folder given, then its parents up to `stopAt`), then
 * $XDG_CONFIG_HOME/hadolint.yaml, ~/.config/hadolint.yaml, ~/.hadolint/hadolint.yaml,
 * ~/hadolint/config.yaml, ~/.hadolint.yaml (each also as .yml).
 */
export function findLintConfigFile(startDir: string, stopAt?: string): string | undefined {
  let dir = path.resolve(startDir);
  const stop = stopAt ? path.resolve(stopAt) : dir;
  for (;;) {
    for (const name of ['.hadolint.yaml', '.hadolint.yml']) {
      const file = path.join(dir, name);
      if (isFile(file)) return file;
    }
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir || !dir.startsWith(stop)) break;
    dir = parent;
  }
  const home = os.homedir();
  const xdg = process.env.XDG_CONFIG_HOME;
  const candidates = [
    ...(xdg ? [path.join(xdg, 'hadolint.yaml'), path.join(xdg, 'hadolint.yml')] : []),
    path.join(home, '.config', 'hadolint.yaml'), path.join(home, '.config', 'hadolint.yml'),
    path.join(home, '.hadolint', 'hadolint.yaml'), path.join(home, '.hadolint', 'hadolint.yml'),
    path.join(home, 'hadolint', 'config.yaml'), path.join(home, 'hadolint', 'config.yml'),
    path.join(home, '.hadolint.yaml'), path.join(home, '.hadolint.yml'),
  ];
  return candidates.find(isFile);
}

/** Reads and parses a configuration file; throws LintConfigError (or the fs error) with the path in it. */
export function readLintConfigFile(file: string): LintConfig {
  return parseLintConfig(fs.readFileSync(file, 'utf8'), file);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
