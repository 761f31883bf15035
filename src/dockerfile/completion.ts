import { INSTRUCTION_DOCS } from './instructionDocs';
import { PREDEFINED_ARGS, type DockerfileModel } from './model';
import { instructionAt } from './positions';
import { FLAGS, INSTRUCTIONS } from './rules/buildRules';
import type { Position, Range } from './syntax';

export type CompletionKind = 'instruction' | 'flag' | 'stage' | 'variable' | 'image' | 'value' | 'keyword';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly insertText: string;
  /** The text the item replaces: from the start of the word typed so far to the cursor. */
  readonly range: Range;
  readonly detail?: string;
  readonly documentation?: string;
}

export interface CompletionContext {
  /** `repository:tag` names the active engine has, for FROM. */
  readonly images?: readonly string[];
}

const MOUNT_TYPES = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const FLAG_VALUES: Readonly<Record<string, readonly string[]>> = { network: ['default', 'none', 'host'], security: ['insecure', 'sandbox'], link: ['true', 'false'], platform: ['$BUILDPLATFORM', '$TARGETPLATFORM', 'linux/amd64', 'linux/arm64'] };

/** Completions at a position: instructions, flags, stage names, variables, image names. */
export function completionsAt(model: DockerfileModel, p: Position, context: CompletionContext = {}): CompletionItem[] {
  const doc = model.doc;
  const lineText = doc.lines[p.line] ?? '';
  const prefix = lineText.slice(0, p.character);
  const ins = instructionAt(doc, p.line);
  const replace = (length: number): Range => ({ start: { line: p.line, character: p.character - length }, end: p });
  const inHeredocBody = ins !== undefined && ins.heredocs.some((h) => p.line >= h.bodyLine && p.line < h.endLine + (h.terminated ? 0 : 1));

  const variable = /\$\{?([A-Za-z_][A-Za-z0-9_]*)?$/.exec(prefix);
  if (variable) {
    const typed = variable[1] ?? '';
    const before = ins ? ins.index : doc.instructions.findIndex((i) => i.startLine > p.line);
    return variableNames(model, before < 0 ? doc.instructions.length : before, ins?.keyword === 'FROM')
      .map(([name, detail]) => ({ label: name, kind: 'variable' as const, insertText: name, range: replace(typed.length), detail }));
  }
  if (inHeredocBody) return [];

  const atStart = /^\s*([A-Za-z]*)$/.exec(prefix);
  if (atStart && (!ins || ins.startLine === p.line)) {
    const typed = atStart[1];
    return INSTRUCTIONS.filter((k) => k !== 'MAINTAINER').map((k) => ({
      label: k, kind: 'instruction' as const, insertText: `${typed && typed === typed.toLowerCase() ? k.toLowerCase() : k} `, range: replace(typed.length),
      detail: INSTRUCTION_DOCS[k]?.forms[0], documentation: INSTRUCTION_DOCS[k]?.summary,
    }));
  }
  if (!ins) return [];
  const keyword = ins.trigger?.keyword ?? ins.keyword;

  const from = /--from=([A-Za-z0-9_.-]*)$/.exec(prefix);
  if (from) return stageItems(model, ins.index, replace(from[1].length));
  const mountType = /--mount=(?:[^\s]*,)?type=([a-z]*)$/.exec(prefix);
  if (mountType) return MOUNT_TYPES.map((t) => ({ label: t, kind: 'value' as const, insertText: t, range: replace(mountType[1].length) }));
  const flagValue = /--([a-z-]+)=([^\s]*)$/.exec(prefix);
  if (flagValue && FLAG_VALUES[flagValue[1]]) {
    return FLAG_VALUES[flagValue[1]].map((v) => ({ label: v, kind: 'value' as const, insertText: v, range: replace(flagValue[2].length) }));
  }
  const flag = /(?:^|\s)(--?[a-z-]*)$/.exec(prefix);
  if (flag && (FLAGS[keyword]?.length ?? 0) > 0 && flag[1].startsWith('-')) {
    return FLAGS[keyword].map((f) => ({
      label: `--${f}`, kind: 'flag' as const, insertText: ['link', 'parents', 'keep-git-dir'].includes(f) ? `--${f}` : `--${f}=`, range: replace(flag[1].length),
      documentation: INSTRUCTION_DOCS[keyword]?.flags?.[f],
    }));
  }
  if (keyword === 'FROM' && ins.startLine === p.line) {
    const afterKeyword = lineText.slice(ins.keywordRange.end.character, p.character);
    const words = afterKeyword.trim() === '' ? [] : afterKeyword.trim().split(/\s+/);
    const typingNew = /\s$/.test(afterKeyword) || words.length === 0;
    const nonFlag = words.filter((w) => !w.startsWith('--'));
    if ((nonFlag.length === 0 && typingNew) || (nonFlag.length === 1 && !typingNew)) {
      const typed = typingNew ? '' : nonFlag[0];
      const images = (context.images ?? []).map((name) => ({ label: name, kind: 'image' as const, insertText: name, range: replace(typed.length), detail: 'image in the engine' }));
      return [...stageItems(model, ins.index, replace(typed.length)), ...images];
    }
    if (nonFlag.length === 1 && typingNew) return [{ label: 'AS', kind: 'keyword', insertText: 'AS ', range: replace(0), detail: 'name this stage' }];
  }
  return [];
}

function stageItems(model: DockerfileModel, beforeIndex: number, range: Range): CompletionItem[] {
  return model.stages.filter((s) => s.from.index < beforeIndex && s.nameWord)
    .map((s) => ({ label: s.nameWord!.value, kind: 'stage' as const, insertText: s.nameWord!.value, range, detail: `stage ${s.index}: FROM ${s.image?.value ?? ''}` }));
}

/** ARG and ENV names usable before instruction `index` (in FROM: only global ARGs), then the predefined ones. */
function variableNames(model: DockerfileModel, index: number, inFrom: boolean): [string, string][] {
  const stage = inFrom ? -1 : (model.stageOf[index] ?? model.stages.length - 1);
  const seen = new Map<string, string>();
  for (const v of model.variables) {
    if (v.instruction.index >= index) break;
    if (v.stage === stage || (v.stage === -1 && inFrom)) seen.set(v.name, `${v.kind}${v.value !== undefined ? ` = ${v.value}` : ''} (line ${v.instruction.startLine + 1})`);
  }
  for (const [name, text] of Object.entries(PREDEFINED_ARGS)) if (!seen.has(name)) seen.set(name, text);
  return [...seen];
}
