import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, beforeEach, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { applyLayer, LayerRejectedError, mountImageRootfs } from '../../src/core/run/rootfs';
import { ImageStore } from '../../src/core/store/imageStore';
import { makeTar, type TestEntry } from '../support/tarBuilder';
import { tempHome, writeTestImage } from '../support/storeImages';

const { home: work, cleanup } = tempHome('stevedore-layers-');
const root = path.join(work, 'root');
const canary = path.join(work, 'canary');
after(cleanup);

/** Everything under the canary dir: names, kinds and contents; must never change. */
function canaryState(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const stat = fs.lstatSync(file);
      out.push(`${path.relative(canary, file)} ${stat.mode.toString(8)} ${stat.isFile() ? fs.readFileSync(file, 'utf8') : ''}`);
      if (stat.isDirectory()) walk(file);
    }
  };
  walk(canary);
  return out.join('\n');
}

const layer = (entries: TestEntry[]) => Readable.from([makeTar(entries)]);

describe('applyLayer keeps malicious layers inside the root', () => {
  let before = '';
  beforeEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(canary, { recursive: true, force: true });
    fs.mkdirSync(root);
    fs.mkdirSync(canary);
    fs.writeFileSync(path.join(canary, 'keep.txt'), 'host data');
    before = canaryState();
  });
  const rejected = async (entries: TestEntry[], entry: string, reason: RegExp) => {
    await assert.rejects(applyLayer(root, layer(entries)), (err: Error) => {
      assert.ok(err instanceof LayerRejectedError, `${err.name}: ${err.message}`);
      assert.equal(err.entry, entry);
      assert.match(err.message, reason);
      return true;
    });
    assert.equal(canaryState(), before, 'the host dir beside the root changed');
  };

  test('a ../ path is rejected', async () => {
    await rejected([{ path: '../canary/pwned', content: 'x' }], '../canary/pwned', /"\.\."/);
    await rejected([{ path: 'a/../../canary/keep.txt', content: 'x' }], 'a/../../canary/keep.txt', /"\.\."/);
  });

  test('an absolute path lands inside the root, as Docker unpacks it', async () => {
    await applyLayer(root, layer([{ path: `${canary}/pwned`, content: 'x' }]));
    assert.equal(fs.readFileSync(path.join(root, canary, 'pwned'), 'utf8'), 'x');
    assert.equal(canaryState(), before);
  });

  test('a symlink leading out, then a write through it, is rejected', async () => {
    await rejected([{ path: 'esc', type: 'symlink', link: '../canary' }, { path: 'esc/pwned', content: 'x' }], 'esc/pwned', /leads out of the root/);
    await rejected([{ path: 'd', type: 'dir' }, { path: 'd/up', type: 'symlink', link: '../../canary' }, { path: 'd/up/keep.txt', content: 'x' }], 'd/up/keep.txt', /leads out of the root/);
  });

  test('an absolute symlink is followed inside the root, never to the host', async () => {
    await applyLayer(root, layer([{ path: 'abs', type: 'symlink', link: canary }, { path: 'abs/keep.txt', content: 'overwritten' }]));
    assert.equal(fs.readFileSync(path.join(root, canary, 'keep.txt'), 'utf8'), 'overwritten');
    assert.equal(fs.readlinkSync(path.join(root, 'abs')), canary, 'the symlink itself is kept as the layer has it');
    assert.equal(canaryState(), before);
  });

  test('a file over a symlink replaces the link instead of writing through it', async () => {
    await applyLayer(root, layer([{ path: 'link', type: 'symlink', link: '../canary/keep.txt' }, { path: 'link', content: 'new' }]));
    assert.ok(fs.lstatSync(path.join(root, 'link')).isFile());
    assert.equal(canaryState(), before);
  });

  test('a hardlink to outside is rejected', async () => {
    await rejected([{ path: 'hl', type: 'hardlink', link: '../canary/keep.txt' }], 'hl', /hardlink to "\.\.\/canary\/keep\.txt", outside/);
    await rejected([{ path: 'abs', type: 'symlink', link: canary }, { path: 'hl', type: 'hardlink', link: 'abs/keep.txt' }], 'hl', /does not have/);
    await rejected([{ path: 'esc', type: 'symlink', link: '../canary' }, { path: 'hl', type: 'hardlink', link: 'esc/keep.txt' }], 'hl', /leads out of the root/);
  });

  test('a hardlink inside the layer works', async () => {
    await applyLayer(root, layer([{ path: 'a', content: 'same' }, { path: 'b', type: 'hardlink', link: 'a' }]));
    assert.equal(fs.statSync(path.join(root, 'a')).ino, fs.statSync(path.join(root, 'b')).ino);
  });

  test('a device node is rejected', async () => {
    await rejected([{ path: 'dev/sda', type: 'char' }], 'dev/sda', /character device node/);
  });

  test('a size larger than the data, or than the disk, is rejected', async () => {
    await rejected([{ path: 'big', content: 'tiny', declaredSize: 8 * 1024 ** 3 - 1 }], 'big', /declares 8589934591 bytes, more than|truncated/);
    await rejected([{ path: 'short', content: 'tiny', declaredSize: 3000 }], 'short', /truncated/);
    assert.equal(fs.existsSync(path.join(root, 'big')), false);
  });

  test('whiteouts of the root or its parent are rejected', async () => {
    for (const name of ['.wh.', '.wh..', '.wh...', 'sub/.wh...']) {
      await rejected([{ path: 'sub', type: 'dir' }, { path: name, content: '' }], name, /whiteout of/);
    }
    assert.ok(fs.existsSync(root));
  });
});

