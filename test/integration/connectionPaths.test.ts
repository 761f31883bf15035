import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { parseDockerHost } from '../../src/engine/daemon/endpoint';
import { isEngineError } from '../../src/engine/engine';
import { EngineConnection } from '../../src/engine/engineConnection';
import { engineCandidates } from '../../src/engine/engineSelection';
import { makeCertificates } from '../support/certificates';
import { DaemonProxy, daemonTarget } from '../support/daemonProxy';
import { baseImage, docker, dockerMissing, skipUnlessAvailable, uniqueName } from '../support/services';
import { SshHost } from '../support/sshHost';
import { TlsDaemon, whichMissing } from '../support/tlsDaemon';

/**
 * How Stevedore reaches engines that are not a plain local socket, and what it says when it cannot:
 * a socket the user may not open, a tcp+TLS daemon (by DOCKER_HOST and by a docker context), and an
 * ssh host. All real: a second dockerd with certificates made here, and a real sshd.
 */

const CLI = path.resolve(__dirname, '../../dist/cli.js');
/** The built CLI with exactly this engine configuration (nothing inherited from the test services). */
function cliCommand(args: string[], env: Record<string, string>, asUser?: number): [string, string[], NodeJS.ProcessEnv] {
  const base = { ...process.env };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS_VERIFY', 'DOCKER_TLS', 'DOCKER_CERT_PATH']) delete base[k];
  const command = asUser === undefined ? [process.execPath, CLI, ...args] : ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', process.execPath, CLI, ...args];
  return [command[0], command.slice(1), { ...base, DOCKER_CONFIG: path.join(os.tmpdir(), 'stevedore-no-docker-config'), ...env }];
}
function stevedore(args: string[], env: Record<string, string>, asUser?: number) {
  const [cmd, argv, fullEnv] = cliCommand(args, env, asUser);
  return spawnSync(cmd, argv, { encoding: 'utf8', env: fullEnv, timeout: 60_000 });
}
/** The same, leaving this process free to serve (the socket proxy lives here). */
function stevedoreAsync(args: string[], env: Record<string, string>, asUser?: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [cmd, argv, fullEnv] = cliCommand(args, env, asUser);
  const child = spawn(cmd, argv, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}
const withoutTrace = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at |node:internal/);

describe('a socket this user may not open', { skip: skipUnlessAvailable(dockerMissing() ?? whichMissing('setpriv')) }, () => {
  let dir: string;
  let proxy: DaemonProxy;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-perm-'));
    fs.chmodSync(dir, 0o755);
    proxy = new DaemonProxy(path.join(dir, 'docker.sock'), daemonTarget());
    await proxy.open();
    fs.chmodSync(proxy.socketPath, 0o600); // root's alone, as /var/run/docker.sock is root:docker 0660
  });
  after(async () => {
    await proxy?.cut();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('as another user: permission denied, and what to do, without a stack trace', async () => {
    const r = await stevedoreAsync(['ps'], { DOCKER_HOST: `unix://${proxy.socketPath}` }, 65534);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`DOCKER_HOST: Cannot reach the container engine at unix://${proxy.socketPath.replace(/[./]/g, '\\$&')}: permission denied\\. Add your user to the docker group`));
    withoutTrace(r.stderr);
  });

  test('the same socket answers its owner (so the refusal was the permission)', async () => {
    const r = await stevedoreAsync(['info'], { DOCKER_HOST: `unix://${proxy.socketPath}` });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Docker Engine /);
  });
});

const rootMissing = () => (process.getuid?.() === 0 ? undefined : 'starting a dockerd needs root');

