import type { Dockerfile, Instruction, Position, Range } from './syntax';

export function contains(range: Range, p: Position): boolean {
  return !before(p, range.start) && !before(range.end, p);
}

export function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** The instruction whose lines (heredoc bodies included) hold `line`, by binary search. */
export function instructionAt(doc: Dockerfile, line: number): Instruction | undefined {
  const list = doc.instructions;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const ins = list[mid];
    if (line < ins.startLine) hi = mid - 1;
    else if (line > ins.endLine) lo = mid + 1;
    else return ins;
  }
  return undefined;
}
