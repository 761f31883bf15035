import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { ReferenceError } from '../../src/core/registry/imageReference';
import { loadArchive } from '../../src/core/store/archiveLoad';
import { MediaType } from '../../src/core/store/descriptor';
import { ImageStore } from '../../src/core/store/imageStore';
import { BlobNotFoundError, DigestMismatchError, StoreError } from '../../src/core/store/storeErrors';
import { FUZZ_MS, fuzz } from '../support/fuzz';
import { makeTar, sha256 } from '../support/tarBuilder';

/**
 * Image archives whose index.json, manifest.json, manifests and configs are mutated as JSON values
 * (wrong types, missing keys, odd digests, huge numbers) or broken as text go through `load`: each
 * is either loaded or refused with a store error; never a TypeError, never a parser's quote of the
 * input.
 */

const digestOf = (data: Buffer) => `sha256:${sha256(data)}`;
const MARK = 'Qu0ted-From-Input';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ODD: Json[] = [null, true, 0, -1, 1e308, 2 ** 53 + 1, '', 'sha256:', `sha256:${'0'.repeat(64)}`, `sha512:${'a'.repeat(128)}`, '../../etc/passwd', 'x\u001b[2K', [], {}, [1], { digest: 5 }];

function mutateJson(random: () => number, value: Json, depth = 0): Json {
  const r = random();
  if (r < 0.08) return ODD[Math.floor(random() * ODD.length)];
  if (r < 0.1 && depth < 3) return [value, value];
  if (Array.isArray(value)) {
    const copy = value.map((v) => (random() < 0.3 ? mutateJson(random, v, depth + 1) : v));
    if (random() < 0.1) copy.pop();
    if (random() < 0.1) copy.push(ODD[Math.floor(random() * ODD.length)]);
    return copy;
  }
  if (value && typeof value === 'object') {
    const copy: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (random() < 0.05) continue;
      copy[random() < 0.03 ? `${k}x` : k] = random() < 0.3 ? mutateJson(random, v, depth + 1) : v;
    }
    return copy;
  }
  return value;
}

/** The value as JSON text, sometimes broken with the marker inside (a parser's message would quote it). */
function text(random: () => number, value: Json): string {
  const json = JSON.stringify(value);
  if (random() > 0.05) return json;
  const at = Math.floor(random() * json.length);
  return `${json.slice(0, at)}${MARK}${json.slice(at)}`;
}

function seedImage(): { layer: Buffer; config: Json; manifest: (config: Buffer) => Json } {
  const tar = makeTar([{ path: 'etc/hello', content: 'hi' }]);
  const layer = zlib.gzipSync(tar);
  const config: Json = { architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [digestOf(tar)] }, history: [{ created_by: 'x' }] };
  return {
    layer,
    config,
    manifest: (c) => ({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: digestOf(c), size: c.length }, layers: [{ mediaType: MediaType.ociLayerGzip, digest: digestOf(layer), size: layer.length }] }),
  };
}

function ociArchive(random: () => number): Buffer {
  const seed = seedImage();
  const config = Buffer.from(text(random, random() < 0.5 ? mutateJson(random, seed.config) : seed.config));
  const manifest = Buffer.from(text(random, random() < 0.6 ? mutateJson(random, seed.manifest(config)) : seed.manifest(config)));
  const index: Json = { schemaVersion: 2, manifests: [{ mediaType: MediaType.ociManifest, digest: digestOf(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'fuzz:1' } }] };
  return makeTar([
    { path: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { path: 'index.json', content: text(random, random() < 0.5 ? mutateJson(random, index) : index) },
    ...[seed.layer, config, manifest].map((b) => ({ path: `blobs/sha256/${sha256(b)}`, content: b })),
  ]);
}

function legacyArchive(random: () => number): Buffer {
  const seed = seedImage();
  const config = Buffer.from(text(random, random() < 0.6 ? mutateJson(random, seed.config) : seed.config));
  const entry: Json = [{ Config: `${sha256(config)}.json`, RepoTags: ['fuzz:2'], Layers: ['l/layer.tar'] }];
  return makeTar([
    { path: 'l/layer.tar', content: seed.layer },
    { path: `${sha256(config)}.json`, content: config },
    { path: 'manifest.json', content: text(random, random() < 0.6 ? mutateJson(random, entry) : entry) },
  ]);
}

describe('fuzz: image archives with mutated index, manifest and config JSON', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-manifest-fuzz-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(`load refuses or loads, with a store error and nothing quoted (${FUZZ_MS} ms)`, async () => {
    const store = await ImageStore.open(path.join(dir, 'home'));
    const file = path.join(dir, 'archive.tar');
    let loaded = 0;
    const cases = await fuzz('image archive JSON', async (n, random) => {
      fs.writeFileSync(file, random() < 0.5 ? ociArchive(random) : legacyArchive(random));
      try {
        await loadArchive(store, file);
        loaded++;
        const images = await store.list();
        for (const image of images) assert.ok(image.refs.length || image.manifest.digest.startsWith('sha256:'));
      } catch (err) {
        const known = err instanceof StoreError || err instanceof DigestMismatchError || err instanceof BlobNotFoundError || err instanceof ReferenceError;
        assert.ok(known, `case ${n}: ${(err as Error).name}: ${(err as Error).message}`);
        // A name may be quoted (the archive has no such entry); what a parser saw never is.
        assert.doesNotMatch((err).message, /Unexpected|valid JSON|JSON at position|after JSON/, `case ${n}: the error quotes the input`);
      }
    });
    assert.ok(cases > 10, `only ${cases} cases ran`);
    assert.ok(loaded > 0, 'no case loaded: the mutations are too strong to reach the deeper checks');
  });
});
