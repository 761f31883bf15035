import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReference } from '../../src/core/registry/imageReference';
import { defaultPullPlatform } from '../../src/core/registry/platform';
import { RegistryClient } from '../../src/core/registry/registryClient';
import { RegistryError } from '../../src/core/registry/registryError';
import { ImageStore } from '../../src/core/store/imageStore';
import { checkStore } from '../../src/core/store/storeCheck';
import { pullImage } from '../../src/core/transfer/pullImage';
import { pushImage } from '../../src/core/transfer/pushImage';
import type { TransferEvent } from '../../src/core/transfer/transferProgress';
import { plainRegistry, registriesMissing } from '../support/registry';
import { bodyOf, passThrough, startProxy, type RegistryProxy } from '../support/registryProxy';
import { baseImage, docker, dockerMissing, skipUnlessAvailable } from '../support/services';
import { buildImage, pushBuilt, sha } from '../support/testImages';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const run = `${process.pid}-${Date.now().toString(36)}`;
const noCredentials = () => Promise.resolve(undefined);
const homes: string[] = [];
const tempHome = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-xfer-'));
  homes.push(dir);
  return dir;
};
after(() => {
  for (const dir of homes) fs.rmSync(dir, { recursive: true, force: true });
});

/** fsck clean; returns how many partial downloads were left to resume. */
async function assertClean(store: ImageStore, when: string): Promise<number> {
  const check = await checkStore(store);
  assert.ok(check.clean, `${when}: fsck found ${JSON.stringify(check.problems)}`);
  return check.leftovers.filter((l) => l.kind === 'partial' && l.size > 0).length;
}

