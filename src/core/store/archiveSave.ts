import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { familiarReference, parseReference } from '../registry/imageReference';
import { syncDir } from './atomicFile';
import { CONTAINERD_NAME, digestHex, MediaType, REF_NAME, type Descriptor } from './descriptor';
import { normalizeRef, type ImageStore } from './imageStore';
import { StoreError } from './storeErrors';
import { TarWriter } from './tarWriter';

export interface SavedImage {
  readonly name: string;
  /** Config digest. */
  readonly id: string;
  readonly refs: string[];
}

/**
 * Writes images to a `docker save` archive as Docker 25 does: an OCI layout (`oci-layout`,
 * `index.json`, `blobs/sha256/…`) plus the `manifest.json` older `docker load` reads. Blobs go in
 * as stored (layers keep their compression). Multi-platform images are saved for this host's
 * platform. The file appears complete or not at all (temp file, renamed).
 */
export async function saveImages(store: ImageStore, names: readonly string[], file: string): Promise<SavedImage[]> {
  if (!names.length) throw new StoreError('name at least one image to save');
  const saved: SavedImage[] = [];
  const blobs = new Map<string, number>();
  const index: Descriptor[] = [];
  const legacy: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  for (const name of names) {
    const entry = await store.resolve(name);
    if (!entry) throw new StoreError(`no such image in the core store: ${name}`);
    const { descriptor, manifest } = await store.resolveManifest(entry);
    let refs: string[] = [];
    try {
      const ref = normalizeRef(name);
      if (await store.resolve(ref)) refs = [ref];
    } catch {
      refs = [];
    }
    for (const d of [manifest.config, ...manifest.layers, descriptor]) blobs.set(d.digest, d.size);
    const plain: Descriptor = { mediaType: descriptor.mediaType ?? MediaType.ociManifest, digest: descriptor.digest, size: descriptor.size };
    if (refs.length) for (const ref of refs) index.push({ ...plain, annotations: { [CONTAINERD_NAME]: ref, [REF_NAME]: parseReference(ref).tag ?? 'latest' } });
    else index.push(plain);
    legacy.push({
      Config: `blobs/sha256/${digestHex(manifest.config.digest)}`,
      RepoTags: refs.length ? refs.map((r) => familiarReference(parseReference(r))) : null,
      Layers: manifest.layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`),
    });
    saved.push({ name, id: manifest.config.digest, refs });
  }
  for (const digest of blobs.keys()) if (!(await store.hasBlob(digest))) throw new StoreError(`blob ${digest} is missing from the store (run "stevedore fsck"); nothing was saved`);

  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const out = await fs.open(temp, 'wx').catch((err: NodeJS.ErrnoException) => {
    throw new StoreError(`cannot write ${target}: ${err.code === 'ENOENT' ? 'its folder does not exist' : err.message}`);
  });
  try {
    const tar = new TarWriter(out);
    await tar.directory('blobs');
    await tar.directory('blobs/sha256');
    for (const [digest, size] of blobs) {
      const stat = await fs.stat(store.blobPath(digest));
      if (stat.size !== size) throw new StoreError(`blob ${digest} is ${stat.size} bytes, its descriptor says ${size} (run "stevedore fsck")`);
      await tar.file(`blobs/sha256/${digestHex(digest)}`, size, store.readBlob(digest) as AsyncIterable<Uint8Array>);
    }
    const text = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`);
    const files: [string, Buffer][] = [
      ['index.json', text({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: index })],
      ['manifest.json', text(legacy)],
      ['oci-layout', text({ imageLayoutVersion: '1.0.0' })],
    ];
    for (const [name, data] of files) await tar.file(name, data.length, data);
    await tar.finish();
    await out.sync();
    await out.close();
    await fs.rename(temp, target);
    await syncDir(path.dirname(target));
  } catch (err) {
    await out.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw err;
  }
  return saved;
}
