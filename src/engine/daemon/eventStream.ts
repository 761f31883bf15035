import type { EngineEvent, EngineObjectType } from '../engine';
import { readJsonLines } from './jsonLines';

/**
 * Reads the Docker Engine API's `/events` stream into normalised EngineEvents. Podman's compatible
 * API uses some other action names; they are mapped onto Docker's so views handle one vocabulary.
 */
export async function* parseEventStream(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<EngineEvent> {
  for await (const value of readJsonLines(chunks)) {
    const event = toEvent(value);
    if (event) yield event;
  }
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

/**
 * Podman (compat API) -> Docker action names, per object type. Podman's own steps with no Docker
 * counterpart (`init` after create, `cleanup` after die) keep their names: mapping them would
 * report a second create or die for one container.
 */
const PODMAN_ACTIONS: Partial<Record<EngineObjectType, Record<string, string>>> = {
  container: { remove: 'destroy', died: 'die' },
  image: { remove: 'delete' },
};

/** One line of the stream; undefined for a line that is not a JSON event (never throws). */
export function parseEvent(line: string): EngineEvent | undefined {
  try {
    return toEvent(JSON.parse(line));
  } catch {
    return undefined;
  }
}

function toEvent(value: unknown): EngineEvent | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const raw = value as ApiEvent;
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
  // Podman's image `build` event names the new image in Attributes.name and leaves the ids empty;
  // its image ids lack the `sha256:` that its own inspect then requires.
  const rawId = raw.Actor?.ID || raw.id || (type === 'image' ? attributes.name : '') || '';
  const id = type === 'image' && /^[0-9a-f]{64}$/.test(rawId) ? `sha256:${rawId}` : rawId;
  return { type, action, id, time, attributes };
}