describe('a tcp+TLS daemon (a second dockerd with --tlsverify and certificates made here)', { skip: skipUnlessAvailable(rootMissing() ?? whichMissing('dockerd', 'docker', 'openssl')) }, () => {
  let dir: string;
  let daemon: TlsDaemon;
  const tlsEnv = () => ({ DOCKER_HOST: daemon.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: daemon.certDir });
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-tls-'));
    daemon = new TlsDaemon(dir);
    await daemon.start();
  });
  after(async () => {
    await daemon?.stop();
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: the same daemon the docker CLI reaches', () => {
    const r = stevedore(['info', '--json'], tlsEnv());
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { kind: string; version: string; endpoint: string };
    assert.equal(info.kind, 'docker');
    assert.equal(info.endpoint, daemon.host);
    assert.equal(info.version, daemon.docker('version', '--format', '{{.Server.Version}}'));
    // Its own (empty) store, not the test services' daemon.
    const images = stevedore(['images', '--json'], tlsEnv());
    assert.deepEqual(JSON.parse(images.stdout), []);
  });

  test('a docker context with the TLS material in contexts/tls, chosen by config.json or DOCKER_CONTEXT', () => {
    const config = path.join(dir, 'docker-config');
    const name = 'stevedore-tls';
    const id = createHash('sha256').update(name).digest('hex');
    fs.mkdirSync(path.join(config, 'contexts/meta', id), { recursive: true });
    fs.writeFileSync(path.join(config, 'contexts/meta', id, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: daemon.host, SkipTLSVerify: false } } }));
    const tls = path.join(config, 'contexts/tls', id, 'docker');
    fs.mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.copyFileSync(path.join(daemon.certDir, f), path.join(tls, f));
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: name }));
    // The docker CLI itself reads this store the same way.
    const cli = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', env: { PATH: process.env.PATH, DOCKER_CONFIG: config } });
    assert.equal(cli.status, 0, cli.stderr);
    for (const env of [{ DOCKER_CONFIG: config }, { DOCKER_CONFIG: config, DOCKER_CONTEXT: name }] as Record<string, string>[]) {
      const r = stevedore(['info'], env);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim().replace(/ \(API.*\) at /, ' at '), `Docker Engine ${cli.stdout.trim()} at ${daemon.host}`);
    }
    // DOCKER_HOST wins over the context, as in the docker CLI.
    const r = stevedore(['info'], { DOCKER_CONFIG: config, DOCKER_HOST: 'unix:///tmp/stevedore-nowhere.sock' });
    assert.match(r.stderr, /DOCKER_HOST: Cannot reach the container engine at unix:\/\/\/tmp\/stevedore-nowhere\.sock/);
  });

  test('a CA that did not sign the daemon\'s certificate: a TLS error that says so', async () => {
    const wrong = path.join(dir, 'wrong-ca');
    makeCertificates(wrong, 'some-other-ca');
    const r = stevedore(['ps'], { ...tlsEnv(), DOCKER_CERT_PATH: wrong });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`Cannot reach the container engine at ${daemon.host.replace(/[./]/g, '\\$&')}: the TLS handshake failed \\(.*\\)\\. Check DOCKER_CERT_PATH`));
    withoutTrace(r.stderr);
    const engine = new DaemonEngine(parseDockerHost(daemon.host, 'test', { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: wrong }, platform: 'linux', homedir: os.homedir() }));
    await assert.rejects(engine.info(), (err: unknown) => isEngineError(err) && err.reason === 'tls');
    engine.dispose();
  });

  test('no client certificate for a --tlsverify daemon: a TLS error too', async () => {
    const caOnly = path.join(dir, 'ca-only');
    fs.mkdirSync(caOnly);
    fs.copyFileSync(path.join(daemon.certDir, 'ca.pem'), path.join(caOnly, 'ca.pem'));
    const engine = new DaemonEngine(parseDockerHost(daemon.host, 'test', { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: caOnly }, platform: 'linux', homedir: os.homedir() }));
    await assert.rejects(engine.info(), (err: unknown) => {
      assert.ok(isEngineError(err), String(err));
      assert.equal(err.reason, 'tls', err.message);
      return true;
    });
    engine.dispose();
  });
});

describe('an ssh host (a real sshd; `docker system dial-stdio` on the far side)', { skip: skipUnlessAvailable(dockerMissing() ?? whichMissing('sshd', 'ssh', 'ssh-keygen', 'docker')) }, () => {
  let dir: string;
  let host: SshHost;
  const made: string[] = [];
  const withClient = (bin: string) => ({ PATH: `${bin}:${process.env.PATH}` });
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-ssh-'));
    host = new SshHost(dir, process.env.DOCKER_HOST!);
    await host.start();
  });
  after(async () => {
    if (made.length) docker('rm', '-f', ...made);
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('DOCKER_HOST=ssh://root@127.0.0.1:PORT reaches the daemon behind it, as `docker -H ssh://` does', () => {
    const env = { ...withClient(host.clientPath), DOCKER_HOST: host.url() };
    const cli = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(cli.status, 0, cli.stderr);
    const r = stevedore(['info'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().replace(/ \(API.*\) at /, ' at '), `Docker Engine ${cli.stdout.trim()} at ${host.url()}`);
    const images = JSON.parse(stevedore(['images', '--json'], env).stdout) as { id: string }[];
    assert.ok(images.some((i) => i.id === docker('image', 'inspect', '--format', '{{.Id}}', baseImage())));
  });

  test('the event stream follows over ssh', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = `${host.clientPath}:${savedPath}`;
    const connection = new EngineConnection({ candidates: () => engineCandidates({ env: { DOCKER_HOST: host.url() }, platform: 'linux', homedir: os.homedir() }) });
    try {
      const state = await connection.connect();
      assert.equal(state.status, 'connected', JSON.stringify(state.status === 'unavailable' ? state.attempts : ''));
      let started = '';
      const sub = connection.onDidReceiveEvents((events) => {
        started ||= events.find((e) => e.type === 'container' && e.action === 'start')?.id ?? '';
      });
      await new Promise((r) => setTimeout(r, 500));
      const id = docker('run', '-d', '--name', uniqueName('stevedore-it-ssh'), baseImage(), 'sleep', '30');
      made.push(id);
      for (let i = 0; i < 50 && started !== id; i++) await new Promise((r) => setTimeout(r, 100));
      sub.dispose();
      assert.equal(started, id);
    } finally {
      connection.dispose();
      process.env.PATH = savedPath;
    }
  });

  test('an unknown host key: refused, with what to do', () => {
    const r = stevedore(['ps'], { ...withClient(host.client('unknown', 'id_ed25519', 'empty_known_hosts')), DOCKER_HOST: host.url() });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /over ssh: the host's key is not in known_hosts \(Host key verification failed\.\)\. Connect once with ssh from a terminal/);
    withoutTrace(r.stderr);
  });

  test('a key the host does not accept: refused, with what to do', () => {
    const r = stevedore(['ps'], { ...withClient(host.client('wrongkey', 'other_key', 'known_hosts')), DOCKER_HOST: host.url() });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /over ssh: the login was refused \(root@127\.0\.0\.1: Permission denied \(publickey\)\.\)\. Add your key to the ssh agent/);
  });

  test('nothing listening on the port: unreachable', async () => {
    const { freePort } = await import('../support/tlsDaemon');
    const r = stevedore(['ps'], { ...withClient(host.clientPath), DOCKER_HOST: `ssh://root@127.0.0.1:${await freePort()}` });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /over ssh: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\. Check the host name and port/);
  });
});
