import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Engine, EngineErrorReason, EngineEvent, EngineObjectType } from '../../src/engine/engine';
import { EngineError } from '../../src/engine/engine';
import { EngineConnection, type ConnectionState } from '../../src/engine/engineConnection';
import { mainReason, type EngineCandidate } from '../../src/engine/engineSelection';

/** A scripted engine: the connection logic is pure, so a fake is fair here. */
class ScriptedEngine {
  disposed = false;
  private push?: (e: EngineEvent | Error) => void;
  constructor(readonly endpoint: string, private readonly answers: boolean) {}
  capabilities = new Set<never>();
  info() {
    return this.answers
      ? Promise.resolve({ kind: 'docker' as const, product: 'Docker Engine 1', version: '1', apiVersion: '1.41', os: 'linux', arch: 'amd64' })
      : Promise.reject(new EngineError(`Cannot reach ${this.endpoint}: refused.`, 'unreachable'));
  }
  emit(type: EngineObjectType) {
    this.push?.({ type, action: 'x', id: 'i', time: 0, attributes: {} });
  }
  fail() {
    this.push?.(new EngineError('stream dropped', 'unreachable'));
  }
  async *events(signal: AbortSignal): AsyncGenerator<EngineEvent> {
    const queue: (EngineEvent | Error)[] = [];
    let wake: (() => void) | undefined;
    this.push = (e) => {
      queue.push(e);
      wake?.();
    };
    signal.addEventListener('abort', () => wake?.());
    while (!signal.aborted) {
      const next = queue.shift();
      if (next instanceof Error) throw next;
      if (next) yield next;
      else await new Promise<void>((r) => (wake = r));
    }
  }
  dispose() {
    this.disposed = true;
  }
}

const candidate = (engine: ScriptedEngine, source = 'test'): EngineCandidate => ({
  endpoint: engine.endpoint,
  source,
  create: () => Promise.resolve(engine as unknown as Engine),
});
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EngineConnection', () => {
  test('uses the first candidate that answers and says why the others did not', async () => {
    const down = new ScriptedEngine('unix:///nope', false);
    const up = new ScriptedEngine('unix:///ok', true);
    const connection = new EngineConnection({ candidates: () => [candidate(down, 'first'), candidate(up, 'second')] });
    const state = await connection.connect();
    assert.equal(state.status, 'connected');
    assert.equal(state.status === 'connected' && state.engine.endpoint, 'unix:///ok');
    assert.equal(down.disposed, true);
    connection.dispose();
    assert.equal(up.disposed, true);
  });

  test('events that arrive together are delivered together, in order, without delay', async () => {
    const engine = new ScriptedEngine('e', true);
    const connection = new EngineConnection({ candidates: () => [candidate(engine)] });
    const batches: string[][] = [];
    connection.onDidReceiveEvents((events) => batches.push(events.map((e) => e.type)));
    await connection.connect();
    await tick(5);
    engine.emit('container');
    engine.emit('image');
    engine.emit('container');
    await tick(5);
    engine.emit('volume');
    await tick(5);
    assert.deepEqual(batches, [['container', 'image', 'container'], ['volume']]);
    connection.dispose();
  });

  test('when nothing answers it lists every attempt and retries with backoff until one does', async () => {
    let answers = false;
    const states: ConnectionState[] = [];
    const connection = new EngineConnection({ candidates: () => [candidate(new ScriptedEngine('unix:///d', answers), 'the default Docker socket')], firstRetryMs: 20, maxRetryMs: 40 });
    connection.onDidChangeState((s) => states.push(s));
    const first = await connection.connect();
    assert.equal(first.status, 'unavailable');
    assert.deepEqual(first.status === 'unavailable' && first.attempts, [{ endpoint: 'unix:///d', source: 'the default Docker socket', error: 'Cannot reach unix:///d: refused.', reason: 'unreachable' }]);
    answers = true;
    await tick(100);
    assert.equal(connection.state.status, 'connected');
    // Automatic retries do not go back to `connecting`: the views keep explaining until one works.
    assert.deepEqual(states.map((s) => s.status), ['connecting', 'unavailable', 'connected']);
    connection.dispose();
  });

  test('a dropped event stream makes the engine unavailable, then reconnects', async () => {
    const engine = new ScriptedEngine('e', true);
    const connection = new EngineConnection({ candidates: () => [candidate(engine)], firstRetryMs: 20 });
    await connection.connect();
    await tick(5);
    engine.fail();
    await tick(5);
    assert.equal(connection.state.status, 'unavailable');
    assert.match(connection.state.status === 'unavailable' ? connection.state.attempts[0].error : '', /stream dropped/);
    await tick(60);
    assert.equal(connection.state.status, 'connected');
    connection.dispose();
  });
});

describe('the reason shown when no engine answers', () => {
  const tried = (...reasons: EngineErrorReason[]) => reasons.map((reason, i) => ({ endpoint: `e${i}`, source: `s${i}`, error: 'x', reason }));

  test('the one the user can act on wins over a socket that is simply absent', () => {
    assert.equal(mainReason(tried('absent', 'absent')), 'absent');
    assert.equal(mainReason(tried('absent', 'permission', 'absent')), 'permission');
    assert.equal(mainReason(tried('unreachable', 'tls')), 'tls');
    assert.equal(mainReason(tried('config')), 'config');
    assert.equal(mainReason([]), 'absent');
  });
});
