import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseReference } from '../../src/core/registry/imageReference';
import { RegistryClient } from '../../src/core/registry/registryClient';

const anonymous = () => Promise.resolve(undefined);

/** A loopback registry whose blob and manifest answers each test sets; real sockets, real timers. */
describe('registry client: idle timeout and minimum speed', () => {
  const blob = Buffer.alloc(4 << 20, 'z');
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;
  const server = http.createServer((req, res) => (req.url === '/v2/' ? res.writeHead(200).end('{}') : handler(req, res)));
  let host = '';
  const timers = new Set<NodeJS.Timeout>();
  before(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  });
  const ref = () => parseReference(`${host}/t/x:1`);

  test('no answer at all: the request ends at the idle timeout, naming what it was for', async () => {
    handler = () => undefined; // headers never come
    const client = new RegistryClient({ idleTimeoutMs: 300, minBytesPerSecond: 0, credentials: anonymous });
    const started = Date.now();
    await assert.rejects(client.getManifest(ref()), { message: `GET ${host}/v2/t/x/manifests/1: the registry sent nothing for 0.3 s (STEVEDORE_REGISTRY_IDLE_TIMEOUT)` });
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
    client.close();
  });

  test('a body that trickles: ended at the minimum speed, whatever the idle timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      const timer = setInterval(() => res.write(' '), 50);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
    };
    // Bytes are counted on the wire: each one-byte chunk is 6 there (chunked encoding), 120 bytes/s.
    const client = new RegistryClient({ idleTimeoutMs: 1000, minBytesPerSecond: 1000, speedWindowMs: 500, credentials: anonymous });
    await assert.rejects(client.getManifest(ref()), /^RegistryError: get the manifest of .+\/t\/x:1: the registry sent \d+ bytes in 1 s, under the minimum of 1000 bytes\/s/);
    client.close();
  });

  test('a reader that holds the blob back longer than the limits is not the registry stalling', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
    const client = new RegistryClient({ idleTimeoutMs: 200, minBytesPerSecond: 1 << 20, speedWindowMs: 200, credentials: anonymous });
    const stream = await client.getBlob(ref(), { digest, size: blob.length });
    await sleep(800);
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) size += chunk.length;
    assert.equal(size, blob.length);
    client.close();
  });

  test('0 turns both limits off', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      setTimeout(() => res.end('{"schemaVersion": 2, "layers": []}'), 600).unref();
    };
    const client = new RegistryClient({ idleTimeoutMs: 0, minBytesPerSecond: 0, credentials: anonymous });
    assert.equal((await client.getManifest(ref())).manifest.schemaVersion, 2);
    client.close();
  });
});
