import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { decodeLayerIndex, encodeLayerIndex, hashHex, kindOf, type LayerIndex } from '../../src/core/layers/layerIndex';
import { detectCompression, indexLayer } from '../../src/core/layers/layerIndexer';
import type { TarHeader } from '../../src/core/layers/tarHeader';
import { TarParser } from '../../src/core/layers/tarParser';
import { readTar } from '../../src/core/layers/tarReader';
import { skipUnlessAvailable, toolMissing } from '../support/services';
import { makeTar, sha256 } from '../support/tarBuilder';

const LAYER = makeTar([
  { path: 'etc', type: 'dir' },
  { path: 'etc/hostname', content: 'box\n', mode: 0o600, uid: 1000, gid: 100 },
  { path: 'etc/.wh.motd' },
  { path: 'var/cache/.wh..wh..opq' },
  { path: 'bin/sh', type: 'symlink', link: 'busybox' },
  { path: 'bin/ls', type: 'hardlink', link: 'bin/busybox' },
  { path: 'bin/busybox', content: Buffer.alloc(300_000, 7), mode: 0o755 },
  { path: 'empty', content: '' },
  { path: `deep/${'dir/'.repeat(40)}file`, content: 'deep' },
  { path: '<img src=x onerror=alert(1)>', content: 'xss' },
  { path: '../escape', content: 'outside' },
]);

function chunked(data: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return parts;
}

function stream(parts: Buffer[]): AsyncIterable<Buffer> {
  return Readable.from(parts);
}

function rows(index: LayerIndex) {
  return index.paths.map((p, i) => ({ path: p, kind: kindOf(index, i), size: index.sizes[i], mode: index.modes[i], uid: index.uids[i], link: index.links[i], hash: hashHex(index, i) }));
}

describe('tar push parser', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-parser-'));
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'sub', 'x'.repeat(120)), { recursive: true });
    fs.writeFileSync(path.join(root, 'sub', 'x'.repeat(120), 'f'), 'long');
    fs.writeFileSync(path.join(root, 'big'), Buffer.alloc(70_000, 1));
    fs.symlinkSync('big', path.join(root, 'link'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const format of ['gnu', 'pax']) {
    test(`${format}: the same entries as the pull reader, whatever the chunk size`, async () => {
      const file = path.join(dir, `${format}.tar`);
      execFileSync('tar', ['-c', `--format=${format}`, '-f', file, '-C', path.join(dir, 'root'), '.']);
      const data = fs.readFileSync(file);
      const expected: string[] = [];
      for await (const e of readTar([data])) expected.push(`${e.path} ${e.type} ${e.size} ${e.linkName}`);
      for (const size of [1, 7, 511, 512, 513, 65536]) {
        const seen: string[] = [];
        let bytes = 0;
        const parser = new TarParser({
          entry: (h: TarHeader) => seen.push(`${h.path} ${h.type} ${h.size} ${h.linkName}`),
          data: (slice) => (bytes += slice.length),
          entryEnd: () => undefined,
        });
        for (const part of chunked(data, size)) parser.push(part);
        parser.end();
        assert.deepEqual(seen, expected, `chunks of ${size}`);
        assert.equal(bytes, 70_000 + 4);
      }
    });
  }

  test('a stream cut inside an entry is an error that says so', () => {
    const parser = new TarParser({ entry: () => undefined, data: () => undefined, entryEnd: () => undefined });
    parser.push(LAYER.subarray(0, 2000));
    assert.throws(() => parser.end(), /the stream ended \d+ bytes early/);
  });
});

