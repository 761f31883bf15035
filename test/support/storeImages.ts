import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MediaType, type Descriptor } from '../../src/core/store/descriptor';
import type { ImageStore } from '../../src/core/store/imageStore';
import { makeTar, sha256, type TestEntry } from './tarBuilder';

/** A fresh temp folder for a store's home, removed by the returned cleanup. */
export function tempHome(prefix = 'stevedore-store-'): { home: string; cleanup: () => void } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { home, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

export function descriptorOf(mediaType: string, data: Buffer): Descriptor {
  return { mediaType, digest: `sha256:${sha256(data)}`, size: data.length };
}

/** Writes a small one-platform image (uncompressed layers of these entries) into the store; its manifest descriptor and config digest. */
export async function writeTestImage(store: ImageStore, layers: readonly (readonly TestEntry[])[], created = '2024-01-02T03:04:05Z', architecture = 'amd64'): Promise<{ manifest: Descriptor; configDigest: string; size: number }> {
  const tars = layers.map((l) => makeTar(l));
  const config = Buffer.from(JSON.stringify({
    architecture,
    os: 'linux',
    created,
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha256(t)}`) },
    history: tars.map((_, i) => ({ created, created_by: `step ${i}` })),
  }));
  const configDesc = descriptorOf(MediaType.ociConfig, config);
  const layerDescs = tars.map((t) => descriptorOf(MediaType.ociLayer, t));
  for (const t of tars) await store.writeBlob(t);
  await store.writeBlob(config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers: layerDescs }));
  await store.writeBlob(manifest);
  return { manifest: descriptorOf(MediaType.ociManifest, manifest), configDigest: configDesc.digest, size: config.length + tars.reduce((s, t) => s + t.length, 0) };
}

const MIB = 1 << 20;

/** Deterministic bytes (a pseudo-random MiB per seed, each MiB stamped with its number), in MiB chunks. */
export function* patternChunks(seed: number, size: number): Generator<Buffer> {
  const base = Buffer.alloc(MIB);
  for (let i = 0; i < MIB / 32; i++) crypto.createHash('sha256').update(`${seed}:${i}`).digest().copy(base, i * 32);
  for (let at = 0, block = 0; at < size; at += MIB, block++) {
    const chunk = Buffer.from(base.subarray(0, Math.min(MIB, size - at)));
    chunk.writeUInt32BE(block, 0);
    yield chunk;
  }
}

export function patternDigest(seed: number, size: number): string {
  const hash = crypto.createHash('sha256');
  for (const chunk of patternChunks(seed, size)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
