import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatReference, parseReference, withDefaultTag } from '../registry/imageReference';
import { syncDir, tempName, writeFileAtomic } from './atomicFile';
import { openIngest, touch, type BlobIngest } from './blobIngest';
import { noSpaceError } from './diskSpace';
import { digestHex, hostPlatform, isDigest, isIndexMediaType, REF_NAME, type Descriptor, type ImageIndex, type ImageManifest, type Platform } from './descriptor';
import { reachableBlobs } from './imageGraph';
import { verifyImage } from './imageVerification';
import { IndexFile } from './imageIndex';
import { offeredPlatforms, platformText, selectPlatform } from './platformSelection';
import { openPrivateHome, stevedoreHome } from './storeHome';
import { BlobNotFoundError, DigestMismatchError, StoreError } from './storeErrors';

export type { BlobIngest } from './blobIngest';

/** One image of the store: a manifest (or index) with the names that point at it. */
export interface StoredImage {
  /** Full normalised references (`docker.io/library/busybox:latest`); empty for an untagged image. */
  readonly refs: string[];
  /** The descriptor in index.json, without its name annotation. */
  readonly manifest: Descriptor;
  /** The config digest of the (host platform's) manifest: the image id, as Docker shows it. */
  readonly id: string;
  /** Config plus layers, as stored. */
  readonly size: number;
  /** From the config, ISO 8601. */
  readonly created?: string;
  readonly platform?: Platform;
  /** Set when the image's blobs cannot be read (run fsck); id is then the manifest digest. */
  readonly error?: string;
}

/** A manifest found for an image, with the platform entry of an index already resolved. */
export interface ResolvedManifest {
  readonly descriptor: Descriptor;
  readonly manifest: ImageManifest;
  /** The index it came from, when the image is multi-platform. */
  readonly index?: ImageIndex;
}

const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';

/** Normalises a user's image name as Docker does: `busybox` → `docker.io/library/busybox:latest`. */
export function normalizeRef(text: string): string {
  return formatReference(withDefaultTag(parseReference(text)));
}

function withoutName(d: Descriptor): Descriptor {
  const { annotations, ...rest } = d;
  if (!annotations) return { ...rest };
  const others = { ...annotations };
  delete others[REF_NAME];
  return Object.keys(others).length ? { ...rest, annotations: others } : { ...rest };
}

/**
 * The OCI image layout store (`<home>/images`): content-addressed blobs written through verified,
 * resumable ingests, and index.json naming images, shared by the CLI and the extension.
 */
export class ImageStore {
  readonly blobsDir: string;
  readonly ingestDir: string;
  private readonly index: IndexFile;

  private constructor(readonly root: string) {
    this.blobsDir = path.join(root, 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'ingest');
    this.index = new IndexFile(root, this.ingestDir);
  }

  /** Opens the store under `home` (default stevedoreHome()), creating the layout if absent; the home is made private (see openPrivateHome). */
  static async open(home = stevedoreHome()): Promise<ImageStore> {
    await openPrivateHome(home);
    const store = new ImageStore(path.join(home, 'images'));
    await fs.mkdir(store.blobsDir, { recursive: true });
    await fs.mkdir(store.ingestDir, { recursive: true });
    const layout = path.join(store.root, 'oci-layout');
    if (!existsSync(layout)) await writeFileAtomic(layout, OCI_LAYOUT, store.ingestDir);
    if (!existsSync(store.index.file)) await store.index.update(() => undefined);
    return store;
  }

