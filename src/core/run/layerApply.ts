import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTar, type TarEntry } from '../layers/tarReader';
import { layerTarChunks } from './layerStream';
import { resolveInRoot, RootEscapeError } from './rootPath';

const run = promisify(execFile);

/** A layer that was not applied because an entry is unsafe or broken; names the entry and why. */
export class LayerRejectedError extends Error {
  constructor(readonly entry: string, readonly reason: string) {
    super(`layer rejected: entry "${entry}" ${reason}`);
  }
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
/** Files larger than this have their size checked against the free space before writing. */
const CHECK_SPACE_ABOVE = 64 << 20;

/**
 * Applies one layer (tar, gzip or zstd) onto `root`, keeping every entry inside it. Throws
 * LayerRejectedError for `..` paths, links leading out, device nodes, whiteouts of the root,
 * truncated data or sizes beyond the free space; what was written before stays inside `root`.
 */
export async function applyLayer(root: string, layer: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, options: ApplyOptions = {}): Promise<{ opaqueDirs: string[] }> {
  const applier = new LayerApplier(path.resolve(root), options);
  let current = '';
  try {
    for await (const entry of readTar(layerTarChunks(layer))) {
      current = entry.path;
      await applier.apply(entry);
    }
  } catch (err) {
    if (err instanceof LayerRejectedError) throw err;
    if (err instanceof RootEscapeError) throw new LayerRejectedError(current, `leads out of the root: ${err.message}`);
    const message = (err as Error).message;
    if (/ended \d+ bytes early/.test(message)) throw new LayerRejectedError(current || '(none)', `is truncated: ${message} (a declared size larger than the data)`);
    if (/tar|checksum|gzip|zstd|compress/i.test(message)) throw new LayerRejectedError(current || '(none)', `is unreadable: ${message}`);
    throw err;
  }
  await applier.finish();
  return { opaqueDirs: applier.opaqueDirs };
}

class LayerApplier {
  readonly opaqueDirs: string[] = [];
  private readonly written = new Set<string>();
  private readonly dirTimes: { file: string; mtime: number }[] = [];
  private readonly asRoot = process.getuid?.() === 0;

  constructor(private readonly root: string, private readonly options: ApplyOptions) {}

  async apply(entry: TarEntry): Promise<void> {
    const parts = entry.path.split('/').filter((c) => c !== '' && c !== '.');
    if (parts.includes('..')) throw new LayerRejectedError(entry.path, 'has ".." in its path, which would leave the layer root');
    if (!parts.length) return; // the root directory itself: its attributes stay the runtime's
    const base = parts[parts.length - 1];
    const parentRel = parts.slice(0, -1).join('/');
    if (base.startsWith(WH)) return this.whiteout(entry.path, parentRel, base);
    const parent = resolveInRoot(this.root, parentRel, { createDirs: true, followLast: true });
    const target = path.join(parent, base);
    this.written.add(target);
    switch (entry.type) {
      case 'directory': return this.directory(entry, target);
      case 'file': return this.file(entry, target);
      case 'symlink':
        await this.clear(target);
        await fs.symlink(entry.linkName, target);
        return this.owner(entry, target, true);
      case 'hardlink': return this.hardlink(entry, target);
      case 'fifo':
        await this.clear(target);
        await run('mkfifo', ['-m', (entry.mode & 0o7777).toString(8), target]);
        return this.owner(entry, target, false);
      case 'character':
      case 'block':
        if (this.options.allowDevices) return;
        throw new LayerRejectedError(entry.path, `is a ${entry.type} device node; layers may not create devices (the runtime provides /dev)`);
      default:
        throw new LayerRejectedError(entry.path, 'has a tar entry type this runtime does not support');
    }
  }

  async finish(): Promise<void> {
    for (const { file, mtime } of this.dirTimes.reverse()) await fs.utimes(file, mtime / 1000, mtime / 1000).catch(() => undefined);
  }

  private async whiteout(entryPath: string, parentRel: string, base: string): Promise<void> {
    const parent = resolveInRoot(this.root, parentRel, { createDirs: true, followLast: true });
    if (base === OPAQUE) {
      if (this.options.whiteouts === 'overlay') {
        this.opaqueDirs.push(parentRel);
        return;
      }
      const children = await fs.readdir(parent).catch(() => [] as string[]);
      for (const child of children) {
        const file = path.join(parent, child);
        if (!this.written.has(file)) await fs.rm(file, { recursive: true, force: true });
      }
      return;
    }
    if (base.startsWith(`${WH}${WH}`)) return; // aufs bookkeeping (.wh..wh.plnk, ...): not content
    const name = base.slice(WH.length);
    if (name === '' || name === '.' || name === '..' || name.includes('/')) throw new LayerRejectedError(entryPath, `is a whiteout of "${name}", which would delete the layer's parent or root`);
    const target = path.join(parent, name);
    if (this.options.whiteouts === 'overlay') {
      await this.clear(target);
      await run('mknod', [target, 'c', '0', '0']);
      this.written.add(target);
      return;
    }
    await fs.rm(target, { recursive: true, force: true });
  }

  private async directory(entry: TarEntry, target: string): Promise<void> {
    const stat = await fs.lstat(target).catch(() => undefined);
    if (stat && !stat.isDirectory()) await fs.rm(target, { recursive: true, force: true });
    if (!stat || !stat.isDirectory()) await fs.mkdir(target);
    await this.owner(entry, target, false);
    await fs.chmod(target, entry.mode & 0o7777);
    this.dirTimes.push({ file: target, mtime: entry.mtime });
  }

  private async file(entry: TarEntry, target: string): Promise<void> {
    if (entry.size > CHECK_SPACE_ABOVE) {
      const space = await fs.statfs(this.root);
      const free = space.bavail * space.bsize;
      if (entry.size > free) throw new LayerRejectedError(entry.path, `declares ${entry.size} bytes, more than the ${free} bytes free where the layer is unpacked`);
    }
    await this.clear(target);
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

  private async hardlink(entry: TarEntry, target: string): Promise<void> {
    const linkParts = entry.linkName.replace(/^\/+/, '').split('/').filter((c) => c !== '' && c !== '.');
    if (linkParts.includes('..')) throw new LayerRejectedError(entry.path, `is a hardlink to "${entry.linkName}", outside the layer root`);
    const source = resolveInRoot(this.root, linkParts.join('/'));
    const stat = await fs.lstat(source).catch(() => undefined);
    if (!stat) throw new LayerRejectedError(entry.path, `is a hardlink to "${entry.linkName}", which the layer does not have`);
    if (stat.isDirectory()) throw new LayerRejectedError(entry.path, `is a hardlink to the directory "${entry.linkName}"`);
    if (source === target) return;
    await this.clear(target);
    await fs.link(source, target);
  }

  /** Removes what is at `target` (never following a symlink there), so an entry replaces it. */
  private async clear(target: string): Promise<void> {
    const stat = await fs.lstat(target).catch(() => undefined);
    if (!stat) return;
    if (stat.isDirectory()) await fs.rm(target, { recursive: true, force: true });
    else await fs.unlink(target);
  }

  private async owner(entry: TarEntry, target: string, link: boolean): Promise<void> {
    if (!this.asRoot) return;
    if (link) await fs.lchown(target, entry.uid, entry.gid);
    else await fs.chown(target, entry.uid, entry.gid);
  }
}
