import { type ImageReference, parseReference, withDefaultTag } from '../registry/imageReference';
import type { Descriptor, ImageIndex, ImageManifest } from '../registry/ociTypes';
import type { RegistryClient } from '../registry/registryClient';
import { RegistryError } from '../registry/registryError';
import { isIndexMediaType, REF_NAME } from '../store/descriptor';
import type { ImageStore } from '../store/imageStore';
import { boundedEach, type ProgressListener, shortDigest } from './transferProgress';

export interface PushOptions {
  /** The store image to push (a name or id); default: `reference` itself. */
  source?: string;
  onProgress?: ProgressListener;
  /** Blobs uploaded at once. */
  concurrency?: number;
  /** Upload in PATCH chunks of this size instead of one PUT per blob. */
  chunkSize?: number;
}

/**
 * `docker push` from the core store: blobs the repository has are skipped, blobs another
 * repository of the same registry holds (an image tagged there in the store) are mounted, the rest
 * uploaded; then the manifest(s), the index last. Returns the pushed digest.
 */
export async function pushImage(client: RegistryClient, store: ImageStore, reference: ImageReference, opts: PushOptions = {}): Promise<string> {
  const ref = withDefaultTag(reference);
  const source = opts.source ?? `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  const top = await store.resolve(source);
  if (!top) throw new RegistryError('not-found', `no image "${source}" in the store`);
  const mountFrom = await sameRegistryRepository(store, top.digest, ref);
  const manifests: Descriptor[] = [];
  if (isIndexMediaType(top.mediaType)) {
    const index = await store.readJson<ImageIndex>(top.digest);
    const present = await Promise.all(index.manifests.map((d) => store.hasBlob(d.digest)));
    if (present.every(Boolean)) manifests.push(...index.manifests);
    else return pushManifest(client, store, ref, (await store.resolveManifest(top)).descriptor, mountFrom, opts);
  }
  for (const child of manifests) await pushManifest(client, store, { ...ref, tag: undefined, digest: child.digest }, child, mountFrom, opts);
  if (manifests.length) return client.putManifest(ref, top.mediaType, await readAll(store, top.digest));
  return pushManifest(client, store, ref, top, mountFrom, opts);
}

async function pushManifest(client: RegistryClient, store: ImageStore, ref: ImageReference, desc: Descriptor, mountFrom: string | undefined, opts: PushOptions): Promise<string> {
  const manifest = await store.readJson<ImageManifest>(desc.digest);
  const blobs = [manifest.config, ...manifest.layers];
  await boundedEach(blobs, opts.concurrency ?? 3, async (blob) => {
    const id = shortDigest(blob.digest);
    const outcome = await client.pushBlob(ref, blob, () => store.readBlob(blob.digest) as AsyncIterable<Buffer>, {
      mountFrom, chunkSize: opts.chunkSize,
      onProgress: (current) => opts.onProgress?.({ id, status: 'Pushing', current, total: blob.size }),
    });
    opts.onProgress?.({ id, status: outcome === 'exists' ? 'Already exists' : outcome === 'mounted' ? 'Mounted' : 'Pushed', current: blob.size, total: blob.size });
  });
  return client.putManifest(ref, desc.mediaType, await readAll(store, desc.digest));
}

/** Another repository of the target registry that the store knows holds this image: a mount source. */
async function sameRegistryRepository(store: ImageStore, digest: string, target: ImageReference): Promise<string | undefined> {
  for (const entry of await store.entries()) {
    const name = entry.annotations?.[REF_NAME];
    if (entry.digest !== digest || !name) continue;
    const other = parseReference(name);
    if (other.domain === target.domain && other.path !== target.path) return other.path;
  }
  return undefined;
}

async function readAll(store: ImageStore, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.readBlob(digest) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
