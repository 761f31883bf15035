import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspectImage, type Inspection } from '../../src/core/layers/imageInspection';
import { LayerIndexCache } from '../../src/core/layers/layerCache';
import { decodeLayerIndex, type LayerIndex } from '../../src/core/layers/layerIndex';
import { LayerIndexPool } from '../../src/core/layers/layerIndexPool';
import { RegistryImageSource } from '../../src/core/layers/registrySource';
import { parseReference } from '../../src/core/registry/imageReference';
import { RegistryClient } from '../../src/core/registry/registryClient';
import { tagDescription } from '../../src/views/registryModel';
import { readTagDetails } from '../../src/views/registryTags';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { resolveEndpoints } from '../../src/engine/daemon/endpoint';
import { EngineImageSource } from '../../src/engine/engineImageSource';
import { plainRegistry, registriesMissing } from '../support/registry';
import { baseImage, buildFromText, docker, dockerMissing, skipUnlessAvailable, uniqueName } from '../support/services';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function layersOf(inspection: Inspection): LayerIndex[] {
  return inspection.layers.map((l, i) => {
    assert.ok('encoded' in l, `layer ${i + 1}: ${'error' in l ? l.error : ''}`);
    return decodeLayerIndex(l.encoded);
  });
}

/** Every entry of a layer as a user sees it in the tree: path, size, mode. */
function entries(index: LayerIndex): string[] {
  return index.paths.map((p, i) => `${p} ${index.sizes[i]} ${index.modes[i]}`).sort();
}

describe('layer inspector: the registry source, on an image docker pushed', { skip: skipUnlessAvailable(dockerMissing() ?? registriesMissing()) }, () => {
  const local = `${uniqueName('stevedore-it/regsource')}:v1`;
  let remote: string;
  let dir: string;
  let engine: DaemonEngine;
  let pool: LayerIndexPool;
  let client: RegistryClient;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-it-regsource-'));
    engine = new DaemonEngine(resolveEndpoints()[0]);
    pool = new LayerIndexPool({ size: 2 });
    client = new RegistryClient({ credentials: () => Promise.resolve(undefined) });
    buildFromText([
      `FROM ${baseImage()}`,
      'RUN mkdir -p /data/cache && echo one > /data/a.txt && echo two > /data/b.txt && echo old > /data/cache/old',
      'RUN echo ONE-CHANGED > /data/a.txt && rm /data/b.txt && rm -rf /data/cache && mkdir /data/cache && echo new > /data/cache/new',
    ].join('\n'), ['-t', local]);
    remote = `${plainRegistry()}/${local}`;
    docker('tag', local, remote);
    docker('push', remote);
  });

  after(() => {
    pool?.dispose();
    client?.close();
    engine?.dispose();
    for (const ref of [remote, local]) spawnSync('docker', ['rmi', ref], { stdio: 'ignore' });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the same layers and file entries as the daemon\'s export, each layer streamed once, none kept on disk', async () => {
    const fromEngine = new EngineImageSource(engine, local, 'Docker Engine', new LayerIndexCache(path.join(dir, 'engine-cache')));
    const daemon = await inspectImage(fromEngine, { pool });
    await fromEngine.dispose();

    const cache = new LayerIndexCache(path.join(dir, 'registry-cache'));
    const spools = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('stevedore-export-'));
    const spooledBefore = spools();
    const source = new RegistryImageSource(client, parseReference(remote), { cache, concurrency: 2 });
    const registry = await inspectImage(source, { pool, cache });
    assert.deepEqual(spools(), spooledBefore);
    assert.equal(registry.description.origin, `registry ${plainRegistry()}`);
    assert.deepEqual(registry.description.layers.map((l) => l.diffId), daemon.description.layers.map((l) => l.diffId));
    // The registry names the stored (gzip) blobs, which the daemon's export does not.
    assert.ok(registry.description.layers.every((l) => /^sha256:[0-9a-f]{64}$/.test(l.digest ?? '') && (l.storedSize ?? 0) > 0));
    const a = layersOf(registry);
    const b = layersOf(daemon);
    assert.equal(a.length, 3);
    a.forEach((index, i) => {
      assert.equal(index.meta.compression, 'gzip', `layer ${i + 1}`);
      assert.deepEqual(entries(index), entries(b[i]), `layer ${i + 1}`);
    });
    assert.ok(a[2].paths.includes('data/cache/new'));
    assert.equal(registry.description.history.filter((h) => h.layer !== undefined).length, 3);
  });

  test('reopened: every layer from the cache by diffID, nothing downloaded', async () => {
    const cache = new LayerIndexCache(path.join(dir, 'registry-cache'));
    let downloads = 0;
    const counting = new Proxy(client, {
      get: (target, prop, receiver) => (prop === 'getBlob' ? (...args: Parameters<RegistryClient['getBlob']>) => {
        downloads++;
        return target.getBlob(...args);
      } : Reflect.get(target, prop, receiver) as unknown),
    });
    const inspection = await inspectImage(new RegistryImageSource(counting, parseReference(remote), { cache }), { pool, cache });
    assert.ok(inspection.layers.every((l) => 'cached' in l && l.cached));
    assert.equal(downloads, 0, 'the config also came from the cache');
  });

  test('the Registries view\'s line for the tag: the digest docker pushed, the stored size, the config\'s date and platform', async () => {
    const details = await readTagDetails(client, parseReference(remote));
    const repoDigest = docker('image', 'inspect', '--format', '{{index .RepoDigests 0}}', remote);
    assert.equal(details.digest, repoDigest.split('@')[1]);
    const { manifest } = await client.resolvePlatformManifest(parseReference(remote));
    assert.equal(details.size, manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0));
    assert.equal(details.created, Date.parse(docker('image', 'inspect', '--format', '{{.Created}}', local)));
    assert.deepEqual(details.platforms, [`${docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', local)}`]);
    assert.match(tagDescription(details, Date.now()), /^\d+(\.\d+)?[kM]B · .* ago · linux\/\w+$/);
  });

  test('a tag that does not exist: a clear error naming it', async () => {
    const source = new RegistryImageSource(client, parseReference(`${plainRegistry()}/${local.split(':')[0]}:absent`));
    await assert.rejects(source.describe(), /not found/);
  });

  test('the CLI: stevedore inspect REF --registry --json', { skip: skipUnlessAvailable(fs.existsSync(CLI) ? undefined : 'dist/cli.js not built (npm run compile)') }, () => {
    const run = spawnSync(process.execPath, [CLI, 'inspect', remote, '--registry', '--json'], { encoding: 'utf8', env: { ...process.env, STEVEDORE_CACHE_DIR: path.join(dir, 'cli-cache') }, timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { layers: unknown[]; image?: { origin?: string } };
    assert.equal(report.layers.length, 3);
    assert.equal(report.image?.origin, `registry ${plainRegistry()}`);
    const wrong = spawnSync(process.execPath, [CLI, 'inspect', 'not a reference', '--registry'], { encoding: 'utf8' });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /not a valid image reference/);
  });
});
