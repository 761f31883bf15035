import { resolveVariable, variableReferences, type DockerfileModel, type Stage } from './model';
import { contains, instructionAt } from './positions';
import type { Instruction, Position, Range } from './syntax';

export interface DocumentSymbol {
  readonly name: string;
  readonly detail: string;
  readonly kind: 'stage' | 'instruction' | 'variable';
  readonly range: Range;
  readonly selectionRange: Range;
  readonly children: readonly DocumentSymbol[];
}

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

export interface FoldingRange {
  readonly startLine: number;
  readonly endLine: number;
  readonly kind?: 'comment';
}

/** Stages with their instructions (for the outline and breadcrumbs); ARGs before the first FROM at the top. */
export function documentSymbols(model: DockerfileModel): DocumentSymbol[] {
  const symbol = (ins: Instruction): DocumentSymbol => ({
    name: ins.keyword, detail: ins.argsText.length > 60 ? `${ins.argsText.slice(0, 57)}…` : ins.argsText,
    kind: ins.keyword === 'ARG' || ins.keyword === 'ENV' ? 'variable' : 'instruction', range: ins.range, selectionRange: ins.keywordRange, children: [],
  });
  const out: DocumentSymbol[] = model.doc.instructions.filter((i) => model.stageOf[i.index] === -1).map(symbol);
  for (const s of model.stages) {
    const last = s.instructions.at(-1) ?? s.from;
    out.push({
      name: s.nameWord?.value ?? `stage ${s.index}`, detail: `FROM ${s.image?.value ?? ''}`, kind: 'stage',
      range: { start: s.from.range.start, end: last.range.end }, selectionRange: s.nameWord ? s.from.text.rangeOf(s.nameWord.start, s.nameWord.end) : s.from.keywordRange,
      children: s.instructions.map(symbol),
    });
  }
  return out;
}

type Target = { kind: 'stage'; stage: Stage } | { kind: 'variable'; name: string; declaration?: Range; at: number };

function targetAt(model: DockerfileModel, p: Position): Target | undefined {
  const ins = instructionAt(model.doc, p.line);
  if (!ins) return undefined;
  const stageRefs = stageReferences(model);
  for (const ref of stageRefs) if (contains(ref.range, p)) return { kind: 'stage', stage: ref.stage };
  for (const s of model.stages) if (s.from === ins && s.nameWord && contains(ins.text.rangeOf(s.nameWord.start, s.nameWord.end), p)) return { kind: 'stage', stage: s };
  for (const ref of variableReferences(ins, model.doc.escape)) {
    if (contains(ref.range, p)) return { kind: 'variable', name: ref.name, declaration: resolveVariable(model, ref.name, ins.index)?.declaration.nameRange, at: ins.index };
  }
  for (const v of model.variables) if (v.instruction === ins && contains(v.nameRange, p)) return { kind: 'variable', name: v.name, declaration: v.nameRange, at: ins.index + 1 };
  return undefined;
}

/** Uses of stage names: `FROM <stage>`, `COPY --from=<stage>`, `RUN --mount=from=<stage>`. */
function stageReferences(model: DockerfileModel): { stage: Stage; range: Range }[] {
  const out: { stage: Stage; range: Range }[] = [];
  for (const s of model.stages) {
    if (s.parent !== undefined && s.image) out.push({ stage: model.stages[s.parent], range: s.from.text.rangeOf(s.image.start, s.image.end) });
  }
  for (const ins of model.doc.instructions) {
    const inner = ins.trigger ?? ins;
    for (const f of inner.flags) {
      if (f.valueStart === undefined || !f.value) continue;
      if (f.name === 'from') {
        const stage = model.stageByName(f.value);
        if (stage && stage.from.index < ins.index) out.push({ stage, range: inner.text.rangeOf(f.valueStart, f.end) });
      } else if (f.name === 'mount') {
        const m = /(^|,)from=([^,]+)/.exec(f.value);
        const stage = m ? model.stageByName(m[2]) : undefined;
        if (m && stage) {
          const at = f.valueStart + m.index + m[1].length + 5;
          out.push({ stage, range: inner.text.rangeOf(at, at + m[2].length) });
        }
      }
    }
  }
  return out;
}

