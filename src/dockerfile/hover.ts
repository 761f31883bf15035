import { PREDEFINED_ARGS, resolveVariable, variableReferences, type DockerfileModel } from './model';
import { flagMarkdown, instructionMarkdown } from './instructionDocs';
import { contains, instructionAt } from './positions';
import type { Instruction, Position, Range } from './syntax';

export type HoverInfo =
  | { readonly kind: 'text'; readonly markdown: string; readonly range: Range }
  /** A FROM image: the adapter adds what the engine knows of `image` to `markdown`. */
  | { readonly kind: 'image'; readonly image: string; readonly markdown: string; readonly range: Range };

/** What to show at a position: instruction and flag docs, variables with their value, stages, images. */
export function hoverAt(model: DockerfileModel, p: Position): HoverInfo | undefined {
  const doc = model.doc;
  const ins = instructionAt(doc, p.line);
  if (!ins) return undefined;
  const target = ins.trigger && contains(ins.trigger.keywordRange, p) ? ins.trigger : ins;
  if (contains(target.keywordRange, p)) {
    const markdown = instructionMarkdown(target.keyword);
    return markdown ? { kind: 'text', markdown, range: target.keywordRange } : undefined;
  }
  const inner = ins.trigger ?? ins;
  for (const f of inner.flags) {
    const range = inner.text.rangeOf(f.start, f.end);
    if (!contains(range, p)) continue;
    if (f.name === 'from' && f.valueStart !== undefined && contains(inner.text.rangeOf(f.valueStart, f.end), p)) {
      const stage = model.stageByName(f.value ?? '');
      if (stage) return { kind: 'text', markdown: stageMarkdown(model, stage.index), range };
    }
    const markdown = flagMarkdown(inner.keyword, f.name);
    return markdown ? { kind: 'text', markdown, range } : undefined;
  }
  for (const ref of variableReferences(ins, doc.escape)) {
    if (contains(ref.range, p)) return { kind: 'text', markdown: variableMarkdown(model, ref.name, ins), range: ref.range };
  }
  if (ins.keyword === 'FROM') {
    const stage = model.stages.find((s) => s.from === ins);
    const image = stage?.image;
    if (image && contains(ins.text.rangeOf(image.start, image.end), p)) {
      const range = ins.text.rangeOf(image.start, image.end);
      const earlier = model.stageByName(image.value);
      if (earlier && earlier.index < stage.index) return { kind: 'text', markdown: stageMarkdown(model, earlier.index), range };
      if (image.value === 'scratch') return { kind: 'text', markdown: '**scratch** — the empty image: no files, no shell. For static binaries.', range };
      const ref = stage.imageRef!;
      const parts = [`**${image.value}**`, `registry: ${ref.registry ?? 'docker.io (Docker Hub)'}`, `tag: ${ref.tag ?? (ref.digest ? '(pinned by digest)' : 'none — latest is used')}`];
      if (ref.digest) parts.push(`digest: \`${ref.digest}\``);
      return { kind: 'image', image: image.value, markdown: parts.join('  \n'), range };
    }
  }
  return undefined;
}

function stageMarkdown(model: DockerfileModel, index: number): string {
  const s = model.stages[index];
  return `**Stage ${s.nameWord?.value ?? index}** (stage ${index}, line ${s.from.startLine + 1}): \`FROM ${s.image?.value ?? ''}\`, ${s.instructions.length} instruction${s.instructions.length === 1 ? '' : 's'}.`;
}

function variableMarkdown(model: DockerfileModel, name: string, ins: Instruction): string {
  const resolved = resolveVariable(model, name, ins.index);
  if (!resolved) {
    const predefined = PREDEFINED_ARGS[name];
    if (predefined) return `**$${name}** — predefined build argument: ${predefined}.`;
    return `**$${name}** — not declared by an ARG or ENV before this line${ins.keyword === 'RUN' ? ' (it may come from the base image or the shell)' : ''}.`;
  }
  const d = resolved.declaration;
  const where = `${d.kind} on line ${d.instruction.startLine + 1}${d.stage === -1 ? ' (before the first FROM)' : ''}`;
  const value = resolved.value === undefined ? 'no default: set it with --build-arg' : `\`${resolved.value}\``;
  return `**$${name}** — ${where}  \nvalue here: ${value}`;
}
