import type { TextEdit } from './navigation';
import type { Dockerfile, Instruction } from './syntax';

/**
 * Formatting that never changes what the builder reads: upper-case keywords (and FROM's AS), no
 * indentation before a keyword, one space after it, no trailing whitespace outside heredoc bodies,
 * no runs of blank lines. Continuation lines keep their indentation (it can sit inside a quoted
 * string) and heredoc bodies are left exactly as they are.
 */
export function formatDockerfile(doc: Dockerfile, lines?: { start: number; end: number }): TextEdit[] {
  const edits: TextEdit[] = [];
  const untouched = new Set<number>();
  for (const ins of doc.instructions) for (const h of ins.heredocs) for (let l = h.bodyLine; l <= h.endLine; l++) untouched.add(l);
  const continuation = new Set<number>();
  for (const ins of doc.instructions) {
    formatInstruction(doc, ins, edits);
    for (let l = ins.startLine + 1; l <= logicalEnd(ins); l++) continuation.add(l);
  }
  let blankRun = 0;
  for (let l = 0; l < doc.lines.length; l++) {
    if (untouched.has(l)) {
      blankRun = 0;
      continue;
    }
    const text = doc.lines[l];
    const trimmed = text.replace(/[ \t]+$/, '');
    if (trimmed === '' && !continuation.has(l)) {
      blankRun++;
      const last = l === doc.lines.length - 1;
      if ((blankRun > 1 || (l > 0 && restIsBlank(doc, l, untouched))) && !last) {
        edits.push({ range: { start: { line: l, character: 0 }, end: { line: l + 1, character: 0 } }, newText: '' });
        continue;
      }
    } else blankRun = 0;
    if (trimmed.length !== text.length) edits.push({ range: { start: { line: l, character: trimmed.length }, end: { line: l, character: text.length } }, newText: '' });
  }
  return lines ? edits.filter((e) => e.range.start.line >= lines.start && e.range.start.line <= lines.end) : edits;
}

function formatInstruction(doc: Dockerfile, ins: Instruction, edits: TextEdit[]): void {
  const line = ins.startLine;
  const kw = ins.keywordRange;
  if (kw.start.character > 0) edits.push({ range: { start: { line, character: 0 }, end: kw.start }, newText: '' });
  const raw = doc.lines[line].slice(kw.start.character, kw.end.character);
  if (raw !== ins.keyword) edits.push({ range: kw, newText: ins.keyword });
  const after = doc.lines[line].slice(kw.end.character);
  const gap = /^[ \t]+/.exec(after)?.[0] ?? '';
  const rest = after.slice(gap.length);
  const continues = rest.trim() === doc.escape;
  if (gap && gap !== ' ' && rest !== '' && !continues) edits.push({ range: { start: kw.end, end: { line, character: kw.end.character + gap.length } }, newText: ' ' });
  if (ins.trigger) {
    const t = ins.trigger.keywordRange;
    const triggerRaw = doc.lines[t.start.line].slice(t.start.character, t.end.character);
    if (triggerRaw !== ins.trigger.keyword) edits.push({ range: t, newText: ins.trigger.keyword });
  }
  if (ins.keyword === 'FROM') {
    const as = ins.words[1];
    if (as && ins.words.length === 3 && as.raw.toLowerCase() === 'as' && as.raw !== 'AS') edits.push({ range: ins.text.rangeOf(as.start, as.end), newText: 'AS' });
  }
}

function logicalEnd(ins: Instruction): number {
  return ins.heredocs.length ? ins.heredocs[0].bodyLine - 1 : ins.endLine;
}

/** Blank lines at the end of the file go, but for the last one (the final line break). */
function restIsBlank(doc: Dockerfile, from: number, untouched: ReadonlySet<number>): boolean {
  for (let l = from; l < doc.lines.length; l++) if (untouched.has(l) || doc.lines[l].trim() !== '') return false;
  return true;
}
