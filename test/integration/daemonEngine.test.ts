import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import type { EngineEvent } from '../../src/engine/engine';
import { isEngineError } from '../../src/engine/engine';
import { testEngines } from '../support/engines';
import { baseImage, skipUnlessAvailable, uniqueName } from '../support/services';

for (const target of testEngines()) describe(`DaemonEngine against the real ${target.name}`, { skip: skipUnlessAvailable(target.missing()) }, () => {
  let engine: DaemonEngine;
  const made: string[] = [];
  const docker = (...args: string[]) => target.cli(...args);
  const runService = (name: string, extra?: string[]) => target.runService(name, extra);

  before(() => {
    engine = new DaemonEngine(target.endpoint());
  });

  after(() => {
    if (made.length) docker('rm', '-f', ...made);
    engine?.dispose();
  });

  test('info names the engine and its API version as the docker CLI reports them', async () => {
    const info = await engine.info();
    assert.equal(info.kind, target.kind);
    assert.equal(info.version, docker('version', '--format', '{{.Server.Version}}'));
    assert.equal(info.apiVersion, docker('version', '--format', '{{.Server.APIVersion}}'));
    assert.equal(info.product, `${target.kind === 'docker' ? 'Docker Engine' : 'Podman'} ${info.version}`);
  });

  test('lists the base image with its id, tag and size as `docker image inspect` has them', async () => {
    const images = await engine.listImages();
    const id = docker('image', 'inspect', '--format', '{{.Id}}', baseImage());
    const found = images.find((i) => i.id === id);
    assert.ok(found, `${baseImage()} (${id}) not in ${images.map((i) => i.tags.join(',')).join(' ')}`);
    assert.ok(found.tags.includes(target.listedName(baseImage())), found.tags.join());
    assert.equal(found.size, Number(docker('image', 'inspect', '--format', '{{.Size}}', baseImage())));
    const inspected = await engine.inspectImage(baseImage());
    assert.equal(inspected.summary.id, id);
    assert.equal(inspected.summary.created, Date.parse(docker('image', 'inspect', '--format', '{{.Created}}', baseImage())));
  });

  test('lists a running container with its name, image, state and published port', async () => {
    const name = uniqueName('stevedore-it-list');
    const id = runService(name, ['-p', '127.0.0.1::8080']);
    made.push(id);
    const hostPort = Number(docker('port', name, '8080/tcp').split(':').pop());
    const listed = (await engine.listContainers()).find((c) => c.id === id);
    assert.ok(listed);
    assert.equal(listed.name, name);
    assert.equal(listed.image, target.listedName(baseImage()));
    assert.equal(listed.state, 'running');
    assert.match(listed.status, /^Up /);
    assert.deepEqual(listed.ports, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort }]);
    const inspected = await engine.inspectContainer(name);
    assert.equal(inspected.summary.id, id);
    assert.equal(inspected.summary.state, 'running');
    assert.deepEqual(inspected.summary.ports, listed.ports);
    assert.match(inspected.summary.command, /^sh -c trap "exit 0" TERM/);
  });

  test('stop, start, restart and remove change what the daemon reports', async () => {
    const name = uniqueName('stevedore-it-life');
    const id = runService(name);
    made.push(id);
    const status = () => docker('inspect', '--format', '{{.State.Status}}', id);
    await engine.stopContainer(id, 5);
    assert.equal(status(), 'exited');
    await engine.startContainer(id);
    assert.equal(status(), 'running');
    const startedBefore = docker('inspect', '--format', '{{.State.StartedAt}}', id);
    await engine.restartContainer(id);
    assert.equal(status(), 'running');
    assert.notEqual(docker('inspect', '--format', '{{.State.StartedAt}}', id), startedBefore);
    await engine.removeContainer(id, { force: true });
    assert.equal(docker('ps', '-aq', '--no-trunc', '--filter', `id=${id}`), '');
  });

  test('the event stream reports create, start, die and destroy of a container made outside', async () => {
    const follow = new AbortController();
    const seen: EngineEvent[] = [];
    const reading = (async () => {
      for await (const e of engine.events(follow.signal)) seen.push(e);
    })();
    await new Promise((r) => setTimeout(r, 300)); // let the daemon register the subscription
    const name = uniqueName('stevedore-it-events');
    const id = runService(name);
    docker('stop', '-t', '5', id);
    docker('rm', id);
    const wanted = ['create', 'start', 'die', 'destroy'];
    for (let i = 0; i < 50 && !wanted.every((a) => seen.some((e) => e.id === id && e.action === a)); i++) await new Promise((r) => setTimeout(r, 100));
    follow.abort();
    await reading; // ends quietly when aborted
    const actions = seen.filter((e) => e.id === id).map((e) => e.action);
    for (const a of wanted) assert.ok(actions.includes(a), `no ${a} event in ${actions.join(', ')}`);
    assert.ok(seen.filter((e) => e.id === id).every((e) => e.type === 'container' && e.attributes.name === name));
  });

  test('a missing container is reported with the daemon\'s own words', async () => {
    await assert.rejects(engine.inspectContainer('stevedore-no-such-container'), (err: unknown) => {
      assert.ok(isEngineError(err));
      assert.equal(err.reason, 'notFound');
      const words = target.kind === 'docker' ? 'No such container: stevedore-no-such-container' : 'no container with name or ID "stevedore-no-such-container" found: no such container';
      assert.equal(err.message, `Could not inspect container stevedore-no-such-container: ${words}.`);
      return true;
    });
  });

  test('an engine where nothing listens says so and what to do', async () => {
    const nowhere = new DaemonEngine({ url: 'unix:///tmp/stevedore-nothing-here.sock', source: 'test', transport: { kind: 'socket', path: '/tmp/stevedore-nothing-here.sock' } });
    await assert.rejects(nowhere.info(), /^EngineError: Cannot reach the container engine at unix:\/\/\/tmp\/stevedore-nothing-here\.sock: there is no socket there\. Start Docker/);
    const refused = new DaemonEngine({ url: 'tcp://127.0.0.1:1', source: 'test', transport: { kind: 'tcp', host: '127.0.0.1', port: 1 } });
    await assert.rejects(refused.info(), (err: unknown) => isEngineError(err) && err.reason === 'unreachable' && /connection was refused/.test(err.message));
  });
});
