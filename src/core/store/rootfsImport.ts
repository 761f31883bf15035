import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { TarParser } from '../layers/tarParser';
import { checkArchiveFile, isGzipFile } from './archiveFiles';
import { hostPlatform, MediaType, type Descriptor, type Platform } from './descriptor';
import { normalizeRef, type ImageStore } from './imageStore';
import { StoreError } from './storeErrors';

export interface ImportedImage {
  readonly id: string;
  readonly manifest: Descriptor;
  readonly refs: string[];
}

/** The tar's bytes, checked entry by entry as they pass (a file that is not a tar fails, naming why). */
async function* checkedTar(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  const parser = new TarParser({ entry: () => undefined, data: () => undefined, entryEnd: () => undefined });
  try {
    for await (const chunk of chunks) {
      parser.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      yield chunk;
    }
    parser.end();
  } catch (err) {
    throw new StoreError(`${file} is not a usable root filesystem tarball: ${(err as Error).message}`);
  }
}

/**
 * `docker import`: a root filesystem tarball (plain or gzip) becomes a one-layer image. The layer
 * is stored uncompressed (its digest is its diffID); the config has this host's platform (or the
 * given one), the given command (`-c 'CMD [...]'`) or none, and a history step saying where it came from.
 */
export async function importRootfs(store: ImageStore, file: string, options: { ref?: string; platform?: Platform; command?: readonly string[] } = {}): Promise<ImportedImage> {
  const ref = options.ref === undefined ? undefined : normalizeRef(options.ref);
  await checkArchiveFile(file, 'a root filesystem archive');
  let source: AsyncIterable<Uint8Array> = createReadStream(file);
  if (await isGzipFile(file)) {
    const gunzip = zlib.createGunzip();
    pipeline(Readable.from(source), gunzip).catch(() => undefined);
    source = gunzip;
  }
  const layer = await store.writeBlob(checkedTar(source, file));
  const platform = options.platform ?? hostPlatform();
  const created = new Date().toISOString();
  const config = Buffer.from(JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created,
    config: options.command ? { Cmd: options.command } : {},
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created, created_by: '', comment: `Imported from ${path.basename(file)}` }],
  }));
  const configDesc = { mediaType: MediaType.ociConfig, ...(await store.writeBlob(config)) };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers: [{ mediaType: MediaType.ociLayer, ...layer }] }));
  const descriptor = { mediaType: MediaType.ociManifest, ...(await store.writeBlob(manifest)) };
  if (ref) await store.tag(ref, descriptor);
  else await store.keepUntagged(descriptor);
  return { id: configDesc.digest, manifest: descriptor, refs: ref ? [ref] : [] };
}