export function definitionAt(model: DockerfileModel, p: Position): Range | undefined {
  const t = targetAt(model, p);
  if (!t) return undefined;
  if (t.kind === 'stage') return t.stage.nameWord ? t.stage.from.text.rangeOf(t.stage.nameWord.start, t.stage.nameWord.end) : t.stage.from.keywordRange;
  return t.declaration;
}

export function referencesAt(model: DockerfileModel, p: Position, includeDeclaration: boolean): Range[] {
  const t = targetAt(model, p);
  if (!t) return [];
  if (t.kind === 'stage') {
    const refs = stageReferences(model).filter((r) => r.stage === t.stage).map((r) => r.range);
    const decl = t.stage.nameWord ? t.stage.from.text.rangeOf(t.stage.nameWord.start, t.stage.nameWord.end) : undefined;
    return includeDeclaration && decl ? [decl, ...refs] : refs;
  }
  const out: Range[] = [];
  for (const ins of model.doc.instructions) {
    for (const ref of variableReferences(ins, model.doc.escape)) {
      if (ref.name !== t.name) continue;
      const d = resolveVariable(model, ref.name, ins.index)?.declaration.nameRange;
      if (d === t.declaration || (d && t.declaration && sameRange(d, t.declaration))) out.push(ref.range);
    }
  }
  return includeDeclaration && t.declaration ? [t.declaration, ...out] : out;
}

/** Renames a stage: its `AS` name and every use. Throws an Error whose message says why it cannot. */
export function renameAt(model: DockerfileModel, p: Position, newName: string): TextEdit[] {
  const t = targetAt(model, p);
  if (!t || t.kind !== 'stage' || !t.stage.nameWord) throw new Error('Only a stage name (FROM … AS <name>) can be renamed here.');
  if (!/^[a-z][a-z0-9_.-]*$/i.test(newName)) throw new Error(`"${newName}" is not a valid stage name: start with a letter; use letters, digits, "_", "-" and ".".`);
  const clash = model.stageByName(newName);
  if (clash && clash !== t.stage) throw new Error(`A stage named "${newName}" already exists (line ${clash.from.startLine + 1}).`);
  return referencesAt(model, p, true).map((range) => ({ range, newText: newName }));
}

export function prepareRename(model: DockerfileModel, p: Position): { range: Range; placeholder: string } | undefined {
  const t = targetAt(model, p);
  if (!t || t.kind !== 'stage' || !t.stage.nameWord) return undefined;
  const range = referencesAt(model, p, true).find((r) => contains(r, p));
  return range && { range, placeholder: t.stage.nameWord.value };
}

/** Stages, multi-line instructions (heredocs included) and runs of comment lines. */
export function foldingRanges(model: DockerfileModel): FoldingRange[] {
  const out: FoldingRange[] = [];
  const { stages, doc } = model;
  for (const s of stages) {
    const end = (s.instructions.at(-1) ?? s.from).endLine;
    if (end > s.from.startLine) out.push({ startLine: s.from.startLine, endLine: end });
  }
  for (const ins of doc.instructions) if (ins.endLine > ins.startLine) out.push({ startLine: ins.startLine, endLine: ins.endLine });
  let runStart = -1;
  let last = -2;
  for (const c of doc.comments) {
    if (c.line !== last + 1) {
      if (runStart >= 0 && last > runStart) out.push({ startLine: runStart, endLine: last, kind: 'comment' });
      runStart = c.line;
    }
    last = c.line;
  }
  if (runStart >= 0 && last > runStart) out.push({ startLine: runStart, endLine: last, kind: 'comment' });
  return out;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
