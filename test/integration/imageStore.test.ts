import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { readTar } from '../../src/core/layers/tarReader';
import { acquireLock } from '../../src/core/store/fileLock';
import { ImageStore } from '../../src/core/store/imageStore';
import { DigestMismatchError } from '../../src/core/store/storeErrors';
import { TarWriter } from '../../src/core/store/tarWriter';
import { tempHome, writeTestImage } from '../support/storeImages';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('ImageStore on a real folder', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);

  test('open creates an OCI image layout', async () => {
    const store = await ImageStore.open(home);
    assert.equal(store.root, path.join(home, 'images'));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(store.root, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    assert.deepEqual((JSON.parse(fs.readFileSync(path.join(store.root, 'index.json'), 'utf8')) as { manifests: unknown[] }).manifests, []);
    assert.ok(fs.statSync(path.join(store.root, 'blobs', 'sha256')).isDirectory());
  });

  test('a blob whose bytes do not match the digest is refused and nothing enters blobs/', async () => {
    const store = await ImageStore.open(home);
    const data = randomBytes(10_000);
    const wrong = digestOf(Buffer.from('something else'));
    await assert.rejects(store.writeBlob(data, { digest: wrong }), DigestMismatchError);
    await assert.rejects(store.writeBlob(data, { digest: digestOf(data), size: 9_999 }), DigestMismatchError);
    assert.equal(await store.hasBlob(wrong), false);
    assert.equal(await store.hasBlob(digestOf(data)), false);
    assert.deepEqual(fs.readdirSync(store.blobsDir), []);
    assert.deepEqual(fs.readdirSync(store.ingestDir).filter((f) => !f.startsWith('index.json')), []);
  });

  test('a verified blob is stored under its digest and reads back', async () => {
    const store = await ImageStore.open(home);
    const data = randomBytes(100_000);
    const written = await store.writeBlob(data, { digest: digestOf(data), size: data.length });
    assert.deepEqual(written, { digest: digestOf(data), size: data.length });
    assert.deepEqual(fs.readFileSync(store.blobPath(digestOf(data))), data);
    const chunks: Buffer[] = [];
    for await (const c of store.readBlob(digestOf(data))) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), data);
    assert.deepEqual(await store.writeBlob(Buffer.from('{"a":1}')), { digest: digestOf(Buffer.from('{"a":1}')), size: 7 });
    assert.deepEqual(await store.readJson(digestOf(Buffer.from('{"a":1}'))), { a: 1 });
    assert.throws(() => store.readBlob(digestOf(Buffer.from('missing'))), /is not in the image store/);
  });

  test('an interrupted ingest resumes from the bytes it kept', async () => {
    const store = await ImageStore.open(home);
    const data = randomBytes(300_000);
    const first = await store.ingest({ digest: digestOf(data), size: data.length });
    assert.equal(first.offset, 0);
    await first.write(data.subarray(0, 120_000));
    await first.close();
    assert.equal(await store.hasBlob(digestOf(data)), false);
    const second = await store.ingest({ digest: digestOf(data), size: data.length });
    assert.equal(second.offset, 120_000);
    await second.write(data.subarray(second.offset));
    await second.commit();
    assert.deepEqual(fs.readFileSync(store.blobPath(digestOf(data))), data);
    const third = await store.ingest({ digest: digestOf(data) });
    assert.equal(third.complete, true);
    assert.equal(third.offset, data.length);
  });

  test('a second ingest of the same digest waits for the first and finds the blob', async () => {
    const store = await ImageStore.open(home);
    const data = randomBytes(50_000);
    const first = await store.ingest({ digest: digestOf(data), size: data.length });
    const second = store.ingest({ digest: digestOf(data), size: data.length });
    await first.write(data);
    await first.commit();
    const waited = await second;
    assert.equal(waited.complete, true);
  });

  test('tag, resolve by name, id and short id, list, retag, untag', async () => {
    const store = await ImageStore.open(home);
    const a = await writeTestImage(store, [[{ path: 'a.txt', content: 'A' }]]);
    const b = await writeTestImage(store, [[{ path: 'b.txt', content: 'B' }], [{ path: 'c.txt', content: 'C' }]], '2025-05-05T00:00:00Z');
    await store.tag('busybox', a.manifest);
    await store.tag('localhost:5000/team/app:1', a.manifest);
    assert.equal((await store.resolve('docker.io/library/busybox:latest'))?.digest, a.manifest.digest);
    assert.equal((await store.resolve(a.configDigest))?.digest, a.manifest.digest);
    assert.equal((await store.resolve(a.configDigest.slice(7, 19)))?.digest, a.manifest.digest);
    assert.equal(await store.resolve('nothing-here'), undefined);
    const listed = await store.list();
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0].refs, ['docker.io/library/busybox:latest', 'localhost:5000/team/app:1']);
    assert.equal(listed[0].id, a.configDigest);
    assert.equal(listed[0].size, a.size);
    assert.equal(listed[0].created, '2024-01-02T03:04:05Z');

    await store.tag('busybox:latest', b.manifest);
    const after = await store.list();
    assert.deepEqual(after.find((i) => i.id === b.configDigest)?.refs, ['docker.io/library/busybox:latest']);
    assert.deepEqual(after.find((i) => i.id === a.configDigest)?.refs, ['localhost:5000/team/app:1']);

    assert.equal(await store.untag('localhost:5000/team/app:1'), true);
    assert.equal(await store.untag('localhost:5000/team/app:1'), false);
    const last = await store.list();
    assert.equal(last.find((i) => i.id === a.configDigest), undefined, 'untagging the last name removes the image from the index, as docker rmi does');
    assert.equal(await store.hasBlob(a.manifest.digest), true, 'its blobs stay until gc');
    await assert.rejects(store.tag('x', { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(Buffer.from('none')), size: 4 }), /is not in the image store/);
  });

  test('a name is refused while a layer of the image is missing (gc took it, or it was never written)', async () => {
    const store = await ImageStore.open(home);
    const img = await writeTestImage(store, [[{ path: 'gone', content: 'soon gone' }]]);
    const layer = (await store.readJson<{ layers: { digest: string }[] }>(img.manifest.digest)).layers[0].digest;
    fs.rmSync(store.blobPath(layer));
    await assert.rejects(store.tag('incomplete:1', img.manifest), new RegExp(`blob ${layer} is not in the image store`));
    assert.equal(await store.resolve('incomplete:1'), undefined);
  });
});

