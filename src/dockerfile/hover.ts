import { DOCKER_HUB } from '../core/registry/imageReference';
import { expandValue, PREDEFINED_ARGS, resolveVariable, variableReferences, type DockerfileModel } from './model';
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
  const stage = ins.keyword === 'FROM' ? model.stages.find((s) => s.from === ins) : undefined;
  const image = stage?.image;
  const imageRange = image && ins.text.rangeOf(image.start, image.end);
  const ref = variableReferences(ins, doc.escape).find((r) => contains(r.range, p));
  const variable = ref && variableMarkdown(model, ref.name, ins);
  if (!stage || !image || !imageRange || !contains(imageRange, p)) return ref && variable ? { kind: 'text', markdown: variable, range: ref.range } : undefined;
  if (image.value.includes('$')) {
    const expanded = expandValue(model, image.value, ins.index);
    const head = variable ?? `**${image.value}**`;
    if (expanded === undefined || expanded.includes('$')) return { kind: 'text', markdown: `${head}  \nthe image is known only at build time (an ARG without default, or --build-arg).`, range: imageRange };
    return { kind: 'image', image: expanded, markdown: `${head}  \nthe image, with the ARG defaults: \`${expanded}\``, range: imageRange };
  }
  const earlier = model.stageByName(image.value);
  if (earlier && earlier.index < stage.index) return { kind: 'text', markdown: stageMarkdown(model, earlier.index), range: imageRange };
  if (image.value === 'scratch') return { kind: 'text', markdown: '**scratch** — the empty image: no files, no shell. For static binaries.', range: imageRange };
  const parsed = stage.imageRef;
  if (!parsed) return { kind: 'text', markdown: `**${image.value}** — ${stage.imageError ?? 'not an image reference'}`, range: imageRange };
  const parts = [`**${image.value}**`, `registry: ${parsed.domain === DOCKER_HUB ? 'docker.io (Docker Hub)' : parsed.domain}, repository ${parsed.path}`, `tag: ${parsed.tag ?? (parsed.digest ? '(pinned by digest)' : 'none — latest is used')}`];
  if (parsed.digest) parts.push(`digest: \`${parsed.digest}\``);
  return { kind: 'image', image: image.value, markdown: parts.join('  \n'), range: imageRange };
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
  const expanded = resolved.value === undefined ? undefined : expandValue(model, resolved.value, d.instruction.index);
  const value = resolved.value === undefined ? 'no default: set it with --build-arg'
    : `\`${resolved.value}\`${expanded !== undefined && expanded !== resolved.value ? ` = \`${expanded}\`` : ''}`;
  return `**$${name}** — ${where}  \nvalue here: ${value}`;
}
