import { parseReference, type ImageReference } from '../core/registry/imageReference';
import type { Dockerfile, Instruction, Range, Word } from './syntax';

/** One build stage: a FROM and the instructions up to the next FROM. */
export interface Stage {
  readonly index: number;
  readonly from: Instruction;
  /** The image word as written (variables unexpanded); undefined when FROM has no argument. */
  readonly image?: Word;
  /** The image as Docker parses it; undefined when it holds a variable or is not a valid reference. */
  readonly imageRef?: ImageReference;
  /** Why the image is not a valid reference (when it holds no variable). */
  readonly imageError?: string;
  /** The `AS name`, lower case as the builder compares it. */
  readonly name?: string;
  readonly nameWord?: Word;
  /** The earlier stage this one builds on (FROM <stage>). */
  readonly parent?: number;
  /** Its instructions after FROM. */
  readonly instructions: readonly Instruction[];
}

export type VariableKind = 'ARG' | 'ENV';

export interface VariableDeclaration {
  readonly name: string;
  readonly kind: VariableKind;
  readonly instruction: Instruction;
  readonly nameRange: Range;
  /** The value or default as written; undefined for `ARG NAME` without a default. */
  readonly value?: string;
  /** -1 for an ARG before the first FROM. */
  readonly stage: number;
}

export interface VariableReference {
  readonly name: string;
  readonly instruction: Instruction;
  readonly range: Range;
}

export interface DockerfileModel {
  readonly doc: Dockerfile;
  readonly stages: readonly Stage[];
  /** ARGs before the first FROM. */
  readonly globalArgs: readonly VariableDeclaration[];
  readonly variables: readonly VariableDeclaration[];
  /** Stage index of each instruction by its index; -1 before the first FROM. */
  readonly stageOf: readonly number[];
  stageByName(name: string): Stage | undefined;
}

export function buildModel(doc: Dockerfile): DockerfileModel {
  const stages: Stage[] = [];
  const stageOf: number[] = [];
  const variables: VariableDeclaration[] = [];
  let current: { instructions: Instruction[] } | undefined;
  const firstByName = new Map<string, number>();
  for (const ins of doc.instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.words;
      const image = words[0];
      const asAt = words.findIndex((w, i) => i > 0 && w.value.toLowerCase() === 'as');
      const nameWord = asAt > 0 ? words[asAt + 1] : undefined;
      const instructions: Instruction[] = [];
      const imageName = image?.value.toLowerCase();
      const parent = imageName === undefined ? undefined : firstByName.get(imageName);
      const name = nameWord?.value.toLowerCase();
      if (name !== undefined && !firstByName.has(name)) firstByName.set(name, stages.length);
      stages.push({
        index: stages.length, from: ins, image, ...imageOf(image?.value, parent !== undefined),
        name, nameWord, parent, instructions,
      });
      current = { instructions };
    } else current?.instructions.push(ins);
    stageOf.push(stages.length - 1);
    // not push(...list): an ENV of 200,000 pairs is more arguments than the stack holds
    if (ins.keyword === 'ARG' || ins.keyword === 'ENV') for (const v of declarationsOf(ins, stages.length - 1)) variables.push(v);
  }
  const byName = new Map<string, Stage>();
  for (const s of stages) if (s.name && !byName.has(s.name)) byName.set(s.name, s);
  return {
    doc, stages, stageOf, variables,
    globalArgs: variables.filter((v) => v.stage === -1 && v.kind === 'ARG'),
    stageByName: (name) => byName.get(name.toLowerCase()),
  };
}

function imageOf(value: string | undefined, isStage: boolean): { imageRef?: ImageReference; imageError?: string } {
  if (value === undefined || isStage || value.includes('$') || value === 'scratch') return {};
  try {
    return { imageRef: parseReference(value) };
  } catch (err) {
    return { imageError: (err as Error).message };
  }
}

/** `KEY=value` pairs of ENV, LABEL and ARG; the legacy `ENV KEY value` form gives one pair. */
export interface KeyValue {
  readonly key: string;
  readonly value?: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly valueStart?: number;
  readonly end: number;
}

export function keyValues(ins: Instruction): KeyValue[] {
  const words = ins.words;
  if (words.length === 0) return [];
  if (ins.keyword !== 'ARG' && !words[0].raw.includes('=')) {
    const w = words[0];
    const rest = ins.text.text.slice(w.end).trim();
    const valueStart = rest ? ins.text.text.indexOf(rest, w.end) : undefined;
    return [{ key: w.value, value: rest ? unquote(rest) : undefined, keyStart: w.start, keyEnd: w.end, valueStart, end: ins.text.text.trimEnd().length }];
  }
  return words.map((w) => {
    const eq = w.raw.indexOf('=');
    if (eq < 0) return { key: w.value, keyStart: w.start, keyEnd: w.end, end: w.end };
    const valueEq = w.value.indexOf('=');
    return { key: w.value.slice(0, valueEq), value: w.value.slice(valueEq + 1), keyStart: w.start, keyEnd: w.start + eq, valueStart: w.start + eq + 1, end: w.end };
  });
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0] ? s.slice(1, -1) : s;
}

function declarationsOf(ins: Instruction, stage: number): VariableDeclaration[] {
  return keyValues(ins).map((kv) => ({
    name: kv.key, kind: ins.keyword as VariableKind, instruction: ins, stage,
    nameRange: ins.text.rangeOf(kv.keyStart, kv.keyEnd), value: kv.value,
  }));
}

