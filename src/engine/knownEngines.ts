import * as fs from 'node:fs';
import { DEFAULT_CONTEXT, listContexts } from './daemon/dockerContexts';
import { defaultSockets, resolveEndpoints, type DaemonEndpoint, type EndpointEnvironment } from './daemon/endpoint';
import { contextEndpoint, type EngineChoice } from './daemon/endpointChoice';
import type { EngineErrorReason, EngineInfo } from './engine';
import type { EngineRequestListener } from './engineRequests';
import { candidatesFor, PROBE_TIMEOUT_MS, selectEngine } from './engineSelection';

/** One engine the user could pick: a docker context, or a socket found on this machine. */
export interface KnownEngine {
  /** What selects it: the context's name, or the socket's URL. */
  readonly choice: EngineChoice;
  readonly label: string;
  readonly kind: 'context' | 'socket';
  /** Where it is: DOCKER_HOST, the context's description, "Podman's rootful socket". */
  readonly detail: string;
  /** What it connects to; empty when unusable. */
  readonly endpoints: readonly DaemonEndpoint[];
  /** Why it cannot be used as it is written (a bad DOCKER_HOST or context host). */
  readonly problem?: string;
  /** The local socket it names does not exist: nothing runs there now. */
  readonly absent?: string;
}

/**
 * Every engine worth listing: the `default` context (DOCKER_HOST, else the default socket), each
 * context in the docker CLI's store, then each well-known socket that exists and no context names.
 * Contexts that cannot be read are listed with their problem rather than hidden.
 */
export function knownEngines(environment: EndpointEnvironment, socketExists: (path: string) => boolean = fs.existsSync): KnownEngine[] {
  const engines: KnownEngine[] = [];
  const host = environment.env.DOCKER_HOST?.trim();
  // Its Podman fallbacks are listed as sockets of their own below.
  engines.push(guarded(DEFAULT_CONTEXT, 'context', host ? `DOCKER_HOST=${host}` : 'the default socket', () => resolveEndpoints(environment).slice(0, 1)));
  const { contexts, problems } = listContexts(environment);
  for (const context of contexts) {
    if (context.name === DEFAULT_CONTEXT) continue;
    engines.push(guarded(context.name, 'context', context.description ?? 'docker context', () => [contextEndpoint(context, `docker context "${context.name}"`, environment)]));
  }
  for (const problem of problems) engines.push({ choice: '', label: 'unreadable context', kind: 'context', detail: problem, endpoints: [], problem });
  for (const [i, engine] of engines.entries()) {
    const transport = engine.endpoints[0]?.transport;
    if (transport?.kind === 'socket' && !socketExists(transport.path)) engines[i] = { ...engine, absent: `no socket at ${transport.path}` };
  }
  const listed = new Set(engines.flatMap((e) => e.endpoints.map((p) => p.url)));
  for (const socket of defaultSockets(environment)) {
    if (listed.has(socket.url) || socket.transport.kind !== 'socket' || !socketExists(socket.transport.path)) continue;
    engines.push({ choice: socket.url, label: socket.url.replace(/^unix:\/\//, ''), kind: 'socket', detail: socket.source, endpoints: [socket] });
  }
  return engines;
}

function guarded(choice: string, kind: KnownEngine['kind'], detail: string, endpoints: () => DaemonEndpoint[]): KnownEngine {
  try {
    return { choice, label: choice, kind, detail, endpoints: endpoints() };
  } catch (err) {
    return { choice, label: choice, kind, detail, endpoints: [], problem: (err as Error).message };
  }
}

export type Reachability =
  | { readonly status: 'reachable'; readonly endpoint: string; readonly info: EngineInfo }
  | { readonly status: 'unreachable'; readonly reason: EngineErrorReason; readonly error: string };

/** Asks an engine for its version once (the first endpoint that answers), then lets it go. */
export async function probe(engine: KnownEngine, timeoutMs = PROBE_TIMEOUT_MS, onRequest?: EngineRequestListener): Promise<Reachability> {
  if (engine.problem) return { status: 'unreachable', reason: 'config', error: engine.problem };
  const selection = await selectEngine(candidatesFor(engine.endpoints, onRequest), timeoutMs);
  if (selection.engine) {
    selection.engine.dispose();
    return { status: 'reachable', endpoint: selection.engine.endpoint, info: selection.info };
  }
  const last = selection.attempts[0];
  return { status: 'unreachable', reason: last?.reason ?? 'absent', error: last?.error ?? 'nothing to try' };
}