describe('applyLayer applies ordinary layers', () => {
  test('files, modes, whiteouts and opaque dirs, gzip and plain', async () => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root);
    await applyLayer(root, Readable.from([zlib.gzipSync(makeTar([
      { path: 'a', type: 'dir' }, { path: 'a/x', content: 'x' }, { path: 'a/y', content: 'y' },
      { path: 'b', type: 'dir' }, { path: 'b/z', content: 'z', mode: 0o750 }, { path: 'run.sh', content: '#!/bin/sh', mode: 0o755 },
    ]))]));
    assert.equal((fs.statSync(path.join(root, 'b/z')).mode & 0o777), 0o750);
    await applyLayer(root, layer([{ path: '.wh.b', content: '' }, { path: 'a', type: 'dir' }, { path: 'a/.wh..wh..opq', content: '' }, { path: 'a/new', content: 'n' }]));
    assert.deepEqual(fs.readdirSync(root).sort(), ['a', 'run.sh']);
    assert.deepEqual(fs.readdirSync(path.join(root, 'a')), ['new']);
  });
});

describe('mountImageRootfs', { skip: process.getuid?.() === 0 ? false : 'overlay mounts need root' }, () => {
  test('overlay over per-layer dirs: a whiteout hides the lower file, changes go to the upper dir', async () => {
    const store = await ImageStore.open(path.join(work, 'home'));
    const image = await writeTestImage(store, [
      [{ path: 'etc', type: 'dir' }, { path: 'etc/gone', content: 'g' }, { path: 'etc/kept', content: 'k' }],
      [{ path: 'etc/.wh.gone', content: '' }, { path: 'etc/added', content: 'a' }],
    ]);
    const c = path.join(work, 'c1');
    const rootfs = await mountImageRootfs(store, image.manifest, { upper: `${c}/upper`, work: `${c}/work`, merged: `${c}/merged` });
    try {
      assert.equal(rootfs.overlay, true);
      assert.deepEqual(fs.readdirSync(path.join(rootfs.merged, 'etc')).sort(), ['added', 'kept']);
      fs.writeFileSync(path.join(rootfs.merged, 'etc/mine'), 'm');
      assert.equal(fs.readFileSync(path.join(rootfs.upper, 'etc/mine'), 'utf8'), 'm');
      assert.ok(fs.existsSync(path.join(work, 'home/layers')), 'layers are cached beside the images');
    } finally {
      await rootfs.release();
    }
    assert.deepEqual(fs.readdirSync(`${c}/merged`), [], 'released: nothing mounted any more');
  });

  test('an opaque directory falls back to a copied tree with the same content', async () => {
    const store = await ImageStore.open(path.join(work, 'home'));
    const image = await writeTestImage(store, [
      [{ path: 'd', type: 'dir' }, { path: 'd/old', content: 'o' }],
      [{ path: 'd', type: 'dir' }, { path: 'd/.wh..wh..opq', content: '' }, { path: 'd/new', content: 'n' }],
    ]);
    const c = path.join(work, 'c2');
    const rootfs = await mountImageRootfs(store, image.manifest, { upper: `${c}/upper`, work: `${c}/work`, merged: `${c}/merged` });
    assert.equal(rootfs.overlay, false);
    assert.deepEqual(fs.readdirSync(path.join(rootfs.merged, 'd')), ['new']);
  });
});
