import type { Comment, Dockerfile, Range } from './syntax';

export interface Pragmas {
  /** Rules ignored for the whole file (`# hadolint global ignore=...`). */
  readonly global: ReadonlySet<string>;
  /** Rules ignored for one instruction, by instruction index (`# hadolint ignore=...` above it). */
  readonly byInstruction: ReadonlyMap<number, ReadonlySet<string>>;
  /** Where `# hadolint ignore=` comments are, for DL1001. */
  readonly inline: readonly Range[];
  /** `# hadolint shell=<name>`, by the line it is on. */
  readonly shells: readonly { line: number; shell: string }[];
}

const PRAGMA = /^hadolint\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_, ]+?)\s*(#.*)?$/i;
const SHELL_PRAGMA = /^hadolint\s+shell\s*=\s*(\S+)/i;

/** hadolint's comment pragmas. An inline ignore applies to the next instruction below it. */
export function readPragmas(doc: Dockerfile): Pragmas {
  const global = new Set<string>();
  const byInstruction = new Map<number, Set<string>>();
  const inline: Range[] = [];
  const shells: { line: number; shell: string }[] = [];
  const pending: Comment[] = [];
  const flush = (instructionIndex: number) => {
    for (const c of pending) {
      const m = PRAGMA.exec(c.text)!;
      const set = byInstruction.get(instructionIndex) ?? new Set<string>();
      for (const id of ruleIds(m[2])) set.add(id);
      byInstruction.set(instructionIndex, set);
    }
    pending.length = 0;
  };
  let next = 0;
  const instructions = doc.instructions;
  for (const c of doc.comments) {
    if (!c.text.toLowerCase().startsWith('hadolint')) continue;
    while (next < instructions.length && instructions[next].startLine < c.line) {
      flush(next);
      next++;
    }
    const shell = SHELL_PRAGMA.exec(c.text);
    if (shell) {
      shells.push({ line: c.line, shell: shell[1] });
      continue;
    }
    const m = PRAGMA.exec(c.text);
    if (!m) continue;
    if (m[1]) for (const id of ruleIds(m[2])) global.add(id);
    else {
      inline.push(c.range);
      pending.push(c);
    }
  }
  if (next < instructions.length) flush(next);
  return { global, byInstruction, inline, shells };
}

function ruleIds(list: string): string[] {
  return list.split(/[\s,]+/).filter(Boolean).map((s) => s.toUpperCase());
}
