import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { MediaType } from '../../../src/core/store/descriptor';
import { assertClean, assertFsckClean, assertRefused, NOBODY, runCli, runCliAsync, userDir, usersMissing, type AsUser } from '../../support/hostile';
import { plainRegistry, registriesMissing } from '../../support/registry';
import { baseImage, docker, dockerMissing, skipUnlessAvailable, uniqueName } from '../../support/services';
import { makeTar, sha256 } from '../../support/tarBuilder';

/** An image as blobs: gzip layers, and a config whose diffIDs are whatever the attacker says. */
interface RawImage {
  readonly blobs: Map<string, Buffer>;
  readonly manifest: Buffer;
}

const digestOf = (data: Buffer) => `sha256:${sha256(data)}`;

function rawImage(layerTars: readonly Buffer[], claimedDiffIds: readonly string[]): RawImage {
  const layers = layerTars.map((t) => zlib.gzipSync(t));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: claimedDiffIds } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: digestOf(l), size: l.length })),
  }));
  return { blobs: new Map([...layers, config, manifest].map((b) => [digestOf(b), b])), manifest };
}

/** The image as an OCI archive (`docker save` of Docker 25+, skopeo oci-archive) naming it `ref`. */
function ociArchive(image: RawImage, ref: string): Buffer {
  const index = { schemaVersion: 2, manifests: [{ mediaType: MediaType.ociManifest, digest: digestOf(image.manifest), size: image.manifest.length, annotations: { 'org.opencontainers.image.ref.name': ref } }] };
  return makeTar([
    { path: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { path: 'index.json', content: JSON.stringify(index) },
    ...[...image.blobs].map(([digest, content]) => ({ path: `blobs/sha256/${digest.slice(7)}`, content })),
  ]);
}

/** The same as a legacy `docker save` archive (manifest.json), its layers gzip-compressed. */
function legacyArchive(image: RawImage, tag: string): Buffer {
  const manifest = JSON.parse(image.manifest.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  return makeTar([
    ...manifest.layers.map((l) => ({ path: `${l.digest.slice(7)}/layer.tar`, content: image.blobs.get(l.digest)! })),
    { path: `${manifest.config.digest.slice(7)}.json`, content: image.blobs.get(manifest.config.digest)! },
    { path: 'manifest.json', content: JSON.stringify([{ Config: `${manifest.config.digest.slice(7)}.json`, RepoTags: [tag], Layers: manifest.layers.map((l) => `${l.digest.slice(7)}/layer.tar`) }]) },
  ]);
}

/** Pushes the blobs and the manifest to the plain test registry over the distribution API. */
async function push(image: RawImage, repository: string, tag: string): Promise<void> {
  const base = `http://${plainRegistry()}/v2/${repository}`;
  for (const [digest, content] of image.blobs) {
    if (content === image.manifest) continue;
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const location = new URL(start.headers.get('location')!, base);
    location.searchParams.set('digest', digest);
    assert.equal((await fetch(location, { method: 'PUT', body: content })).status, 201);
  }
  const put = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', body: image.manifest, headers: { 'content-type': MediaType.ociManifest } });
  assert.equal(put.status, 201, await put.text());
}

describe('hostile images: a layer is believed only after it hashes to its diffID', { skip: skipUnlessAvailable(usersMissing() ?? dockerMissing() ?? registriesMissing()) }, () => {
  const work = userDir('root', 'stevedore-diffids-');
  const base = path.join(path.dirname(work.dir), 'base.tar');
  /** The base image's one layer, which the attacker's layer claims to be. */
  let baseDiffId = '';
  let evil: RawImage;
  before(() => {
    docker('save', '-o', base, baseImage());
    fs.chmodSync(base, 0o644);
    const saved = JSON.parse(docker('image', 'inspect', baseImage(), '--format', '{{json .RootFS.Layers}}')) as string[];
    assert.equal(saved.length, 1, 'the test base image has one layer');
    baseDiffId = saved[0];
    evil = rawImage([makeTar([{ path: 'pwned', content: 'attacker was here' }, { path: 'bin/sh', content: '#!/pwned\n' }])], [baseDiffId]);
  });
  after(work.cleanup);

  const homes: Record<AsUser, string> = { root: '', nobody: '' };
  const home = (user: AsUser) => {
    if (!homes[user]) homes[user] = userDir(user, `stevedore-diffids-${user}-`).dir;
    return homes[user];
  };
  const core = (user: AsUser, args: string[], options: { timeoutMs?: number } = {}) => runCli(user, home(user), args, { ...options, env: { STEVEDORE_ENGINE: 'core' } });
  const write = (user: AsUser, name: string, data: Buffer) => {
    const file = path.join(home(user), name);
    fs.writeFileSync(file, data);
    if (user === 'nobody') fs.chownSync(file, NOBODY, NOBODY);
    return file;
  };
  const listsNoEvil = (user: AsUser) => {
    const images = core(user, ['images', '--engine', 'core']);
    assert.equal(images.status, 0, images.stderr);
    assert.doesNotMatch(images.stdout, /evil/);
  };
  /** The base image runs clean: the attacker's file is not in it, its own shell works. */
  const baseRunsClean = (user: AsUser) => {
    const r = core(user, ['run', '--rm', '--network', 'none', baseImage(), 'sh', '-c', 'ls /; echo ok'], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /pwned/);
    assert.match(r.stdout, /^ok$/m);
  };

  for (const user of ['root', 'nobody'] as const) {
    test(`${user}: an OCI archive whose gzip layer claims the base image's diffID is refused, the layer named`, () => {
      assert.equal(core(user, ['load', '-i', write(user, 'base.tar', fs.readFileSync(base))]).status, 0);
      const r = core(user, ['load', '-i', write(user, 'evil-oci.tar', ociArchive(evil, 'evil:oci'))], { timeoutMs: 30_000 });
      assertRefused(r, /layer sha256:[0-9a-f]{64} does not match the config: its diffID says sha256:[0-9a-f]{64}, its uncompressed content is sha256:[0-9a-f]{64}/);
      listsNoEvil(user);
      baseRunsClean(user);
      assertFsckClean(user, home(user));
    });

    test(`${user}: a docker save archive with the same lie is refused too`, () => {
      const r = core(user, ['load', '-i', write(user, 'evil-legacy.tar', legacyArchive(evil, 'evil:legacy'))], { timeoutMs: 30_000 });
      assertRefused(r, /does not match the config/);
      listsNoEvil(user);
    });

    test(`${user}: a registry serving the lie: pull refuses it and names nothing`, async () => {
      const repository = uniqueName(`evil-${user}`);
      await push(evil, repository, '1');
      const r = core(user, ['pull', `${plainRegistry()}/${repository}:1`], { timeoutMs: 60_000});
      assertRefused(r, /does not match the config/);
      listsNoEvil(user);
      baseRunsClean(user);
    });
  }

  // Root only: layer caches are overlayfs lower dirs, which only root mounts (a rootless run copies the layers into its own tree).
  test('root: a layer cache an earlier version poisoned (unpacked under the claimed diffID) is never used', () => {
    const h = home('root');
    const legacy = path.join(h, 'layers', baseDiffId.slice(7));
    fs.mkdirSync(path.join(legacy, 'fs', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(legacy, 'fs', 'pwned'), 'attacker was here');
    fs.writeFileSync(path.join(legacy, 'meta.json'), JSON.stringify({ opaqueDirs: [] }));
    baseRunsClean('root');
  });

  for (const user of ['root', 'nobody'] as const) {
    test(`${user}: a config that is not JSON, a manifest whose layers are not a list: pull refuses, nothing is named`, async () => {
      const repository = uniqueName(`notjson-${user}`);
      const config = Buffer.from('S3cr3t? no: this is not JSON {');
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: digestOf(config), size: config.length }, layers: [] }));
      await push({ blobs: new Map([[digestOf(config), config], [digestOf(manifest), manifest]]), manifest }, repository, '1');
      const r = core(user, ['pull', `${plainRegistry()}/${repository}:1`], { timeoutMs: 60_000 });
      assertRefused(r, /the config sha256:[0-9a-f]{64} is not JSON/);
      listsNoEvil(user);

      // The registry above checks manifests it is given; this one sends whatever it likes.
      const lying = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: digestOf(config), size: config.length }, layers: 5 }));
      const server = http.createServer((req, res) => {
        const manifestAsked = req.url?.startsWith('/v2/lying/manifests/');
        res.statusCode = req.url === '/v2/' || manifestAsked ? 200 : 404;
        if (manifestAsked) res.setHeader('content-type', MediaType.ociManifest);
        res.end(manifestAsked ? lying : '{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const pulled = await runCliAsync(user, home(user), ['pull', `127.0.0.1:${port}/lying:1`], { timeoutMs: 30_000, env: { STEVEDORE_ENGINE: 'core' } });
        assertRefused(pulled, /lying:1 \(manifest sha256:[0-9a-f]{64}\): the manifest's layers are not a list of descriptors/);
      } finally {
        server.close();
      }
    });

    test(`${user}: an image an earlier version named without checking is refused when it runs; fsck names it, --repair unnames it`, () => {
      const { dir: h, cleanup } = userDir(user, 'stevedore-diffids-old-');
      try {
        const old = (args: string[]) => runCli(user, h, args, { timeoutMs: 30_000, env: { STEVEDORE_ENGINE: 'core' } });
        assert.equal(old(['images']).status, 0); // makes the store
        const plant = (file: string, content: string | Buffer) => {
          fs.writeFileSync(file, content);
          if (user === 'nobody') fs.chownSync(file, NOBODY, NOBODY);
        };
        for (const [digest, content] of evil.blobs) plant(path.join(h, 'images', 'blobs', 'sha256', digest.slice(7)), content);
        const indexFile = path.join(h, 'images', 'index.json');
        const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { manifests: unknown[] };
        index.manifests.push({ mediaType: MediaType.ociManifest, digest: digestOf(evil.manifest), size: evil.manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'docker.io/library/evil:old' } });
        plant(indexFile, JSON.stringify(index));
        const r = old(['run', '--network', 'none', 'evil:old', 'cat', '/pwned']);
        assert.notEqual(r.status, 0);
        assertClean(r.stdout + r.stderr);
        assert.match(r.stderr, /does not match the config/);
        assert.doesNotMatch(r.stdout, /attacker/);
        const unpacked = path.join(h, 'layers', 'sha256');
        assert.deepEqual(fs.existsSync(unpacked) ? fs.readdirSync(unpacked) : [], [], 'nothing unpacked is kept');
        const fsck = old(['fsck']);
        assert.equal(fsck.status, 1, fsck.stdout + fsck.stderr);
        assert.match(fsck.stdout, /problem: unverified-image docker.io\/library\/evil:old: .*does not match the config/);
        assert.equal(old(['fsck', '--repair']).status, 0);
        assert.doesNotMatch(old(['images']).stdout, /evil/);
        assertFsckClean(user, h);
      } finally {
        cleanup();
      }
    });
  }
});