  blobPath(digest: string): string {
    return path.join(this.blobsDir, digestHex(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return fs.access(this.blobPath(digest)).then(() => true, () => false);
  }

  /** The blob's bytes; throws BlobNotFoundError at once when it is not stored. */
  readBlob(digest: string): NodeJS.ReadableStream {
    const file = this.blobPath(digest);
    if (!existsSync(file)) throw new BlobNotFoundError(digest);
    return createReadStream(file);
  }

  async readJson<T>(digest: string): Promise<T> {
    let text: string;
    try {
      text = await fs.readFile(this.blobPath(digest), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(digest);
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StoreError(`blob ${digest} is not JSON`);
    }
  }

  /** A resumable, verified write of one blob (see BlobIngest). */
  ingest(expected: { digest: string; size?: number }): Promise<BlobIngest> {
    return openIngest(this, expected);
  }

  /**
   * Stores `data` whole. With `expected`, the content must match it (DigestMismatchError
   * otherwise, and nothing is stored); without, it is stored under its own digest.
   */
  async writeBlob(data: Uint8Array | AsyncIterable<Uint8Array>, expected?: { digest: string; size?: number }): Promise<{ digest: string; size: number }> {
    const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
    if (expected) {
      const ingest = await openIngest(this, expected, true);
      if (ingest.complete) return { digest: expected.digest, size: ingest.offset };
      let size = 0;
      try {
        for await (const chunk of chunks) {
          await ingest.write(chunk);
          size += chunk.length;
        }
      } catch (err) {
        // The caller has the whole content, so a partial is never worth resuming.
        await ingest.discard();
        throw err;
      }
      await ingest.commit();
      return { digest: expected.digest, size };
    }
    return this.writeUnknown(chunks);
  }

  private async writeUnknown(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ digest: string; size: number }> {
    const temp = tempName(this.ingestDir, 'blob');
    const hash = createHash('sha256');
    let size = 0;
    const handle = await fs.open(temp, 'wx');
    try {
      for await (const chunk of chunks) {
        await handle.write(chunk);
        hash.update(chunk);
        size += chunk.length;
      }
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw noSpaceError(err, 'a blob', this.ingestDir);
    }
    await handle.close();
    const digest = `sha256:${hash.digest('hex')}`;
    if (await this.hasBlob(digest)) {
      await fs.rm(temp, { force: true });
      await touch(this.blobPath(digest));
    } else {
      await fs.rename(temp, this.blobPath(digest));
      await syncDir(this.blobsDir);
    }
    return { digest, size };
  }

  /** Verifies a stored blob's digest by reading it whole. */
  async verifyBlob(digest: string): Promise<void> {
    const hash = createHash('sha256');
    for await (const chunk of this.readBlob(digest)) hash.update(chunk as Buffer);
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) throw new DigestMismatchError(digest, actual, 'the stored blob is corrupt');
  }

  /** The index.json entries, as they are on disk. */
  async entries(): Promise<Descriptor[]> {
    return (await this.index.read()).manifests;
  }

  /** Changes index.json under its lock, atomically. */
  updateIndex<T>(change: (index: ImageIndex) => T | Promise<T>): Promise<T> {
    return this.index.update(change);
  }

  /** Runs `body` while nobody can change index.json (gc: what is reachable stays so until it is done). */
  withIndexLock<T>(body: () => Promise<T>): Promise<T> {
    return this.index.locked(body);
  }

  /**
   * Throws BlobNotFoundError unless every blob the entry needs is stored (platforms of an index
   * may be absent). Called under the index lock, so gc cannot remove them before the name lands.
   */
  private async assertComplete(entry: Descriptor): Promise<void> {
    const missing = (await reachableBlobs(this, [entry])).find((b) => !b.present && !b.optional);
    if (missing) throw new BlobNotFoundError(missing.digest);
  }

  /**
   * Names an image: `ref` (normalised here) now points at `manifest`, whose blobs must be stored
   * and whose layers must match their diffIDs (verifyImage; an image named before stays named). An
   * image the name pointed at before stays, untagged, when no other name is left on it (as Docker
   * leaves a dangling image).
   */
  async tag(ref: string, manifest: Descriptor): Promise<void> {
    const name = normalizeRef(ref);
    if (!isDigest(manifest.digest)) throw new StoreError(`"${manifest.digest}" is not a sha256 digest`);
    const entry = { ...withoutName(manifest), annotations: { ...withoutName(manifest).annotations, [REF_NAME]: name } };
    await verifyImage(this, manifest);
    await this.index.update(async (index) => {
      await this.assertComplete(manifest);
      const previous = index.manifests.filter((d) => d.annotations?.[REF_NAME] === name);
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== name && !(d.digest === manifest.digest && !d.annotations?.[REF_NAME]));
      for (const old of previous) {
        if (old.digest !== manifest.digest && !index.manifests.some((d) => d.digest === old.digest)) index.manifests.push(withoutName(old));
      }
      index.manifests.push(entry);
    });
  }

  /** Keeps `manifest` in the index without a name (a loaded image with no tag), unless it has one already. */
  async keepUntagged(manifest: Descriptor): Promise<void> {
    await verifyImage(this, manifest);
    await this.index.update(async (index) => {
      await this.assertComplete(manifest);
      if (!index.manifests.some((d) => d.digest === manifest.digest)) index.manifests.push(withoutName(manifest));
    });
  }

  /** Removes the name; true when it was there. The image's blobs stay until gc. */
  async untag(ref: string): Promise<boolean> {
    const name = normalizeRef(ref);
    return this.index.update((index) => {
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== name);
      return index.manifests.length !== before;
    });
  }