describe('layer indexer', () => {
  test('plain, gzip and zstd layers give the same index, and the diffID is the sha256 of the tar', { skip: skipUnlessAvailable(toolMissing('zstd')) }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-zstd-'));
    try {
      fs.writeFileSync(path.join(dir, 'layer.tar'), LAYER);
      execFileSync('zstd', ['-q', '-19', path.join(dir, 'layer.tar'), '-o', path.join(dir, 'layer.tar.zst')]);
      const zstd = fs.readFileSync(path.join(dir, 'layer.tar.zst'));
      const plain = await indexLayer(stream(chunked(LAYER, 1000)));
      const gzip = await indexLayer(stream(chunked(zlib.gzipSync(LAYER), 333)));
      const fromZstd = await indexLayer(stream(chunked(zstd, 4096)));
      const fromFile = await indexLayer({ path: path.join(dir, 'layer.tar.zst'), offset: 0, length: zstd.length });
      assert.equal(plain.meta.diffId, `sha256:${sha256(LAYER)}`);
      assert.deepEqual([plain.meta.compression, gzip.meta.compression, fromZstd.meta.compression], ['none', 'gzip', 'zstd']);
      for (const other of [gzip, fromZstd, fromFile]) {
        assert.equal(other.meta.diffId, plain.meta.diffId);
        assert.deepEqual(rows(other), rows(plain));
      }
      assert.equal(plain.meta.storedSize, LAYER.length);
      assert.equal(fromZstd.meta.storedSize, zstd.length);
      assert.equal(plain.meta.tarSize, LAYER.length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('entries: whiteouts and opaque markers, links, modes, owners, content hashes, names kept literally', async () => {
    const index = await indexLayer(stream([LAYER]));
    const byPath = new Map(rows(index).map((r) => [r.path, r]));
    assert.equal(byPath.get('etc/hostname')?.hash, sha256('box\n'));
    assert.deepEqual({ ...byPath.get('etc/hostname'), hash: undefined }, { path: 'etc/hostname', kind: 'file', size: 4, mode: 0o600, uid: 1000, link: '', hash: undefined });
    assert.equal(byPath.get('etc/motd')?.kind, 'whiteout');
    assert.equal(byPath.get('var/cache')?.kind, 'opaque');
    assert.equal(byPath.get('bin/sh')?.link, 'busybox');
    assert.equal(byPath.get('bin/ls')?.kind, 'hardlink');
    assert.equal(byPath.get('bin/busybox')?.hash, sha256(Buffer.alloc(300_000, 7)));
    assert.equal(byPath.get('empty')?.hash, sha256(''));
    assert.equal(byPath.get('<img src=x onerror=alert(1)>')?.size, 3);
    assert.equal(byPath.get('../escape')?.kind, 'file');
    assert.ok(byPath.has(`deep/${'dir/'.repeat(40)}file`));
    assert.equal(index.meta.fileBytes, 4 + 300_000 + 4 + 3 + 7);
  });

  test('the encoding round-trips, also from an unaligned buffer', async () => {
    const index = await indexLayer(stream([LAYER]));
    const encoded = encodeLayerIndex(index);
    const unaligned = Buffer.concat([Buffer.alloc(3), encoded]).subarray(3);
    for (const bytes of [encoded, unaligned]) {
      const decoded = decodeLayerIndex(bytes);
      assert.deepEqual(decoded.meta, index.meta);
      assert.deepEqual(rows(decoded), rows(index));
    }
    assert.throws(() => decodeLayerIndex(encoded.subarray(0, 100)), /truncated|corrupt/);
  });

  test('corrupt, truncated and unsupported layers are errors that say what is wrong', async () => {
    const gz = zlib.gzipSync(LAYER);
    await assert.rejects(indexLayer(stream([gz.subarray(0, gz.length - 40)])), /gzip data is corrupt or truncated/);
    await assert.rejects(indexLayer(stream([LAYER.subarray(0, 5000)])), /tar is corrupt or truncated: the stream ended/);
    const bad = Buffer.from(LAYER);
    bad[600] ^= 0xff; // inside the second header
    await assert.rejects(indexLayer(stream([bad])), /bad header checksum/);
    await assert.rejects(indexLayer(stream([Buffer.from('BZh91AY&SY not really')])), /bzip2-compressed/);
    await assert.rejects(indexLayer(stream([Buffer.from('{"not":"a layer"}')])), /not a tar archive/);
  });

  test('compression is detected from the bytes', () => {
    assert.equal(detectCompression(zlib.gzipSync('x')), 'gzip');
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
    assert.equal(detectCompression(LAYER.subarray(0, 512)), 'none');
    assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])), 'xz');
  });
});
