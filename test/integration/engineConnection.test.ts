import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { EngineEvent } from '../../src/engine/engine';
import { EngineConnection, type ConnectionState } from '../../src/engine/engineConnection';
import { engineCandidates } from '../../src/engine/engineSelection';
import { DaemonProxy } from '../support/daemonProxy';
import { testEngines } from '../support/engines';
import { skipUnlessAvailable, uniqueName } from '../support/services';

function until(connection: EngineConnection, status: ConnectionState['status'], ms: number): Promise<ConnectionState> {
  return new Promise((resolve, reject) => {
    if (connection.state.status === status) return resolve(connection.state);
    const timer = setTimeout(() => reject(new Error(`still ${connection.state.status} after ${ms} ms, waiting for ${status}`)), ms);
    const sub = connection.onDidChangeState((s) => {
      if (s.status !== status) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

for (const target of testEngines()) describe(`EngineConnection against the real ${target.name}`, { skip: skipUnlessAvailable(target.missing()) }, () => {
  const made: string[] = [];
  const docker = (...args: string[]) => target.cli(...args);
  const runService = (name: string) => target.runService(name);
  const at = (host: string) => engineCandidates({ env: { DOCKER_HOST: host }, platform: 'linux', homedir: os.homedir() });
  after(() => {
    if (made.length) docker('rm', '-f', ...made);
  });

  test('delivers the events of a container made outside, as they come', async () => {
    const connection = new EngineConnection({ candidates: () => at(target.host!) });
    const seen: EngineEvent[] = [];
    connection.onDidReceiveEvents((events) => seen.push(...events));
    try {
      assert.equal((await connection.connect()).status, 'connected');
      await new Promise((r) => setTimeout(r, 300));
      const id = runService(uniqueName('stevedore-it-conn'));
      made.push(id);
      const actions = () => seen.filter((e) => e.id === id).map((e) => e.action);
      for (let i = 0; i < 30 && !actions().includes('start'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(actions().filter((a) => a === 'create' || a === 'start'), ['create', 'start']);
    } finally {
      connection.dispose();
    }
  });

  test('a daemon that goes away mid-stream is reported with the reason, and found again when it is back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-proxy-'));
    const endpoint = target.endpoint().transport;
    assert.ok(endpoint.kind === 'socket', 'the test engines listen on sockets');
    const proxy = new DaemonProxy(path.join(dir, 'docker.sock'), { path: endpoint.path });
    await proxy.open();
    const connection = new EngineConnection({
      candidates: () => at(`unix://${proxy.socketPath}`),
      firstRetryMs: 200,
      maxRetryMs: 400,
    });
    try {
      assert.equal((await connection.connect()).status, 'connected');
      await proxy.cut();
      const down = await until(connection, 'unavailable', 5000);
      assert.ok(down.status === 'unavailable');
      assert.match(down.attempts.map((a) => a.error).join('\n'), /closed the event stream|connection was closed|no socket there/);
      await proxy.open();
      const back = await until(connection, 'connected', 5000);
      assert.ok(back.status === 'connected' && back.engine.endpoint === `unix://${proxy.socketPath}`);
      // The stream follows again: a new container is reported.
      let sawContainer = false;
      const sub = connection.onDidReceiveEvents((events) => (sawContainer ||= events.some((e) => e.type === 'container')));
      await new Promise((r) => setTimeout(r, 300));
      made.push(runService(uniqueName('stevedore-it-back')));
      for (let i = 0; i < 30 && !sawContainer; i++) await new Promise((r) => setTimeout(r, 100));
      sub.dispose();
      assert.ok(sawContainer, 'no change reported after reconnecting');
    } finally {
      connection.dispose();
      await proxy.cut();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
