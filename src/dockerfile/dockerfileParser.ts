import { LogicalText, type Comment, type Directive, type Dockerfile, type Flag, type Heredoc, type Instruction, type JsonArgs, type ParseProblem, type Position, type Range, type Word } from './syntax';
import { parseFlags, parseJsonArray, skipBlanks, splitWords } from './words';

/** Instructions whose leading `--name` words are flags; elsewhere they are plain arguments. */
const FLAG_INSTRUCTIONS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const DIRECTIVE_LINE = /^[ \t]*#[ \t]*([a-zA-Z][a-zA-Z0-9_-]*)[ \t]*=[ \t]*(.*?)[ \t]*$/;

class ParsedInstruction implements Instruction {
  private cachedWords?: Word[];
  private cachedJson?: JsonArgs | null;
  private cachedArgs?: string;

  constructor(
    readonly keyword: string,
    readonly keywordRange: Range,
    readonly range: Range,
    readonly startLine: number,
    readonly endLine: number,
    readonly text: LogicalText,
    readonly textStart: number,
    readonly flags: readonly Flag[],
    readonly argsStart: number,
    readonly heredocs: readonly Heredoc[],
    readonly index: number,
    private readonly escape: string,
    readonly trigger?: Instruction,
  ) {}

  get argsText(): string {
    return (this.cachedArgs ??= this.text.text.slice(this.argsStart).trimEnd());
  }

  get words(): readonly Word[] {
    return (this.cachedWords ??= splitWords(this.text.text, this.argsStart, this.escape));
  }

  get json(): JsonArgs | undefined {
    if (this.cachedJson === undefined) this.cachedJson = parseJsonArray(this.text.text, this.argsStart) ?? null;
    return this.cachedJson ?? undefined;
  }
}

function pos(line: number, character: number): Position {
  return { line, character };
}

/** Parses Dockerfile text; never throws, whatever the input. */
export function parseDockerfile(input: string): Dockerfile {
  const source = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  const problems: ParseProblem[] = [];
  const comments: Comment[] = [];
  const directives: Directive[] = [];
  const instructions: Instruction[] = [];

  let escape = '\\';
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE_LINE.exec(lines[i]);
    if (!m || !DIRECTIVES.has(m[1].toLowerCase())) break;
    const name = m[1].toLowerCase();
    const line = lines[i];
    const valueAt = line.lastIndexOf(m[2]);
    const directive: Directive = {
      name, value: m[2], line: i,
      range: { start: pos(i, 0), end: pos(i, line.length) },
      valueRange: { start: pos(i, valueAt), end: pos(i, valueAt + m[2].length) },
    };
    if (directives.some((d) => d.name === name)) problems.push({ message: `Only one "${name}" parser directive may be used.`, range: directive.range });
    else if (name === 'escape') {
      if (m[2] === '\\' || m[2] === '`') escape = m[2];
      else problems.push({ message: `Invalid escape character "${m[2]}": use \\ or \` (a backtick).`, range: directive.valueRange });
    }
    directives.push(directive);
    comments.push({ line: i, text: line.slice(line.indexOf('#') + 1).trim(), range: directive.range });
  }

  for (; i < lines.length; i++) {
    const line = lines[i];
    const first = skipBlanks(line, 0);
    if (first === line.length) continue;
    if (line.charCodeAt(first) === 35 /* # */) {
      comments.push({ line: i, text: line.slice(first + 1).trim(), range: { start: pos(i, first), end: pos(i, line.length) } });
      continue;
    }
    let k = first;
    while (k < line.length && !isSpaceOrTab(line.charCodeAt(k))) k++;
    const keywordRaw = line.slice(first, k);
    const keywordRange: Range = { start: pos(i, first), end: pos(i, k) };
    const text = new LogicalText();
    const startLine = i;
    let lineNo = i;
    let from = k;
    for (;;) {
      const current = lines[lineNo];
      let end = current.length;
      while (end > from && isSpaceOrTab(current.charCodeAt(end - 1))) end--;
      if (end > from && current[end - 1] === escape) {
        text.append(current.slice(from, end - 1), lineNo, from);
        let next = lineNo + 1;
        while (next < lines.length) {
          const l = lines[next];
          const f = skipBlanks(l, 0);
          if (f === l.length) {
            next++;
            continue;
          }
          if (l.charCodeAt(f) === 35) {
            comments.push({ line: next, text: l.slice(f + 1).trim(), range: { start: pos(next, f), end: pos(next, l.length) } });
            next++;
            continue;
          }
          break;
        }
        if (next >= lines.length) {
          lineNo = Math.max(lineNo, next - 1);
          break;
        }
        lineNo = next;
        from = 0;
        continue;
      }
      text.append(current.slice(from), lineNo, from);
      break;
    }
    const keyword = keywordRaw.toUpperCase();
    let endLine = lineNo;
    let endChar = lines[lineNo].length;
    const heredocs: Heredoc[] = [];
    if (HEREDOC_INSTRUCTIONS.has(keyword) && text.text.includes('<<')) {
      for (const marker of findHeredocMarkers(text.text)) {
        const bodyLine = endLine + 1;
        let j = bodyLine;
        const body: string[] = [];
        let terminated = false;
        for (; j < lines.length; j++) {
          const l = marker.stripTabs ? lines[j].replace(/^\t+/, '') : lines[j];
          if (l === marker.name) {
            terminated = true;
            break;
          }
          body.push(l);
        }
        const last = Math.min(j, lines.length - 1);
        heredocs.push({ ...marker, body: body.length ? `${body.join('\n')}\n` : '', bodyLine, endLine: last, terminated });
        if (!terminated) {
          const at = text.rangeOf(marker.markerStart, marker.markerEnd);
          problems.push({ message: `The heredoc <<${marker.name} is never terminated: add a line "${marker.name}" after its body.`, range: at });
        }
        endLine = last;
        endChar = lines[last]?.length ?? 0;
        if (!terminated) break;
      }
    }
    instructions.push(build(keyword, keywordRange, { start: keywordRange.start, end: pos(endLine, endChar) }, startLine, endLine, text, 0, heredocs, instructions.length, escape));
    i = endLine;
  }
  return { instructions, comments, directives, escape, lineCount: lines.length, problems, lines };
}

