import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { chmodSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTar, type TarEntry } from '../layers/tarReader';
import { layerTarChunks } from './layerStream';
import { PathTooLongError, RootEscapeError, RootTree, split, type RootDir } from './rootPath';

const run = promisify(execFile);

/** A layer that was not applied because an entry is unsafe or broken; names the entry and why. */
export class LayerRejectedError extends Error {
  constructor(readonly entry: string, readonly reason: string, message = `layer rejected: entry "${shortened(entry)}" ${reason}`) {
    super(message);
  }
}

/** A name short enough for a one-line message: its start and end around an ellipsis. */
function shortened(name: string): string {
  return name.length > 160 ? `${name.slice(0, 100)}…${name.slice(-50)}` : name;
}

export interface ApplyOptions {
  /** Device nodes are skipped instead of rejecting the layer (they are never created: the runtime provides /dev). */
  allowDevices?: boolean;
  /**
   * `apply` (default): whiteouts delete from `root` (a tree holding the layers below).
   * `overlay`: `root` is this layer alone, an overlayfs lower dir: a whiteout becomes a 0/0
   * character device; opaque directories are listed in the result (they need an xattr).
   */
  whiteouts?: 'apply' | 'overlay';
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** Free space re-measured after this many bytes written (other writers share the disk). */
const STATFS_EVERY = 64 << 20;
/** Space left free on the target filesystem: 5% of it, at most 256 MiB. */
const RESERVE_SHARE = 0.05;
const RESERVE_MAX = 256 << 20;

/**
 * Applies one layer (tar, gzip or zstd) onto `root`, keeping every entry inside it. Throws
 * LayerRejectedError for `..` paths, links leading out, device nodes, whiteouts of the root,
 * truncated data, paths past PATH_MAX or more data than the space left; what was written before
 * stays inside `root`. Names are bytes end to end: one that is not UTF-8 is written as it is.
 */
export async function applyLayer(root: string, layer: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, options: ApplyOptions = {}): Promise<{ opaqueDirs: string[] }> {
  const applier = new LayerApplier(path.resolve(root), options);
  let current = '';
  try {
    for await (const entry of readTar(layerTarChunks(layer))) {
      current = entry.path;
      await applier.apply(entry);
    }
    await applier.finish();
  } catch (err) {
    throw rejection(err, current || '(none)', root);
  }
  return { opaqueDirs: applier.opaqueDirs };
}

/** What went wrong with an entry, as a LayerRejectedError that names it (never raw Node error text). */
function rejection(err: unknown, entry: string, root: string): Error {
  if (err instanceof LayerRejectedError) return err;
  if (err instanceof RootEscapeError) return new LayerRejectedError(entry, `leads out of the root: ${err.message}`);
  if (err instanceof PathTooLongError) return new LayerRejectedError(entry, `is too deep to unpack: ${err.message}`);
  const message = (err as Error).message;
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new LayerRejectedError(entry, 'could not be written', `not enough space on ${root}: the disk filled up while writing entry "${shortened(entry)}"`);
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    // "EACCES: permission denied, open '/x/y'": the words in the middle, without the host path.
    const what = /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? code;
    return new LayerRejectedError(entry, `could not be written: ${what}`);
  }
  if (/ended \d+ bytes early/.test(message)) return new LayerRejectedError(entry, `is truncated: ${message} (a declared size larger than the data)`);
  if (/tar|checksum|gzip|zstd|compress/i.test(message)) return new LayerRejectedError(entry, `is unreadable: ${message}`);
  return err as Error;
}

/** A directory's attributes, set once its children are written (it may not be writable after). */
interface DirAttributes {
  readonly host: Buffer;
  readonly mode: number;
  readonly mtime?: number;
}

class LayerApplier {
  readonly opaqueDirs: string[] = [];
  /** Host paths (as latin1 keys) this layer wrote: an opaque marker keeps them. */
  private readonly written = new Set<string>();
  private readonly dirs = new Map<string, DirAttributes>();
  private readonly asRoot = process.getuid?.() === 0;
  private readonly tree: RootTree;
  /** Bytes that may still be written before the reserve is reached; measured on the first file. */
  private spaceLeft: number | undefined;
  private reserve = 0;
  private sinceStatfs = 0;

