import fs from 'node:fs';
import { sleep } from './coreEvents';

/** One line of a container's log as stored (`log.jsonl`). */
export interface LogLine {
  /** ISO 8601, when the supervisor received it. */
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  /** The text, with its newline when it had one. */
  readonly log: string;
}

function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a line still being written
    }
  }
  return out;
}

/**
 * The log from disk (the last `tail` lines), then, with `follow`, what is appended until
 * `running()` says the container stopped (and the rest is read) or `signal` aborts.
 */
export async function* readLogs(file: string | number, options: { tail?: number; follow?: boolean; signal?: AbortSignal; running?: () => Promise<boolean> }): AsyncGenerator<LogLine> {
  // One descriptor throughout: a `--rm` container's files are deleted when it exits, and what it
  // wrote last is still read through it (open it before the start to be sure of it).
  const fd = typeof file === 'number' ? file : fs.openSync(file, 'r');
  let offset = 0;
  let partial = '';
  const readMore = (): LogLine[] => {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return [];
    const buffer = Buffer.alloc(size - offset);
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    offset = size;
    const text = partial + buffer.toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    partial = text.slice(cut);
    return parseLines(text.slice(0, cut));
  };
  try {
    const first = readMore();
    yield* options.tail !== undefined && options.tail >= 0 ? first.slice(Math.max(0, first.length - options.tail)) : first;
    if (!options.follow) return;
    while (!options.signal?.aborted) {
      const more = readMore();
      if (more.length) {
        yield* more;
        continue;
      }
      if (options.running && !(await options.running())) {
        yield* readMore();
        return;
      }
      await sleep(100, options.signal);
    }
  } finally {
    fs.closeSync(fd);
  }
}
