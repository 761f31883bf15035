import { currentEnvironment, resolveEndpoints, type EndpointEnvironment } from './daemon/endpoint';
import type { Engine, EngineErrorReason, EngineInfo } from './engine';
import { EngineError, isEngineError } from './engine';

/** An engine that may be tried, with where it came from for messages. */
export interface EngineCandidate {
  readonly endpoint: string;
  readonly source: string;
  /** Makes the engine (may reject, e.g. for unreadable TLS material); it is used only once info() answers. */
  create(): Promise<Engine>;
}

/** One candidate that did not answer, and why. */
export interface Attempt {
  readonly endpoint: string;
  readonly source: string;
  readonly error: string;
  readonly reason: EngineErrorReason;
}

export type Selection =
  | { readonly engine: Engine; readonly info: EngineInfo; readonly attempts: readonly Attempt[] }
  | { readonly engine?: undefined; readonly attempts: readonly Attempt[] };

/** The engines to try, in order: DOCKER_HOST when set, else the default Docker socket, then Podman's. */
export function engineCandidates(environment: EndpointEnvironment = currentEnvironment()): EngineCandidate[] {
  try {
    return resolveEndpoints(environment).map((endpoint) => ({
      endpoint: endpoint.url,
      source: endpoint.source,
      // Loaded on first use: dockerode and its ssh2/grpc dependencies take ~80 ms to evaluate, which
      // activation must not wait for.
      create: async () => new (await import('./daemon/daemonEngine')).DaemonEngine(endpoint),
    }));
  } catch (err) {
    // An unusable DOCKER_HOST is reported as the one thing that was tried, with why.
    const error = new EngineError(err instanceof Error ? err.message : String(err), 'config', { cause: err });
    return [{ endpoint: environment.env.DOCKER_HOST ?? '', source: 'DOCKER_HOST', create: () => Promise.reject(error) }];
  }
}

/** The first candidate whose engine answers `info()` within the timeout; the others are disposed. */
export async function selectEngine(candidates: readonly EngineCandidate[], probeTimeoutMs = 5000): Promise<Selection> {
  const attempts: Attempt[] = [];
  for (const candidate of candidates) {
    let engine: Engine | undefined;
    try {
      engine = await candidate.create();
      const info = await withTimeout(engine.info(), probeTimeoutMs, candidate.endpoint);
      return { engine, info, attempts };
    } catch (err) {
      engine?.dispose();
      attempts.push({
        endpoint: candidate.endpoint,
        source: candidate.source,
        error: err instanceof Error ? err.message : String(err),
        reason: isEngineError(err) ? err.reason : 'failed',
      });
    }
  }
  return { attempts };
}

function withTimeout<T>(promise: Promise<T>, ms: number, endpoint: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineError(`The engine at ${endpoint} did not answer within ${ms / 1000} s.`, 'unreachable')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The reason that best tells the user what to fix, when every candidate failed. */
export function mainReason(attempts: readonly Attempt[]): EngineErrorReason {
  const byUsefulness: EngineErrorReason[] = ['config', 'permission', 'tls', 'version', 'unreachable', 'failed', 'absent'];
  return byUsefulness.find((r) => attempts.some((a) => a.reason === r)) ?? 'absent';
}
