import type { ProgressEvent } from '../engine';
import { readJsonLines } from './jsonLines';

interface ApiProgress {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads the JSON progress stream of a pull or push. The engine reports a failure as a last line with
 * `error` while the HTTP status says success (a push with a wrong password "succeeds" this way), so
 * that line is thrown as `fail(message)`.
 */
export async function* parseProgressStream(chunks: AsyncIterable<Buffer | string>, fail: (message: string) => Error): AsyncGenerator<ProgressEvent> {
  for await (const value of readJsonLines(chunks)) {
    if (!value || typeof value !== 'object') continue;
    const p = value as ApiProgress;
    const error = p.errorDetail?.message ?? p.error;
    if (error) throw fail(error);
    if (!p.status) continue;
    const { current, total } = p.progressDetail ?? {};
    yield { id: p.id, status: p.status, current: current || undefined, total: total || undefined };
  }
}

const AUTH_REFUSED = /unauthorized|authentication required|no basic auth credentials|access.*denied|denied: requested access|incorrect username or password/i;

/** Whether a registry's error text means the credentials are missing or wrong. */
export function isAuthFailure(message: string): boolean {
  return AUTH_REFUSED.test(message);
}
