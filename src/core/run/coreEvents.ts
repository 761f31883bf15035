import fs from 'node:fs';
import path from 'node:path';

/** One change in the core, in Docker's event vocabulary (`container start`, `image tag`, ...). */
export interface CoreEvent {
  readonly type: 'container' | 'image';
  readonly action: string;
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The event log every process of the core appends to, `<home>/events.jsonl`: the CLI, the
 * extension and the container supervisors are separate processes, and each reader tails the file
 * from where it joined. One `appendFileSync` per line: O_APPEND keeps lines whole.
 */
export function eventsFile(home: string): string {
  return path.join(home, 'events.jsonl');
}

export function emitEvent(home: string, event: Omit<CoreEvent, 'time'> & { time?: number }): void {
  const line = JSON.stringify({ ...event, time: event.time ?? Date.now() });
  fs.mkdirSync(home, { recursive: true });
  fs.appendFileSync(eventsFile(home), `${line}\n`);
}

/** The events appended from now on, until `signal` aborts. */
export async function* followEvents(home: string, signal: AbortSignal, pollMs = 250): AsyncGenerator<CoreEvent> {
  const file = eventsFile(home);
  let offset = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  let partial = '';
  while (!signal.aborted) {
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    if (size < offset) offset = 0;
    if (size > offset) {
      const fd = fs.openSync(file, 'r');
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      fs.closeSync(fd);
      offset = size;
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        try {
          yield JSON.parse(line) as CoreEvent;
        } catch {
          // a line another writer is still appending, or damaged: skip it
        }
      }
      continue;
    }
    await sleep(pollMs, signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The latest event that matches, among the last 256 KB of the log (an exit code after `--rm`). */
export function lastEvent(home: string, match: (e: CoreEvent) => boolean): CoreEvent | undefined {
  const file = eventsFile(home);
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const start = Math.max(0, size - (256 << 10));
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(size - start);
  fs.readSync(fd, buffer, 0, buffer.length, start);
  fs.closeSync(fd);
  const lines = buffer.toString('utf8').split('\n').reverse();
  for (const line of lines) {
    try {
      const event = JSON.parse(line) as CoreEvent;
      if (match(event)) return event;
    } catch {
      // a partial first line or an empty last one
    }
  }
  return undefined;
}
