import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { baseImage, docker, dockerMissing, skipUnlessAvailable } from '../support/services';
import { tempHome } from '../support/storeImages';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

describe('the stevedore CLI (built) on the core image store', { skip: skipUnlessAvailable(dockerMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-cli-store-');
  const storeHome = path.join(home, 'store');
  const env = { STEVEDORE_HOME: storeHome, STEVEDORE_ENGINE: undefined };
  const stevedore = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  const ok = (...args: string[]) => {
    const r = stevedore(...args);
    assert.equal(r.status, 0, `stevedore ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const archive = path.join(home, 'base.tar');
  const tag = `stevedore-it-cli-store:${process.pid}`;
  const daemonTag = `stevedore-it-cli-daemon:${process.pid}`;
  const dockerId = () => docker('image', 'inspect', '--format', '{{.Id}}', baseImage());

  before(() => docker('save', '-o', archive, baseImage()));
  after(() => {
    for (const t of [tag, daemonTag]) spawnSync('docker', ['rmi', '-f', t], { stdio: 'ignore' });
    cleanup();
  });

  test('load, images, tag, rmi with --engine core, plain and --json', () => {
    assert.equal(ok('load', '-i', archive, '--engine', 'core').trim(), `Loaded image: ${baseImage()}`);
    const images = JSON.parse(ok('images', '--engine=core', '--json')) as { id: string; tags: string[]; size: number }[];
    assert.deepEqual(images.map((i) => [i.id, i.tags]), [[dockerId(), [baseImage()]]]);
    ok('tag', baseImage(), tag, '--engine', 'core');
    const table = ok('images', '--engine', 'core');
    assert.match(table, new RegExp(`^${tag.replace(/[.:]/g, '\\$&')}\\s+${dockerId().slice(7, 19)}\\s`, 'm'));
    const refused = stevedore('rmi', dockerId().slice(7, 19), '--engine', 'core');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^stevedore: image [0-9a-f]{12} has 2 names .* use --force/);
    assert.equal(ok('rmi', baseImage(), '--engine', 'core').trim(), `Untagged: ${baseImage()}`);
    assert.equal((JSON.parse(ok('images', '--engine', 'core', '--json')) as unknown[]).length, 1);
    assert.equal(fs.existsSync(path.join(storeHome, 'images', 'oci-layout')), true, 'the store lives in STEVEDORE_HOME/images');
  });

  test('inspect --engine core reads the layers from the store: the same analysis as from the daemon', () => {
    interface Analysis { image: { id: string; origin: string }; efficiency: unknown; layers: { layer: { digest?: string; diffId: string } }[]; errors: unknown[] }
    const core = JSON.parse(ok('inspect', tag, '--engine', 'core', '--json')) as Analysis;
    const daemon = JSON.parse(ok('inspect', baseImage(), '--json')) as Analysis;
    assert.match(core.image.origin, /^core store .*\/store\/images$/);
    assert.equal(core.image.id, daemon.image.id);
    assert.deepEqual(core.errors, []);
    for (const l of core.layers) {
      assert.equal(l.layer.digest, l.layer.diffId, 'the store names the blob (an uncompressed layer: its diffID)');
      delete l.layer.digest;
    }
    assert.deepEqual(core.layers, daemon.layers);
    assert.deepEqual(core.efficiency, daemon.efficiency);
    const missing = stevedore('inspect', 'not-in-the-store:1', '--engine', 'core');
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'stevedore: no such image in the core store: not-in-the-store:1\n');
  });

  test('save → the real docker load → docker run; fsck clean; gc after rmi frees the blobs', () => {
    const out = path.join(home, 'cli-saved.tar');
    const saved = JSON.parse(ok('save', '-o', out, tag, '--engine', 'core', '--json')) as { images: { id: string }[] };
    assert.equal(saved.images[0].id, dockerId());
    docker('load', '-i', out);
    assert.equal(docker('run', '--rm', tag, 'echo', 'from-the-cli'), 'from-the-cli');
    assert.match(ok('fsck'), /^clean: 3 blobs /m);
    const removed = JSON.parse(ok('rmi', tag, '--engine', 'core', '--json')) as { deleted?: string }[];
    assert.ok(removed[0].deleted);
    const gc = JSON.parse(ok('gc', '--grace', '0', '--json')) as { removed: unknown[]; freedBytes: number };
    assert.equal(gc.removed.length, 3);
    assert.ok(gc.freedBytes > 1_000_000);
    assert.deepEqual(fs.readdirSync(path.join(storeHome, 'images', 'blobs', 'sha256')), []);
  });

  test('import of a rootfs tarball by the CLI, then fsck --repair --json reports a corrupt blob and drops it', () => {
    const rootfs = path.join(home, 'rootfs.tar');
    execFileSync('tar', ['cf', rootfs, '-C', path.dirname(CLI), 'cli.js']);
    const imported = JSON.parse(ok('import', rootfs, 'imported:cli', '--engine', 'core', '--json')) as { id: string; refs: string[] };
    assert.deepEqual(imported.refs, ['docker.io/library/imported:cli']);
    const images = JSON.parse(ok('images', '--engine', 'core', '--json')) as { id: string }[];
    assert.ok(images.some((i) => i.id === imported.id));
    const blobs = path.join(storeHome, 'images', 'blobs', 'sha256');
    const victim = path.join(blobs, fs.readdirSync(blobs).sort((x, y) => fs.statSync(path.join(blobs, y)).size - fs.statSync(path.join(blobs, x)).size)[0]);
    fs.appendFileSync(victim, 'x');
    const check = stevedore('fsck', '--json');
    assert.equal(check.status, 1);
    assert.equal((JSON.parse(check.stdout) as { problems: { kind: string }[] }).problems[0].kind, 'corrupt-blob');
    const repaired = stevedore('fsck', '--repair');
    assert.equal(repaired.status, 1, 'the image now lacks its layer');
    assert.match(repaired.stdout, /^repaired: corrupt-blob sha256:/m);
    assert.match(repaired.stdout, /^problem: missing-blob .*imported:cli/m);
    assert.equal(fs.existsSync(victim), false);
  });

  test('without --engine core, tag, save and rmi use the daemon; load and import say the daemon lacks them', () => {
    ok('tag', baseImage(), daemonTag);
    assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', daemonTag), dockerId());
    const out = path.join(home, 'daemon-saved.tar');
    ok('save', '-o', out, daemonTag);
    assert.match(execFileSync('tar', ['tf', out], { encoding: 'utf8' }), /manifest\.json/);
    ok('rmi', daemonTag);
    assert.equal(spawnSync('docker', ['image', 'inspect', daemonTag]).status, 1);
    for (const args of [['load', '-i', out], ['import', out, 'x:1']]) {
      const r = stevedore(...args);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`the daemon engine has no "${args[0]}" here .* or --engine core`));
    }
    const bad = stevedore('images', '--engine', 'podman');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--engine \(or STEVEDORE_ENGINE\) is "core" or "daemon"/);
  });
});
