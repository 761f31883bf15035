import { currentEnvironment, type DaemonEndpoint, type EndpointEnvironment } from './daemon/endpoint';
import { AUTO, chosenEndpoints, type EngineChoice } from './daemon/endpointChoice';
import { CORE_CHOICE, coreCandidate } from './core/coreCandidate';
import type { Engine, EngineErrorReason, EngineInfo } from './engine';
import { EngineError, isEngineError } from './engine';
import type { EngineRequestListener } from './engineRequests';

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

/**
 * The engines to try, in order, for a choice (see endpointChoice.ts): with `auto`, what the docker
 * CLI would use (DOCKER_HOST, DOCKER_CONTEXT, config.json's context, else the default socket and
 * then Podman's); `bundled` for the bundled core; else the context or URL chosen. `chosenBy` names where the choice is set;
 * `onRequest` hears of every request the chosen engine makes.
 */
export function engineCandidates(environment: EndpointEnvironment = currentEnvironment(), choice: EngineChoice = AUTO, chosenBy = 'the engine choice', onRequest?: EngineRequestListener): EngineCandidate[] {
  if (choice.trim() === CORE_CHOICE) return [coreCandidate(chosenBy)];
  try {
    return candidatesFor(chosenEndpoints(choice, environment, chosenBy), onRequest);
  } catch (err) {
    // An unusable DOCKER_HOST, context or choice is reported as the one thing that was tried, with why.
    const error = new EngineError(err instanceof Error ? err.message : String(err), 'config', { cause: err });
    const auto = !choice.trim() || choice.trim() === AUTO;
    const fromHost = auto && environment.env.DOCKER_HOST?.trim();
    return [{
      endpoint: fromHost ? environment.env.DOCKER_HOST! : auto ? (environment.env.DOCKER_CONTEXT ?? 'the current docker context') : choice,
      source: fromHost ? 'DOCKER_HOST' : auto ? 'the docker CLI configuration' : chosenBy,
      create: () => Promise.reject(error),
    }];
  }
}

/**
 * What the extension tries: the candidates for the choice, then, for Automatic, the bundled core.
 * A daemon named in DOCKER_HOST or DOCKER_CONTEXT is reported unreachable rather than replaced, so
 * a typo shows.
 */
export function candidatesWithCoreFallback(environment: EndpointEnvironment, choice: EngineChoice, chosenBy: string, onRequest?: EngineRequestListener): EngineCandidate[] {
  const fallback = (!choice.trim() || choice.trim() === AUTO) && !environment.env.DOCKER_HOST?.trim() && !environment.env.DOCKER_CONTEXT?.trim();
  return [...engineCandidates(environment, choice, chosenBy, onRequest), ...(fallback ? [coreCandidate('no daemon answered: the bundled core')] : [])];
}

export function candidatesFor(endpoints: readonly DaemonEndpoint[], onRequest?: EngineRequestListener): EngineCandidate[] {
  return endpoints.map((endpoint) => ({
    endpoint: endpoint.url,
    source: endpoint.source,
    // Loaded on first use: dockerode and its ssh2/grpc dependencies take ~80 ms to evaluate, which
    // activation must not wait for.
    create: async () => new (await import('./daemon/daemonEngine')).DaemonEngine(endpoint, onRequest),
  }));
}

/** How long an engine may take to answer `info()` before it counts as unreachable. */
export const PROBE_TIMEOUT_MS = 5000;

/** The first candidate whose engine answers `info()` within the timeout; the others are disposed. */
export async function selectEngine(candidates: readonly EngineCandidate[], probeTimeoutMs = PROBE_TIMEOUT_MS): Promise<Selection> {
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
