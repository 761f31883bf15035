import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { decodeLayerIndex } from '../layers/layerIndex';
import type { LayerIndexPool } from '../layers/layerIndexPool';
import { layerTarChunks } from '../run/layerStream';
import { writeFileAtomic } from './atomicFile';
import { digestHex, isDigest, isIndexMediaType, type Descriptor, type ImageIndex, type ImageManifest } from './descriptor';
import type { ImageStore } from './imageStore';
import { BlobNotFoundError, StoreError } from './storeErrors';

/**
 * An image's config names its layers by diffID, the sha256 of each layer's uncompressed tar. Nothing
 * that arrives from outside (a registry, an archive's manifest, a config) is believed: before an
 * image is named in the store, every layer is hashed uncompressed and compared with its diffID, and
 * the pair is recorded in `<store>/diffids/<blob hex>`. A record is a fact about content-addressed
 * bytes, so it never goes stale; unpacked layer caches are keyed by the diffIDs recorded here.
 */

/** A layer whose uncompressed content is not what the config's diffID says. */
export class DiffIdMismatchError extends StoreError {
  constructor(readonly layer: string, readonly claimed: string, readonly actual: string, where: string) {
    super(`${where}: layer ${layer} does not match the config: its diffID says ${claimed}, its uncompressed content is ${actual}; the image was refused`);
    this.name = 'DiffIdMismatchError';
  }
}

/** `<store>/diffids`: a file per verified layer blob, named by its hex, holding its diffID. */
export const DIFFID_RECORDS = 'diffids';

function recordPath(store: ImageStore, blob: string): string {
  return path.join(store.root, DIFFID_RECORDS, digestHex(blob));
}

/** Drops a blob's record (gc, when it removes the blob). */
export async function forgetDiffId(store: ImageStore, blob: string): Promise<void> {
  await fs.rm(recordPath(store, blob), { force: true });
}

/** The diffID recorded for a layer blob when it was verified, if it was. */
export async function recordedDiffId(store: ImageStore, blob: string): Promise<string | undefined> {
  const text = await fs.readFile(recordPath(store, blob), 'utf8').catch(() => undefined);
  return text !== undefined && isDigest(text) ? text : undefined;
}

/** Records a pair; only for a writer that computed both hashes itself over the bytes it stored. */
export async function recordDiffId(store: ImageStore, blob: string, diffId: string): Promise<void> {
  const file = recordPath(store, blob);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, diffId, store.ingestDir);
}

/**
 * A layer's uncompressed chunks that hash themselves as they go: `verify()` reads whatever the
 * consumer left unread, then throws DiffIdMismatchError unless the whole stream hashes to `diffId`,
 * and records the pair when it does. The consumer may stop early (a tar reader stops at the
 * end-of-archive blocks); the hash still covers every byte.
 */
export function verifyingLayer(store: ImageStore, blob: Descriptor, diffId: string, where: string): { chunks: AsyncIterable<Buffer>; verify(): Promise<void> } {
  const hash = createHash('sha256');
  const source = layerTarChunks(store.readBlob(blob.digest));
  const chunks: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const next = await source.next();
        if (!next.done) hash.update(next.value);
        return next;
      },
      // A consumer that stops early leaves the rest for verify() to read and hash.
      return: () => Promise.resolve({ done: true, value: undefined }),
    }),
  };
  return {
    chunks,
    verify: async () => {
      for (let next = await source.next(); !next.done; next = await source.next()) hash.update(next.value);
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== diffId) throw new DiffIdMismatchError(blob.digest, diffId, actual, where);
      await recordDiffId(store, blob.digest, diffId);
    },
  };
}

/**
 * The uncompressed digest of a layer computed from its compressed bytes as they arrive (a pull):
 * one pass over the network's bytes, inflated and hashed on a worker thread of `pool` while the
 * main thread goes on downloading. `digest()` is undefined when the bytes are not a layer the
 * indexer can read (verifyImage then says why).
 */
