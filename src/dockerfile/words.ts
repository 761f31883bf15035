import type { Flag, JsonArgs, Word } from './syntax';

/** Runs of characters that are neither blank, quote nor the escape character, for each escape character. */
const PLAIN_BACKSLASH = /[^ \t\r\n\f\v\ufeff'"\\]+/y;
const PLAIN_BACKTICK = /[^ \t\r\n\f\v\ufeff'"`]+/y;
const SPACE = 32;
const TAB = 9;

export function isBlank(code: number): boolean {
  return code === SPACE || code === TAB || code === 13 || code === 10 || code === 0xfeff || code === 12 || code === 11;
}

export function skipBlanks(text: string, i: number, end = text.length): number {
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Reads one word from `start` as BuildKit's word splitter does: it ends at unquoted whitespace;
 * quotes are removed from the value and the escape character escapes the next character (inside
 * double quotes only `"`, `$`, the escape character and a backtick).
 */
export function readWord(text: string, start: number, escape: string, end = text.length): Word {
  let i = start;
  let value = '';
  const esc = escape.charCodeAt(0);
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isBlank(c)) break;
    if (c === esc && i + 1 < end) {
      value += text[i + 1];
      i += 2;
    } else if (c === 39 /* ' */) {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 || close >= end ? end : close;
      value += text.slice(i + 1, stop);
      i = stop + 1;
    } else if (c === 34 /* " */) {
      i++;
      while (i < end && text.charCodeAt(i) !== 34) {
        const d = text.charCodeAt(i);
        if (d === esc && i + 1 < end && '"$`\\'.includes(text[i + 1])) {
          value += text[i + 1];
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      i++;
    } else {
      const plain = esc === 92 ? PLAIN_BACKSLASH : PLAIN_BACKTICK;
      plain.lastIndex = i;
      let j = plain.test(text) ? plain.lastIndex : i + 1;
      if (j > end) j = end;
      value += text.slice(i, j);
      i = j;
    }
  }
  if (i > end) i = end;
  return { raw: text.slice(start, i), value, start, end: i };
}

export function splitWords(text: string, start: number, escape: string, end = text.length): Word[] {
  const words: Word[] = [];
  let i = skipBlanks(text, start, end);
  while (i < end) {
    const w = readWord(text, i, escape, end);
    words.push(w);
    i = skipBlanks(text, w.end, end);
  }
  return words;
}

/** Leading `--name[=value]` words; stops at the first other word or at a bare `--`. */
export function parseFlags(text: string, start: number, escape: string): { flags: Flag[]; argsStart: number } {
  const flags: Flag[] = [];
  let i = skipBlanks(text, start);
  while (i + 1 < text.length && text.charCodeAt(i) === 45 && text.charCodeAt(i + 1) === 45) {
    const w = readWord(text, i, escape);
    if (w.value === '--') break;
    const eq = w.value.indexOf('=');
    const rawEq = w.raw.indexOf('=');
    if (eq < 0) flags.push({ name: w.value.slice(2), start: w.start, end: w.end });
    else flags.push({ name: w.value.slice(2, eq), value: w.value.slice(eq + 1), start: w.start, end: w.end, valueStart: w.start + rawEq + 1 });
    i = skipBlanks(text, w.end);
  }
  return { flags, argsStart: i };
}

/** The exec form `["a", "b"]`: undefined unless the text is a JSON array of strings, as Docker decides. */
export function parseJsonArray(text: string, start: number): JsonArgs | undefined {
  let i = skipBlanks(text, start);
  if (text.charCodeAt(i) !== 91 /* [ */) return undefined;
  i++;
  const starts: number[] = [];
  const ends: number[] = [];
  const values: string[] = [];
  i = skipBlanks(text, i);
  if (text.charCodeAt(i) === 93 /* ] */) return skipBlanks(text, i + 1) === text.length ? { values, starts, ends } : undefined;
  for (;;) {
    if (text.charCodeAt(i) !== 34) return undefined;
    const s = i;
    i++;
    while (i < text.length && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 ? 2 : 1;
    if (i >= text.length) return undefined;
    i++;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(s, i));
    } catch {
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    values.push(value);
    starts.push(s);
    ends.push(i);
    i = skipBlanks(text, i);
    const c = text.charCodeAt(i);
    if (c === 93) return skipBlanks(text, i + 1) === text.length ? { values, starts, ends } : undefined;
    if (c !== 44 /* , */) return undefined;
    i = skipBlanks(text, i + 1);
  }
}