async function rawManifest(host: string, repo: string, reference: string): Promise<Buffer> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('pull and push between the core store and the registry, checked with the docker CLI', { skip: skipUnlessAvailable(registriesMissing() ?? dockerMissing()) }, () => {
  const client = new RegistryClient({ credentials: noCredentials });
  const repo = `xfer-${run}/busybox`;
  const pushedByDocker = `${plainRegistry()}/${repo}:docker`;
  const pushedByCore = `${plainRegistry()}/${repo}-core:core`;
  let dockerDigest = '';
  let store: ImageStore;

  before(async () => {
    store = await ImageStore.open(tempHome());
    docker('tag', baseImage(), pushedByDocker);
    const out = docker('push', pushedByDocker);
    dockerDigest = /digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1] ?? '';
    assert.ok(dockerDigest, out);
  });
  after(() => {
    client.close();
    for (const ref of [pushedByDocker, pushedByCore]) {
      try {
        docker('rmi', ref);
      } catch {
        // not pulled when an earlier step failed
      }
    }
  });

  test('an image docker pushed is pulled into the store with byte-identical manifest and verified blobs', async () => {
    const events: TransferEvent[] = [];
    const result = await pullImage(client, store, parseReference(pushedByDocker), { onProgress: (e) => events.push(e) });
    assert.equal(result.descriptor.digest, dockerDigest);
    const stored = await store.resolve(pushedByDocker);
    assert.equal(stored?.digest, dockerDigest);
    const bytes = fs.readFileSync(store.blobPath(dockerDigest));
    assert.deepEqual(bytes, await rawManifest(plainRegistry(), repo, 'docker'));
    const { manifest } = await store.resolveManifest(stored);
    for (const layer of manifest.layers) {
      const id = layer.digest.slice(7, 19);
      assert.ok(events.some((e) => e.id === id && e.status === 'Download complete' && e.current === layer.size), `progress for ${id}`);
    }
    await assertClean(store, 'after the pull');
  });

  test('the store pushes it back under a new name: blobs mounted, docker pulls and runs it, same manifest bytes', async () => {
    await store.tag(pushedByCore, (await store.resolve(pushedByDocker))!);
    const events: TransferEvent[] = [];
    const digest = await pushImage(client, store, parseReference(pushedByCore), { onProgress: (e) => events.push(e) });
    assert.equal(digest, dockerDigest);
    assert.ok(events.some((e) => e.status === 'Mounted'), JSON.stringify(events));
    assert.deepEqual(await rawManifest(plainRegistry(), `${repo}-core`, 'core'), fs.readFileSync(store.blobPath(dockerDigest)));
    docker('pull', pushedByCore);
    assert.equal(docker('run', '--rm', pushedByCore, 'echo', 'pushed by stevedore').trim(), 'pushed by stevedore');
    assert.match(docker('inspect', '--format', '{{json .RepoDigests}}', pushedByCore), new RegExp(dockerDigest));

    const again = await pushImage(client, store, parseReference(pushedByCore), { onProgress: (e) => events.push(e) });
    assert.equal(again, dockerDigest);
    assert.ok(events.slice(-2).every((e) => e.status === 'Already exists'));
  });

  test('the CLI pulls into the core store with --engine core, and pulls and pushes through the daemon without it', async () => {
    const home = tempHome();
    const env = { ...process.env, STEVEDORE_HOME: home };
    const out = execFileSync(process.execPath, [CLI, 'pull', '--engine', 'core', '--json', pushedByDocker], { env, encoding: 'utf8' });
    assert.equal((JSON.parse(out) as { descriptor: { digest: string } }).descriptor.digest, dockerDigest);
    const plain = execFileSync(process.execPath, [CLI, 'pull', pushedByDocker], { env: { ...env, STEVEDORE_ENGINE: 'core' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(plain, new RegExp(`Digest: ${dockerDigest}`));
    const daemon = execFileSync(process.execPath, [CLI, 'pull', '--json', pushedByDocker], { env, encoding: 'utf8' });
    assert.equal((JSON.parse(daemon) as { engine: string }).engine, 'daemon');
    assert.match(docker('inspect', '--format', '{{json .RepoDigests}}', pushedByDocker), new RegExp(dockerDigest));

    const viaDaemon = `${plainRegistry()}/${repo}-daemon:cli`;
    docker('tag', baseImage(), viaDaemon);
    try {
      execFileSync(process.execPath, [CLI, 'push', viaDaemon], { env, stdio: 'ignore' }); // throws unless it exits 0
      assert.equal(sha(await rawManifest(plainRegistry(), `${repo}-daemon`, 'cli')), dockerDigest);
    } finally {
      docker('rmi', viaDaemon);
    }
  });
});

describe('multi-platform index made by the test', { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  const client = new RegistryClient({ credentials: noCredentials });
  after(() => client.close());

  test('the platform asked for is selected; the host platform by default; a missing one is named in the error', async () => {
    const ref = `${plainRegistry()}/multi-${run}/app:multi`;
    const amd = buildImage([1500], { architecture: 'amd64', seed: 11 });
    const arm = buildImage([1600], { architecture: 'arm64', variant: 'v8', seed: 12 });
    await pushBuilt(client, ref, amd, { tag: false });
    await pushBuilt(client, ref, arm, { tag: false });
    const entry = (img: typeof amd, architecture: string, variant?: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, platform: { architecture, os: 'linux', ...(variant ? { variant } : {}) } });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry(amd, 'amd64'), entry(arm, 'arm64', 'v8')] }));
    const indexDigest = await client.putManifest(parseReference(ref), 'application/vnd.oci.image.index.v1+json', index);
    assert.equal(indexDigest, sha(index));

    const armPick = await client.resolvePlatformManifest(parseReference(ref), { os: 'linux', architecture: 'arm64' });
    assert.equal(armPick.descriptor.digest, arm.manifestDigest);
    assert.equal(armPick.index?.descriptor.digest, indexDigest);
    assert.equal((await client.resolvePlatformManifest(parseReference(ref), { os: 'linux', architecture: 'amd64' })).descriptor.digest, amd.manifestDigest);
    await assert.rejects(client.resolvePlatformManifest(parseReference(ref), { os: 'linux', architecture: 's390x' }),
      (err: RegistryError) => err.reason === 'not-found' && /linux\/s390x/.test(err.message) && /linux\/amd64, linux\/arm64\/v8/.test(err.message));

    const store = await ImageStore.open(tempHome());
    const pulledArm = await pullImage(client, store, parseReference(ref), { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(pulledArm.manifest.digest, arm.manifestDigest);
    assert.equal(pulledArm.id, sha(arm.config));
    const host = defaultPullPlatform();
    if (host.architecture === 'amd64' || host.architecture === 'arm64') {
      const pulled = await pullImage(client, store, parseReference(ref));
      assert.equal(pulled.descriptor.digest, indexDigest, 'for this host the name points at the index');
      const resolved = await store.resolveManifest((await store.resolve(ref))!);
      assert.equal(resolved.descriptor.digest, host.architecture === 'amd64' ? amd.manifestDigest : arm.manifestDigest);

      // Both platforms are in the store now: the index pushes whole, children first.
      const copy = `${plainRegistry()}/multi-${run}/copy:multi`;
      await store.tag(copy, (await store.resolve(ref))!);
      assert.equal(await pushImage(client, store, parseReference(copy)), indexDigest);
      assert.deepEqual(await rawManifest(plainRegistry(), `multi-${run}/copy`, 'multi'), index);
      assert.deepEqual(await rawManifest(plainRegistry(), `multi-${run}/copy`, arm.manifestDigest), arm.manifest);
    }
    await assertClean(store, 'after the multi-platform pulls');
  });
});

type Lie = 'wrong-digest' | 'truncate' | 'drop';

