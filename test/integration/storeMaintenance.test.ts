import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { hostPlatform, MediaType } from '../../src/core/store/descriptor';
import { collectGarbage } from '../../src/core/store/garbageCollection';
import { inspectImage } from '../../src/core/store/imageInspect';
import { removeImage } from '../../src/core/store/imageRemoval';
import { ImageStore } from '../../src/core/store/imageStore';
import { checkStore } from '../../src/core/store/storeCheck';
import { descriptorOf, tempHome, writeTestImage } from '../support/storeImages';

describe('rmi, gc and fsck on a real store folder', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);

  test('rmi by name takes one name off; by id it needs --force when several names remain', async () => {
    const store = await ImageStore.open(path.join(home, 'rmi'));
    const img = await writeTestImage(store, [[{ path: 'x', content: 'x' }]]);
    await store.tag('app:1', img.manifest);
    await store.tag('app:2', img.manifest);
    await store.tag('app:3', img.manifest);
    assert.deepEqual(await removeImage(store, 'app:1'), { untagged: ['docker.io/library/app:1'] });
    await assert.rejects(removeImage(store, img.configDigest.slice(7, 19)), /has 2 names .* --force/);
    assert.equal((await store.list())[0].refs.length, 2, 'a refused rmi changes nothing');
    const forced = await removeImage(store, img.configDigest.slice(7, 19), { force: true });
    assert.deepEqual(forced, { untagged: ['docker.io/library/app:2', 'docker.io/library/app:3'], deleted: img.manifest.digest });
    assert.deepEqual(await store.list(), []);
    await assert.rejects(removeImage(store, 'app:2'), /no such image in the core store: app:2/);
  });

  test('gc removes the blobs no name reaches, keeps recent ones within the grace period, and the rest', async () => {
    const store = await ImageStore.open(path.join(home, 'gc'));
    const kept = await writeTestImage(store, [[{ path: 'shared', content: 'same layer' }], [{ path: 'k', content: 'kept' }]]);
    const dropped = await writeTestImage(store, [[{ path: 'shared', content: 'same layer' }], [{ path: 'd', content: 'dropped' }]]);
    await store.tag('kept', kept.manifest);
    await store.tag('dropped', dropped.manifest);
    await removeImage(store, 'dropped');
    const recent = await collectGarbage(store);
    assert.deepEqual(recent.removed, [], 'blobs written just now are kept (a pull may not have tagged yet)');
    assert.equal(recent.keptRecent, 3);
    const result = await collectGarbage(store, { graceMs: 0 });
    assert.equal(result.removed.length, 3, 'manifest, config and the layer of its own');
    assert.equal(await store.hasBlob(dropped.manifest.digest), false);
    assert.equal(await store.hasBlob(kept.manifest.digest), true);
    const check = await checkStore(store);
    assert.equal(check.clean, true, JSON.stringify(check.problems));
    assert.equal(check.blobsChecked, 4);
  });

  test('gc drops ingest partials older than a day, not newer ones', async () => {
    const store = await ImageStore.open(path.join(home, 'gc-partials'));
    const old = path.join(store.ingestDir, `sha256-${'a'.repeat(64)}.partial`);
    const fresh = path.join(store.ingestDir, `sha256-${'b'.repeat(64)}.partial`);
    fs.writeFileSync(old, 'old');
    fs.writeFileSync(fresh, 'fresh');
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    fs.utimesSync(old, dayAgo, dayAgo);
    const result = await collectGarbage(store);
    assert.deepEqual(result.removedIngest, [old]);
    assert.ok(fs.existsSync(fresh));
  });

  test('fsck finds a corrupt blob, a stray file and leftovers; repair drops them and reports the image left without its blob', async () => {
    const store = await ImageStore.open(path.join(home, 'fsck'));
    const img = await writeTestImage(store, [[{ path: 'f', content: 'file' }]]);
    await store.tag('broken', img.manifest);
    const layer = (await store.readJson<{ layers: { digest: string }[] }>(img.manifest.digest)).layers[0].digest;
    fs.appendFileSync(store.blobPath(layer), 'flipped');
    fs.writeFileSync(path.join(store.blobsDir, 'not-a-digest'), 'x');
    fs.writeFileSync(path.join(store.ingestDir, `sha256-${'c'.repeat(64)}.partial`), 'half');
    fs.writeFileSync(path.join(store.ingestDir, `sha256-${'c'.repeat(64)}.lock`), '999999999\n');

    const report = await checkStore(store);
    assert.equal(report.clean, false);
    assert.deepEqual(report.problems.map((p) => [p.kind, p.repaired]).sort(), [['corrupt-blob', false], ['stray-file', false]]);
    assert.deepEqual(report.leftovers.map((l) => l.kind).sort(), ['lock', 'partial']);
    assert.ok(fs.existsSync(store.blobPath(layer)), 'without repair nothing is removed');

    const repaired = await checkStore(store, { repair: true });
    assert.equal(repaired.clean, false, 'the image now misses its layer: not clean');
    assert.deepEqual(repaired.problems.map((p) => [p.kind, p.repaired]).sort(), [['corrupt-blob', true], ['missing-blob', false], ['stray-file', true]]);
    assert.match(repaired.problems.find((p) => p.kind === 'missing-blob')!.detail, /layer of docker\.io\/library\/broken:latest is not stored/);
    assert.equal(fs.existsSync(store.blobPath(layer)), false);
    assert.deepEqual(fs.readdirSync(store.ingestDir), []);

    await removeImage(store, 'broken');
    await collectGarbage(store, { graceMs: 0 });
    assert.equal((await checkStore(store)).clean, true);
  });
});

describe('a multi-platform image (an index) in the store', () => {
  const { home, cleanup } = tempHome();
  after(cleanup);

  test('list and inspect resolve the host platform; a platform kept without its blobs is not damage; gc keeps every child', async () => {
    const store = await ImageStore.open(home);
    const amd64 = await writeTestImage(store, [[{ path: 'arch', content: 'amd64' }]], undefined, 'amd64');
    const arm64 = await writeTestImage(store, [[{ path: 'arch', content: 'arm64' }]], undefined, 'arm64');
    const s390x = { mediaType: MediaType.ociManifest, digest: `sha256:${'5'.repeat(64)}`, size: 10, platform: { os: 'linux', architecture: 's390x' } };
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }, { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } }, s390x],
    }));
    await store.writeBlob(index);
    const indexDesc = descriptorOf(MediaType.ociIndex, index);
    await store.tag('multi:1', indexDesc);
    const host = hostPlatform().architecture === 'arm64' ? arm64 : amd64;
    const [listed] = await store.list();
    assert.equal(listed.manifest.digest, indexDesc.digest);
    assert.equal(listed.id, host.configDigest, 'the id is the host platform\'s config');
    assert.equal((await inspectImage(store, 'multi:1', { os: 'linux', architecture: 'arm64' })).id, arm64.configDigest);
    await assert.rejects(inspectImage(store, 'multi:1', { os: 'windows', architecture: 'amd64' }), /has no manifest for windows\/amd64 \(it has: linux\/arm64\/v8, linux\/amd64, linux\/s390x\)/);
    const check = await checkStore(store);
    assert.equal(check.clean, true, `the s390x manifest is simply not kept: ${JSON.stringify(check.problems)}`);
    const gc = await collectGarbage(store, { graceMs: 0 });
    assert.deepEqual(gc.removed, []);
  });
});
