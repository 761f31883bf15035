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

/** A host path longer than the kernel takes (PATH_MAX); `length` is its length in bytes. */
export class PathTooLongError extends Error {
  constructor(readonly length: number) {
    super(`its path on the host would be ${length} bytes, more than the ${PATH_MAX - 1} the system allows`);
  }
}

const PATH_MAX = 4096;
const SLASH = Buffer.from('/');

/** A real directory (never a symlink) below the root, as it was when first met. */
export interface RootDir {
  readonly host: Buffer;
  readonly parent: RootDir | undefined;
  readonly children: Map<string, RootDir>;
}

/**
 * resolveInRoot for unpacking, where paths are bytes and entries come by the thousand: the
 * directories met are remembered in a tree, so resolving an entry's parent costs map lookups
 * (and a syscall per directory met for the first time), never a walk from the root on disk.
 * Whoever removes or replaces something below the root calls forget() for it, so the tree
 * only ever holds directories that are there. Symlinks are not remembered: each one on a path
 * is read again, and followed the way resolveInRoot follows it.
 */
export class RootTree {
  readonly root: RootDir;

  /** `onExisting` sees each directory that was already there, when it is first met. */
  constructor(root: string, private readonly onExisting: (host: Buffer, stat: fs.Stats) => void = () => undefined) {
    this.root = { host: Buffer.from(root), parent: undefined, children: new Map() };
  }

  /** The directory at `parts` (path components), made (mode 0755) where missing. */
  dir(parts: readonly Buffer[]): RootDir {
    const pending = parts.slice().reverse();
    let node = this.root;
    let links = 0;
    while (pending.length) {
      const name = pending.pop()!;
      const key = name.toString('latin1');
      if (key === '' || key === '.') continue;
      if (key === '..') {
        if (!node.parent) throw new RootEscapeError('its path climbs out of the root');
        node = node.parent;
        continue;
      }
      const known = node.children.get(key);
      if (known) {
        node = known;
        continue;
      }
      const host = this.child(node, name);
      const stat = fs.lstatSync(host, { throwIfNoEntry: false });
      if (stat?.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new RootEscapeError('its path has too many levels of symbolic links');
        const target = fs.readlinkSync(host, { encoding: 'buffer' });
        if (target[0] === 0x2f) node = this.root;
        pending.push(...split(target).reverse());
        continue;
      }
      if (!stat) fs.mkdirSync(host, { mode: 0o755 });
      else if (!stat.isDirectory()) throw Object.assign(new Error('a component of its path is not a directory'), { code: 'ENOTDIR' });
      else this.onExisting(host, stat);
      const dir: RootDir = { host, parent: node, children: new Map() };
      node.children.set(key, dir);
      node = dir;
    }
    return node;
  }

  /** The host path of `name` in `dir`; refused past PATH_MAX. */
  child(dir: RootDir, name: Buffer): Buffer {
    const host = Buffer.concat([dir.host, SLASH, name]);
    if (host.length >= PATH_MAX) throw new PathTooLongError(host.length);
    return host;
  }

  /** What is at `name` in `dir` was removed or replaced. */
  forget(dir: RootDir, name?: Buffer): void {
    if (name) dir.children.delete(name.toString('latin1'));
    else dir.children.clear();
  }
}

/** A path's components, as bytes. */
export function split(path: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const slash = path.indexOf(0x2f, start);
    const end = slash < 0 ? path.length : slash;
    if (end > start) parts.push(path.subarray(start, end));
    if (slash < 0) return parts;
    start = slash + 1;
  }
}