function build(keyword: string, keywordRange: Range, range: Range, startLine: number, endLine: number, text: LogicalText, textStart: number, heredocs: Heredoc[], index: number, escape: string): Instruction {
  const { flags, argsStart } = FLAG_INSTRUCTIONS.has(keyword) ? parseFlags(text.text, textStart, escape) : { flags: [], argsStart: skipBlanks(text.text, textStart) };
  let trigger: Instruction | undefined;
  // Only one level: a trigger that is itself ONBUILD is an error (DL3043) and nothing reads its trigger.
  if (keyword === 'ONBUILD' && textStart === 0 && argsStart < text.text.length) {
    let k = argsStart;
    while (k < text.text.length && !isSpaceOrTab(text.text.charCodeAt(k))) k++;
    const triggerKeyword = text.text.slice(argsStart, k).toUpperCase();
    const triggerRange = text.rangeOf(argsStart, k);
    trigger = build(triggerKeyword, triggerRange, { start: triggerRange.start, end: range.end }, triggerRange.start.line, endLine, text, k, [], index, escape);
  }
  return new ParsedInstruction(keyword, keywordRange, range, startLine, endLine, text, textStart, flags, argsStart, heredocs, index, escape, trigger);
}

function isSpaceOrTab(c: number): boolean {
  return c === 32 || c === 9;
}

type Marker = Pick<Heredoc, 'name' | 'stripTabs' | 'quoted' | 'markerStart' | 'markerEnd'>;

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` outside quotes; `<<<` is a here-string, not a heredoc. */
function findHeredocMarkers(text: string): Marker[] {
  const markers: Marker[] = [];
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 34 || c === 39) {
      quote = c;
      continue;
    }
    if (c !== 60 || text.charCodeAt(i + 1) !== 60 || text.charCodeAt(i + 2) === 60 || text.charCodeAt(i - 1) === 60) continue;
    let j = i + 2;
    const stripTabs = text[j] === '-';
    if (stripTabs) j++;
    const q = text[j] === '"' || text[j] === "'" ? text[j] : '';
    if (q) j++;
    const nameStart = j;
    while (j < text.length && /[A-Za-z0-9_.-]/.test(text[j])) j++;
    if (j === nameStart) continue;
    const name = text.slice(nameStart, j);
    if (q) {
      if (text[j] !== q) continue;
      j++;
    }
    markers.push({ name, stripTabs, quoted: q !== '', markerStart: i, markerEnd: j });
    i = j - 1;
  }
  return markers;
}
