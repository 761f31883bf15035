import fs from 'node:fs/promises';
import { formatReference, type ImageReference, withDefaultTag } from '../registry/imageReference';
import type { Descriptor, Platform } from '../registry/ociTypes';
import { defaultPullPlatform } from '../registry/platform';
import type { RegistryClient } from '../registry/registryClient';
import { LayerIndexPool } from '../layers/layerIndexPool';
import { RegistryError } from '../registry/registryError';
import { partialPath } from '../store/blobIngest';
import { ensureSpace } from '../store/diskSpace';
import type { ImageStore } from '../store/imageStore';
import { checkImageManifest, layerDigester, recordDiffId } from '../store/imageVerification';
import { boundedEach, type ProgressListener, shortDigest } from './transferProgress';

const WRITE_SIZE = 1 << 20;

export interface PullOptions {
  /** Default: linux on this machine's CPU. */
  platform?: Platform;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Blobs downloaded at once. */
  concurrency?: number;
}

export interface PullResult {
  /** The full reference tagged in the store. */
  readonly ref: string;
  /** What the reference names in the store: the index for a multi-platform image pulled for this host, else the manifest. */
  readonly descriptor: Descriptor;
  /** The platform manifest pulled. */
  readonly manifest: Descriptor;
  /** The config digest (the image id). */
  readonly id: string;
}

/**
 * `docker pull` into the core store: the manifest for the platform, then config and layers in
 * parallel (each written through a verified ingest that resumes an interrupted one), then the
 * manifest (and index), then the tag, which verifies each layer against its diffID. Blobs land
 * before anything that names them, so a kill at any point leaves a consistent store.
 */
export async function pullImage(client: RegistryClient, store: ImageStore, reference: ImageReference, opts: PullOptions = {}): Promise<PullResult> {
  const ref = withDefaultTag(reference);
  const platform = opts.platform ?? defaultPullPlatform();
  const resolved = await client.resolvePlatformManifest(ref, platform);
  const manifest = checkImageManifest(resolved.manifest, `${formatReference(ref)} (manifest ${resolved.descriptor.digest})`);
  const blobs = [manifest.config, ...manifest.layers];
  for (const layer of manifest.layers) opts.onProgress?.({ id: shortDigest(layer.digest), status: 'Waiting', total: layer.size });
  await checkSpace(store, `${ref.domain}/${ref.path}`, blobs);
  const layers = new Set(manifest.layers.map((l) => l.digest));
  const concurrency = opts.concurrency ?? 3;
  const pool = new LayerIndexPool();
  try {
    await boundedEach(blobs, concurrency, (blob) => fetchBlob(client, store, ref, blob, opts, layers.has(blob.digest) ? pool : undefined));
  } finally {
    pool.dispose();
  }
  await store.writeBlob(resolved.bytes, { digest: resolved.descriptor.digest, size: resolved.descriptor.size });
  let named: Descriptor = { mediaType: resolved.descriptor.mediaType, digest: resolved.descriptor.digest, size: resolved.descriptor.size };
  // An index is kept as the name only when pulled for this host: the store lists an index through its host entry.
  const hostDefault = platform.os === defaultPullPlatform().os && platform.architecture === defaultPullPlatform().architecture;
  if (resolved.index && hostDefault) {
    await store.writeBlob(resolved.index.bytes, { digest: resolved.index.descriptor.digest, size: resolved.index.descriptor.size });
    named = resolved.index.descriptor;
  }
  const name = formatReference(ref);
  if (ref.tag) await store.tag(name, named);
  else await store.keepUntagged(named);
  return { ref: name, descriptor: named, manifest: resolved.descriptor, id: manifest.config.digest };
}

/** Refuses a pull, before any download, whose blobs (as their descriptors declare them) do not fit. */
async function checkSpace(store: ImageStore, repo: string, blobs: readonly Descriptor[]): Promise<void> {
  let needed = 0;
  let count = 0;
  for (const blob of blobs) {
    if (await store.hasBlob(blob.digest)) continue;
    const kept = await fs.stat(partialPath(store, blob.digest)).then((s) => s.size, () => 0);
    const size = Math.max(0, blob.size - kept);
    await ensureSpace(store.ingestDir, size, `blob ${repo}@${blob.digest} (its descriptor declares ${blob.size} bytes)`);
    needed += size;
    count++;
  }
  if (count > 1) await ensureSpace(store.ingestDir, needed, `the ${count} blobs of ${repo} still to download`);
}

async function fetchBlob(client: RegistryClient, store: ImageStore, repo: ImageReference, blob: Descriptor, opts: PullOptions, layerPool: LayerIndexPool | undefined): Promise<void> {
  const id = shortDigest(blob.digest);
  const report = (status: 'Downloading' | 'Verifying' | 'Download complete' | 'Already exists', current?: number) => opts.onProgress?.({ id, status, current, total: blob.size });
  if (await store.hasBlob(blob.digest)) return report('Already exists');
  const ingest = await store.ingest({ digest: blob.digest, size: blob.size });
  if (ingest.complete) return report('Already exists');
  let current = ingest.offset;
  // A layer downloaded whole is hashed uncompressed on the way, so naming the image needs no second pass.
  const digester = layerPool && current === 0 ? layerDigester(layerPool) : undefined;
  // Chunks from the socket are small; the disk gets them in pieces of about a megabyte, one piece
  // being written while the next arrives.
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    if (!pendingSize) return;
    const piece = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    writing = Promise.all([ingest.write(piece), digester?.write(piece)]).then(() => undefined);
    writing.catch(() => undefined); // reported by the next flush's await, not as an unhandled rejection
  };
  try {
    if (current < blob.size) {
      report('Downloading', current);
      // The ingest hashes what it writes and refuses a wrong digest at commit: one hash pass, not two.
      const stream = await client.getBlob(repo, blob, { offset: current, signal: opts.signal, checkDigest: false });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        pending.push(chunk);
        pendingSize += chunk.length;
        current += chunk.length;
        if (pendingSize >= WRITE_SIZE) await flush();
        report('Downloading', current);
      }
      await flush();
      await writing;
    }
  } catch (err) {
    void digester?.digest();
    if (err instanceof RegistryError && err.reason === 'digest-mismatch') {
      // Bytes that failed verification must not be resumed from: committing checks them and drops the partial.
      await ingest.commit().catch(() => undefined);
    } else {
      // What arrived before a dropped connection is kept for a resume (the commit checks it then).
      await flush().then(() => writing).catch(() => undefined);
      await ingest.close();
    }
    throw err;
  }
  report('Verifying', current);
  const uncompressed = digester?.digest();
  try {
    await ingest.commit();
  } catch (err) {
    await uncompressed;
    throw new RegistryError('digest-mismatch', `${repo.domain}/${repo.path}@${blob.digest} from the registry: ${(err as Error).message}`);
  }
  const diffId = await uncompressed;
  if (diffId) await recordDiffId(store, blob.digest, diffId);
  report('Download complete', current);
}
