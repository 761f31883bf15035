import type { ImageReference } from '../core/registry/imageReference';
import type { ImageManifest } from '../core/registry/ociTypes';
import { defaultPullPlatform } from '../core/registry/platform';
import type { RegistryClient } from '../core/registry/registryClient';
import { configFacts, indexPlatforms, manifestSize, type TagDetails } from './registryModel';

const MAX_CONFIG = 4 << 20;

/** A small document blob (an image config), whole. */
export async function readSmallBlob(client: RegistryClient, repo: ImageReference, desc: { digest: string; size: number }): Promise<Buffer> {
  if (desc.size > MAX_CONFIG) throw new Error(`the config blob is ${desc.size} bytes, too large to be an image config`);
  const chunks: Buffer[] = [];
  for await (const chunk of (await client.getBlob(repo, desc)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * What the Registries view shows of a tag: the digest it points at, and for the image this host
 * would pull (an index: the host's platform, else its first image) the size, age and platform.
 */
export async function readTagDetails(client: RegistryClient, ref: ImageReference): Promise<TagDetails> {
  const top = await client.getManifest(ref);
  let manifest: ImageManifest;
  let platforms: string[] = [];
  if ('manifests' in top.manifest) {
    const index = top.manifest;
    platforms = indexPlatforms(index);
    const host = defaultPullPlatform();
    const chosen = index.manifests.find((m) => m.platform?.os === host.os && m.platform.architecture === host.architecture)
      ?? index.manifests.find((m) => m.platform && m.platform.os !== 'unknown');
    if (!chosen) return { digest: top.descriptor.digest, mediaType: top.descriptor.mediaType, platforms };
    const child = await client.getManifest({ domain: ref.domain, path: ref.path, digest: chosen.digest });
    if (!('layers' in child.manifest)) return { digest: top.descriptor.digest, mediaType: top.descriptor.mediaType, platforms };
    manifest = child.manifest;
  } else {
    manifest = top.manifest;
  }
  const facts = configFacts(await readSmallBlob(client, ref, manifest.config));
  if (!platforms.length && facts.platform) platforms = [facts.platform];
  return { digest: top.descriptor.digest, mediaType: top.descriptor.mediaType, size: manifestSize(manifest), created: facts.created, platforms };
}
