import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { parseEvent, parseEventStream } from '../../src/engine/daemon/eventStream';

async function collect(chunks: string[]) {
  const events = [];
  for await (const e of parseEventStream(Readable.from(chunks.map((c) => Buffer.from(c))))) events.push(e);
  return events;
}

describe('engine event stream', () => {
  test('objects split across chunks and several per chunk are all read', async () => {
    const a = JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'c1', Attributes: { name: 'web' } }, time: 1, timeNano: 1_000_000_123 });
    const b = JSON.stringify({ Type: 'image', Action: 'tag', Actor: { ID: 'sha256:i', Attributes: { name: 'app:1' } }, time: 2 });
    const text = `${a}\n${b}\n`;
    const events = await collect([text.slice(0, 7), text.slice(7, 60), text.slice(60)]);
    assert.deepEqual(events, [
      { type: 'container', action: 'start', id: 'c1', time: 1000, attributes: { name: 'web' } },
      { type: 'image', action: 'tag', id: 'sha256:i', time: 2000, attributes: { name: 'app:1' } },
    ]);
  });

  test('a last object without newline, blank and broken lines', async () => {
    const events = await collect(['\n{not json}\n', '{"Type":"network","Action":"connect","Actor":{"ID":"n"},"time":3}']);
    assert.deepEqual(events.map((e) => [e.type, e.action, e.id]), [['network', 'connect', 'n']]);
  });

  test('actions with details keep the detail as an attribute', () => {
    const e = parseEvent('{"Type":"container","Action":"health_status: unhealthy","Actor":{"ID":"c"},"time":1}');
    assert.equal(e?.action, 'health_status');
    assert.equal(e?.attributes.detail, 'unhealthy');
    assert.equal(parseEvent('{"Type":"container","Action":"exec_start: sh -c ls","Actor":{"ID":"c"}}')?.attributes.detail, 'sh -c ls');
  });

  test("Podman's names become Docker's", () => {
    assert.equal(parseEvent('{"Type":"container","Action":"remove","Actor":{"ID":"c"}}')?.action, 'destroy');
    assert.equal(parseEvent('{"Type":"container","Action":"died","Actor":{"ID":"c"}}')?.action, 'die');
    assert.equal(parseEvent('{"Type":"image","Action":"remove","Actor":{"ID":"i"}}')?.action, 'delete');
    assert.equal(parseEvent('{"Type":"image","Action":"remove","Actor":{"ID":"i"}}')?.type, 'image');
  });

  test("Podman's own steps stay apart, so one container is not created or killed twice", () => {
    assert.equal(parseEvent('{"Type":"container","Action":"init","Actor":{"ID":"c"}}')?.action, 'init');
    assert.equal(parseEvent('{"Type":"container","Action":"cleanup","Actor":{"ID":"c"}}')?.action, 'cleanup');
  });

  test('old-style events without Type and unknown types', () => {
    assert.deepEqual(parseEvent('{"status":"pull","id":"busybox:latest","time":5}'), { type: 'other', action: 'pull', id: 'busybox:latest', time: 5000, attributes: {} });
    assert.equal(parseEvent('{"Type":"plugin","Action":"enable"}')?.type, 'other');
    assert.equal(parseEvent('null'), undefined);
    assert.equal(parseEvent('42')?.type, undefined);
  });

  test("Podman's build event names its image in the attributes", () => {
    const e = parseEvent('{"status":"build","Type":"image","Action":"build","Actor":{"ID":"","Attributes":{"containerExitCode":"0","image":"","name":"a867af20b268"}},"time":5}');
    assert.deepEqual([e?.type, e?.action, e?.id], ['image', 'build', 'a867af20b268']);
    const tag = parseEvent(`{"status":"tag","id":"${'b0'.repeat(32)}","Type":"image","Action":"tag","Actor":{"ID":"${'b0'.repeat(32)}"}}`);
    assert.equal(tag?.id, `sha256:${'b0'.repeat(32)}`);
  });
});
