/** One request an engine made, for the log: what, where, how long, and how it ended. */
export interface EngineRequest {
  readonly method: string;
  /** The API path without its query (queries may carry build arguments or filters a user typed). */
  readonly path: string;
  readonly endpoint: string;
  readonly ms: number;
  /** Undefined when the engine answered with success (for a stream: when the stream opened). */
  readonly error?: string;
}

export type EngineRequestListener = (request: EngineRequest) => void;

/** The log line for a request: `GET /containers/json: 12 ms` or `… failed at ENDPOINT: reason`. */
export function requestLine(r: EngineRequest): string {
  const what = `${r.method} ${r.path}`;
  return r.error === undefined ? `${what}: ${Math.round(r.ms)} ms` : `${what} failed at ${r.endpoint} after ${Math.round(r.ms)} ms: ${r.error}`;
}
