import type { EngineRequestListener } from '../engineRequests';
import { daemonMessage } from './daemonErrors';

type DialCallback = (err: unknown, data: unknown) => void;
interface Dialer {
  dial(options: { method?: string; path?: string }, callback: DialCallback): unknown;
}

/**
 * Reports every request dockerode's modem makes (one call each, when the answer or the stream's
 * headers arrive). Only the method and the path without its query are reported: headers (where
 * registry credentials travel) and queries are left out.
 */
export function reportRequests(modem: Dialer, endpoint: string, listener: EngineRequestListener): void {
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    const started = performance.now();
    const method = options.method ?? 'GET';
    const path = (options.path ?? '').split('?')[0];
    return dial(options, (err, data) => {
      try {
        listener({ method, path, endpoint, ms: performance.now() - started, ...outcome(err) });
      } finally {
        callback(err, data);
      }
    });
  };
}

/** Reports one request made without the modem (a hijacked connection), with its outcome. */
export async function reported<T>(listener: EngineRequestListener | undefined, endpoint: string, method: string, path: string, request: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await request();
    listener?.({ method, path: path.split('?')[0], endpoint, ms: performance.now() - started });
    return result;
  } catch (err) {
    listener?.({ method, path: path.split('?')[0], endpoint, ms: performance.now() - started, ...outcome(err) });
    throw err;
  }
}

/** A request aborted by Stevedore is cancelled; one aborted by its time limit, or refused, failed. */
function outcome(err: unknown): { error?: string; cancelled?: boolean } {
  if (!err) return {};
  const e = err as { name?: string; cause?: { name?: string } };
  if (e.name === 'AbortError' && e.cause?.name !== 'TimeoutError') return { cancelled: true };
  if (e.name === 'AbortError') return { error: 'no answer within the time limit' };
  return { error: daemonMessage(err) };
}
