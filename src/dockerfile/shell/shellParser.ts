import type { ShellCommand, ShellScript, ShellWord } from './shellSyntax';

const PREFIX_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const CLOSING_KEYWORDS = new Set(['fi', 'done', '}', 'esac']);
const LOOP_KEYWORDS = new Set(['for', 'select']);
/** Commands that run the command after their own options: the rules look through them. */
const WRAPPERS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-U', '-C', '-D', '-r', '-t', '-p', '-h']),
  env: new Set(['-u', '-C', '-S']),
  exec: new Set(['-a']),
  command: new Set(),
  nohup: new Set(),
  nice: new Set(['-n']),
  stdbuf: new Set(['-i', '-o', '-e']),
  timeout: new Set(['-s', '-k']),
  chroot: new Set(),
};
const PLAIN_RUN = /[^ \t\n\r;&|<>()\\'"$`]+/y;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
/**
 * How deep `$(`, backticks and subshells may nest before the parser stops descending. Real scripts
 * nest a handful of levels; 1,876 levels overflowed V8's default stack, so 200 is far above any
 * script a person writes and far below what the stack holds, even entered from a deep caller.
 */
export const MAX_SHELL_DEPTH = 200;

interface RawWord extends ShellWord {
  /** Whether the first character was unquoted and unescaped (so keywords and assignments count). */
  readonly plainStart: boolean;
}

/**
 * A small POSIX shell parser for what the lint rules need: simple commands (names, arguments,
 * wrappers), pipes and separators. It knows quotes, escapes and line continuations, `$(...)`,
 * backticks, `${...}`, `$((...))`, subshells, redirections (their targets are not arguments),
 * heredocs, comments, and the compound commands (if, for, while, case, functions). Commands inside
 * substitutions and subshells are listed too, marked `nested`. Never throws; unterminated quotes
 * and substitutions end at the end of the text; past MAX_SHELL_DEPTH nested levels the rest of the
 * text is not read and `tooDeep` says where.
 */
export function parseShell(text: string, start = 0, end = text.length): ShellScript {
  const parser = new Parser(text, end, 0);
  parser.parseList(start, 0, false);
  return { commands: parser.commands, pipes: parser.pipes, separators: parser.separators, tooDeep: parser.tooDeep };
}

class Parser {
  readonly commands: ShellCommand[] = [];
  readonly pipes: number[] = [];
  readonly separators: number[] = [];
  tooDeep?: number;

  constructor(private readonly text: string, private readonly end: number, private depth: number) {}

  /** Parses commands from i until `stop` (`)` or a backtick, as a char code) or the end; returns the index after the stop. */
  parseList(i: number, stop: number, nested: boolean): number {
    if (this.depth >= MAX_SHELL_DEPTH) {
      this.tooDeep ??= i;
      return this.end;
    }
    this.depth++;
    const next = this.parseListAt(i, stop, nested);
    this.depth--;
    return next;
  }

  private parseListAt(i: number, stop: number, nested: boolean): number {
    const text = this.text;
    const end = this.end;
    let words: RawWord[] = [];
    let redirectNext = false;
    let pendingHeredocs: { delimiter: string; stripTabs: boolean }[] = [];
    // case statements: 0 none, 1 reading `case WORD`, 2 reading patterns up to `)`, 3 in an item's commands
    let caseState = 0;
    let caseDepth = 0;
    let commandStart = i;
    const finish = (at: number) => {
      // past the depth limit the enclosing commands are cut short: what they run is unknown
      if (words.length && this.tooDeep === undefined) this.emit(words, commandStart, at, nested);
      words = [];
      redirectNext = false;
    };
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === stop && stop !== 0) {
        finish(i);
        return i + 1;
      }
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      if (c === 92 /* \ */ && text.charCodeAt(i + 1) === 10) {
        i += 2;
        continue;
      }
      if (c === 10) {
        if (caseState === 1 || caseState === 2) {
          i++;
          continue;
        }
        finish(i);
        if (nested === false) this.separators.push(i);
        i++;
        if (pendingHeredocs.length) {
          i = this.skipHeredocBodies(i, pendingHeredocs);
          pendingHeredocs = [];
        }
        commandStart = i;
        continue;
      }
      if (c === 35 /* # */) {
        // a word never starts here with # unless it is a comment: readWord takes # inside words
        while (i < end && text.charCodeAt(i) !== 10) i++;
        continue;
      }
      // operators
      if (c === 59 /* ; */ || c === 38 /* & */ || c === 124 /* | */) {
        const next = text.charCodeAt(i + 1);
        if (c === 38 && next === 62 /* &> */) {
          i += text.charCodeAt(i + 2) === 62 ? 3 : 2;
          redirectNext = true;
          continue;
        }
        let len = 1;
        if ((c === 38 && next === 38) || (c === 124 && next === 124) || (c === 59 && next === 59) || (c === 124 && next === 38) || (c === 59 && next === 38)) len = 2;
        if (c === 59 && next === 59 && text.charCodeAt(i + 2) === 38) len = 3;
        if (caseState === 1 || caseState === 2) {
          if (c === 124) {
            i += len;
            continue;
          }
        }
        finish(i);
        if (c === 124 && len === 1) this.pipes.push(i);
        else if (c === 124 && next === 38) this.pipes.push(i);
        else if (!nested) this.separators.push(i);
        if (c === 59 && len >= 2 && caseState === 3) caseState = 2;
        i += len;
        commandStart = i;
        continue;
      }
      if (c === 40 /* ( */) {
        if (caseState === 2) {
          i++;
          continue;
        }
        if (words.length > 0) {
          // `name() { ...; }`: a function definition; the body's commands follow.
          words = [];
          const close = text.indexOf(')', i);
          i = close < 0 ? end : close + 1;
          commandStart = i;
          continue;
        }
        if (text.charCodeAt(i + 1) === 40) {
          i = skipArithmetic(text, i + 2, end);
          continue;
        }
        i = this.parseList(i + 1, 41, true);
        commandStart = i;
        continue;
      }
      if (c === 41 /* ) */) {
        if (caseState === 2) {
          words = [];
          caseState = 3;
          i++;
          commandStart = i;
          continue;
        }
        finish(i);
        i++;
        continue;
      }
      if (c === 60 /* < */ || c === 62 /* > */) {
        const op = readRedirect(text, i);
        if (op === '<<' || op === '<<-') {
          const w = this.readWord(i + op.length + countBlanks(text, i + op.length, end), nested);
          pendingHeredocs.push({ delimiter: w.value, stripTabs: op === '<<-' });
          i = w.end;
          continue;
        }
        i += op.length;
        redirectNext = true;
        continue;
      }
      const w = this.readWord(i, nested);
      i = w.end;
      if (w.end === w.start) {
        i++;
        continue;
      }
      // `2>file`, `2>&1`: a word of digits glued to a redirection is its file descriptor
      const after = text.charCodeAt(i);
      if ((after === 60 || after === 62) && /^\d+$/.test(w.value) && !w.quoted) continue;
      if (redirectNext) {
        redirectNext = false;
        continue;
      }
      if (caseState === 1) {
        if (w.plainStart && w.value === 'in') caseState = 2;
        continue;
      }
      if (caseState === 2) {
        if (w.plainStart && w.value === 'esac') {
          caseState = caseDepth > 0 ? 3 : 0;
          caseDepth = Math.max(0, caseDepth - 1);
        }
        continue;
      }
      if (words.length === 0 && w.plainStart && w.value === 'case') {
        if (caseState === 3) caseDepth++;
        caseState = 1;
        continue;
      }
      if (caseState === 3 && words.length === 0 && w.plainStart && w.value === 'esac') {
        caseState = caseDepth > 0 ? 3 : 0;
        caseDepth = Math.max(0, caseDepth - 1);
        continue;
      }
      if (words.length === 0) commandStart = w.start;
      words.push(w);
    }
    finish(i);
    return i;
  }

  private emit(words: RawWord[], start: number, end: number, nested: boolean): void {
    let k = 0;
    const assignments: string[] = [];
    for (;;) {
      while (k < words.length && words[k].plainStart && PREFIX_KEYWORDS.has(words[k].value)) k++;
      while (k < words.length && words[k].plainStart && ASSIGNMENT.test(words[k].value)) assignments.push(words[k++].value);
      if (k < words.length && words[k].plainStart && PREFIX_KEYWORDS.has(words[k].value)) continue;
      break;
    }
    if (k >= words.length) return;
    const first = words[k];
    if (first.plainStart && (CLOSING_KEYWORDS.has(first.value) || LOOP_KEYWORDS.has(first.value) || first.value === 'function' || first.value === 'in')) return;
    const wrappers: string[] = [];
    while (k < words.length) {
      const name = basename(words[k].value);
      const withValue = WRAPPERS[name];
      if (!withValue || k === words.length - 1) break;
      wrappers.push(name);
      k++;
      while (k < words.length - 1 && (words[k].value.startsWith('-') || (name === 'env' && ASSIGNMENT.test(words[k].value)) || (name === 'timeout' && /^\d/.test(words[k].value)))) {
        const option = words[k].value;
        if (name === 'env' && !option.startsWith('-')) assignments.push(option);
        k++;
        if (option === '--') break;
        if (withValue.has(option) && k < words.length - 1) k++;
      }
    }
    const nameWord = words[k];
    this.commands.push({ name: basename(nameWord.value), nameWord, args: words.slice(k + 1), wrappers, assignments, start, end: words[words.length - 1].end > end ? words[words.length - 1].end : end, nested });
  }

  private skipHeredocBodies(i: number, heredocs: { delimiter: string; stripTabs: boolean }[]): number {
    const text = this.text;
    for (const h of heredocs) {
      while (i < this.end) {
        let lineEnd = text.indexOf('\n', i);
        if (lineEnd < 0 || lineEnd > this.end) lineEnd = this.end;
        let line = text.slice(i, lineEnd);
        if (h.stripTabs) line = line.replace(/^\t+/, '');
        i = lineEnd + 1;
        if (line.replace(/\r$/, '') === h.delimiter) break;
      }
    }
    return Math.min(i, this.end);
  }

  /** One word from i: stops at blanks and operators outside quotes. */
  private readWord(i: number, nested: boolean): RawWord {
    const text = this.text;
    const end = this.end;
    const start = i;
    let value = '';
    let quoted = false;
    let expands = false;
    let plainStart = true;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 59 || c === 38 || c === 124 || c === 60 || c === 62 || c === 40 || c === 41) break;
      if (c === 92 /* \ */) {
        if (i === start) plainStart = false;
        if (text.charCodeAt(i + 1) === 10) {
          i += 2;
          continue;
        }
        if (i + 1 < end) value += text[i + 1];
        i += 2;
        continue;
      }
      if (c === 39 /* ' */) {
        if (i === start) plainStart = false;
        quoted = true;
        const close = text.indexOf("'", i + 1);
        const stop = close < 0 || close >= end ? end : close;
        value += text.slice(i + 1, stop);
        i = stop + 1;
        continue;
      }
      if (c === 34 /* " */) {
        if (i === start) plainStart = false;
        quoted = true;
        i++;
        while (i < end) {
          const d = text.charCodeAt(i);
          if (d === 34) {
            i++;
            break;
          }
          if (d === 92 && i + 1 < end) {
            const n = text[i + 1];
            if (n === '\n') i += 2;
            else {
              value += n === '"' || n === '\\' || n === '$' || n === '`' ? n : `\\${n}`;
              i += 2;
            }
            continue;
          }
          if (d === 36 /* $ */ || d === 96 /* ` */) {
            expands = true;
            const e = this.readExpansion(i, nested);
            value += text.slice(i, e);
            i = e;
            continue;
          }
          value += text[i];
          i++;
        }
        continue;
      }
      if (c === 36 || c === 96) {
        expands = true;
        const e = this.readExpansion(i, nested);
        value += text.slice(i, e);
        i = e;
        continue;
      }
      // A run of ordinary characters, scanned by the regular expression engine (fast even before the JIT warms up).
      PLAIN_RUN.lastIndex = i;
      let j = PLAIN_RUN.test(text) ? PLAIN_RUN.lastIndex : i + 1;
      if (j > end) j = end;
      value += text.slice(i, j);
      i = j;
    }
    // an unterminated quote or a trailing escape steps past the end
    return { value, start, end: Math.min(i, end), quoted, expands, plainStart };
  }

  /** From a `$` or a backtick: returns the index after the expansion, parsing substituted commands. */
  private readExpansion(i: number, _nested: boolean): number {
    const text = this.text;
    const end = this.end;
    if (text.charCodeAt(i) === 96) {
      let j = i + 1;
      while (j < end && text.charCodeAt(j) !== 96) j += text.charCodeAt(j) === 92 ? 2 : 1;
      const inner = new Parser(text, Math.min(j, end), this.depth);
      inner.parseList(i + 1, 0, true);
      for (const c of inner.commands) this.commands.push(c);
      for (const p of inner.pipes) this.pipes.push(p);
      if (inner.tooDeep !== undefined) {
        this.tooDeep ??= inner.tooDeep;
        return end;
      }
      return Math.min(j + 1, end);
    }
    const n = text.charCodeAt(i + 1);
    if (n === 40 /* ( */) {
      if (text.charCodeAt(i + 2) === 40) return skipArithmetic(text, i + 3, end);
      return this.parseList(i + 2, 41, true);
    }
    if (n === 123 /* { */) {
      let depth = 1;
      let j = i + 2;
      while (j < end && depth > 0) {
        const d = text.charCodeAt(j);
        if (d === 123) depth++;
        else if (d === 125) depth--;
        j++;
      }
      return j;
    }
    let j = i + 1;
    if (j < end && /[@*#?$!0-9-]/.test(text[j])) return j + 1;
    while (j < end && isNameChar(text.charCodeAt(j))) j++;
    return j;
  }
}

function skipArithmetic(text: string, i: number, end: number): number {
  let depth = 2;
  while (i < end && depth > 0) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) depth--;
    i++;
  }
  return i;
}

function readRedirect(text: string, i: number): string {
  const two = text.slice(i, i + 3);
  for (const op of ['<<<', '<<-', '>>', '<<', '>&', '<&', '>|', '<>']) if (two.startsWith(op)) return op;
  return text[i];
}

function countBlanks(text: string, i: number, end: number): number {
  let n = 0;
  while (i + n < end && (text.charCodeAt(i + n) === 32 || text.charCodeAt(i + n) === 9)) n++;
  return n;
}

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function basename(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash >= 0 && slash < name.length - 1 ? name.slice(slash + 1) : name;
}