export function layerDigester(pool: LayerIndexPool): { write(chunk: Buffer): Promise<void>; digest(): Promise<string | undefined> } {
  const input = new PassThrough({ highWaterMark: 4 << 20 });
  const done = pool.index(input).then((index) => decodeLayerIndex(index).meta.diffId, () => {
    input.resume(); // the worker stopped reading: let later writes through
    return undefined;
  });
  return {
    write: async (chunk) => {
      if (input.write(chunk)) return;
      await Promise.race([once(input, 'drain'), done]);
    },
    digest: () => {
      input.end();
      return done;
    },
  };
}

/** Checks one layer blob against its diffID (a recorded verification counts unless `recheck`), recording it. */
async function verifyLayer(store: ImageStore, blob: Descriptor, diffId: string, where: string, recheck: boolean): Promise<void> {
  if (blob.digest === diffId) return; // an uncompressed layer: its digest, checked when stored, is its diffID
  if (!recheck && (await recordedDiffId(store, blob.digest)) === diffId) return;
  await verifyingLayer(store, blob, diffId, where).verify();
}

/** A sha256 content descriptor with a media type and a size. */
export function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor;
  return typeof d === 'object' && d !== null && typeof d.mediaType === 'string' && typeof d.digest === 'string' && isDigest(d.digest) && Number.isSafeInteger(d.size) && d.size >= 0;
}

/** The manifest's shape, checked: a config and a list of layers, each a sha256 descriptor. */
export function checkImageManifest(document: unknown, where: string): ImageManifest {
  const m = document as ImageManifest;
  if (typeof m !== 'object' || m === null || !isDescriptor(m.config)) throw new StoreError(`${where}: the manifest has no valid config descriptor`);
  if (!Array.isArray(m.layers) || !m.layers.every(isDescriptor)) throw new StoreError(`${where}: the manifest's layers are not a list of descriptors`);
  return m;
}

/** A blob's JSON; a missing blob stays BlobNotFoundError, anything unreadable says what it should have been. */
async function readDocument<T>(store: ImageStore, digest: string, what: string): Promise<T> {
  try {
    return await store.readJson<T>(digest);
  } catch (err) {
    if (err instanceof BlobNotFoundError) throw err;
    throw new StoreError(`${what} is not JSON`);
  }
}

/** The config's diffIDs, checked: a JSON object whose rootfs.diff_ids are sha256 digests, one per layer. */
export async function configDiffIds(store: ImageStore, manifest: ImageManifest, where: string): Promise<string[]> {
  const config = await readDocument<{ rootfs?: { diff_ids?: unknown } }>(store, manifest.config.digest, `${where}: the config ${manifest.config.digest}`);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new StoreError(`${where}: the config ${manifest.config.digest} is not a JSON object`);
  const diffIds: unknown = config.rootfs?.diff_ids ?? [];
  if (!Array.isArray(diffIds) || !diffIds.every((d): d is string => typeof d === 'string' && isDigest(d))) throw new StoreError(`${where}: the config's rootfs.diff_ids are not a list of sha256 digests`);
  if (diffIds.length !== manifest.layers.length) throw new StoreError(`${where}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`);
  return diffIds;
}

/**
 * Verifies an image before it is named: every stored platform manifest (of an index) or the
 * manifest itself is well formed, its config is an image config, and each layer's uncompressed
 * content hashes to the config's diffID. Layers are hashed a few at a time; `recheck` (fsck) hashes
 * even those verified before.
 */
export async function verifyImage(store: ImageStore, entry: Descriptor, options: { recheck?: boolean } = {}): Promise<void> {
  const where = `image ${entry.digest}`;
  if (isIndexMediaType(entry.mediaType)) {
    const index = await readDocument<ImageIndex>(store, entry.digest, `${where}: the index`);
    if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests) || !index.manifests.every(isDescriptor)) throw new StoreError(`${where}: the index does not list its images as descriptors`);
    for (const m of index.manifests) if (await store.hasBlob(m.digest)) await verifyImage(store, m, options);
    return;
  }
  const manifest = checkImageManifest(await readDocument<unknown>(store, entry.digest, `${where}: the manifest`), where);
  const diffIds = await configDiffIds(store, manifest, where);
  let next = 0;
  const worker = async () => {
    while (next < manifest.layers.length) {
      const i = next++;
      await verifyLayer(store, manifest.layers[i], diffIds[i], where, options.recheck === true);
    }
  };
  await Promise.all([worker(), worker()]);
}
