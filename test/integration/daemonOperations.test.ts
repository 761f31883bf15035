import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import type { BuildEvent, LogChunk, TerminalSession } from '../../src/engine/engine';
import { isEngineError } from '../../src/engine/engine';
import { testEngines } from '../support/engines';
import { baseImage, buildFromText, servicesOwned, servicesRequired, skipUnlessAvailable, uniqueName } from '../support/services';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Reads a terminal session's output until `pattern` shows, or fails after `ms`. */
async function readUntil(session: TerminalSession, pattern: RegExp, ms = 10_000): Promise<string> {
  let text = '';
  const timer = setTimeout(() => session.close(), ms);
  try {
    for await (const chunk of session.output) {
      text += chunk.toString('utf8');
      if (pattern.test(text)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.match(text, pattern);
  return text;
}

for (const target of testEngines()) describe(`DaemonEngine container, image, network and volume operations on the real ${target.name}`, { skip: skipUnlessAvailable(target.missing()) }, () => {
  let engine: DaemonEngine;
  const docker = (...args: string[]) => target.cli(...args);
  const runService = (name: string, extra?: string[]) => target.runService(name, extra);
  const containers: string[] = [];
  const images: string[] = [];
  const networks: string[] = [];
  const volumes: string[] = [];
  const state = (id: string) => docker('inspect', '--format', '{{.State.Status}}', id);

  before(() => {
    engine = new DaemonEngine(target.endpoint());
  });
  after(() => {
    for (const [kind, names] of [['container', containers], ['image', images], ['network', networks], ['volume', volumes]] as const) {
      for (const name of names) {
        try {
          execFileSync('docker', ['-H', target.host!, ...(kind === 'container' ? ['rm', '-f', name] : [kind, 'rm', ...(kind === 'image' ? ['-f'] : []), name])], { stdio: 'ignore' });
        } catch {
          // removed by the test itself
        }
      }
    }
    engine?.dispose();
  });

  test('pause, unpause and kill', async () => {
    const id = runService(uniqueName('stevedore-it-pause'));
    containers.push(id);
    await engine.pauseContainer(id);
    assert.equal(state(id), 'paused');
    assert.equal((await engine.inspectContainer(id)).summary.state, 'paused');
    await engine.unpauseContainer(id);
    assert.equal(state(id), 'running');
    await engine.killContainer(id);
    assert.equal(state(id), 'exited');
    assert.equal(docker('inspect', '--format', '{{.State.ExitCode}}', id), '137');
  });

  test('run with a name, published port, environment and a volume, as docker run would', async () => {
    const name = uniqueName('stevedore-it-run');
    const volume = uniqueName('stevedore-it-runvol');
    volumes.push(volume);
    const id = await engine.runContainer({
      image: baseImage(), name, ports: [{ containerPort: 8080, hostIp: '127.0.0.1' }], env: ['GREETING=hello world'],
      volumes: [`${volume}:/data`], command: ['sh', '-c', 'echo "$GREETING" > /data/out; sleep 300'],
    });
    containers.push(id);
    assert.equal(docker('inspect', '--format', '{{.Name}}', id), `/${name}`);
    assert.match(docker('port', id, '8080/tcp'), /^127\.0\.0\.1:\d+$/);
    const listed = (await engine.listContainers()).find((c) => c.id === id);
    assert.ok(listed);
    assert.deepEqual(listed.mounts.map((m) => [m.type, m.name, m.destination]), [['volume', volume, '/data']]);
    assert.deepEqual(listed.networks, [target.kind === 'docker' ? 'bridge' : 'podman']);
    for (let i = 0; i < 20 && !docker('exec', id, 'cat', '/data/out').includes('hello'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(docker('exec', id, 'cat', '/data/out'), 'hello world');
  });

  test('logs: stdout and stderr apart, and following stops when asked', async () => {
    const id = docker('run', '-d', '--name', uniqueName('stevedore-it-logs'), baseImage(), 'sh', '-c', 'echo out-1; echo err-1 >&2; sleep 1; echo out-2; sleep 300');
    containers.push(id);
    await new Promise((r) => setTimeout(r, 300));
    const past = await collect(engine.containerLogs(id));
    // The daemon copies stdout and stderr apart: their relative order is not kept, each stream's is.
    assert.deepEqual(past.map((c) => [c.stream, c.text]).sort(), [['stderr', 'err-1\n'], ['stdout', 'out-1\n']]);
    const abort = new AbortController();
    const followed: LogChunk[] = [];
    for await (const chunk of engine.containerLogs(id, { follow: true, timestamps: true, signal: abort.signal })) {
      followed.push(chunk);
      if (chunk.text.includes('out-2')) abort.abort();
    }
    assert.match(followed.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''), /^\d{4}-\d\d-\d\dT[\d:.]+Z out-1\n/);
    assert.ok(followed.some((c) => c.text.includes('out-2')));
  });

  test('a shell in a running container: input, output, exit code', async () => {
    const id = runService(uniqueName('stevedore-it-exec'));
    containers.push(id);
    const session = await engine.execTerminal(id, ['sh'], { columns: 100, rows: 30 });
    session.write('echo $((6*7)); stty size; exit 5\n');
    const text = await readUntil(session, /42\r?\n30 100/);
    assert.ok(text.includes('42'));
    for (let i = 0; i < 20 && (await session.exitCode()) === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await session.exitCode(), 5);
  });

  test('run interactive: the container\'s own terminal', async () => {
    const name = uniqueName('stevedore-it-runit');
    const session = await engine.runTerminal({ image: baseImage(), name, command: ['sh'] }, { columns: 80, rows: 24 });
    containers.push(name);
    session.write('echo inside-$((1+1)); exit 2\n');
    await readUntil(session, /inside-2/);
    assert.equal(await session.exitCode(), 2);
  });

  test('stats of a running container', async () => {
    const id = runService(uniqueName('stevedore-it-stats'));
    containers.push(id);
    const stats = await engine.containerStats(id);
    assert.ok(stats.memoryUsage > 0, `memory ${stats.memoryUsage}`);
    assert.ok(stats.memoryLimit >= stats.memoryUsage);
    assert.ok(stats.cpuPercent >= 0);
  });

  test('a file from a stopped container, as docker cp reads it', async () => {
    const id = docker('create', baseImage(), 'true');
    containers.push(id);
    const tar = Buffer.concat(await collect(await engine.containerArchive(id, '/etc/passwd')));
    assert.equal(tar.subarray(0, 100).toString('utf8').replace(/\0+$/, ''), 'passwd');
    assert.ok(tar.includes('root:x:0:0:root:/root:/bin/sh'));
    await assert.rejects(engine.containerArchive(id, '/no/such/path'), (err: unknown) => isEngineError(err) && err.reason === 'notFound');
  });

  test('build: steps, output, the image; a failing step is reported with its number', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-build-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${baseImage()}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\nCMD ["cat", "/hello.txt"]\n`);
      fs.writeFileSync(path.join(dir, 'hello.txt'), 'hello from the context\n');
      fs.writeFileSync(path.join(dir, 'secret.txt'), 'must not be sent\n');
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'secret.txt\n');
      const tag = `stevedore-it/built:${uniqueName('t')}`;
      images.push(tag);
      const events: BuildEvent[] = await collect(engine.buildImage({ context: dir, dockerfile: 'Dockerfile', tag }));
      assert.deepEqual(events.filter((e) => e.kind === 'step').map((e) => e.kind === 'step' && `${e.step}/${e.total} ${e.instruction}`), [
        `1/4 FROM ${baseImage()}`, '2/4 COPY hello.txt /hello.txt', '3/4 RUN cat /hello.txt', '4/4 CMD ["cat", "/hello.txt"]',
      ]);
      assert.ok(events.some((e) => e.kind === 'output' && e.text.includes('hello from the context')));
      const done = events.at(-1);
      assert.ok(done?.kind === 'done');
      assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', tag).replace(/^sha256:/, '').slice(0, done.imageId.replace(/^sha256:/, '').length), done.imageId.replace(/^sha256:/, ''));
      assert.equal(docker('run', '--rm', tag), 'hello from the context');

      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${baseImage()}\nRUN true\nCOPY secret.txt /secret.txt\n`);
      await assert.rejects(collect(engine.buildImage({ context: dir, dockerfile: 'Dockerfile' })), (err: unknown) => {
        assert.ok(isEngineError(err));
        assert.match(err.message, /^Could not build Dockerfile \(step 3\): .*secret\.txt/);
        assert.deepEqual(err.cause, { step: 3 });
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('history and save of an image', async () => {
    const history = await engine.imageHistory(baseImage());
    assert.equal(history.length, Number(docker('history', '-q', baseImage()).split('\n').length));
    assert.ok(history[0].size > 0);
    const tar = Buffer.concat(await collect(await engine.saveImage(baseImage())));
    assert.ok(tar.includes('manifest.json'));
    assert.ok(tar.length > 1_000_000, `archive of ${tar.length} bytes`);
  });

  test('networks: create, see who is attached, inspect, remove', async () => {
    const name = uniqueName('stevedore-it-net');
    networks.push(name);
    await engine.createNetwork(name);
    const listed = (await engine.listNetworks()).find((n) => n.name === name);
    assert.ok(listed);
    assert.equal(listed.driver, 'bridge');
    const id = runService(uniqueName('stevedore-it-netuser'), ['--network', name]);
    containers.push(id);
    assert.deepEqual((await engine.inspectContainer(id)).summary.networks, [name]);
    assert.equal((await engine.inspectNetwork(name)).summary.id, listed.id);
    await assert.rejects(engine.removeNetwork(name), (err: unknown) => isEngineError(err) && /active endpoints|in use|being used/i.test(err.message));
    docker('rm', '-f', id);
    await engine.removeNetwork(name);
    assert.ok(!(await engine.listNetworks()).some((n) => n.name === name));
  });

  test('volumes: create, inspect, remove', async () => {
    const name = uniqueName('stevedore-it-vol');
    volumes.push(name);
    await engine.createVolume(name);
    const listed = (await engine.listVolumes()).find((v) => v.name === name);
    assert.ok(listed);
    assert.equal((await engine.inspectVolume(name)).summary.mountpoint, docker('volume', 'inspect', '--format', '{{.Mountpoint}}', name));
    await engine.removeVolume(name);
    assert.ok(!(await engine.listVolumes()).some((v) => v.name === name));
  });

  // Prunes remove what every user of the daemon left behind: on the shared daemon of a
  // development machine they would break other sessions' tests, so they run where the services
  // are the run's own (CI, STEVEDORE_REQUIRE_SERVICES=1, or started by this `npm test`).
  const ownDaemon = servicesRequired || servicesOwned ? false : 'prunes run only against a daemon of this run alone (STEVEDORE_REQUIRE_SERVICES=1, or services that npm test starts itself)';

  test('prune stopped containers, dangling images, unused networks and volumes', { skip: ownDaemon }, async () => {
    const stopped = docker('create', baseImage(), 'true');
    const net = uniqueName('stevedore-it-prunenet');
    docker('network', 'create', net);
    const vol = uniqueName('stevedore-it-prunevol');
    docker('volume', 'create', vol);
    const dangling = buildFromText(`FROM ${baseImage()}\nLABEL x=${uniqueName('d')}\n`, [], target.host);
    const c = await engine.pruneContainers();
    assert.ok(c.removed.includes(stopped));
    const n = await engine.pruneNetworks();
    assert.ok(n.removed.includes(net));
    const v = await engine.pruneVolumes();
    assert.ok(v.removed.includes(vol));
    const i = await engine.pruneImages();
    assert.ok(i.removed.some((r) => dangling.includes(r.replace(/^sha256:/, '').slice(0, 12))), `${dangling} not in ${i.removed.join(',')}`);
  });
});
