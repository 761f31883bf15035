import os from 'node:os';
import path from 'node:path';

/** Where the core keeps its data: $STEVEDORE_HOME, else $XDG_DATA_HOME/stevedore, else ~/.local/share/stevedore. */
export function stevedoreHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEVEDORE_HOME) return path.resolve(env.STEVEDORE_HOME);
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'stevedore');
  return path.join(os.homedir(), '.local', 'share', 'stevedore');
}
