import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseReference } from '../../src/core/registry/imageReference';
import type { RegistryClient } from '../../src/core/registry/registryClient';
import { makeTar } from './tarBuilder';

export const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Deterministic incompressible bytes (xorshift32 from a seed). */
export function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  for (let i = size - (size % 4); i < size; i++) out[i] = i & 0xff;
  return out;
}

export interface BuiltImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  layers: Buffer[];
}

/** A small OCI image: each layer a gzip tar with one file of `layerSizes[i]` random bytes. */
export function buildImage(layerSizes: number[], opts: { architecture?: string; variant?: string; seed?: number } = {}): BuiltImage {
  const tars = layerSizes.map((size, i) => makeTar([{ path: `file${i}`, content: pseudoRandom(size, (opts.seed ?? 1) * 100 + i + 1) }]));
  const layers = tars.map((t) => gzipSync(t, { level: 1 }));
  const diffIds = tars.map(sha);
  const config = Buffer.from(JSON.stringify({
    architecture: opts.architecture ?? 'amd64', ...(opts.variant ? { variant: opts.variant } : {}), os: 'linux',
    config: { Cmd: ['/file0'] }, rootfs: { type: 'layers', diff_ids: diffIds }, created: '2026-01-01T00:00:00Z',
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(l), size: l.length })),
  }));
  return { manifest, manifestDigest: sha(manifest), config, layers };
}

/** Pushes a built image with the client under test; returns its reference text. */
export async function pushBuilt(client: RegistryClient, reference: string, image: BuiltImage, opts: { tag?: boolean } = {}): Promise<string> {
  const ref = parseReference(reference);
  for (const blob of [image.config, ...image.layers]) {
    await client.pushBlob(ref, { digest: sha(blob), size: blob.length }, function* () { yield blob; });
  }
  await client.putManifest(opts.tag === false ? { ...ref, tag: undefined, digest: image.manifestDigest } : ref, 'application/vnd.oci.image.manifest.v1+json', image.manifest);
  return reference;
}
