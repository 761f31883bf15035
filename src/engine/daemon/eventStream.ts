import type { EngineEvent, EngineObjectType } from '../engine';

/**
 * Reads the Docker Engine API's `/events` stream (one JSON object per line, split across chunks
 * arbitrarily) into normalised EngineEvents. Podman's compatible API uses some other action
 * names; they are mapped onto Docker's so views handle one vocabulary.
 */
export async function* parseEventStream(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<EngineEvent> {
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      const event = line ? parseEvent(line) : undefined;
      if (event) yield event;
    }
  }
  const last = pending.trim() ? parseEvent(pending.trim()) : undefined;
  if (last) yield last;
}

interface ApiEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

const TYPES: readonly EngineObjectType[] = ['container', 'image', 'network', 'volume'];

/** Podman (compat API) -> Docker action names, per object type. */
const PODMAN_ACTIONS: Partial<Record<EngineObjectType, Record<string, string>>> = {
  container: { remove: 'destroy', died: 'die', cleanup: 'die', init: 'create' },
  image: { remove: 'delete' },
};

/** One line of the stream; undefined for a line that is not a JSON event (never throws). */
export function parseEvent(line: string): EngineEvent | undefined {
  let raw: ApiEvent;
  try {
    raw = JSON.parse(line) as ApiEvent;
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const typeName = (raw.Type ?? '').toLowerCase();
  const type: EngineObjectType = (TYPES as readonly string[]).includes(typeName) ? (typeName as EngineObjectType) : 'other';
  // Actions can carry a detail after a colon: "exec_start: sh -c ...", "health_status: healthy".
  const fullAction = raw.Action ?? raw.status ?? '';
  const colon = fullAction.indexOf(':');
  const baseAction = (colon >= 0 ? fullAction.slice(0, colon) : fullAction).trim();
  const action = PODMAN_ACTIONS[type]?.[baseAction] ?? baseAction;
  const attributes = { ...(raw.Actor?.Attributes ?? {}) };
  if (colon >= 0) attributes.detail = fullAction.slice(colon + 1).trim();
  const time = raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000;
  return { type, action, id: raw.Actor?.ID ?? raw.id ?? '', time, attributes };
}