describe('the store\'s lock files and tar writer on a real folder', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);

  test('a lock left by a dead process is broken; one held by a live process is waited for', async () => {
    const file = path.join(home, 'x.lock');
    fs.writeFileSync(file, '999999999\n');
    const lock = await acquireLock(file, { timeoutMs: 2_000 });
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    await lock!.release();
    const holder = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(file, `${holder.pid}\n`);
      await assert.rejects(acquireLock(file, { timeoutMs: 300 }), new RegExp(`held by process ${holder.pid}`));
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'close');
    }
    const after = await acquireLock(file, { timeoutMs: 2_000 });
    await after!.release();
    assert.equal(fs.existsSync(file), false);
  });

  test('TarWriter output reads back with the project\'s tar reader and GNU tar, sizes and bytes exact', async () => {
    const file = path.join(home, 'w.tar');
    const handle = await fs.promises.open(file, 'w');
    const big = randomBytes(70_001);
    const tar = new TarWriter(handle);
    await tar.directory('blobs');
    await tar.file('blobs/a', big.length, big);
    await tar.file('empty', 0, Buffer.alloc(0));
    await tar.finish();
    await handle.close();
    const seen: [string, string, number][] = [];
    for await (const entry of readTar(fs.createReadStream(file))) {
      const chunks: Buffer[] = [];
      for await (const c of entry.body) chunks.push(c);
      seen.push([entry.path, entry.type, Buffer.concat(chunks).length]);
      if (entry.path === 'blobs/a') assert.ok(Buffer.concat(chunks).equals(big));
    }
    assert.deepEqual(seen, [['blobs', 'directory', 0], ['blobs/a', 'file', 70_001], ['empty', 'file', 0]]);
    assert.match(execFileSync('tar', ['tvf', file], { encoding: 'utf8' }), /70001 .* blobs\/a/);
  });
});