describe('a lying registry (a proxy in the test) never gets anything corrupt into the store', { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  const image = buildImage([400_000, 300_000], { seed: 21 });
  const victim = sha(image.layers[0]);
  let lie: Lie = 'wrong-digest';
  let proxy: RegistryProxy;
  const ref = () => `${proxy.host}/liar-${run}/app:1`;

  before(async () => {
    const seed = new RegistryClient({ credentials: noCredentials });
    await pushBuilt(seed, `${plainRegistry()}/liar-${run}/app:1`, image);
    seed.close();
    proxy = await startProxy(plainRegistry(), async (req, res, forward): Promise<void> => {
      if (req.method !== 'GET' || !req.url?.endsWith(`/blobs/${victim}`) || req.headers.range) return passThrough(res, forward);
      const body = await bodyOf(await forward());
      if (lie === 'wrong-digest') {
        body[body.length >> 1] ^= 0xff;
        res.writeHead(200, { 'Content-Length': body.length, 'Docker-Content-Digest': victim }).end(body);
      } else if (lie === 'truncate') {
        res.writeHead(200, { 'Content-Length': body.length >> 1 }).end(body.subarray(0, body.length >> 1));
      } else {
        res.writeHead(200, { 'Content-Length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      }
    });
  });
  after(() => proxy.close());

  const cases: [Lie, string, RegExp][] = [
    ['wrong-digest', 'digest-mismatch', /does not match its digest/],
    ['truncate', 'digest-mismatch', /sent \d+ bytes, the manifest gives/],
    ['drop', 'unreachable', /connection was dropped after \d+ bytes/],
  ];
  for (const [kind, reason, message] of cases) {
    test(`${kind}: a clear error naming the blob, fsck clean, no tag; an honest pull afterwards completes`, async () => {
      lie = kind;
      const store = await ImageStore.open(tempHome());
      const client = new RegistryClient({ credentials: noCredentials });
      await assert.rejects(pullImage(client, store, parseReference(ref())), (err: RegistryError) => {
        assert.ok(err instanceof RegistryError, String(err));
        assert.equal(err.reason, reason, err.message);
        assert.match(err.message, message);
        assert.ok(err.message.includes(victim), err.message);
        return true;
      });
      assert.equal(await store.hasBlob(victim), false);
      assert.equal(await store.resolve(ref()), undefined);
      await assertClean(store, `after the ${kind} lie`);

      const events: TransferEvent[] = [];
      const honest = new RegistryClient({ credentials: noCredentials });
      await pullImage(honest, store, parseReference(`${plainRegistry()}/liar-${run}/app:1`), { onProgress: (e) => events.push(e) });
      const resumedFrom = events.find((e) => e.id === victim.slice(7, 19) && e.status === 'Downloading')?.current ?? 0;
      if (kind === 'drop') assert.ok(resumedFrom > 0, 'the honest pull resumes the dropped layer where it stopped');
      else assert.equal(resumedFrom, 0, 'bytes that failed verification are not resumed from');
      assert.equal(await store.hasBlob(victim), true);
      await assertClean(store, `after the honest pull following ${kind}`);
      client.close();
      honest.close();
    });
  }
});

describe('kill -9 of a CLI pull at random points', { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  test('50 kills: fsck clean after each, and a final pull completes', { timeout: 600_000 }, async () => {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run node esbuild.js`);
    const ref = `${plainRegistry()}/kill-${run}/big:1`;
    const seed = new RegistryClient({ credentials: noCredentials });
    await pushBuilt(seed, ref, buildImage([8 << 20, 8 << 20, 8 << 20], { seed: 31 }));
    seed.close();
    // Kill points spread over one whole pull's duration, measured first.
    const started = Date.now();
    execFileSync(process.execPath, [CLI, 'pull', '--engine', 'core', ref], { env: { ...process.env, STEVEDORE_HOME: tempHome() }, stdio: 'ignore' });
    const whole = Date.now() - started;
    let home = tempHome();
    let killedMidPull = 0;
    let completed = 0;
    let midLayer = 0;
    for (let i = 0; killedMidPull < 50 && i < 200; i++) {
      const child = spawn(process.execPath, [CLI, 'pull', '--engine', 'core', ref], { env: { ...process.env, STEVEDORE_HOME: home }, stdio: 'ignore' });
      const delay = Math.floor(Math.random() * whole);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok) => child.on('exit', (c, s) => ok([c, s])));
      clearTimeout(timer);
      const store = await ImageStore.open(home);
      if (await assertClean(store, `kill ${i + 1} after ${delay} ms (exit ${code ?? signal})`)) midLayer++;
      if (signal === 'SIGKILL') killedMidPull++;
      else {
        assert.equal(code, 0);
        completed++;
        home = tempHome(); // start over so the next kill lands in a pull again
      }
    }
    assert.equal(killedMidPull, 50, `only ${killedMidPull} kills landed before the pull finished`);
    assert.ok(midLayer > 0, 'some kills landed in the middle of a layer');
    const store = await ImageStore.open(home);
    const final = execFileSync(process.execPath, [CLI, 'pull', '--engine', 'core', '--json', ref], { env: { ...process.env, STEVEDORE_HOME: home }, encoding: 'utf8' });
    assert.equal((JSON.parse(final) as { ref: string }).ref, ref);
    assert.ok(await store.resolve(ref));
    await assertClean(store, 'after the final pull');
    console.log(`# ${killedMidPull} pulls killed (${midLayer} leaving a partial layer to resume), ${completed} finished before their kill`);
  });
});
