import { createHash } from 'node:crypto';
import type { ArchiveContents } from '../layers/archiveContents';
import { detectCompression } from '../layers/layerIndexer';
import { checkArchiveFile, openArchiveContents, rangeHead, rangeStream } from './archiveFiles';
import { CONTAINERD_NAME, digestHex, isDigest, isIndexMediaType, MediaType, REF_NAME, type Descriptor, type ImageIndex, type ImageManifest } from './descriptor';
import { normalizeRef, type ImageStore } from './imageStore';
import { checkImageManifest, isDescriptor } from './imageVerification';
import { StoreError } from './storeErrors';

export interface LoadedImage {
  /** Names given to it (normalised); empty when the archive names none. */
  readonly refs: string[];
  /** Its index.json entry. */
  readonly manifest: Descriptor;
}

/**
 * Loads a `docker save` archive (legacy `manifest.json` + `<id>/layer.tar`, or Docker 25+'s OCI
 * layout with `manifest.json`) or an OCI layout tarball, gzipped or not, into the store. Every
 * blob is verified while it is written (legacy layers against the config's diffIDs); archive
 * entries are only looked up by name, never extracted.
 */
export async function loadArchive(store: ImageStore, file: string): Promise<LoadedImage[]> {
  await checkArchiveFile(file, 'an image archive');
  const { contents, dispose } = await openArchiveContents(file).catch((err: Error) => {
    throw new StoreError(`${file} is not an image archive: ${err.message}`);
  });
  try {
    let images: LoadedImage[];
    if (contents.has('index.json')) images = await loadOciLayout(store, contents);
    else if (contents.has('manifest.json')) images = await loadLegacy(store, contents);
    else throw new StoreError(`${file} is not an image archive: it has neither index.json (OCI layout) nor manifest.json (docker save)`);
    for (const image of images) {
      if (image.refs.length) for (const ref of image.refs) await store.tag(ref, image.manifest);
      else await store.keepUntagged(image.manifest);
    }
    return images;
  } finally {
    await dispose();
  }
}

async function archiveJson<T>(contents: ArchiveContents, name: string): Promise<T> {
  const bytes = await contents.read(name).catch((err: Error) => {
    throw new StoreError(err.message);
  });
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    // The parser's message quotes the text, which is the archive's to keep.
    throw new StoreError(`${name} in the archive is not JSON`);
  }
}

function checkIndex(index: ImageIndex, where: string): Descriptor[] {
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests) || !index.manifests.every(isDescriptor)) throw new StoreError(`${where} does not list its images as descriptors`);
  return index.manifests;
}

const blobEntry = (digest: string) => `blobs/sha256/${digestHex(digest)}`;

/** Copies one blob of the archive into the store, verified against its descriptor. */
async function copyBlob(store: ImageStore, contents: ArchiveContents, d: Descriptor): Promise<void> {
  const name = blobEntry(d.digest);
  const range = contents.range(name);
  if (!range) throw new StoreError(`the archive has no ${name}, which its index lists`);
  await store.writeBlob(rangeStream(range), { digest: d.digest, size: d.size });
}

/** Copies an index or manifest and what it reaches, children first (a parent is never stored before them). */
async function copyTree(store: ImageStore, contents: ArchiveContents, d: Descriptor, depth = 0): Promise<void> {
  if (depth > 4) throw new StoreError('the archive nests image indexes too deeply');
  if (isIndexMediaType(d.mediaType)) {
    const index = await archiveJson<ImageIndex>(contents, blobEntry(d.digest));
    for (const child of checkIndex(index, `index ${d.digest} in the archive`)) {
      // A multi-platform image saved with some platforms only: the others are left out, as containerd does.
      if (contents.has(blobEntry(child.digest))) await copyTree(store, contents, child, depth + 1);
    }
  } else {
    const manifest = checkImageManifest(await archiveJson<unknown>(contents, blobEntry(d.digest)), `manifest ${d.digest} in the archive`);
    await copyBlob(store, contents, manifest.config);
    for (const layer of manifest.layers) await copyBlob(store, contents, layer);
  }
  await copyBlob(store, contents, d);
}

