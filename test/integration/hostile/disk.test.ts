import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { assertClean, assertFsckClean, assertRefused, NOBODY, runCli, runCliAsync, usersMissing, type AsUser } from '../../support/hostile';
import { baseImage, docker, dockerMissing, skipUnlessAvailable } from '../../support/services';
import { makeTar } from '../../support/tarBuilder';

const USERS: readonly AsUser[] = ['root', 'nobody'];
const TB = 2 ** 40;

/** Free bytes of the filesystem holding `dir`, as a non-root writer sees them. */
function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Processes whose command line is exactly `argv`. */
function processesRunning(argv: readonly string[]): number[] {
  const wanted = `${argv.join('\0')}\0`;
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8') === wanted) found.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

/**
 * A registry that lies: `/v2/evil/manifests/<tag>` gives a manifest whose one layer declares
 * `declared` bytes, and the layer's blob never ends. Records the blob paths asked for.
 */
async function lyingRegistry(declared: number): Promise<{ port: number; layer: string; asked: string[]; close: () => Promise<void> }> {
  const config = Buffer.from(JSON.stringify({ architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}`] }, config: {} }));
  const layer = `sha256:${'e'.repeat(64)}`;
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: declared }],
  }));
  const asked: string[] = [];
  const chunk = Buffer.alloc(64 << 10, 7);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.writeHead(200).end('{}');
    if (url.startsWith('/v2/evil/manifests/')) {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': sha256(manifest), 'Content-Length': manifest.length });
      return res.end(req.method === 'HEAD' ? undefined : manifest);
    }
    if (url === `/v2/evil/blobs/${sha256(config)}`) return res.writeHead(200, { 'Content-Length': config.length }).end(config);
    if (url === `/v2/evil/blobs/${layer}`) {
      asked.push(url);
      res.writeHead(200);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
      };
      res.on('drain', pump);
      return pump();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    layer,
    asked,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('hostile input: disk space, temporaries, fsck/gc, killed builds', { skip: skipUnlessAvailable(usersMissing() ?? dockerMissing()) }, () => {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-disk-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-disk-inputs-'));
  const bomb = path.join(outside, 'bomb.tar.gz');
  const base = path.join(outside, 'base.tar');
  const homeOf = (user: AsUser) => path.join(mount, user);

  before(() => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=1777', 'tmpfs', mount]);
    for (const user of USERS) {
      fs.mkdirSync(homeOf(user));
      if (user === 'nobody') fs.chownSync(homeOf(user), NOBODY, NOBODY);
      // Creates the store, so what a test measures afterwards is only what the test itself left.
      assert.equal(runCli(user, homeOf(user), ['fsck']).status, 0);
    }
    fs.chmodSync(outside, 0o755);
    // 200 MB of zeros in 200 KB: an OCI layout whose one blob inflates past the 64 MB filesystem.
    fs.writeFileSync(bomb, zlib.gzipSync(makeTar([{ path: `blobs/sha256/${'a'.repeat(64)}`, content: Buffer.alloc(200 << 20) }]), { level: 1 }));
    docker('save', '-o', base, baseImage());
    fs.chmodSync(base, 0o644);
  });
  after(() => {
    if (spawnSync('umount', [mount]).status !== 0) spawnSync('umount', ['-l', mount]);
    fs.rmSync(mount, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  for (const user of USERS) {
    test(`load of a gzip that inflates past the space left: refused before the disk fills, the spool removed, fsck clean (${user})`, () => {
      const home = homeOf(user);
      const before = freeBytes(mount);
      const r = runCli(user, home, ['load', '-i', bomb, '--engine', 'core'], { timeoutMs: 30_000 });
      assertRefused(r, /not enough space for blobs\/sha256\/a{64} of the archive \(209715200 bytes.*\d+ bytes free/);
      assert.ok(Math.abs(freeBytes(mount) - before) < 64 << 10, `free space is back: ${before} before, ${freeBytes(mount)} after`);
      assert.deepEqual(fs.readdirSync(path.join(home, 'tmp')), [], 'no spool is left in TMPDIR');
      assertFsckClean(user, home);
    });
  }

  test('SIGTERM and SIGINT while an archive is spooled remove the spool; one left by kill -9 is removed by the next spool', async () => {
    const tmp = fs.mkdtempSync(path.join(mount, 'spool-'));
    const half = zlib.gzipSync(makeTar([{ path: 'big', content: Buffer.alloc(4 << 20, 1) }])).subarray(0, 2048);
    const script = `
      const { SpooledArchive } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/layers/spooledArchive.ts'))});
      setInterval(() => undefined, 1000);
      SpooledArchive.spool((async function* () { yield Buffer.from(${JSON.stringify(half.toString('base64'))}, 'base64'); await new Promise(() => undefined); })());`;
    const spools = () => fs.readdirSync(tmp).filter((n) => n.startsWith('stevedore-spool-'));
    const interrupted = async (signal: NodeJS.Signals): Promise<NodeJS.Signals | null> => {
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' });
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
      const deadline = Date.now() + 20_000;
      const own = () => spools().some((n) => n.startsWith(`stevedore-spool-${child.pid}-`));
      while (!own() && Date.now() < deadline) await sleep(20);
      assert.ok(own(), 'the spool was made');
      child.kill(signal);
      return ended;
    };
    try {
      assert.equal(await interrupted('SIGTERM'), 'SIGTERM', 'it dies of the signal, as without the handler');
      assert.deepEqual(spools(), []);
      assert.equal(await interrupted('SIGINT'), 'SIGINT');
      assert.deepEqual(spools(), []);
      assert.equal(await interrupted('SIGKILL'), 'SIGKILL');
      assert.equal(spools().length, 1, 'nothing runs on SIGKILL');
      const killed = spools()[0];
      assert.equal(await interrupted('SIGTERM'), 'SIGTERM');
      assert.ok(!spools().includes(killed), 'the next spool removed the killed one\'s');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  for (const user of USERS) {
    test(`a registry declaring a 1 TB layer: refused before the download, naming the blob and both sizes (${user})`, async () => {
      const registry = await lyingRegistry(TB);
      try {
        const home = homeOf(user);
        const r = await runCliAsync(user, home, ['pull', `127.0.0.1:${registry.port}/evil:big`, '--engine', 'core'], { timeoutMs: 30_000 });
        assertRefused(r, new RegExp(`not enough space for blob 127\\.0\\.0\\.1:${registry.port}/evil@${registry.layer} \\(its descriptor declares ${TB} bytes\\).*\\d+ bytes free`));
        assert.deepEqual(registry.asked, [], 'the layer was never downloaded');
        assertFsckClean(user, home);
      } finally {
        await registry.close();
      }
    });

    test(`a registry sending an endless blob for a 1 MB layer: stopped at its size, named, nothing kept (${user})`, async () => {
      const registry = await lyingRegistry(1 << 20);
      try {
        const home = homeOf(user);
        const before = freeBytes(mount);
        const r = await runCliAsync(user, home, ['pull', `127.0.0.1:${registry.port}/evil:endless`, '--engine', 'core'], { timeoutMs: 30_000 });
        assertRefused(r, new RegExp(`evil@${registry.layer}.*more than the 1048576 bytes`));
        assert.equal(registry.asked.length, 1);
        assert.deepEqual(fs.readdirSync(path.join(home, 'images', 'ingest')).filter((n) => n.endsWith('.partial')), [], 'no partial is kept');
        const check = runCli(user, home, ['fsck', '--json']);
        assert.equal(check.status, 0, check.stderr);
        assert.deepEqual((JSON.parse(check.stdout) as { leftovers: unknown[] }).leftovers, []);
        // The config (a few hundred bytes) may stay until gc: nothing names it.
        assert.ok(before - freeBytes(mount) < 64 << 10, `free space is back: ${before} before, ${freeBytes(mount)} after`);
      } finally {
        await registry.close();
      }
    });
  }

  for (const user of USERS) {
    test(`fsck reports a dead ingest's partial, a temp file, a stray file and a killed build's workspace; --repair removes them (${user})`, () => {
      const home = homeOf(user);
      const dead = 2 ** 22 + 1; // above the kernel's default pid_max of 2^22: never a live process
      const planted = [
        path.join(home, 'images', 'ingest', `sha256-${'b'.repeat(64)}.partial`),
        path.join(home, 'images', 'ingest', `tmp-index.json-${dead}-${'c'.repeat(12)}`),
        path.join(home, 'images', 'stray'),
        path.join(home, 'build', `${Date.now()}-deadbeef`, 'stage0-0000', 'file'),
      ];
      for (const file of planted) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, 'x'.repeat(4096));
      }
      fs.writeFileSync(path.join(home, 'build', `${path.basename(path.dirname(path.dirname(planted[3])))}.lock`), `${dead}\n`);
      if (user === 'nobody') spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, home]);
      const report = runCli(user, home, ['fsck'], { timeoutMs: 30_000 });
      assertClean(report.stdout + report.stderr);
      assert.equal(report.status, 1, 'a stray file makes the store not clean');
      assert.match(report.stdout, /problem: stray-file .*images\/stray/);
      assert.match(report.stdout, /leftover: partial .*sha256-b{64}\.partial/);
      assert.match(report.stdout, /leftover: temp .*tmp-index\.json-/);
      assert.match(report.stdout, /leftover: build .*build\/\d+-deadbeef /);
      assert.match(report.stdout, /NOT clean: .*leftovers of interrupted work .*fsck --repair/);
      const repair = runCli(user, home, ['fsck', '--repair'], { timeoutMs: 30_000 });
      assert.equal(repair.status, 0, repair.stdout + repair.stderr);
      for (const file of planted) assert.ok(!fs.existsSync(file), `${file} is removed`);
      assert.deepEqual(fs.readdirSync(path.join(home, 'build')), []);
      const again = runCli(user, home, ['fsck'], { timeoutMs: 30_000 });
      assert.match(again.stdout, /^clean: \d+ blobs \([^)]*\) checked in \S+$/m);
    });
  }

  for (const user of USERS) {
    test(`gc on a full disk frees what no image uses (${user})`, () => {
      const home = homeOf(user);
      const blob = path.join(home, 'images', 'blobs', 'sha256', 'd'.repeat(64));
      fs.writeFileSync(blob, Buffer.alloc(4 << 20));
      const old = new Date(Date.now() - 3_600_000);
      fs.utimesSync(blob, old, old);
      if (user === 'nobody') fs.chownSync(blob, NOBODY, NOBODY);
      const filler = path.join(mount, 'filler');
      const fd = fs.openSync(filler, 'w');
      try {
        const block = Buffer.alloc(1 << 20);
        try {
          for (;;) fs.writeSync(fd, block);
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
        }
        const small = Buffer.alloc(4096);
        try {
          for (;;) fs.writeSync(fd, small);
        } catch {
          // full to the last page
        }
        assert.equal(freeBytes(mount), 0, 'the disk is full');
        const r = runCli(user, home, ['gc'], { timeoutMs: 30_000 });
        assertClean(r.stdout + r.stderr);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`deleted: sha256:${'d'.repeat(64)}`));
        assert.ok(!fs.existsSync(blob));
        assert.deepEqual(fs.readdirSync(path.join(home, 'images', 'ingest')), [], 'its lock is gone');
      } finally {
        fs.closeSync(fd);
        fs.rmSync(filler, { force: true });
      }
      assertFsckClean(user, home);
    });
  }

  for (const user of USERS) {
    test(`kill -9 of a build: its RUN process dies with it, gc reclaims its workspace (${user})`, async () => {
      const home = homeOf(user);
      const loaded = runCli(user, home, ['load', '-i', base, '--engine', 'core'], { timeoutMs: 30_000 });
      assert.equal(loaded.status, 0, loaded.stderr);
      const ctx = path.join(home, 'ctx');
      fs.mkdirSync(ctx, { recursive: true });
      const seconds = String(3000 + (user === 'root' ? 1 : 2));
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${baseImage()}\nRUN ["sleep", "${seconds}"]\n`);
      if (user === 'nobody') spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, ctx]);
      let cliPid = 0;
      const ended = runCliAsync(user, home, ['build', '--engine', 'core', ctx], { timeoutMs: 60_000, onStart: (child) => (cliPid = child.pid!) });
      const sleepArgv = ['sleep', seconds];
      const deadline = Date.now() + 30_000;
      while (!processesRunning(sleepArgv).length && Date.now() < deadline) await sleep(50);
      assert.ok(processesRunning(sleepArgv).length, 'the RUN step started');
      assert.equal(fs.readdirSync(path.join(home, 'build')).length, 2, 'a workspace and its lock');
      process.kill(cliPid, 'SIGKILL');
      const r = await ended;
      assert.equal(r.signal, 'SIGKILL');
      const gone = Date.now() + 5_000;
      while (processesRunning(sleepArgv).length && Date.now() < gone) await sleep(50);
      assert.deepEqual(processesRunning(sleepArgv), [], 'no RUN process outlives the build');
      assert.equal(fs.readdirSync(path.join(home, 'build')).length, 2, 'the killed build left its workspace');
      const gc = runCli(user, home, ['gc'], { timeoutMs: 30_000 });
      assert.equal(gc.status, 0, gc.stderr);
      assert.match(gc.stdout, /deleted workspace of a killed build: .*build\/\d+-[0-9a-f]{8} /);
      assert.deepEqual(fs.readdirSync(path.join(home, 'build')), []);
      assertFsckClean(user, home);
      fs.rmSync(ctx, { recursive: true, force: true });
    });
  }
});
