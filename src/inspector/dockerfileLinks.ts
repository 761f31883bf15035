import { instructionLines } from '../commands/buildSteps';
import type { HistoryStep } from '../core/layers/imageSource';

/** One instruction of a Dockerfile: its keyword, its arguments on one line, where it starts. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** What the steps of the final stage were, as image histories record them. */
function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const starts = instructionLines(text);
  const all = starts.map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1] : lines.length;
    // Continuation lines join without the escape character and the newline, comments dropped.
    const body = lines.slice(start, end).filter((l, j) => j === 0 || !/^\s*#/.test(l)).map((l) => l.replace(/[\\`]\s*$/, '')).join(' ');
    const m = /^\s*(\w+)\s*(.*)$/s.exec(body);
    return { keyword: (m?.[1] ?? '').toUpperCase(), args: collapse(m?.[2] ?? ''), line: start };
  });
  const lastFrom = all.map((i) => i.keyword).lastIndexOf('FROM');
  return all.slice(lastFrom + 1);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A history step as keyword and arguments, from the classic builder's or BuildKit's wording. */
function parseStep(createdBy: string): { keyword: string; args: string } {
  let text = collapse(createdBy).replace(/ # buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s*(\w+)\s*(.*)$/.exec(text);
  if (nop) return { keyword: nop[1].toUpperCase(), args: nop[2] };
  // `|2 A=1 B=2 /bin/sh -c cmd`: a RUN with build arguments (classic builder).
  text = text.replace(/^\|\d+ (\S+=\S* )*/, '');
  const shell = /^\/bin\/sh -c (.*)$/.exec(text);
  if (shell) return { keyword: 'RUN', args: shell[1] };
  const m = /^(\w+)\s*(.*)$/.exec(text);
  if (!m) return { keyword: '', args: text };
  const keyword = m[1].toUpperCase();
  const args = keyword === 'RUN' ? m[2].replace(/^\/bin\/sh -c /, '') : m[2];
  return { keyword, args };
}

function runText(args: string): string {
  // Exec form: ["sh", "-c", "x"] is recorded as the words joined.
  if (args.startsWith('[')) {
    try {
      const words = JSON.parse(args) as unknown;
      if (Array.isArray(words)) return words.join(' ');
    } catch {
      // not JSON: shell form after all
    }
  }
  return args;
}

function lastWord(args: string): string {
  const words = args.split(' ');
  return words[words.length - 1] ?? '';
}

/** Metadata instructions as words: quotes, brackets, commas and `=` do not count (`ENV A 1` is recorded `ENV A=1`, `CMD ["a", "b"]` as `CMD ["a" "b"]`). */
function words(args: string): string {
  return collapse(args.replace(/["'[\],=]/g, ' '));
}

function same(step: { keyword: string; args: string }, instruction: Instruction): boolean {
  if (step.keyword !== instruction.keyword) return false;
  if (step.keyword === 'RUN') return collapse(runText(step.args)) === collapse(runText(instruction.args.replace(/^(--\S+\s+)+/, '')));
  // The classic builder writes `COPY file:<hash> in /dest`: compare where it copied to.
  if (step.keyword === 'COPY' || step.keyword === 'ADD') return lastWord(step.args) === lastWord(instruction.args);
  // Recorded in forms of their own (`EXPOSE map[80/tcp:{}]`, HEALTHCHECK's Go struct): the keyword has to do.
  if (['EXPOSE', 'HEALTHCHECK', 'ONBUILD', 'VOLUME', 'SHELL'].includes(step.keyword)) return true;
  return words(step.args) === words(instruction.args);
}

/**
 * The Dockerfile line (0-based) of each history step that this Dockerfile's final stage made,
 * undefined for the others (the base image's steps, or when the Dockerfile did not build this
 * image). Walks both from the newest step back; the first step that matches no remaining
 * instruction ends the image's own steps. Returns undefined when no RUN, COPY or ADD matches.
 */
export function dockerfileLines(steps: readonly HistoryStep[], dockerfile: string): (number | undefined)[] | undefined {
  const wanted = instructions(dockerfile);
  const lines: (number | undefined)[] = steps.map(() => undefined);
  let next = wanted.length - 1;
  let strong = 0;
  for (let s = steps.length - 1; s >= 0 && next >= 0; s--) {
    const step = parseStep(steps[s].createdBy);
    let at = next;
    while (at >= 0 && !same(step, wanted[at])) at--;
    if (at < 0) break;
    lines[s] = wanted[at].line;
    if (['RUN', 'COPY', 'ADD'].includes(step.keyword)) strong++;
    next = at - 1;
  }
  return strong ? lines : undefined;
}
