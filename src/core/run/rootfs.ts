import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempName } from '../store/atomicFile';
import { digestHex, type Descriptor } from '../store/descriptor';
import type { ImageStore } from '../store/imageStore';
import { checkImageManifest, configDiffIds, recordedDiffId, verifyingLayer } from '../store/imageVerification';
import { StoreError } from '../store/storeErrors';
import { applyLayer, type ApplyOptions } from './layerApply';
import { removeTree } from './removeTree';

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
  /** The diffID the unpacked content was hashed to while it was unpacked. */
  readonly verified: string;
}

export interface ImageLayer {
  readonly diffId: string;
  readonly blob: Descriptor;
}

/**
 * Applies an image's layer onto `root`, checking its uncompressed content against `diffId` as it
 * goes unless that pair was verified before. On a mismatch it throws DiffIdMismatchError after
 * writing into `root`: the caller must discard `root` (every caller unpacks into a directory of its
 * own making).
 */
export async function applyImageLayer(store: ImageStore, root: string, layer: ImageLayer, options: ApplyOptions = {}): Promise<{ opaqueDirs: string[] }> {
  if (layer.blob.digest === layer.diffId || (await recordedDiffId(store, layer.blob.digest)) === layer.diffId) {
    return applyLayer(root, store.readBlob(layer.blob.digest), options);
  }
  const checked = verifyingLayer(store, layer.blob, layer.diffId, `layer ${layer.blob.digest}`);
  const result = await applyLayer(root, checked.chunks, options);
  await checked.verify();
  return result;
}

/** The diffIDs and layer blobs of an image, lowest first. */
export async function imageLayers(store: ImageStore, manifest: Descriptor | string): Promise<ImageLayer[]> {
  const descriptor = typeof manifest === 'string' ? await store.resolve(manifest) : manifest;
  if (!descriptor) throw new StoreError(`no such image: ${typeof manifest === 'string' ? manifest : manifest.digest}`);
  const resolved = await store.resolveManifest(descriptor);
  const where = `image ${descriptor.digest}`;
  const m = checkImageManifest(resolved.manifest, where);
  const diffIds = await configDiffIds(store, m, where);
  return m.layers.map((blob, i) => ({ diffId: diffIds[i], blob }));
}

/** `<home>/layers`, beside the store's `<home>/images`. */
export function layersDir(store: ImageStore): string {
  return path.join(path.dirname(store.root), 'layers');
}

/** Where verified unpacked layers are kept, by diffID; anything else under layersDir is from an earlier version. */
export function unpackedLayersDir(store: ImageStore): string {
  return path.join(layersDir(store), 'sha256');
}

/**
 * One layer unpacked alone as an overlayfs lower dir, `<home>/layers/sha256/<diffID hex>/fs`, made
 * once (in a temp dir renamed into place, so a concurrent maker or a crash never leaves half a
 * layer) and only from content that hashed to that diffID while it was unpacked.
 */
async function layerDir(store: ImageStore, layer: ImageLayer): Promise<{ dir: string; meta: LayerMeta }> {
  const dir = path.join(unpackedLayersDir(store), digestHex(layer.diffId));
  const read = async () => ({ dir: path.join(dir, 'fs'), meta: JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as LayerMeta });
  try {
    const found = await read();
    if (found.meta.verified === layer.diffId) return found;
  } catch {
    // not unpacked yet
  }
  const temp = tempName(layersDir(store), 'unpack');
  await fs.mkdir(path.join(temp, 'fs'), { recursive: true });
  await fs.mkdir(unpackedLayersDir(store), { recursive: true });
  try {
    const { opaqueDirs } = await applyImageLayer(store, path.join(temp, 'fs'), layer, { whiteouts: 'overlay' });
    await fs.writeFile(path.join(temp, 'meta.json'), JSON.stringify({ opaqueDirs, verified: layer.diffId } satisfies LayerMeta));
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
  const base = unpackedLayersDir(store);
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

async function copiedTree(store: ImageStore, layers: ImageLayer[], upper: string): Promise<MountedRootfs> {
  const marker = path.join(path.dirname(path.resolve(upper)), COPIED);
  const done = await fs.access(marker).then(() => true, () => false);
  if (!done) {
    await removeTree(upper);
    await fs.mkdir(upper, { recursive: true });
    try {
      for (const layer of layers) await applyImageLayer(store, upper, layer);
    } catch (err) {
      // A half-copied tree is never used (no marker): it would only hold the disk.
      await removeTree(upper);
      throw err;
    }
    await fs.writeFile(marker, '');
  }
  return { merged: upper, upper, overlay: false, release: () => Promise.resolve() };
}
