import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { digestHex, type Descriptor } from '../store/descriptor';
import type { ImageStore } from '../store/imageStore';
import { StoreError } from '../store/storeErrors';
import { applyLayer } from './layerApply';

export { applyLayer, LayerRejectedError, type ApplyOptions } from './layerApply';

const run = promisify(execFile);

export interface MountedRootfs {
  readonly merged: string;
  /** Where the container's changes are: the overlay upper dir, or the copied tree itself. */
  readonly upper: string;
  readonly overlay: boolean;
  /** Unmounts the overlay (a copied tree stays on disk). */
  release(): Promise<void>;
}

interface LayerMeta {
  /** Directories marked opaque (`.wh..wh..opq`): overlayfs needs an xattr on them, which is not set here. */
  readonly opaqueDirs: string[];
}

/** The diffIDs and layer blobs of an image, lowest first. */
export async function imageLayers(store: ImageStore, manifest: Descriptor | string): Promise<{ diffId: string; blob: Descriptor }[]> {
  const descriptor = typeof manifest === 'string' ? await store.resolve(manifest) : manifest;
  if (!descriptor) throw new StoreError(`no such image: ${typeof manifest === 'string' ? manifest : manifest.digest}`);
  const { manifest: m } = await store.resolveManifest(descriptor);
  const config = await store.readJson<{ rootfs?: { diff_ids?: string[] } }>(m.config.digest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== m.layers.length) throw new StoreError(`image ${descriptor.digest}: the config lists ${diffIds.length} layers, the manifest ${m.layers.length}`);
  return m.layers.map((blob, i) => ({ diffId: diffIds[i], blob }));
}

/** `<home>/layers`, beside the store's `<home>/images`. */
export function layersDir(store: ImageStore): string {
  return path.join(path.dirname(store.root), 'layers');
}

/**
 * One layer unpacked alone as an overlayfs lower dir, `<home>/layers/<diffID hex>/fs`, made once
 * (in a temp dir renamed into place, so a concurrent maker or a crash never leaves half a layer).
 */
async function layerDir(store: ImageStore, layer: { diffId: string; blob: Descriptor }): Promise<{ dir: string; meta: LayerMeta }> {
  const dir = path.join(layersDir(store), digestHex(layer.diffId));
  const read = async () => ({ dir: path.join(dir, 'fs'), meta: JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as LayerMeta });
  try {
    return await read();
  } catch {
    // not unpacked yet
  }
  const temp = path.join(layersDir(store), `.tmp-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(path.join(temp, 'fs'), { recursive: true });
  try {
    const { opaqueDirs } = await applyLayer(path.join(temp, 'fs'), store.readBlob(layer.blob.digest), { whiteouts: 'overlay' });
    await fs.writeFile(path.join(temp, 'meta.json'), JSON.stringify({ opaqueDirs } satisfies LayerMeta));
    // Another process may have made it first: theirs is the same content.
    await fs.rename(temp, dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
  return read();
}

/**
 * The image's root filesystem at `target.merged`: overlayfs over the cached per-layer dirs with
 * `target.upper` taking the changes, when running as root and no layer needs an
 * opaque-directory xattr; else a tree copied once into
 * `target.upper` (kept there, so a container restarted later finds its files).
 */
export async function mountImageRootfs(store: ImageStore, manifest: Descriptor | string, target: { upper: string; work: string; merged: string }): Promise<MountedRootfs> {
  const layers = await imageLayers(store, manifest);
  // Mounting in the host's mount namespace needs root; rootless containers get the copied tree.
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    const dirs: { dir: string; meta: LayerMeta }[] = [];
    for (const layer of layers) dirs.push(await layerDir(store, layer));
    if (dirs.every((d) => d.meta.opaqueDirs.length === 0)) {
      const mounted = await mountOverlay(store, dirs.map((d) => d.dir), target);
      if (mounted) return mounted;
    }
  }
  return copiedTree(store, layers, target.upper);
}

async function mountOverlay(store: ImageStore, lowers: string[], target: { upper: string; work: string; merged: string }): Promise<MountedRootfs | undefined> {
  for (const dir of [target.upper, target.work, target.merged]) await fs.mkdir(dir, { recursive: true });
  const base = layersDir(store);
  if (!lowers.length) {
    lowers = [path.join(base, 'empty')];
    await fs.mkdir(lowers[0], { recursive: true });
  }
  // Paths relative to the layers dir (the mount's cwd) keep the option under the kernel's page-size limit.
  const lowerdir = lowers.map((l) => path.relative(base, l)).reverse().join(':');
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerdir},upperdir=${path.resolve(target.upper)},workdir=${path.resolve(target.work)}`, path.resolve(target.merged)], { cwd: base });
  } catch {
    return undefined;
  }
  return {
    merged: target.merged,
    upper: target.upper,
    overlay: true,
    release: () => unmount(target.merged),
  };
}

/** Unmounts `dir` if something is mounted there. */
export async function unmount(dir: string): Promise<void> {
  if (!(await isMountPoint(dir))) return;
  await run('umount', [dir]).catch(async () => run('umount', ['-l', dir]));
}

export async function isMountPoint(dir: string): Promise<boolean> {
  const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const resolved = path.resolve(dir);
  return mounts.split('\n').some((line) => line.split(' ')[4]?.replace(/\\040/g, ' ') === resolved);
}

const COPIED = '.stevedore-rootfs-complete';

async function copiedTree(store: ImageStore, layers: { diffId: string; blob: Descriptor }[], upper: string): Promise<MountedRootfs> {
  const marker = path.join(path.dirname(path.resolve(upper)), COPIED);
  const done = await fs.access(marker).then(() => true, () => false);
  if (!done) {
    await fs.rm(upper, { recursive: true, force: true });
    await fs.mkdir(upper, { recursive: true });
    try {
      for (const layer of layers) await applyLayer(upper, store.readBlob(layer.blob.digest));
    } catch (err) {
      // A half-copied tree is never used (no marker): it would only hold the disk.
      await fs.rm(upper, { recursive: true, force: true });
      throw err;
    }
    await fs.writeFile(marker, '');
  }
  return { merged: upper, upper, overlay: false, release: () => Promise.resolve() };
}
