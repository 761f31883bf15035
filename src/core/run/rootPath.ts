import fs from 'node:fs';
import path from 'node:path';

/** A path that would leave the root it is resolved in (through `..` or a symlink). */
export class RootEscapeError extends Error {}

const MAX_LINKS = 40;

/**
 * Resolves `relative` inside `root` the way a process chrooted to `root` would: symlinks are
 * followed with absolute targets taken from `root`, and any `..` that would climb above `root`
 * is an escape (RootEscapeError) rather than being clamped. The last component is followed only
 * with `followLast`. With `createDirs`, `relative` is a directory: what is missing of it is made (mode 0755).
 * The result is always `root` or a path below it. Synchronous: it runs once per layer entry, where
 * a few sync syscalls cost less than as many promises.
 */
export function resolveInRoot(root: string, relative: string, options: { followLast?: boolean; createDirs?: boolean } = {}): string {
  const pending = relative.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const name = pending.shift()!;
    if (name === '..') {
      if (!done.length) throw new RootEscapeError(`"${relative}" climbs out of the root`);
      done.pop();
      continue;
    }
    const current = path.join(root, ...done, name);
    const last = pending.length === 0;
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink() && (!last || options.followLast)) {
      if (++links > MAX_LINKS) throw new RootEscapeError(`"${relative}" has too many levels of symbolic links`);
      const target = fs.readlinkSync(current);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    if (!stat && options.createDirs) fs.mkdirSync(current, { mode: 0o755 });
    else if (stat && !last && !stat.isDirectory()) throw Object.assign(new Error(`"${path.join(...done, name)}" is not a directory`), { code: 'ENOTDIR' });
    done.push(name);
  }
  return path.join(root, ...done);
}
