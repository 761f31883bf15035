import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineEvent, ProgressEvent } from '../../src/engine/engine';
import { listContainerDirectory, readContainerFile } from '../../src/engine/containerFiles';
import { CoreEngine } from '../../src/engine/core/coreEngine';
import { coreBaseMissing, loadBaseImage, sourceSupervisor } from '../support/coreRuntime';
import { registriesMissing } from '../support/registry';
import { skipUnlessAvailable, uniqueName } from '../support/services';
import { tempHome } from '../support/storeImages';

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('CoreEngine: the Engine contract over the core', { skip: skipUnlessAvailable(coreBaseMissing() ?? registriesMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-core-engine-');
  const registry = process.env.STEVEDORE_TEST_REGISTRY!;
  let engine: CoreEngine;
  let image = '';
  const events: EngineEvent[] = [];
  const stopEvents = new AbortController();
  let watching: Promise<void>;
  before(async () => {
    engine = new CoreEngine({ home, supervisor: sourceSupervisor, registry: { insecureHosts: [registry] } });
    image = await loadBaseImage(await engine.store());
    watching = (async () => {
      for await (const e of engine.events(stopEvents.signal)) events.push(e);
    })();
  });
  after(async () => {
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
    stopEvents.abort();
    await watching;
    cleanup();
  });

  test('info and capabilities say what the bundled engine is and can do', async () => {
    const info = await engine.info();
    assert.equal(info.kind, 'core');
    assert.equal(engine.endpoint, 'bundled');
    for (const op of ['runContainer', 'stopContainer', 'containerLogs', 'pullImage', 'pushImage', 'tagImage', 'removeImage'] as const) assert.ok(engine.capabilities.has(op), op);
    assert.equal(engine.capabilities.has('pauseContainer'), false);
    assert.ok(engine.capabilities.has('buildImage'));
  });

  test('images: list, tag, history, remove, with image events', async () => {
    const images = await engine.listImages();
    assert.ok(images.some((i) => i.tags.includes(image)), JSON.stringify(images.map((i) => i.tags)));
    await engine.tagImage(image, 'core-test/tagged:v1');
    const tagged = (await engine.listImages()).find((i) => i.tags.includes('core-test/tagged:v1'));
    assert.ok(tagged);
    const inspected = await engine.inspectImage('core-test/tagged:v1');
    assert.equal(inspected.summary.id, tagged.id);
    const history = await engine.imageHistory('core-test/tagged:v1');
    assert.equal(history[0].id, tagged.id);
    assert.ok(history[0].tags.includes('core-test/tagged:v1'));
    await engine.removeImage('core-test/tagged:v1');
    assert.equal((await engine.listImages()).some((i) => i.tags.includes('core-test/tagged:v1')), false);
    assert.ok((await engine.listImages()).some((i) => i.tags.includes(image)), 'the other name keeps the image');
    await waitFor(() => events.some((e) => e.type === 'image' && e.action === 'untag'));
    assert.ok(events.some((e) => e.type === 'image' && e.action === 'tag' && e.attributes.name === 'docker.io/core-test/tagged:v1'));
  });

  test('containers: run, list, logs, stop, remove, with container events in Docker words', async () => {
    const id = await engine.createAndStart({ image, name: 'engine-run', command: ['sh', '-c', 'trap "exit 0" TERM; echo ready; while true; do sleep 0.1; done'], network: 'none' });
    const listed = (await engine.listContainers()).find((c) => c.id === id);
    assert.equal(listed?.state, 'running');
    assert.match(listed.status, /^Up /);
    assert.equal(listed.name, 'engine-run');
    assert.deepEqual(listed.networks, ['none']);
    const logs = await drain(engine.containerLogs(id, { timestamps: true }));
    assert.match(logs.map((l) => l.text).join(''), /^\d{4}-\d\d-\d\dT[\d:.]+Z ready\n$/);
    await engine.stopContainer(id, 5);
    const stopped = await engine.inspectContainer('engine-run');
    assert.equal(stopped.summary.state, 'exited');
    assert.match(stopped.summary.status, /^Exited \(0\)/);
    await engine.removeContainer(id);
    await assert.rejects(engine.inspectContainer(id), (err: Error & { reason?: string }) => err.reason === 'notFound');
    await waitFor(() => events.some((e) => e.action === 'destroy' && e.id === id));
    assert.deepEqual(events.filter((e) => e.type === 'container' && e.id === id).map((e) => e.action), ['create', 'start', 'die', 'stop', 'destroy']);
  });

  test('a terminal in a running container: a pty, its size, input and the exit code', async () => {
    const id = await engine.createAndStart({ image, command: ['sleep', '30'], hostname: 'tty-box' });
    const session = await engine.execTerminal(id, ['sh'], { columns: 91, rows: 17 });
    let output = '';
    const reading = (async () => {
      for await (const chunk of session.output) output += chunk.toString();
    })();
    await session.resize(100, 30);
    session.write('[ -t 0 ] && echo "tty yes"; stty size; hostname; exit 6\n');
    assert.equal(await session.exitCode(), 6);
    await reading;
    assert.match(output, /tty yes/);
    assert.match(output, /30 100/);
    assert.match(output, /tty-box/);
    await engine.removeContainer(id, { force: true });
  });

  test('a running container\'s files, as the Files view reads them', async () => {
    const id = await engine.createAndStart({ image, command: ['sh', '-c', 'echo note > /tmp/note.txt; sleep 30'], hostname: 'files-box' });
    await waitFor(async () => (await engine.containerPathStat(id, '/tmp/note.txt').catch(() => undefined)) !== undefined);
    const etc = await listContainerDirectory(engine, id, '/etc');
    assert.ok(etc.some((e) => e.name === 'passwd' && e.type === 'file'), JSON.stringify(etc));
    assert.equal((await readContainerFile(engine, id, '/etc/hostname')).toString(), 'files-box\n');
    assert.equal((await readContainerFile(engine, id, '/tmp/note.txt')).toString(), 'note\n');
    const sh = await engine.containerPathStat(id, '/bin/sh');
    assert.equal(sh.type, 'symlink');
    assert.ok((await listContainerDirectory(engine, id, '/')).some((e) => e.name === 'bin' && e.type === 'directory'));
    await assert.rejects(engine.containerPathStat(id, '/no/such'), (err: Error & { reason?: string }) => err.reason === 'notFound');
    await assert.rejects(engine.containerPathStat(id, '/../../../etc/shadow'), (err: Error & { reason?: string }) => err.reason === 'failed' && /climbs out/.test(err.message));
    await engine.removeContainer(id, { force: true });
  });

  test('runContainer refuses what the core cannot do, with the reason', async () => {
    await assert.rejects(engine.runContainer({ image, ports: [{ containerPort: 80 }] }), /cannot publish ports/);
    await assert.rejects(engine.runContainer({ image: 'no-such-image:here' }), (err: Error & { reason?: string }) => err.reason === 'notFound' && /No such image/.test(err.message));
  });

  test('push to the registry, remove, pull back: same image id', async () => {
    const target = `${registry}/${uniqueName('core-engine')}:1`;
    await engine.tagImage(image, target);
    const before = (await engine.inspectImage(target)).summary.id;
    const pushed: ProgressEvent[] = await drain(engine.pushImage(target));
    assert.ok(pushed.some((p) => p.status === 'Pushed'), JSON.stringify(pushed));
    await engine.removeImage(target);
    const pulled = await drain(engine.pullImage(target));
    assert.ok(pulled.some((p) => p.status.startsWith('Digest: sha256:')));
    assert.equal((await engine.inspectImage(target)).summary.id, before);
  });

  test('build a Dockerfile with RUN, then run the image: events, tag, output', async () => {
    const context = path.join(home, 'ctx');
    fs.mkdirSync(context, { recursive: true });
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${image}\nRUN echo built-by-core > /made.txt\nCMD ["cat", "/made.txt"]\n`);
    const built = await drain(engine.buildImage({ context, dockerfile: 'Dockerfile', tag: 'core-built:1' }));
    assert.deepEqual(built.filter((e) => e.kind === 'step').map((e) => e.kind === 'step' && e.instruction.split(' ')[0]), ['FROM', 'RUN', 'CMD']);
    const done = built.at(-1);
    assert.equal(done?.kind, 'done');
    assert.ok((await engine.listImages()).some((i) => i.tags.includes('core-built:1') && done?.kind === 'done' && i.id === done.imageId));
    const id = await engine.createAndStart({ image: 'core-built:1' });
    await waitFor(async () => (await engine.inspectContainer(id)).summary.state === 'exited');
    assert.deepEqual((await drain(engine.containerLogs(id))).map((l) => l.text), ['built-by-core\n']);
    await assert.rejects(drain(engine.buildImage({ context, dockerfile: 'Missing.Dockerfile' })), (err: Error & { reason?: string }) => err.reason === 'failed');
  });

  test('events made by another process (the built CLI) reach this engine\'s event stream', async () => {
    const cli = path.resolve(__dirname, '../../dist/cli.js');
    const r = spawnSync(process.execPath, [cli, 'run', '--engine', 'core', '--name', 'from-cli', image, 'true'], { encoding: 'utf8', env: { ...process.env, STEVEDORE_HOME: home }, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => events.some((e) => e.attributes.name === 'from-cli' && e.action === 'die'));
    assert.deepEqual(events.filter((e) => e.attributes.name === 'from-cli').map((e) => e.action), ['create', 'start', 'die']);
    await engine.removeContainer('from-cli');
  });

  test('prune removes stopped containers only', async () => {
    const done = await engine.createAndStart({ image, command: ['true'] });
    const running = await engine.createAndStart({ image, command: ['sleep', '30'] });
    await waitFor(async () => (await engine.inspectContainer(done)).summary.state === 'exited');
    const result = await engine.pruneContainers();
    assert.ok(result.removed.includes(done));
    assert.ok(!result.removed.includes(running));
    await engine.removeContainer(running, { force: true });
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('timed out waiting');
}
