import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { inspectImage } from '../../src/core/layers/imageInspection';
import type { ImageDescription, ImageSource, LayerDelivery } from '../../src/core/layers/imageSource';
import { LayerIndexCache } from '../../src/core/layers/layerCache';
import { LayerIndexPool } from '../../src/core/layers/layerIndexPool';
import { makeTar, sha256 } from '../support/tarBuilder';

/** A source of layers the test makes, claiming whatever diffIDs the test says. */
function source(layers: Buffer[], claims: string[], sourceKeys?: string[]): ImageSource & { fetched: number[] } {
  const description: ImageDescription = {
    name: 'test', origin: 'test', tags: [],
    layers: claims.map((diffId, i) => ({ diffId, sourceKey: sourceKeys?.[i] })),
    history: claims.map((_, i) => ({ createdBy: `step ${i}`, layer: i })),
  };
  const fetched: number[] = [];
  return {
    fetched,
    describe: () => Promise.resolve(description),
    fetchLayers: (wanted: readonly number[], deliver: (d: LayerDelivery) => void) => {
      for (const i of wanted) {
        fetched.push(i);
        deliver({ layer: i, bytes: Readable.from([layers[i]]) });
      }
      return Promise.resolve();
    },
    dispose: () => Promise.resolve(),
  };
}

describe('inspecting an image: cache, verification, failures', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-inspection-'));
  const pool = new LayerIndexPool({ size: 2 });
  after(() => {
    pool.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const a = makeTar([{ path: 'a', content: 'A' }]);
  const b = makeTar([{ path: 'b', content: 'B' }]);

  test('a layer whose content is not its claimed diffID is an error and is not cached; the others come and are', async () => {
    const cache = new LayerIndexCache(path.join(dir, 'c1'));
    const wrong = `sha256:${sha256('something else')}`;
    const result = await inspectImage(source([a, b], [`sha256:${sha256(a)}`, wrong]), { pool, cache });
    assert.ok('encoded' in result.layers[0]);
    assert.ok('error' in result.layers[1] && /layer 2: its content .* is not what the image config says/.test(result.layers[1].error));
    assert.ok(await cache.get(`sha256:${sha256(a)}`));
    assert.equal(await cache.get(wrong), undefined);
    assert.equal(await cache.get(`sha256:${sha256(b)}`), undefined);
  });

  test('reopening reads nothing; the same content twice in an image is read once', async () => {
    const cache = new LayerIndexCache(path.join(dir, 'c2'));
    const claims = [`sha256:${sha256(a)}`, `sha256:${sha256(b)}`, `sha256:${sha256(a)}`];
    const first = source([a, b, a], claims);
    await inspectImage(first, { pool, cache });
    assert.deepEqual(first.fetched, [0, 1]);
    const again = source([a, b, a], claims);
    const result = await inspectImage(again, { pool, cache });
    assert.deepEqual(again.fetched, []);
    assert.ok(result.layers.every((l) => 'cached' in l && l.cached));
  });

  test('a cancelled layer stops its worker and says so; the pool goes on with the next one', async () => {
    const abort = new AbortController();
    let sent = 0;
    const endless = new Readable({
      read() {
        // A layer that never ends: the job can only end by cancellation.
        sent++;
        setTimeout(() => this.push(sent === 1 ? a.subarray(0, 512) : Buffer.alloc(512)), 5);
      },
    });
    const pending = pool.index(endless, { signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    const next = await pool.index(Readable.from([b]));
    assert.ok(next.length > 0);
  });

  test('a layer with a source key is taken as it is and cached under that key only', async () => {
    const cache = new LayerIndexCache(path.join(dir, 'c3'));
    const claimed = `sha256:${sha256(a)}`; // b's bytes, claiming to be a
    const key = sha256('this archive, this entry');
    const result = await inspectImage(source([b], [claimed], [key]), { pool, cache });
    assert.ok('encoded' in result.layers[0]);
    assert.equal(await cache.get(claimed), undefined);
    assert.ok(await cache.get(claimed, key));
  });
});
