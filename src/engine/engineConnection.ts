import type { Engine, EngineEvent, EngineInfo } from './engine';
import { isEngineError } from './engine';
import { Emitter } from './emitter';
import { selectEngine, type Attempt, type EngineCandidate } from './engineSelection';

export type ConnectionState =
  | { readonly status: 'connecting' }
  | { readonly status: 'connected'; readonly engine: Engine; readonly info: EngineInfo }
  /** Nothing answered; `attempts` says what was tried and why each failed. Retries with backoff. */
  | { readonly status: 'unavailable'; readonly attempts: readonly Attempt[] };

export interface ConnectionOptions {
  /** The engines to try, in order; called on every (re)connect so a changed environment is seen. */
  readonly candidates: () => EngineCandidate[];
  readonly probeTimeoutMs?: number;
  /** Backoff between connection attempts: doubles from the first to the max. */
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
}

/**
 * Keeps one live engine: picks the first candidate that answers, follows its event stream, and
 * hands the events on in batches (those that arrive together are delivered together, with no added
 * delay) so views update only what changed. No timer polls the engine: when the stream drops or
 * nothing answers, connecting is retried with backoff.
 */
export class EngineConnection {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly eventsEmitter = new Emitter<readonly EngineEvent[]>();
  readonly onDidChangeState = this.stateEmitter.event;
  /** The engine's events, in order, batched as they arrive. */
  readonly onDidReceiveEvents = this.eventsEmitter.event;

  private current: ConnectionState = { status: 'connecting' };
  private follow?: AbortController;
  private retryTimer?: NodeJS.Timeout;
  private flushScheduled?: NodeJS.Immediate;
  private pendingEvents: EngineEvent[] = [];
  private retryMs: number;
  private disposed = false;
  private generation = 0;

  constructor(private readonly options: ConnectionOptions) {
    this.retryMs = options.firstRetryMs ?? 1000;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Drops any engine in use and tries the candidates again now. */
  connect(): Promise<ConnectionState> {
    return this.attempt(true);
  }

  /** A retry after a failure stays `unavailable` while it runs, so views do not flicker. */
  private async attempt(announce: boolean): Promise<ConnectionState> {
    const generation = ++this.generation;
    this.stopFollowing();
    clearTimeout(this.retryTimer);
    if (announce) this.setState({ status: 'connecting' });
    const selection = await selectEngine(this.options.candidates(), this.options.probeTimeoutMs);
    if (generation !== this.generation || this.disposed) {
      selection.engine?.dispose();
      return this.current;
    }
    if (!selection.engine) {
      this.scheduleRetry(selection.attempts);
      return this.current;
    }
    this.retryMs = this.options.firstRetryMs ?? 1000;
    this.setState({ status: 'connected', engine: selection.engine, info: selection.info });
    this.followEvents(selection.engine, generation);
    return this.current;
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.stopFollowing();
    clearTimeout(this.retryTimer);
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.stateEmitter.dispose();
    this.eventsEmitter.dispose();
  }

  private followEvents(engine: Engine, generation: number): void {
    const follow = new AbortController();
    this.follow = follow;
    void (async () => {
      try {
        for await (const event of engine.events(follow.signal)) this.queue(event);
      } catch (err) {
        if (follow.signal.aborted || generation !== this.generation) return;
        const error = err instanceof Error ? err.message : String(err);
        const reason = isEngineError(err) ? err.reason : 'failed';
        this.scheduleRetry([{ endpoint: engine.endpoint, source: 'the engine in use', error, reason }]);
      }
    })();
  }

  private queue(event: EngineEvent): void {
    this.pendingEvents.push(event);
    this.flushScheduled ??= setImmediate(() => {
      this.flushScheduled = undefined;
      const events = this.pendingEvents;
      this.pendingEvents = [];
      this.eventsEmitter.fire(events);
    });
  }

  private scheduleRetry(attempts: readonly Attempt[]): void {
    this.stopFollowing();
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
    this.setState({ status: 'unavailable', attempts });
    this.retryTimer = setTimeout(() => void this.attempt(false), delay);
  }

  private stopFollowing(): void {
    this.follow?.abort();
    this.follow = undefined;
    if (this.current.status === 'connected') this.current.engine.dispose();
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }
}
