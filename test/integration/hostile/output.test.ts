import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { docker, dockerMissing, baseImage, skipUnlessAvailable } from '../../support/services';
import { sandboxMissing } from '../../support/coreRuntime';
import { assertClean, assertNoSecretIn, assertRefused, type AsUser, type CliResult, NOBODY, runCli, runCliAsync, SECRET, userDir, usersMissing } from '../../support/hostile';
import { makeImageArchive, makeTar } from '../../support/tarBuilder';

const USERS: readonly AsUser[] = ['root', 'nobody'];
/** What an attacker prints to fake a result: clear the screen, go back to the line start, ring. */
const INJECT = '\x1b[2J\x1b[H\rverified OK\x07\x9b31m';

/** The process ended by itself within `ms` (a hang would be killed by the timeout and fail here). */
function assertEndedWithin(r: CliResult, ms: number): void {
  assert.equal(r.signal, null, `killed after ${r.ms} ms: it did not end by itself\n${r.stderr}`);
  assert.ok(r.ms < ms, `took ${r.ms} ms`);
}

/** A home for `user`, and beside it a Docker config dir and a bin dir on PATH for fake credential helpers. */
function setup(user: AsUser): { home: string; bin: string; env: Record<string, string>; cleanup: () => void } {
  const { dir: home, cleanup } = userDir(user);
  const dockerDir = path.join(path.dirname(home), 'docker');
  const bin = path.join(path.dirname(home), 'bin');
  fs.mkdirSync(dockerDir);
  fs.mkdirSync(bin);
  if (user === 'nobody') for (const d of [dockerDir, bin]) fs.chownSync(d, NOBODY, NOBODY);
  return { home, bin, env: { DOCKER_CONFIG: dockerDir, PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` }, cleanup };
}

/** Every output and every file the run left behind is free of the secret and of raw controls. */
function assertNothingLeaked(r: CliResult, home: string): void {
  assertClean(r.stdout + r.stderr);
  assertNoSecretIn(home);
}

/** A fake registry on loopback (plain HTTP is allowed there) answering with `handle`. */
async function fakeRegistry(handle: (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void): Promise<{ host: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => handle(req, res, `http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('hostile input: secrets, terminal injection, unclear ends', { skip: skipUnlessAvailable(usersMissing()) }, () => {
  for (const user of USERS) {
    test(`a credential helper that answers non-JSON holding the password: the helper is named, the password never shown (${user})`, () => {
      const { home, bin, env, cleanup } = setup(user);
      try {
        fs.writeFileSync(path.join(env.DOCKER_CONFIG, 'config.json'), JSON.stringify({ credsStore: 'evil' }));
        fs.writeFileSync(path.join(bin, 'docker-credential-evil'), `#!/bin/sh\necho '${SECRET}${INJECT}'\n`, { mode: 0o755 });
        const r = runCli(user, home, ['pull', '127.0.0.1:9/hostile/helper:1'], { env, timeoutMs: 20_000 });
        assertRefused(r, /docker-credential-evil answered something that is not JSON/);
        assertNothingLeaked(r, home);
      } finally {
        cleanup();
      }
    });

    test(`a credential helper that fails saying the password: it is not repeated (${user})`, () => {
      const { home, bin, env, cleanup } = setup(user);
      try {
        fs.writeFileSync(path.join(env.DOCKER_CONFIG, 'config.json'), JSON.stringify({ credHelpers: { '127.0.0.1:9': 'loud' } }));
        fs.writeFileSync(path.join(bin, 'docker-credential-loud'), `#!/bin/sh\necho 'cannot unlock ${SECRET}'\necho '${SECRET}' >&2\nexit 3\n`, { mode: 0o755 });
        const r = runCli(user, home, ['pull', '127.0.0.1:9/hostile/helper:1'], { env, timeoutMs: 20_000 });
        assertRefused(r, /docker-credential-loud get failed \(exit code 3\)/);
        assertNothingLeaked(r, home);
      } finally {
        cleanup();
      }
    });

    test(`a malformed config.json holding a password: the file and line are named, not its text (${user})`, () => {
      const { home, env, cleanup } = setup(user);
      try {
        fs.writeFileSync(path.join(env.DOCKER_CONFIG, 'config.json'), `{\n  "auths": {\n    "127.0.0.1:9": { "password": "${SECRET}", }\n  }\n}\n`);
        const pull = runCli(user, home, ['pull', '127.0.0.1:9/hostile/config:1'], { env, timeoutMs: 20_000 });
        assertRefused(pull, /docker\/config\.json is not valid JSON \(line 3, column \d+\)/);
        fs.writeFileSync(path.join(env.DOCKER_CONFIG, 'config.json'), `{"currentContext": ${SECRET}}`);
        const ps = runCli(user, home, ['ps'], { env: { ...env, DOCKER_HOST: '' }, timeoutMs: 20_000 });
        assertRefused(ps, /config\.json is not valid JSON/);
        assertNothingLeaked(pull, home);
        assertNothingLeaked(ps, home);
      } finally {
        cleanup();
      }
    });

    test(`a registry that is not there, or a host that does not resolve: said in words, no Node error code (${user})`, () => {
      const { home, env, cleanup } = setup(user);
      try {
        const refused = runCli(user, home, ['pull', '--engine', 'core', '127.0.0.1:9/hostile/none:1'], { env, timeoutMs: 20_000 });
        assertRefused(refused, /reach 127\.0\.0\.1:9 \(over https, then http\): the connection was refused/);
        assert.doesNotMatch(refused.stderr, /ECONNREFUSED/);
        const unknown = runCli(user, home, ['pull', '--engine', 'core', 'no-such-host.invalid/hostile/none:1'], { env, timeoutMs: 20_000 });
        assertRefused(unknown, /reach no-such-host\.invalid: no such host/);
        assert.doesNotMatch(unknown.stderr, /ENOTFOUND|getaddrinfo/);
      } finally {
        cleanup();
      }
    });

    test(`a registry whose token answer holds the secret: not shown, not stored (${user})`, async () => {
      const { home, env, cleanup } = setup(user);
      const registry = await fakeRegistry((req, res, base) => {
        if (req.url === '/v2/') res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${base}/token",service="fake"` }).end();
        else if (req.url?.startsWith('/token')) res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"token": "${SECRET}", ${SECRET}${INJECT}`);
        else res.writeHead(404).end();
      });
      try {
        const r = await runCliAsync(user, home, ['pull', '--engine', 'core', `${registry.host}/hostile/token:1`], { env, timeoutMs: 20_000 });
        assertRefused(r, new RegExp(`read the token from ${registry.host}: the answer is not JSON`));
        assertNothingLeaked(r, home);
      } finally {
        await registry.close();
        cleanup();
      }
    });

    test(`a registry error body with escape sequences reaches the terminal escaped (${user})`, async () => {
      const { home, env, cleanup } = setup(user);
      const registry = await fakeRegistry((req, res) => {
        if (req.url === '/v2/') res.writeHead(200).end('{}');
        else res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: `no such manifest${INJECT}\nline two` }] }));
      });
      try {
        const r = await runCliAsync(user, home, ['pull', '--engine', 'core', `${registry.host}/hostile/body:1`], { env, timeoutMs: 20_000 });
        assertRefused(r, /not found \(MANIFEST_UNKNOWN: no such manifest\\x1b\[2J\\x1b\[H verified OK\\x07\\x9b31m line two\)/);
        assert.doesNotMatch(r.stderr, /^verified OK/m);
      } finally {
        await registry.close();
        cleanup();
      }
    });

    test(`a registry that stalls mid-blob: pull ends at the idle timeout naming the blob (${user})`, async () => {
      const { home, env, cleanup } = setup(user);
      const layer = Buffer.alloc(4096, 7);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
      }));
      const registry = await fakeRegistry((req, res) => {
        if (req.url === '/v2/') res.writeHead(200).end('{}');
        else if (req.url?.includes('/manifests/')) res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
        else if (req.url?.endsWith(sha(config))) res.writeHead(200).end(config);
        else if (req.url?.endsWith(sha(layer))) {
          res.writeHead(200, { 'Content-Length': layer.length });
          res.write(layer.subarray(0, 100)); // then nothing, the connection held open
        } else res.writeHead(404).end();
      });
      try {
        const r = await runCliAsync(user, home, ['pull', '--engine', 'core', `${registry.host}/hostile/stall:1`], { env: { ...env, STEVEDORE_REGISTRY_IDLE_TIMEOUT: '1' }, timeoutMs: 20_000 });
        assertEndedWithin(r, 10_000);
        assertRefused(r, new RegExp(`download ${registry.host}/hostile/stall@${sha(layer)}: the registry sent nothing for 1 s \\(STEVEDORE_REGISTRY_IDLE_TIMEOUT\\) after 100 bytes`));
        assert.match(runCli(user, home, ['images', '--engine', 'core']).stdout, /^REPOSITORY[^\n]*\n?$/, 'nothing was tagged');
      } finally {
        await registry.close();
        cleanup();
      }
    });

    test(`a registry that trickles a byte at a time: pull ends at the minimum speed naming the manifest (${user})`, async () => {
      const { home, env, cleanup } = setup(user);
      const timers = new Set<NodeJS.Timeout>();
      const registry = await fakeRegistry((req, res) => {
        if (req.url === '/v2/') return void res.writeHead(200).end('{}');
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
        const timer = setInterval(() => res.write(' '), 200);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
      });
      try {
        const r = await runCliAsync(user, home, ['pull', '--engine', 'core', `${registry.host}/hostile/trickle:1`], { env: { ...env, STEVEDORE_REGISTRY_MIN_SPEED: '100', STEVEDORE_REGISTRY_SPEED_TIME: '2' }, timeoutMs: 20_000 });
        assertEndedWithin(r, 10_000);
        assertRefused(r, new RegExp(`get the manifest of ${registry.host}/hostile/trickle:1: the registry sent \\d+ bytes in 2 s, under the minimum of 100 bytes/s`));
      } finally {
        for (const t of timers) clearInterval(t);
        await registry.close();
        cleanup();
      }
    });

    test(`an image whose file names, history and tag hold escape sequences: inspect, load and images print them escaped (${user})`, () => {
      const { dir: home, cleanup } = userDir(user);
      try {
        const evil = `etc/evil${INJECT}name`;
        const layers = [makeTar([{ path: evil, content: 'x'.repeat(5000) }]), makeTar([{ path: evil, content: 'y'.repeat(5000) }])];
        const archive = path.join(home, 'evil.tar');
        fs.writeFileSync(archive, makeImageArchive(layers, { tag: 'hostile/evil:1', history: [{ createdBy: `/bin/sh -c echo${INJECT}`, layer: true }, { createdBy: `COPY ${INJECT} /`, layer: true }] }));
        if (user === 'nobody') fs.chownSync(archive, NOBODY, NOBODY);
        const fromFile = runCli(user, home, ['inspect', archive], { timeoutMs: 30_000 });
        assertEndedWithin(fromFile, 30_000);
        assert.equal(fromFile.status, 0, fromFile.stderr);
        assertClean(fromFile.stdout + fromFile.stderr);
        assert.match(fromFile.stdout, /etc\/evil\\x1b\[2J\\x1b\[H\\x0dverified OK\\x07\\x9b31mname/, 'the wasted file is listed, escaped');
        assert.match(fromFile.stdout, /echo\\x1b\[2J/, 'the history is shown, escaped');
        const load = runCli(user, home, ['load', '-i', archive, '--engine', 'core'], { timeoutMs: 30_000 });
        assert.equal(load.status, 0, load.stderr);
        for (const args of [['inspect', 'hostile/evil:1', '--engine', 'core'], ['images', '--engine', 'core'], ['inspect', 'hostile/evil:1', '--engine', 'core', '--ci']]) {
          const r = runCli(user, home, args, { timeoutMs: 30_000 });
          assertEndedWithin(r, 30_000);
          assertClean(r.stdout + r.stderr, args.join(' '));
        }
        const json = runCli(user, home, ['inspect', 'hostile/evil:1', '--engine', 'core', '--json'], { timeoutMs: 30_000 });
        assert.ok((JSON.parse(json.stdout) as { layers: { files: { path: string }[] }[] }).layers[0].files.some((f) => f.path === `/${evil}`), 'JSON keeps the exact name');
      } finally {
        cleanup();
      }
    });
  }

  for (const user of USERS) {
    test(`a layer entry with a huge GNU base-256 mtime: inspect --json gives JSON or a clean refusal, never "Invalid time value" (${user})`, () => {
      const { dir: home, cleanup } = userDir(user);
      try {
        const layer = makeTar([{ path: 'old', content: 'a' }, { path: 'future', content: 'b' }]);
        const future = 1024; // the second header: after the first header and its one block of content
        const seconds = 10n ** 15n; // 30 million years: past what a Date holds
        for (let i = 0; i < 11; i++) layer[future + 147 - i] = Number((seconds >> BigInt(8 * i)) & 0xffn);
        layer[future + 136] = 0x80; // GNU base-256
        layer.write('        ', future + 148, 'latin1');
        let sum = 0;
        for (const b of layer.subarray(future, future + 512)) sum += b;
        layer.write(`${sum.toString(8).padStart(6, '0')}\0 `, future + 148, 'latin1');
        const archive = path.join(home, 'future.tar');
        fs.writeFileSync(archive, makeImageArchive([layer]));
        if (user === 'nobody') fs.chownSync(archive, NOBODY, NOBODY);
        const r = runCli(user, home, ['inspect', archive, '--json'], { timeoutMs: 30_000 });
        assertEndedWithin(r, 30_000);
        assertClean(r.stdout + r.stderr);
        if (r.status === 0) {
          const files = (JSON.parse(r.stdout) as { layers: { files: { path: string; mtime: string | null }[] }[] }).layers[0].files;
          assert.equal(files.find((f) => f.path === '/old')?.mtime, new Date(1700000000_000).toISOString());
          assert.ok(files.some((f) => f.path === '/future'), 'the entry is listed');
        } else {
          assert.equal(r.status, 1, r.stderr);
          assert.match(r.stderr, /^stevedore: .+\n$/);
        }
      } finally {
        cleanup();
      }
    });
  }

  describe('a command the image does not have', { skip: skipUnlessAvailable(sandboxMissing() ?? dockerMissing()) }, () => {
    let shared: { dir: string; cleanup: () => void };
    let archive: string;
    before(() => {
      shared = userDir('nobody', 'stevedore-hostile-base-');
      archive = path.join(shared.dir, 'base.tar');
      docker('save', '-o', archive, baseImage());
      fs.chmodSync(archive, 0o644);
    });
    after(() => shared.cleanup());

    for (const user of USERS) {
      test(`run --rm with a missing command says so, as docker does, and exits 127; a file as workdir and an out-of-range uid are refused (${user})`, () => {
        const { dir: home, cleanup } = userDir(user);
        try {
          assert.equal(runCli(user, home, ['load', '-i', archive, '--engine', 'core'], { timeoutMs: 60_000 }).status, 0);
          for (let i = 0; i < 3; i++) {
            const r = runCli(user, home, ['run', '--rm', '--engine', 'core', baseImage(), 'no-such-command'], { timeoutMs: 30_000 });
            assertEndedWithin(r, 30_000);
            assert.equal(r.status, 127, `exit ${r.status}: ${r.stderr}`);
            assert.match(r.stderr, /exec: "no-such-command": executable file not found in \$PATH/);
            assertClean(r.stdout + r.stderr);
          }
          const absolute = runCli(user, home, ['run', '--rm', '--engine', 'core', baseImage(), '/bin/no-such'], { timeoutMs: 30_000 });
          assert.equal(absolute.status, 127, absolute.stderr);
          assert.match(absolute.stderr, /exec: "\/bin\/no-such": stat \/bin\/no-such: no such file or directory/);
          const fileAsWorkdir = runCli(user, home, ['run', '--rm', '--engine', 'core', '-w', '/etc/passwd', baseImage(), 'true'], { timeoutMs: 30_000 });
          assert.equal(fileAsWorkdir.status, 125, fileAsWorkdir.stderr);
          assert.match(fileAsWorkdir.stderr, /chdir to the working directory "\/etc\/passwd" failed: not a directory/);
          const hugeUid = runCli(user, home, ['run', '--rm', '--engine', 'core', '-u', '99999999999', baseImage(), 'true'], { timeoutMs: 30_000 });
          assert.equal(hugeUid.status, 125, hugeUid.stderr);
          assert.match(hugeUid.stderr, /uids and gids must be in range 0-2147483647/);
          const ok = runCli(user, home, ['run', '--rm', '--engine', 'core', baseImage(), 'sh', '-c', 'exit 3'], { timeoutMs: 30_000 });
          assert.equal(ok.status, 3, 'a command that exists still runs and gives its own code');
          assert.equal(runCli(user, home, ['ps', '-a', '-q', '--engine', 'core']).stdout, '', '--rm left no container');
        } finally {
          cleanup();
        }
      });
    }
  });
});
