import type { DockerfileModel } from './model';
import type { TextEdit } from './navigation';
import { before, contains } from './positions';
import { FLAGS } from './rules/buildRules';
import { RunShell } from './rules/runShell';
import type { Finding } from './rules/ruleTypes';
import type { ShellCommand } from './shell/shellSyntax';
import type { Instruction, Position } from './syntax';

export interface QuickFix {
  readonly title: string;
  readonly rule: string;
  readonly edits: readonly TextEdit[];
  readonly preferred?: boolean;
}

/** An option a fix adds right after a command's word (`install`, `add`) or name. */
const ADD_OPTION: Readonly<Record<string, { after: string | null; option: string }>> = {
  DL3014: { after: 'install', option: '-y' },
  DL3015: { after: 'install', option: '--no-install-recommends' },
  DL3019: { after: 'add', option: '--no-cache' },
  DL3042: { after: 'install', option: '--no-cache-dir' },
  DL3030: { after: 'install', option: '-y' },
  DL3038: { after: 'install', option: '-y' },
  DL3034: { after: 'install', option: '-y' },
  DL3047: { after: null, option: '--progress=dot:giga' },
};

/** Fixes for one finding. Each leaves a Dockerfile that parses and no longer has that finding. */
export function quickFixes(model: DockerfileModel, finding: Finding): QuickFix[] {
  const fixes: QuickFix[] = [];
  const ins = finding.instruction === undefined ? undefined : model.doc.instructions[finding.instruction];
  if (ins) {
    const fix = fixFor(model, finding, ins);
    if (fix) fixes.push(...(Array.isArray(fix) ? fix : [fix]));
    fixes.push(ignoreFix(model, finding, ins));
  }
  return fixes;
}

function fixFor(model: DockerfileModel, f: Finding, ins: Instruction): QuickFix | QuickFix[] | undefined {
  const add = ADD_OPTION[f.rule];
  if (add) return addOption(model, f, ins, add.after, add.option);
  switch (f.rule) {
    case 'DL3009':
      return removeAptLists(f, ins);
    case 'DL3025':
      return execForm(ins);
    case 'DL3020':
      return ins.flags.every((fl) => FLAGS.COPY.includes(fl.name))
        ? { title: 'Use COPY instead of ADD', rule: f.rule, edits: [{ range: ins.keywordRange, newText: ins.keyword === 'ADD' && model.doc.lines[ins.startLine].slice(ins.keywordRange.start.character).startsWith('add') ? 'copy' : 'COPY' }], preferred: true }
        : undefined;
    case 'DL3003':
      return cdToWorkdir(model, f, ins);
    case 'DL4006':
      return pipefail(model, ins);
    case 'DL3059':
      return mergeRuns(model, ins);
    case 'DL4000':
      return { title: 'Replace MAINTAINER with LABEL org.opencontainers.image.authors', rule: f.rule, preferred: true,
        edits: [{ range: { start: ins.keywordRange.start, end: ins.range.end }, newText: `LABEL org.opencontainers.image.authors="${ins.argsText.replace(/(["\\$`])/g, '\\$1')}"` }] };
    case 'DL3027':
      return aptToAptGet(model, f, ins);
    case 'DL3021':
      return trailingSlash(ins, f);
    case 'DL3004':
      return dropSudo(model, f, ins);
    case 'DF001': {
      const m = /Did you mean (\w+)\?/.exec(f.message);
      return m ? { title: `Change to ${m[1]}`, rule: f.rule, edits: [{ range: f.range, newText: m[1] }], preferred: true } : undefined;
    }
  }
  return undefined;
}

function commandAt(model: DockerfileModel, f: Finding, ins: Instruction): { run: RunShell; cmd: ShellCommand } | undefined {
  const target = ins.trigger?.keyword === 'RUN' ? ins.trigger : ins;
  if (target.keyword !== 'RUN') return undefined;
  const run = new RunShell(target, model.doc);
  const cmd = run.commands.find((c) => contains(run.rangeOf(c), f.range.start) && contains(run.rangeOf(c), f.range.end));
  return cmd && { run, cmd };
}

function addOption(model: DockerfileModel, f: Finding, ins: Instruction, after: string | null, option: string): QuickFix | undefined {
  const found = commandAt(model, f, ins);
  if (!found || ins.json) return undefined;
  const { run, cmd } = found;
  const word = after === null ? cmd.nameWord : cmd.args.find((a) => a.value === after);
  if (!word) return undefined;
  const at = run.sourceOf(cmd).endPositionAt(word.end);
  return { title: `Add ${option} to ${cmd.name}${after ? ` ${after}` : ''}`, rule: f.rule, edits: [{ range: { start: at, end: at }, newText: ` ${option}` }], preferred: true };
}

