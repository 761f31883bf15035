import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import type { ProgressEvent } from '../../src/engine/engine';
import { isEngineError } from '../../src/engine/engine';
import { plainRegistry, registriesMissing, registryPassword, registryTags, registryUser, secureRegistry } from '../support/registry';
import { testEngines } from '../support/engines';
import { baseImage, skipUnlessAvailable } from '../support/services';

async function drain(progress: AsyncIterable<ProgressEvent>): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  for await (const e of progress) events.push(e);
  return events;
}

const tagSuffix = `${process.pid}-${Date.now().toString(36)}`;

for (const target of testEngines()) describe(`DaemonEngine pull, push, tag and remove against the real ${target.name} and registries`, { skip: skipUnlessAvailable(target.missing() ?? registriesMissing()) }, () => {
  let engine: DaemonEngine;
  const made: string[] = [];
  const docker = (...args: string[]) => target.cli(...args);

  before(() => {
    engine = new DaemonEngine(target.endpoint());
  });
  after(() => {
    for (const ref of made) {
      try {
        docker('rmi', ref);
      } catch {
        // already removed by the test
      }
    }
    engine?.dispose();
  });

  test('tag, push to a registry, remove locally, pull back: the same image', async () => {
    const ref = `${plainRegistry()}/stevedore-it/roundtrip:${tagSuffix}`;
    made.push(ref);
    await engine.tagImage(baseImage(), ref);
    const id = docker('image', 'inspect', '--format', '{{.Id}}', ref);
    assert.equal(id, docker('image', 'inspect', '--format', '{{.Id}}', baseImage()));
    const pushed = await drain(engine.pushImage(ref));
    // Docker reports each layer; Podman only the pushed manifest's digest.
    assert.ok(pushed.some((e) => /Pushed|Layer already exists|digest: sha256:[0-9a-f]{64}/.test(e.status)), pushed.map((e) => e.status).join(' | '));
    assert.ok((await registryTags(plainRegistry(), 'stevedore-it/roundtrip', false)).includes(tagSuffix));
    await engine.removeImage(ref);
    assert.throws(() => docker('image', 'inspect', ref));
    const pulled = await drain(engine.pullImage(ref));
    // Docker ends with a summary line; Podman reports only its layers.
    assert.ok(pulled.some((e) => /Downloaded newer image|Image is up to date|Download complete|Already exists/.test(e.status)), pulled.map((e) => e.status).join(' | '));
    assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', ref), id);
  });

  test('a path given as an image name (/tmp/x.tar) is a not-found error, and the process lives on', async () => {
    for (const request of [() => engine.inspectImage('/tmp/x.tar'), () => engine.imageHistory('/tmp/x.tar'), () => engine.saveImage('/tmp/x.tar')]) {
      await assert.rejects(request(), (err: unknown) => isEngineError(err) && err.reason === 'notFound' && /no image "\/tmp\/x.tar"/.test(err.message));
    }
    // Other names the engine redirects fail the same request, not the process.
    await assert.rejects(engine.inspectContainer('a//b'), (err: unknown) => isEngineError(err) && err.reason === 'notFound' && /no such name/.test(err.message));
    // The redirect once crashed the process a moment later, from a request nobody listened to.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok((await engine.listImages()).length > 0);
  });

  test('a push refused for missing or wrong credentials is an auth error, not a success', async () => {
    const ref = `${secureRegistry()}/stevedore-it/private:${tagSuffix}`;
    made.push(ref);
    await engine.tagImage(baseImage(), ref);
    for (const credentials of [undefined, { serverAddress: secureRegistry(), username: registryUser(), password: 'wrong-password' }]) {
      await assert.rejects(drain(engine.pushImage(ref, { credentials })), (err: unknown) => {
        assert.ok(isEngineError(err), String(err));
        assert.equal(err.reason, 'auth', err.message);
        assert.match(err.message, new RegExp(`^Could not push ${ref.replace(/[.]/g, '\\.')}: `));
        assert.doesNotMatch(err.message, /wrong-password/);
        return true;
      });
    }
    assert.ok(!(await registryTags(secureRegistry(), 'stevedore-it/private', true)).includes(tagSuffix));
  });

  test('with the right credentials the push reaches the TLS registry and the pull comes back', async () => {
    const ref = `${secureRegistry()}/stevedore-it/private:${tagSuffix}-ok`;
    made.push(ref);
    const credentials = { serverAddress: secureRegistry(), username: registryUser(), password: registryPassword() };
    await engine.tagImage(baseImage(), ref);
    await drain(engine.pushImage(ref, { credentials }));
    assert.ok((await registryTags(secureRegistry(), 'stevedore-it/private', true)).includes(`${tagSuffix}-ok`));
    await engine.removeImage(ref);
    // Without credentials dockerd falls back to plain HTTP for a loopback registry (it treats
    // 127.0.0.0/8 as insecure), so its error is about that, not about the login; it must still fail.
    await assert.rejects(drain(engine.pullImage(ref)), (err: unknown) => isEngineError(err) && /^Could not pull /.test(err.message));
    await drain(engine.pullImage(ref, { credentials }));
    assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', ref), docker('image', 'inspect', '--format', '{{.Id}}', baseImage()));
  });

  test('pulling what the registry does not have says so', async () => {
    const ref = `${plainRegistry()}/stevedore-it/never-pushed:${tagSuffix}`;
    await assert.rejects(drain(engine.pullImage(ref)), (err: unknown) => {
      assert.ok(isEngineError(err));
      assert.match(err.message, /^Could not pull .*never-pushed.*(not found|manifest unknown)/i);
      return true;
    });
  });

  test('removing an image that is not there is reported by name', async () => {
    await assert.rejects(engine.removeImage(`stevedore-it/absent:${tagSuffix}`), (err: unknown) => isEngineError(err) && err.reason === 'notFound' && /absent/.test(err.message));
  });
});