  constructor(private readonly root: string, private readonly options: ApplyOptions) {
    // Unprivileged, a directory without owner write (a lower layer's 0555 /usr/bin) is opened up
    // while this layer writes into it, and its mode put back at the end.
    this.tree = new RootTree(root, (host, stat) => {
      if (this.asRoot || (stat.mode & 0o300) === 0o300) return;
      chmodSync(host, (stat.mode & 0o7777) | 0o700);
      this.dirs.set(host.toString('latin1'), { host, mode: stat.mode & 0o7777 });
    });
  }

  async apply(entry: TarEntry): Promise<void> {
    const parts = split(entry.pathBytes ?? Buffer.from(entry.path)).filter((c) => !(c.length === 1 && c[0] === 0x2e));
    if (parts.some((c) => c.length === 2 && c[0] === 0x2e && c[1] === 0x2e)) throw new LayerRejectedError(entry.path, 'has ".." in its path, which would leave the layer root');
    if (!parts.length) return; // the root directory itself: its attributes stay the runtime's
    const base = parts[parts.length - 1];
    const parent = this.tree.dir(parts.slice(0, -1));
    if (base.toString('latin1').startsWith(WH)) return this.whiteout(entry.path, parent, parts.slice(0, -1), base);
    const target = this.tree.child(parent, base);
    this.written.add(target.toString('latin1'));
    switch (entry.type) {
      case 'directory': return this.directory(entry, parent, base, target);
      case 'file': return this.file(entry, parent, base, target);
      case 'symlink':
        await this.clear(parent, base, target);
        await fs.symlink(entry.linkBytes ?? entry.linkName, target);
        return this.owner(entry, target, true);
      case 'hardlink': return this.hardlink(entry, parent, base, target);
      case 'fifo':
        await this.clear(parent, base, target);
        await this.special(target, ['mkfifo', '-m', (entry.mode & 0o7777).toString(8)]);
        return this.owner(entry, target, false);
      case 'character':
      case 'block':
        if (this.options.allowDevices) return;
        throw new LayerRejectedError(entry.path, `is a ${entry.type} device node; layers may not create devices (the runtime provides /dev)`);
      default:
        throw new LayerRejectedError(entry.path, 'has a tar entry type this runtime does not support');
    }
  }

  /** Directories' modes and times, the deepest first (a parent's mode may close it to writes). */
  async finish(): Promise<void> {
    for (const dir of [...this.dirs.values()].sort((a, b) => b.host.length - a.host.length)) {
      await fs.chmod(dir.host, dir.mode);
      if (dir.mtime !== undefined) await fs.utimes(dir.host, dir.mtime / 1000, dir.mtime / 1000);
    }
  }

  private async whiteout(entryPath: string, parent: RootDir, parentParts: Buffer[], base: Buffer): Promise<void> {
    const name = base.subarray(WH.length);
    if (base.toString('latin1') === OPAQUE) {
      if (this.options.whiteouts === 'overlay') {
        this.opaqueDirs.push(Buffer.concat(parentParts.flatMap((p, i) => (i ? [Buffer.from('/'), p] : [p]))).toString());
        return;
      }
      const children = await fs.readdir(parent.host, { encoding: 'buffer' }).catch(() => [] as Buffer[]);
      this.tree.forget(parent);
      for (const child of children) {
        const file = this.tree.child(parent, child);
        if (!this.written.has(file.toString('latin1'))) await fs.rm(file, { recursive: true, force: true });
      }
      return;
    }
    if (name.toString('latin1').startsWith(WH)) return; // aufs bookkeeping (.wh..wh.plnk, ...): not content
    const text = name.toString();
    if (text === '' || text === '.' || text === '..') throw new LayerRejectedError(entryPath, `is a whiteout of "${text}", which would delete the layer's parent or root`);
    const target = this.tree.child(parent, name);
    if (this.options.whiteouts === 'overlay') {
      await this.clear(parent, name, target);
      await this.special(target, ['mknod'], ['c', '0', '0']);
      this.written.add(target.toString('latin1'));
      return;
    }
    this.tree.forget(parent, name);
    await fs.rm(target, { recursive: true, force: true });
  }

  private async directory(entry: TarEntry, parent: RootDir, base: Buffer, target: Buffer): Promise<void> {
    const stat = await fs.lstat(target).catch(() => undefined);
    if (stat && !stat.isDirectory()) {
      this.tree.forget(parent, base);
      await fs.rm(target, { recursive: true, force: true });
    }
    if (!stat || !stat.isDirectory()) await fs.mkdir(target);
    await this.owner(entry, target, false);
    // Writable by its owner until its children are in; its own mode comes in finish().
    await fs.chmod(target, (entry.mode & 0o7777) | 0o700);
    this.dirs.set(target.toString('latin1'), { host: target, mode: entry.mode & 0o7777, mtime: entry.mtime });
  }