function removeAptLists(f: Finding, ins: Instruction): QuickFix | undefined {
  if (ins.keyword !== 'RUN' || ins.json) return undefined;
  const title = 'Delete the apt lists at the end of this RUN (rm -rf /var/lib/apt/lists/*)';
  const heredoc = ins.heredocs.find((h) => f.range.start.line >= h.bodyLine && f.range.start.line < h.endLine);
  if (heredoc) {
    if (!heredoc.terminated) return undefined;
    const at = { line: heredoc.endLine, character: 0 };
    return { title, rule: f.rule, edits: [{ range: { start: at, end: at }, newText: `${heredoc.stripTabs ? '\t' : ''}rm -rf /var/lib/apt/lists/*\n` }], preferred: true };
  }
  if (ins.heredocs.length) return undefined;
  const text = ins.text.text.trimEnd();
  if (/(^|[^&])&$/.test(text) || /(^|\s)#/.test(ins.argsText)) return undefined;
  const at = ins.text.endPositionAt(text.length);
  return { title, rule: f.rule, edits: [{ range: { start: at, end: at }, newText: text.endsWith(';') ? ' rm -rf /var/lib/apt/lists/*' : ' && rm -rf /var/lib/apt/lists/*' }], preferred: true };
}

/** CMD/ENTRYPOINT to exec form; a command line that needs a shell keeps it as ["/bin/sh", "-c", "..."]. */
function execForm(ins: Instruction): QuickFix | undefined {
  const args = ins.argsText;
  if (!args) return undefined;
  const needsShell = /[$`|&;<>(){}*?~\\'"#[\]=]/.test(args) || ins.words.some((w) => w.raw !== w.value);
  const json = needsShell ? ['/bin/sh', '-c', args] : ins.words.map((w) => w.value);
  const range = ins.text.rangeOf(ins.argsStart, ins.text.text.trimEnd().length);
  return {
    title: needsShell ? `Use the JSON form: ${ins.keyword} ["/bin/sh", "-c", …] (keeps the shell this command needs)` : `Use the JSON form: ${ins.keyword} ${JSON.stringify(json)}`,
    rule: 'DL3025', edits: [{ range, newText: `[${json.map((v) => JSON.stringify(v)).join(', ')}]` }], preferred: true,
  };
}

function cdToWorkdir(model: DockerfileModel, f: Finding, ins: Instruction): QuickFix | undefined {
  const found = commandAt(model, f, ins);
  if (!found || ins.json || ins.heredocs.length || ins.trigger) return undefined;
  const { run, cmd } = found;
  if (run.sourceOf(cmd) !== ins.text || cmd.start !== ins.argsStart || cmd.args.length !== 1 || cmd.wrappers.length) return undefined;
  const text = ins.text.text;
  const rest = /^\s*(&&|;)\s*/.exec(text.slice(cmd.args[0].end));
  const indent = model.doc.lines[ins.startLine].slice(0, ins.keywordRange.start.character);
  const workdir = `WORKDIR ${text.slice(cmd.args[0].start, cmd.args[0].end)}`;
  const insertAt = { line: ins.startLine, character: ins.keywordRange.start.character };
  if (!rest) {
    if (text.slice(cmd.args[0].end).trim() !== '') return undefined;
    return { title: `Replace with ${workdir}`, rule: f.rule, edits: [{ range: { start: ins.keywordRange.start, end: ins.range.end }, newText: workdir }], preferred: true };
  }
  const restStart = cmd.args[0].end + rest[0].length;
  return {
    title: `Move the cd into ${workdir} (it then applies to the instructions after it)`, rule: f.rule,
    edits: [
      { range: { start: insertAt, end: insertAt }, newText: `${workdir}\n${indent}` },
      { range: ins.text.rangeOf(ins.argsStart, restStart), newText: '' },
    ],
  };
}

function pipefail(model: DockerfileModel, ins: Instruction): QuickFix[] {
  if (ins.keyword !== 'RUN') return [];
  const at = { line: ins.startLine, character: ins.keywordRange.start.character };
  const indent = model.doc.lines[ins.startLine].slice(0, at.character);
  const fixes: QuickFix[] = [{
    title: 'Add SHELL ["/bin/bash", "-o", "pipefail", "-c"] before this RUN (the image needs bash)', rule: 'DL4006',
    edits: [{ range: { start: at, end: at }, newText: `SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n${indent}` }],
  }];
  if (!ins.json && !ins.heredocs.length) {
    const start = ins.text.positionAt(ins.argsStart);
    fixes.push({ title: 'Start this RUN with set -o pipefail', rule: 'DL4006', preferred: true, edits: [{ range: { start, end: start }, newText: 'set -o pipefail && ' }] });
  }
  return fixes;
}

function mergeRuns(model: DockerfileModel, ins: Instruction): QuickFix | undefined {
  const prev = model.doc.instructions[ins.index - 1];
  if (!prev || prev.keyword !== 'RUN' || ins.keyword !== 'RUN' || prev.json || ins.json || prev.heredocs.length || ins.heredocs.length) return undefined;
  const prevText = prev.text.text.trimEnd();
  if (/(^|[^&])&$/.test(prevText) || /(^|\s)#/.test(prev.argsText) || model.doc.escape !== '\\') return undefined;
  const end = prev.text.endPositionAt(prevText.length);
  const argsAt = ins.text.positionAt(ins.argsStart);
  const indent = model.doc.lines[prev.startLine].slice(0, prev.keywordRange.start.character);
  return {
    title: 'Merge with the RUN above', rule: 'DL3059', preferred: true,
    edits: [
      { range: { start: end, end: prev.range.end }, newText: ' \\' },
      { range: { start: { line: ins.startLine, character: 0 }, end: argsAt }, newText: `${indent}    ${prevText.endsWith(';') ? '' : '&& '}` },
    ],
  };
}

function aptToAptGet(model: DockerfileModel, f: Finding, ins: Instruction): QuickFix | undefined {
  const found = commandAt(model, f, ins);
  if (!found || ins.json) return undefined;
  const sub = found.cmd.args.find((a) => !a.value.startsWith('-'))?.value;
  if (!sub || !['install', 'update', 'upgrade', 'remove', 'purge', 'autoremove', 'dist-upgrade', 'clean', 'autoclean'].includes(sub)) return undefined;
  const name = found.cmd.nameWord;
  return { title: 'Use apt-get', rule: f.rule, preferred: true, edits: [{ range: found.run.sourceOf(found.cmd).rangeOf(name.start, name.end), newText: name.value.replace(/apt$/, 'apt-get') }] };
}

function trailingSlash(ins: Instruction, f: Finding): QuickFix | undefined {
  if (ins.json) return undefined;
  const dest = ins.words.at(-1);
  if (!dest) return undefined;
  const at = ins.text.endPositionAt(dest.end);
  const quoted = /["']$/.test(dest.raw);
  const edit = quoted ? { range: ins.text.rangeOf(dest.end - 1, dest.end - 1), newText: '/' } : { range: { start: at, end: at }, newText: '/' };
  return { title: `End the destination with / (${dest.value}/)`, rule: f.rule, preferred: true, edits: [edit] };
}

function dropSudo(model: DockerfileModel, f: Finding, ins: Instruction): QuickFix | undefined {
  const found = commandAt(model, f, ins);
  if (!found || ins.json) return undefined;
  const { run, cmd } = found;
  const source = run.sourceOf(cmd);
  const prefix = source.text.slice(cmd.start, cmd.nameWord.start);
  if (!/^sudo\s+$/.test(prefix)) return undefined;
  return { title: 'Remove sudo (RUN already runs as the USER in force; switch with USER)', rule: f.rule, edits: [{ range: source.rangeOf(cmd.start, cmd.nameWord.start), newText: '' }] };
}

/** `# hadolint ignore=RULE` above the instruction, or the rule added to such a comment already there. */
function ignoreFix(model: DockerfileModel, f: Finding, ins: Instruction): QuickFix {
  const above = model.doc.comments.find((c) => c.line === ins.startLine - 1);
  const list = above && /^(\s*#\s*hadolint\s+ignore\s*=\s*[A-Za-z0-9_, ]*[A-Za-z0-9_])\s*(#.*)?$/i.exec(model.doc.lines[above.line]);
  if (above && list) {
    const at = { line: above.line, character: list[1].length };
    return { title: `Ignore ${f.rule} for this instruction`, rule: f.rule, edits: [{ range: { start: at, end: at }, newText: `,${f.rule}` }] };
  }
  const at: Position = { line: ins.startLine, character: 0 };
  const indent = model.doc.lines[ins.startLine].slice(0, ins.keywordRange.start.character);
  return { title: `Ignore ${f.rule} for this instruction`, rule: f.rule, edits: [{ range: { start: at, end: at }, newText: `${indent}# hadolint ignore=${f.rule}\n` }] };
}

/** DL3006/DL3007: the FROM image pinned to a digest the engine knows (`name[:tag]@sha256:…`). */
export function pinImageFix(model: DockerfileModel, f: Finding, digest: string): QuickFix | undefined {
  const ins = f.instruction === undefined ? undefined : model.doc.instructions[f.instruction];
  const stage = model.stages.find((s) => s.from === ins);
  if (!stage?.image || !/^sha256:[0-9a-f]{64}$/.test(digest)) return undefined;
  const image = stage.image;
  const name = image.value.replace(/@.*$/, '');
  return {
    title: `Pin ${image.value} to ${digest.slice(0, 19)}… (the digest the engine has)`, rule: f.rule,
    edits: [{ range: stage.from.text.rangeOf(image.start, image.end), newText: `${name}@${digest}` }],
  };
}

/** Applies non-overlapping edits to a text (for tests and the CLI), in one pass: thousands of edits stay linear. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offsetOf = (p: Position) => (p.line < lineStarts.length ? lineStarts[p.line] : text.length + 1) + p.character;
  const sorted = [...edits].sort((a, b) => (before(a.range.start, b.range.start) ? -1 : before(b.range.start, a.range.start) ? 1 : 0));
  let out = '';
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, offsetOf(e.range.start)) + e.newText;
    at = offsetOf(e.range.end);
  }
  return out + text.slice(at);
}
