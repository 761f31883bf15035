import { getSystemErrorMap } from 'node:util';

/** Sizes and durations worded as the docker CLI words them, so numbers match what users see there. */

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal units with three significant digits, like `docker images`: "1.24MB", "4.1kB". */
export function humanSize(bytes: number): string {
  let size = Math.max(0, bytes);
  let unit = 0;
  while (size >= 1000 && unit < SIZE_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(3))}${SIZE_UNITS[unit]}`;
}

/** go-units' HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from outside (file names, image history, registry and engine messages, Dockerfile text) as
 * it may reach a terminal or a notification: C0/C1 controls, DEL and line separators escaped as
 * `\xNN` / `\uNNNN`, so none can move the cursor, recolour or fake a line; bidirectional overrides
 * likewise, so none can reorder what is shown (Trojan Source). Tab and newline stay
 * unless `oneLine`, which escapes newline too.
 */
export function printable(text: string, oneLine = false): string {
  const escaped = text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return oneLine ? escaped.replace(/\n/g, '\\n') : escaped;
}

/**
 * A Node system error (ENOENT, EACCES, ENOSPC, …) as a sentence naming the path, instead of its raw
 * "ENOTDIR: not a directory, open '…'"; undefined for any other error.
 */
export function systemErrorMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (typeof e?.code !== 'string' || typeof e.syscall !== 'string') return undefined;
  const reason = (typeof e.errno === 'number' ? getSystemErrorMap().get(e.errno)?.[1] : undefined) ?? e.code;
  const target = e.path === undefined ? '' : ` ${e.path}${e.dest === undefined ? '' : ` to ${e.dest}`}`;
  return `cannot ${e.syscall}${target}: ${reason}`;
}
