import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { loadArchive } from '../../src/core/store/archiveLoad';
import { saveImages } from '../../src/core/store/archiveSave';
import { inspectImage } from '../../src/core/store/imageInspect';
import { ImageStore } from '../../src/core/store/imageStore';
import { importRootfs } from '../../src/core/store/rootfsImport';
import { checkStore } from '../../src/core/store/storeCheck';
import { baseImage, docker, dockerMissing, skipUnlessAvailable, toolMissing, uniqueName } from '../support/services';
import { tempHome } from '../support/storeImages';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const tarEntry = (archive: string, name: string) => execFileSync('tar', ['xOf', archive, name], { maxBuffer: 1 << 30 });

function blobBytes(store: ImageStore, digest: string): Buffer {
  const data = fs.readFileSync(store.blobPath(digest));
  return data[0] === 0x1f && data[1] === 0x8b ? zlib.gunzipSync(data) : data;
}

describe('core store archives against the real docker and skopeo', { skip: skipUnlessAvailable(dockerMissing() ?? toolMissing('skopeo')) }, () => {
  const { home: work, cleanup } = tempHome('stevedore-archives-');
  const legacy = path.join(work, 'legacy.tar');
  const dockerId = () => docker('image', 'inspect', '--format', '{{.Id}}', baseImage());
  const dockerDiffIds = () => JSON.parse(docker('image', 'inspect', '--format', '{{json .RootFS.Layers}}', baseImage())) as string[];
  const madeTags: string[] = [];
  let legacyLayers: Buffer[] = [];

  before(() => {
    docker('save', '-o', legacy, baseImage());
    const manifest = JSON.parse(tarEntry(legacy, 'manifest.json').toString()) as { Layers: string[] }[];
    legacyLayers = manifest[0].Layers.map((l) => tarEntry(legacy, l));
  });
  after(() => {
    for (const t of madeTags) execFileSync('docker', ['rmi', '-f', t], { stdio: 'ignore' });
    cleanup();
  });

  const freshStore = async (name: string) => ImageStore.open(path.join(work, name));

  async function assertLoadedBusybox(store: ImageStore, ref: string, sameConfigAsDocker: boolean): Promise<void> {
    const image = await inspectImage(store, ref);
    assert.deepEqual(image.layers.map((l) => l.diffId), dockerDiffIds());
    if (sameConfigAsDocker) assert.equal(image.id, dockerId());
    const inspected = JSON.parse(docker('image', 'inspect', '--format', '{{json .}}', baseImage())) as { Os: string; Architecture: string; Config: { Cmd: string[] } };
    assert.deepEqual([image.config.os, image.config.architecture], [inspected.Os, inspected.Architecture]);
    assert.deepEqual(image.config.config?.Cmd, inspected.Config.Cmd, 'the config says what docker says');
    image.layers.forEach((l, i) => assert.ok(blobBytes(store, l.digest).equals(legacyLayers[i]), `layer ${i} has the same bytes as docker save's layer.tar`));
    const check = await checkStore(store);
    assert.equal(check.clean, true, JSON.stringify(check.problems));
  }

  test('docker save (legacy layout, dockerd 20.10) loads with the same id, diffIDs and layer files', async () => {
    const store = await freshStore('legacy');
    const loaded = await loadArchive(store, legacy);
    assert.equal(loaded.length, 1);
    assert.deepEqual(loaded[0].refs, [`docker.io/library/${baseImage()}`]);
    await assertLoadedBusybox(store, baseImage(), true);
    const listed = await store.list();
    assert.equal(listed[0].id, dockerId());
  });

  test('a gzipped docker save loads the same', async () => {
    const store = await freshStore('gzip');
    const gz = path.join(work, 'legacy.tar.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(legacy)));
    await loadArchive(store, gz);
    await assertLoadedBusybox(store, baseImage(), true);
  });

  test('an OCI archive from skopeo loads under its ref.name, diffIDs and files equal', async () => {
    const store = await freshStore('oci');
    const oci = path.join(work, 'oci.tar');
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${legacy}`, `oci-archive:${oci}:stevedore-it/oci:1`], { stdio: 'pipe' });
    const loaded = await loadArchive(store, oci);
    assert.deepEqual(loaded[0].refs, ['docker.io/stevedore-it/oci:1']);
    await assertLoadedBusybox(store, 'stevedore-it/oci:1', false);
  });

  test('a Docker 25 style archive (OCI layout + manifest.json, containerd names) loads by io.containerd.image.name', async () => {
    const store = await freshStore('docker25');
    const dir = path.join(work, 'docker25-layout');
    fs.mkdirSync(dir);
    const oci = path.join(work, 'oci-for-25.tar');
    execFileSync('skopeo', ['copy', '-q', '--dest-oci-accept-uncompressed-layers', `docker-archive:${legacy}`, `oci-archive:${oci}`], { stdio: 'pipe' });
    execFileSync('tar', ['xf', oci, '-C', dir]);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    index.manifests[0].annotations = { 'io.containerd.image.name': 'docker.io/stevedore-it/d25:v2', 'org.opencontainers.image.ref.name': 'v2' };
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${manifest.config.digest.slice(7)}`, RepoTags: ['stevedore-it/d25:v2'], Layers: manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }]));
    const archive = path.join(work, 'docker25.tar');
    execFileSync('tar', ['cf', archive, '-C', dir, '.']);
    const loaded = await loadArchive(store, archive);
    assert.deepEqual(loaded[0].refs, ['docker.io/stevedore-it/d25:v2']);
    assert.equal(loaded[0].manifest.digest, index.manifests[0].digest, 'the manifest is kept byte for byte');
    await assertLoadedBusybox(store, 'stevedore-it/d25:v2', false);
  });

  test('save → the real docker load → docker run prints what the image does', async () => {
    const store = await freshStore('save');
    await loadArchive(store, legacy);
    const tag = `stevedore-it-saved:${uniqueName('t').replace(/[^a-z0-9-]/g, '')}`;
    await store.tag(tag, (await store.resolve(baseImage()))!);
    const out = path.join(work, 'saved.tar');
    const saved = await saveImages(store, [tag], out);
    assert.equal(saved[0].id, dockerId());
    const names = execFileSync('tar', ['tf', out], { encoding: 'utf8' }).split('\n');
    for (const n of ['index.json', 'manifest.json', 'oci-layout']) assert.ok(names.includes(n), `${n} in the archive`);
    madeTags.push(tag);
    assert.match(docker('load', '-i', out), new RegExp(`Loaded image: ${tag}`));
    assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', tag), dockerId());
    assert.equal(docker('run', '--rm', tag, 'sh', '-c', 'echo saved-by-stevedore $((6*7))'), 'saved-by-stevedore 42');
  });

  test('import of a gzipped rootfs tarball → save → docker load → docker run', async () => {
    const store = await freshStore('import');
    const container = uniqueName('stevedore-it-export');
    docker('create', '--name', container, baseImage(), 'true');
    const rootfs = path.join(work, 'rootfs.tar');
    try {
      docker('export', '-o', rootfs, container);
    } finally {
      docker('rm', container);
    }
    const gz = `${rootfs}.gz`;
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(rootfs)));
    const ref = `stevedore-it-imported:${process.pid}`;
    const imported = await importRootfs(store, gz, { ref });
    const image = await inspectImage(store, ref);
    assert.equal(image.id, imported.id);
    assert.deepEqual(image.layers.map((l) => l.diffId), [sha(fs.readFileSync(rootfs))], 'the layer is the uncompressed tarball');
    assert.equal(image.platform?.os, 'linux');
    const out = path.join(work, 'imported.tar');
    await saveImages(store, [ref], out);
    madeTags.push(ref);
    docker('load', '-i', out);
    assert.equal(docker('run', '--rm', ref, '/bin/sh', '-c', 'echo imported-rootfs; ls /bin/busybox'), 'imported-rootfs\n/bin/busybox');
  });

  test('a file that is not an archive or tarball is refused and the store is left as it was', async () => {
    const store = await freshStore('bad');
    const junk = path.join(work, 'junk.tar');
    fs.writeFileSync(junk, Buffer.alloc(4096, 7));
    await assert.rejects(loadArchive(store, junk), /junk\.tar is not an image archive: not a tar archive/);
    await assert.rejects(importRootfs(store, junk, { ref: 'x:1' }), /is not a usable root filesystem tarball/);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(fs.readdirSync(store.blobsDir), []);
    assert.equal((await checkStore(store)).clean, true);
  });
});