/** Variables every build defines without an ARG: the platform ARGs BuildKit sets, and the proxies. */
export const PREDEFINED_ARGS: Readonly<Record<string, string>> = {
  BUILDPLATFORM: 'the platform of the machine running the build, e.g. linux/amd64',
  BUILDOS: 'the OS of BUILDPLATFORM', BUILDARCH: 'the architecture of BUILDPLATFORM', BUILDVARIANT: 'the variant of BUILDPLATFORM',
  TARGETPLATFORM: 'the platform being built for, e.g. linux/arm64 with --platform',
  TARGETOS: 'the OS of TARGETPLATFORM', TARGETARCH: 'the architecture of TARGETPLATFORM', TARGETVARIANT: 'the variant of TARGETPLATFORM',
  TARGETSTAGE: 'the stage being built (--target, or the last)',
  HTTP_PROXY: 'proxy for HTTP, from the build options', HTTPS_PROXY: 'proxy for HTTPS', FTP_PROXY: 'proxy for FTP', NO_PROXY: 'hosts not proxied', ALL_PROXY: 'proxy for every protocol',
  http_proxy: 'proxy for HTTP', https_proxy: 'proxy for HTTPS', ftp_proxy: 'proxy for FTP', no_proxy: 'hosts not proxied', all_proxy: 'proxy for every protocol',
};

/**
 * The declaration of `name` in force at instruction `at`, as the builder resolves it: the last ENV
 * or ARG before it in its stage (an ARG without default there takes the global ARG's default);
 * before the first FROM, the global ARGs.
 */
export function resolveVariable(model: DockerfileModel, name: string, at: number): { declaration: VariableDeclaration; value?: string } | undefined {
  const stage = model.doc.instructions[at]?.keyword === 'FROM' ? -1 : (model.stageOf[at] ?? -1);
  return resolveIn(model, name, stage, at);
}

function resolveIn(model: DockerfileModel, name: string, stage: number, before: number): { declaration: VariableDeclaration; value?: string } | undefined {
  const byStage = new Map<number, VariableDeclaration[]>();
  for (const v of model.variables) {
    if (v.name !== name) continue;
    const list = byStage.get(v.stage);
    if (list) list.push(v);
    else byStage.set(v.stage, [v]);
  }
  let found: VariableDeclaration | undefined;
  // a loop, not recursion, up the chain of stages built on stages: a chain may be as long as the file
  for (let envOnly = false; ; envOnly = true, before = Infinity) {
    for (const v of byStage.get(stage) ?? []) {
      if (v.instruction.index >= before) break;
      if (!envOnly || v.kind === 'ENV') found = v;
    }
    const parent = model.stages[stage]?.parent;
    if (found || stage < 0 || parent === undefined) break;
    stage = parent;
  }
  if (!found) return undefined;
  if (found.kind === 'ARG' && found.value === undefined && found.stage >= 0) {
    const global = model.globalArgs.filter((g) => g.name === name).at(-1);
    return { declaration: found, value: global?.value };
  }
  return { declaration: found, value: found.value };
}

/** `$NAME` and `${NAME...}` references in an instruction's text, outside single quotes. */
export function variableReferences(ins: Instruction, escape: string): VariableReference[] {
  const text = ins.text.text;
  const refs: VariableReference[] = [];
  if (!text.includes('$')) return refs;
  let single = false;
  for (let i = ins.textStart; i < text.length; i++) {
    const c = text[i];
    if (c === escape && ins.keyword !== 'RUN') {
      i++;
      continue;
    }
    if (c === "'" && ins.keyword !== 'ENV' && ins.keyword !== 'LABEL' && ins.keyword !== 'ARG') single = !single;
    if (c !== '$' || single) continue;
    let start = i + 1;
    let braced = false;
    if (text[start] === '{') {
      braced = true;
      start++;
    }
    let end = start;
    while (end < text.length && /[A-Za-z0-9_]/.test(text[end])) end++;
    if (end === start || /[0-9]/.test(text[start])) continue;
    refs.push({ name: text.slice(start, end), instruction: ins, range: ins.text.rangeOf(braced ? start - 2 : start - 1, braced && text[end] === '}' ? end + 1 : end) });
    i = end - 1;
  }
  return refs;
}

/**
 * A value with the variables known at instruction `at` substituted (`$X`, `${X}`, `${X:-default}`);
 * undefined when one is unknown. Nesting is bounded, so a variable defined through itself stops, and
 * so is the work: ARGs that each use the previous one many times would grow it exponentially.
 */
export function expandValue(model: DockerfileModel, value: string, at: number): string | undefined {
  return expandIn(model, value, at, 0, { left: EXPANSION_BUDGET });
}

/** Substitutions one expansion may make: far more than any real chain of ARGs needs. */
const EXPANSION_BUDGET = 256;
/** A longer expansion is not worth showing. */
const MAX_EXPANDED = 4096;

function expandIn(model: DockerfileModel, value: string, at: number, depth: number, budget: { left: number }): string | undefined {
  if (!value.includes('$')) return value;
  if (depth > 8) return undefined;
  let unknown = false;
  const out = value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced: string | undefined, op: string | undefined, word: string | undefined, plain: string | undefined) => {
    if (unknown || --budget.left < 0) {
      unknown = true;
      return '';
    }
    const name = braced ?? plain!;
    const resolved = resolveVariable(model, name, at);
    const own = resolved?.value === undefined ? undefined : expandIn(model, resolved.value, resolved.declaration.instruction.index, depth + 1, budget);
    const set = own !== undefined && (own !== '' || !op?.startsWith(':'));
    if (op?.endsWith('-')) return set ? own : (word ?? '');
    if (op?.endsWith('+')) return set ? (word ?? '') : '';
    if (own === undefined) unknown = true;
    return own ?? '';
  });
  return unknown || out.length > MAX_EXPANDED ? undefined : out;
}