  /**
   * The index entry a user means: a reference (`busybox`, `localhost:5000/app:1`), a manifest or
   * config digest, or a unique prefix of either (a short image id). Undefined when none matches;
   * StoreError when a prefix matches several images.
   */
  async resolve(text: string): Promise<Descriptor | undefined> {
    const entries = await this.entries();
    let name: string | undefined;
    try {
      name = normalizeRef(text);
    } catch {
      name = undefined;
    }
    const named = name !== undefined ? entries.find((d) => d.annotations?.[REF_NAME] === name) : undefined;
    if (named) return withoutName(named);
    const hex = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(text)?.[1];
    if (!hex) return undefined;
    const prefix = `sha256:${hex}`;
    const images = await this.list();
    const matches = images.filter((i) => i.id.startsWith(prefix) || i.manifest.digest.startsWith(prefix));
    const distinct = new Set(matches.map((i) => i.manifest.digest));
    if (distinct.size > 1) throw new StoreError(`"${text}" matches ${distinct.size} images; give more of the id`);
    return matches[0]?.manifest;
  }

  /** The manifest of an index entry, the `platform` one (default: this host's) for an index. */
  async resolveManifest(descriptor: Descriptor, platform: Platform = hostPlatform()): Promise<ResolvedManifest> {
    if (!isIndexMediaType(descriptor.mediaType)) {
      return { descriptor, manifest: await this.readJson<ImageManifest>(descriptor.digest) };
    }
    const index = await this.readJson<ImageIndex>(descriptor.digest);
    const chosen = selectPlatform(index, platform);
    if (!chosen) throw new StoreError(`image ${descriptor.digest} has no manifest for ${platformText(platform)} (it has: ${offeredPlatforms(index)})`);
    const inner = await this.resolveManifest(chosen, platform);
    return { ...inner, index };
  }

  /** Every image, one per manifest digest, with all its names. */
  async list(): Promise<StoredImage[]> {
    const groups = new Map<string, { manifest: Descriptor; refs: string[] }>();
    for (const entry of await this.entries()) {
      const group = groups.get(entry.digest) ?? { manifest: withoutName(entry), refs: [] };
      const name = entry.annotations?.[REF_NAME];
      if (name && !group.refs.includes(name)) group.refs.push(name);
      groups.set(entry.digest, group);
    }
    return Promise.all([...groups.values()].map((g) => this.describe(g.manifest, g.refs)));
  }

  private async describe(manifest: Descriptor, refs: string[]): Promise<StoredImage> {
    try {
      const resolved = await this.resolveManifest(manifest);
      const m = resolved.manifest;
      const config = await this.readJson<{ created?: string; os?: string; architecture?: string; variant?: string }>(m.config.digest);
      const size = m.config.size + m.layers.reduce((sum, l) => sum + l.size, 0);
      const platform = config.os && config.architecture ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) } : undefined;
      return { refs, manifest, id: m.config.digest, size, created: config.created, platform };
    } catch (err) {
      return { refs, manifest, id: manifest.digest, size: 0, error: (err as Error).message };
    }
  }
}
