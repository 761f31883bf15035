import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { requestLine, type EngineRequest } from '../../src/engine/engineRequests';
import { testEngines } from '../support/engines';
import { baseImage, skipUnlessAvailable, uniqueName } from '../support/services';

async function drain<T>(items: AsyncIterable<T>): Promise<void> {
  for await (const item of items) void item;
}

const [docker] = testEngines();

/** The log's view of an engine: one record per request, failures with the endpoint and why, no secret. */
describe('every request to the real Docker is reported once, for the log', { skip: skipUnlessAvailable(docker.missing()) }, () => {
  const requests: EngineRequest[] = [];
  let engine: DaemonEngine;
  const tag = `stevedore-it/request-log:${uniqueName('t')}`;

  before(() => {
    engine = new DaemonEngine(docker.endpoint(), (r) => requests.push(r));
  });

  after(() => {
    engine?.dispose();
    try {
      docker.cli('rmi', '-f', tag);
    } catch {
      // not built
    }
  });

  test('a list is one GET with its path and time', async () => {
    requests.length = 0;
    await engine.listImages();
    assert.equal(requests.length, 1);
    assert.equal(requests[0].method, 'GET');
    assert.equal(requests[0].path, '/images/json');
    assert.equal(requests[0].error, undefined);
    assert.match(requestLine(requests[0]), /^GET \/images\/json: \d+ ms$/);
  });

  test('a failure names the endpoint and the engine\'s reason', async () => {
    requests.length = 0;
    const missing = `no-such-image-${uniqueName('x')}`;
    await assert.rejects(engine.inspectImage(missing));
    assert.equal(requests.length, 1);
    const line = requestLine(requests[0]);
    assert.ok(line.startsWith(`GET /images/${missing}/json failed at ${docker.endpoint().url} after `), line);
    assert.match(line, /No such image/i);
  });

  test('a stream Stevedore ends itself (the engine switched) is cancelled, not failed', async () => {
    const scratch = new DaemonEngine(docker.endpoint(), (r) => requests.push(r));
    requests.length = 0;
    const follow = new AbortController();
    const events = scratch.events(follow.signal)[Symbol.asyncIterator]();
    const next = events.next();
    scratch.dispose();
    await next.catch(() => undefined);
    const line = requests.map(requestLine).find((l) => l.startsWith('GET /events'));
    assert.ok(line, requests.map(requestLine).join('\n'));
    assert.match(line, /^GET \/events: cancelled after \d+ ms$/);
    assert.doesNotMatch(requests.map(requestLine).join('\n'), /failed/);
  });

  test('build arguments and registry passwords never reach a record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-request-log-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${baseImage()}\nARG TOKEN\nRUN test -n "$TOKEN"\n`);
      requests.length = 0;
      await drain(engine.buildImage({ context: dir, dockerfile: 'Dockerfile', tag, buildArgs: { TOKEN: 'build-arg-secret-4711' } }));
      await assert.rejects(drain(engine.pushImage('127.0.0.1:9/stevedore/never:1', { credentials: { username: 'someone', password: 'password-secret-4711', serverAddress: '127.0.0.1:9' } })));
      const lines = requests.map(requestLine);
      assert.ok(lines.some((l) => l.startsWith('POST /build: ')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('POST /images/127.0.0.1:9/stevedore/never/push')), lines.join('\n'));
      assert.deepEqual(lines.filter((l) => /secret-4711|TOKEN/.test(l)), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
