import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openArchive } from '../../src/core/layers/archiveSource';
import { analyzeInspection } from '../../src/core/layers/imageAnalysis';
import { inspectImage, type Inspection } from '../../src/core/layers/imageInspection';
import { MARK_NAMES } from '../../src/core/layers/imageTree';
import { LayerIndexCache } from '../../src/core/layers/layerCache';
import { decodeLayerIndex, hashHex, kindOf, type LayerIndex } from '../../src/core/layers/layerIndex';
import { LayerIndexPool } from '../../src/core/layers/layerIndexPool';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { resolveEndpoints } from '../../src/engine/daemon/endpoint';
import { EngineImageSource } from '../../src/engine/engineImageSource';
import { baseImage, buildFromText, docker, dockerMissing, skipUnlessAvailable, toolMissing, uniqueName } from '../support/services';
import { makeTar, sha256 } from '../support/tarBuilder';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** The names `tar -t` lists, as the layer holds them (whiteout and opaque markers included). */
function tarNames(file: string, decompress?: 'gzip' | 'zstd'): string[] {
  const args = decompress === 'gzip' ? ['-tzf', file] : decompress === 'zstd' ? ['--zstd', '-tf', file] : ['-tf', file];
  return execFileSync('tar', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean)
    .map((n) => n.replace(/^\.\//, '').replace(/\/$/, '')).filter((n) => n && n !== '.').sort();
}

/** The same names from an index (a whiteout row is the path it deletes; turn it back into its marker). */
function indexNames(index: LayerIndex): string[] {
  return index.paths.map((p, i) => {
    const kind = kindOf(index, i);
    const slash = p.lastIndexOf('/');
    if (kind === 'opaque') return p ? `${p}/.wh..wh..opq` : '.wh..wh..opq';
    if (kind === 'whiteout') return `${p.slice(0, slash + 1)}.wh.${p.slice(slash + 1)}`;
    return p;
  }).sort();
}

function layersOf(inspection: Inspection): LayerIndex[] {
  return inspection.layers.map((l, i) => {
    assert.ok('encoded' in l, `layer ${i + 1}: ${'error' in l ? l.error : ''}`);
    return decodeLayerIndex(l.encoded);
  });
}

describe('layer inspector against images the real dockerd built', { skip: skipUnlessAvailable(dockerMissing()) }, () => {
  const tag = `${uniqueName('stevedore-it/inspect')}:v1`;
  const child = `${uniqueName('stevedore-it/inspect-child')}:v1`;
  let dir: string;
  let engine: DaemonEngine;
  let pool: LayerIndexPool;
  let cache: LayerIndexCache;
  let saved: string;
  /** `docker save`'s own legacy layout, unpacked: manifest.json, <id>/layer.tar. */
  let unpacked: string;
  let manifest: { Config: string; Layers: string[] };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-it-inspect-'));
    engine = new DaemonEngine(resolveEndpoints()[0]);
    pool = new LayerIndexPool({ size: 2 });
    cache = new LayerIndexCache(path.join(dir, 'cache'));
    // Layer 2 makes files; layer 3 rewrites one, deletes one (a whiteout) and empties a directory
    // and fills it anew (an opaque directory in overlay2's diff).
    buildFromText([
      `FROM ${baseImage()}`,
      'RUN mkdir -p /data/cache /data/keep && echo one > /data/a.txt && echo two > /data/b.txt && echo old > /data/cache/old && echo k > /data/keep/k',
      'RUN echo ONE-CHANGED > /data/a.txt && rm /data/b.txt && rm -rf /data/cache && mkdir /data/cache && echo new > /data/cache/new',
      'CMD ["ls", "/data"]',
    ].join('\n'), ['-t', tag]);
    buildFromText(`FROM ${tag}\nRUN echo child > /data/child.txt\n`, ['-t', child]);
    saved = path.join(dir, 'saved.tar');
    docker('save', '-o', saved, tag);
    unpacked = path.join(dir, 'unpacked');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xf', saved, '-C', unpacked]);
    manifest = (JSON.parse(fs.readFileSync(path.join(unpacked, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[])[0];
  });

  after(() => {
    pool?.dispose();
    engine?.dispose();
    for (const ref of [child, tag]) {
      try {
        docker('rmi', ref);
      } catch {
        // not built
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the daemon\'s export (legacy docker save layout): every layer\'s entries are what tar lists', async () => {
    const spools = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('stevedore-export-'));
    const before = spools();
    const source = new EngineImageSource(engine, tag, 'Docker Engine', cache);
    const inspection = await inspectImage(source, { pool, cache });
    await source.dispose();
    assert.deepEqual(spools(), before, 'the spooled export is removed');
    const layers = layersOf(inspection);
    assert.equal(layers.length, manifest.Layers.length);
    layers.forEach((index, i) => {
      const tarFile = path.join(unpacked, manifest.Layers[i]);
      assert.deepEqual(indexNames(index), tarNames(tarFile), `layer ${i + 1}`);
      assert.equal(index.meta.diffId, `sha256:${sha256(fs.readFileSync(tarFile))}`);
      assert.equal(inspection.layers[i] && 'cached' in inspection.layers[i] && (inspection.layers[i] as { cached: boolean }).cached, false);
    });
    // The history now comes from the config in the export: the CMD step made no layer.
    const cmd = inspection.description.history.find((h) => h.createdBy.includes('CMD'));
    assert.ok(cmd && cmd.layer === undefined);
    assert.equal(inspection.description.history.filter((h) => h.layer !== undefined).length, 3);
  });

  test('marks of the third layer: a modified file, a whiteout, an opaque directory', async () => {
    const source = new EngineImageSource(engine, tag, 'Docker Engine', cache);
    const analysis = analyzeInspection(await inspectImage(source, { pool, cache }));
    await source.dispose();
    const third = analysis.layers[2]!;
    assert.ok(indexNames(third).includes('data/.wh.b.txt'));
    assert.ok(indexNames(third).includes('data/cache/.wh..wh..opq'));
    const view = analysis.tree.view(2, 'layer');
    const mark = (p: string) => MARK_NAMES[view.marks[analysis.tree.nodeOf(p)!]];
    assert.equal(mark('data/a.txt'), 'modified');
    assert.equal(mark('data/b.txt'), 'removed');
    assert.equal(mark('data/cache/old'), 'removed');
    assert.equal(mark('data/cache/new'), 'added');
    assert.equal(mark('data/keep/k'), 'unchanged');
    // dive: a.txt twice (4 + 12 bytes), b.txt deleted (4 bytes).
    assert.deepEqual(analysis.efficiency?.inefficiencies.filter((i) => i.path.startsWith('/data/')).map((i) => [i.path, i.count, i.wastedBytes]), [
      ['/data/a.txt', 2, 16],
      ['/data/b.txt', 2, 4],
    ]);
  });

  test('reopening comes from the cache without an export; an image sharing the base reads only its own layer', async () => {
    const reopened = await inspectImage(new EngineImageSource(engine, tag, 'Docker Engine', cache), { pool, cache });
    assert.ok(reopened.layers.every((l) => 'cached' in l && l.cached));
    // The exact history was kept with the config: the CMD step still made no layer.
    assert.equal(reopened.description.history.find((h) => h.createdBy.includes('CMD'))?.layer, undefined);
    const source = new EngineImageSource(engine, child, 'Docker Engine', cache);
    const shared = await inspectImage(source, { pool, cache });
    await source.dispose();
    assert.deepEqual(shared.layers.map((l) => 'cached' in l && l.cached), [true, true, true, false]);
  });

  test('an OCI layout with gzip and with zstd layers (skopeo from the daemon): the same entries as tar lists', { skip: skipUnlessAvailable(toolMissing('skopeo') ?? toolMissing('zstd')) }, async () => {
    for (const format of ['gzip', 'zstd'] as const) {
      const file = path.join(dir, `oci-${format}.tar`);
      execFileSync('skopeo', ['copy', '--quiet', '--src-daemon-host', process.env.DOCKER_HOST!, '--dest-compress', '--dest-compress-format', format, `docker-daemon:${tag}`, `oci-archive:${file}:v1`], { stdio: 'pipe', timeout: 120_000 });
      const archive = await openArchive(file);
      try {
        assert.equal(archive.images.length, 1);
        assert.deepEqual(archive.images[0].tags, ['v1']);
        const fresh = new LayerIndexCache(path.join(dir, `cache-${format}`));
        const inspection = await inspectImage(archive.source(0), { pool, cache: fresh });
        const layers = layersOf(inspection);
        const blobs = path.join(dir, `blobs-${format}`);
        fs.mkdirSync(blobs);
        execFileSync('tar', ['-xf', file, '-C', blobs]);
        layers.forEach((index, i) => {
          assert.equal(index.meta.compression, format);
          const blob = path.join(blobs, 'blobs', 'sha256', inspection.description.layers[i].digest!.slice(7));
          assert.deepEqual(indexNames(index), tarNames(blob, format), `${format} layer ${i + 1}`);
          // The config's diffID (nothing checks an archive's: see imageSource.ts) is the daemon's layer.
          assert.equal(index.meta.diffId, `sha256:${sha256(fs.readFileSync(path.join(unpacked, manifest.Layers[i])))}`);
        });
      } finally {
        await archive.dispose();
      }
    }
  });

  test('Docker 25+\'s layout (manifest.json over OCI blobs), written from the legacy export: the same layers', async () => {
    const config = fs.readFileSync(path.join(unpacked, manifest.Config));
    const layerTars = manifest.Layers.map((l) => fs.readFileSync(path.join(unpacked, l)));
    const blob = (data: Buffer) => ({ path: `blobs/sha256/${sha256(data)}`, content: data });
    const ociManifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: layerTars.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(l)}`, size: l.length })),
    }));
    const file = path.join(dir, 'docker26.tar');
    fs.writeFileSync(file, makeTar([
      ...layerTars.map(blob),
      blob(config),
      blob(ociManifest),
      { path: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256(ociManifest)}`, size: ociManifest.length, annotations: { 'io.containerd.image.name': `docker.io/library/${tag}` } }] }) },
      { path: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${sha256(config)}`, RepoTags: [tag], Layers: layerTars.map((l) => `blobs/sha256/${sha256(l)}`) }]) },
      { path: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    ]));
    const archive = await openArchive(file);
    try {
      const inspection = await inspectImage(archive.source(0), { pool, cache: new LayerIndexCache(path.join(dir, 'cache-26')) });
      assert.equal(inspection.description.name, tag);
      layersOf(inspection).forEach((index, i) => assert.deepEqual(indexNames(index), tarNames(path.join(unpacked, manifest.Layers[i]))));
    } finally {
      await archive.dispose();
    }
    // The same layout as an engine's export (Docker 25+ writes it): this daemon is 20.10, so its
    // export is swapped for the archive above; inspect and history are the daemon's own.
    const docker26 = Object.create(engine, { saveImage: { value: () => Promise.resolve(fs.createReadStream(file)) } }) as typeof engine;
    const source = new EngineImageSource(docker26, tag, 'Docker Engine 26 (layout)', new LayerIndexCache(path.join(dir, 'cache-26-engine')));
    const fromEngine = await inspectImage(source, { pool, cache: new LayerIndexCache(path.join(dir, 'cache-26-engine')) });
    await source.dispose();
    layersOf(fromEngine).forEach((index, i) => assert.deepEqual(indexNames(index), tarNames(path.join(unpacked, manifest.Layers[i]))));
    assert.equal(fromEngine.description.history.find((h) => h.createdBy.includes('CMD'))?.layer, undefined);
  });

  test('`docker save | gzip` (a compressed archive, unpacked to a temporary folder first): the same layers, the folder removed after', async () => {
    const file = path.join(dir, 'saved.tar.gz');
    execFileSync('sh', ['-c', `gzip -1 -c '${saved}' > '${file}'`]);
    const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('stevedore-export-'));
    const archive = await openArchive(file);
    try {
      const inspection = await inspectImage(archive.source(0), { pool, cache: new LayerIndexCache(path.join(dir, 'cache-gz')) });
      layersOf(inspection).forEach((index, i) => assert.deepEqual(indexNames(index), tarNames(path.join(unpacked, manifest.Layers[i]))));
    } finally {
      await archive.dispose();
    }
    assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('stevedore-export-')), before);
  });

  test('a truncated archive is an error; a doctored layer shows what it holds, is cached for that file only, and never for the real image', async () => {
    const whole = fs.readFileSync(saved);
    const truncated = path.join(dir, 'truncated.tar');
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(openArchive(truncated), /truncated|not an image archive/);

    // The same archive with one byte of the second layer changed: /data/a.txt now holds "One".
    const altered = path.join(dir, 'altered.tar');
    const layerTar = fs.readFileSync(path.join(unpacked, manifest.Layers[1]));
    const at = whole.indexOf(layerTar.subarray(0, 4096));
    assert.ok(at > 0);
    const copy = Buffer.from(whole);
    copy[at + layerTar.indexOf(Buffer.from('one\n'))] = 'O'.charCodeAt(0);
    fs.writeFileSync(altered, copy);
    const shared = new LayerIndexCache(path.join(dir, 'cache-altered'));
    const inspectAltered = async () => {
      const archive = await openArchive(altered);
      try {
        return await inspectImage(archive.source(0), { pool, cache: shared });
      } finally {
        await archive.dispose();
      }
    };
    const first = await inspectAltered();
    const second = layersOf(first)[1];
    assert.equal(hashHex(second, second.paths.indexOf('data/a.txt')), sha256('One\n'));
    // Reopening the same file comes from the cache; the real layer's digest has no entry.
    assert.ok((await inspectAltered()).layers.every((l) => 'cached' in l && l.cached));
    const diffId = first.description.layers[1].diffId;
    assert.equal(await shared.get(diffId), undefined);
    assert.ok(await shared.get(diffId, first.description.layers[1].sourceKey));
    // The real image, through the same cache, shows the real content.
    const source = new EngineImageSource(engine, tag, 'Docker Engine', shared);
    const real = await inspectImage(source, { pool, cache: shared });
    await source.dispose();
    assert.equal('cached' in real.layers[1] && real.layers[1].cached, false);
    const realSecond = layersOf(real)[1];
    assert.equal(hashHex(realSecond, realSecond.paths.indexOf('data/a.txt')), sha256('one\n'));
    // A changed file is another archive for the cache.
    fs.utimesSync(altered, new Date(), new Date(Date.now() + 5000));
    assert.ok((await inspectAltered()).layers.every((l) => 'cached' in l && !l.cached));
  });

  test('stevedore inspect: summary, --json, and --ci with .dive-ci and flags, exiting 1 when a rule fails', () => {
    const env = { ...process.env, STEVEDORE_CACHE_DIR: path.join(dir, 'cli-cache') };
    const run = (args: string[], cwd = dir) => spawnSync(process.execPath, [CLI, 'inspect', ...args], { encoding: 'utf8', env, cwd, timeout: 120_000, maxBuffer: 64 << 20 });
    const summary = run([tag]);
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /Efficiency: +\d+\.\d\d %/);
    assert.match(summary.stdout, /\/data\/a\.txt/);
    const json = run([saved, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const data = JSON.parse(json.stdout) as { layers: { files: { path: string; kind: string }[] }[]; efficiency: { wastedBytes: number } };
    assert.ok(data.layers[2].files.some((f) => f.path === '/data/b.txt' && f.kind === 'whiteout'));
    assert.ok(data.efficiency.wastedBytes >= 20);

    fs.writeFileSync(path.join(dir, '.dive-ci'), 'rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 1KB\n  highestUserWastedPercent: disabled\n');
    const pass = run([tag, '--ci']);
    assert.equal(pass.status, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /PASS: highestWastedBytes/);
    assert.match(pass.stdout, /SKIP: highestUserWastedPercent/);
    const fail = run([tag, '--ci', '--highest-wasted-bytes', '10B']);
    assert.equal(fail.status, 1);
    assert.match(fail.stdout, /FAIL: highestWastedBytes: too many bytes wasted/);
    assert.match(fail.stdout, /Result:FAIL/);
    const bad = run([path.join(dir, 'nothing-here.tar')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /^stevedore: /);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