/**
 * The name an OCI layout gives an entry: containerd's full name, else ref.name when it is a whole
 * reference (skopeo's `name:tag`). A bare tag (Docker 25 writes `latest` next to the full name)
 * names no repository.
 */
function ociName(d: Descriptor): string | undefined {
  const candidates = [d.annotations?.[CONTAINERD_NAME], d.annotations?.[REF_NAME]];
  for (const c of candidates) {
    if (!c || (c === d.annotations?.[REF_NAME] && !/[/:]/.test(c))) continue;
    try {
      return normalizeRef(c);
    } catch {
      continue;
    }
  }
  return undefined;
}

async function loadOciLayout(store: ImageStore, contents: ArchiveContents): Promise<LoadedImage[]> {
  const manifests = checkIndex(await archiveJson<ImageIndex>(contents, 'index.json'), 'index.json in the archive');
  if (!manifests.length) throw new StoreError('index.json in the archive lists no image');
  const byDigest = new Map<string, LoadedImage>();
  for (const d of manifests) {
    let image = byDigest.get(d.digest);
    if (!image) {
      await copyTree(store, contents, d);
      const annotations = { ...d.annotations };
      delete annotations[REF_NAME];
      delete annotations[CONTAINERD_NAME];
      const manifest: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.platform ? { platform: d.platform } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) };
      image = { refs: [], manifest };
      byDigest.set(d.digest, image);
    }
    const name = ociName(d);
    if (name && !image.refs.includes(name)) image.refs.push(name);
  }
  return [...byDigest.values()];
}

interface LegacyEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

async function loadLegacy(store: ImageStore, contents: ArchiveContents): Promise<LoadedImage[]> {
  const entries = await archiveJson<LegacyEntry[]>(contents, 'manifest.json');
  if (!Array.isArray(entries) || !entries.length) throw new StoreError('manifest.json in the archive lists no image');
  const images: LoadedImage[] = [];
  for (const entry of entries) {
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) {
      throw new StoreError('manifest.json in the archive has an entry without Config or Layers');
    }
    const configBytes = await contents.read(entry.Config).catch((err: Error) => {
      throw new StoreError(err.message);
    });
    const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
    const named = /([a-f0-9]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
    if (named && `sha256:${named}` !== configDigest) throw new StoreError(`the image config ${entry.Config} in the archive does not match its name (it hashes to ${configDigest})`);
    let config: { rootfs?: { diff_ids?: unknown } } | null;
    try {
      config = JSON.parse(configBytes.toString('utf8')) as typeof config;
    } catch {
      throw new StoreError(`the image config ${entry.Config} in the archive is not JSON`);
    }
    const diffIds: unknown = typeof config === 'object' && config !== null ? config.rootfs?.diff_ids : undefined;
    if (!Array.isArray(diffIds) || !diffIds.every((d): d is string => typeof d === 'string' && isDigest(d)) || diffIds.length !== entry.Layers.length) {
      throw new StoreError(`manifest.json lists ${entry.Layers.length} layers for ${entry.Config}, but its config has ${Array.isArray(diffIds) ? diffIds.length : 'no'} sha256 diff_ids`);
    }
    const layers: Descriptor[] = [];
    for (const [i, name] of (entry.Layers).entries()) {
      const range = contents.range(name);
      if (!range) throw new StoreError(`the archive has no ${name}, which manifest.json lists`);
      const compression = detectCompression(await rangeHead(range, 512));
      if (compression === 'gzip') {
        // Stored as it is: the blob digest is of the gzip bytes; the diffID is docker load's to check.
        const written = await store.writeBlob(rangeStream(range));
        layers.push({ mediaType: MediaType.ociLayerGzip, ...written });
      } else {
        // An uncompressed layer's digest is its diffID: writing it verifies it against the config.
        await store.writeBlob(rangeStream(range), { digest: diffIds[i], size: range.length });
        layers.push({ mediaType: MediaType.ociLayer, digest: diffIds[i], size: range.length });
      }
    }
    await store.writeBlob(configBytes, { digest: configDigest, size: configBytes.length });
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length }, layers };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const written = await store.writeBlob(bytes);
    const refs = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === 'string').map(normalizeRef) : [];
    images.push({ refs, manifest: { mediaType: MediaType.ociManifest, ...written } });
  }
  return images;
}