  private async file(entry: TarEntry, parent: RootDir, base: Buffer, target: Buffer): Promise<void> {
    await this.claimSpace(entry);
    await this.clear(parent, base, target);
    const handle = await fs.open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for await (const chunk of entry.body) await handle.write(chunk);
    } catch (err) {
      await handle.close();
      await fs.rm(target, { force: true });
      throw err;
    }
    await handle.close();
    await this.owner(entry, target, false);
    await fs.chmod(target, entry.mode & 0o7777);
    await fs.utimes(target, entry.mtime / 1000, entry.mtime / 1000);
  }

  /**
   * Counts a file's size against the space left on the root's filesystem, less a reserve, so a
   * layer of many large files stops before the disk is full rather than when it is.
   */
  private async claimSpace(entry: TarEntry): Promise<void> {
    if (this.spaceLeft === undefined || this.sinceStatfs >= STATFS_EVERY) {
      const space = await fs.statfs(this.root);
      this.reserve = Math.min(RESERVE_MAX, Math.floor(space.blocks * space.bsize * RESERVE_SHARE));
      this.spaceLeft = space.bavail * space.bsize - this.reserve;
      this.sinceStatfs = 0;
    }
    if (entry.size > this.spaceLeft) {
      const left = Math.max(0, this.spaceLeft);
      throw new LayerRejectedError(entry.path, `declares ${entry.size} bytes`, `not enough space on ${this.root}: entry "${shortened(entry.path)}" declares ${entry.size} bytes, more than the ${left} bytes left (${this.reserve} bytes are kept free)`);
    }
    this.spaceLeft -= entry.size;
    this.sinceStatfs += entry.size;
  }

  private async hardlink(entry: TarEntry, parent: RootDir, base: Buffer, target: Buffer): Promise<void> {
    const linkParts = split(entry.linkBytes ?? Buffer.from(entry.linkName)).filter((c) => !(c.length === 1 && c[0] === 0x2e));
    if (linkParts.some((c) => c.length === 2 && c[0] === 0x2e && c[1] === 0x2e)) throw new LayerRejectedError(entry.path, `is a hardlink to "${entry.linkName}", outside the layer root`);
    if (!linkParts.length) throw new LayerRejectedError(entry.path, `is a hardlink to the directory "${entry.linkName}"`);
    const source = this.tree.child(this.tree.dir(linkParts.slice(0, -1)), linkParts[linkParts.length - 1]);
    const stat = await fs.lstat(source).catch(() => undefined);
    if (!stat) throw new LayerRejectedError(entry.path, `is a hardlink to "${entry.linkName}", which the layer does not have`);
    if (stat.isDirectory()) throw new LayerRejectedError(entry.path, `is a hardlink to the directory "${entry.linkName}"`);
    if (source.equals(target)) return;
    await this.clear(parent, base, target);
    await fs.link(source, target);
  }

  /**
   * Runs `command` (mkfifo, mknod) on a temporary name in the root, then renames the node into
   * place: arguments are strings, and a name that is not UTF-8 is not one.
   */
  private async special(target: Buffer, command: string[], after: string[] = []): Promise<void> {
    const temp = path.join(this.root, `.stevedore-node-${crypto.randomBytes(8).toString('hex')}`);
    await run(command[0], [...command.slice(1), temp, ...after]);
    await fs.rename(temp, target);
  }

  /** Removes what is at `target` (never following a symlink there), so an entry replaces it. */
  private async clear(parent: RootDir, base: Buffer, target: Buffer): Promise<void> {
    const stat = await fs.lstat(target).catch(() => undefined);
    if (!stat) return;
    this.tree.forget(parent, base);
    if (stat.isDirectory()) await fs.rm(target, { recursive: true, force: true });
    else await fs.unlink(target);
  }

  private async owner(entry: TarEntry, target: Buffer, link: boolean): Promise<void> {
    if (!this.asRoot) return;
    if (link) await fs.lchown(target, entry.uid, entry.gid);
    else await fs.chown(target, entry.uid, entry.gid);
  }
}
