/** One request an engine made, for the log: what, where, how long, and how it ended. */
export interface EngineRequest {
  readonly method: string;
  /** The API path without its query (queries may carry build arguments or filters a user typed). */
  readonly path: string;
  readonly endpoint: string;
  readonly ms: number;
  /** Undefined when the engine answered with success (for a stream: when the stream opened). */
  readonly error?: string;
  /** Ended by Stevedore before the answer (the engine was switched, a view was closed): not a failure. */
  readonly cancelled?: boolean;
}

export type EngineRequestListener = (request: EngineRequest) => void;

/** The log line for a request: `GET /containers/json: 12 ms`, `…: cancelled after 5 ms` or `… failed at ENDPOINT after 5 ms: reason`. */
export function requestLine(r: EngineRequest): string {
  const what = `${r.method} ${r.path}`;
  const ms = Math.round(r.ms);
  if (r.error !== undefined) return `${what} failed at ${r.endpoint} after ${ms} ms: ${r.error}`;
  return r.cancelled ? `${what}: cancelled after ${ms} ms` : `${what}: ${ms} ms`;
}
