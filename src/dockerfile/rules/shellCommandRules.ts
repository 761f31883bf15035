import { hasFlag, isCommand } from '../shell/shellCommands';
import { MAX_SHELL_DEPTH } from '../shell/shellParser';
import type { Instruction } from '../syntax';
import { eachCommand } from './packageManagerRules';
import type { RunShell } from './runShell';
import { headRange, type RuleContext } from './ruleTypes';

const POINTLESS = new Set(['free', 'kill', 'mount', 'ps', 'service', 'shutdown', 'ssh', 'top', 'vim']);
const NON_POSIX = /^(pwsh|powershell|cmd)(\.exe)?$/i;

export function checkCommands(ctx: RuleContext): void {
  for (const run of ctx.runs) if (run.tooDeep) ctx.report('DF013', run.tooDeep, run.instruction, `The shell nests deeper than ${MAX_SHELL_DEPTH} levels here: the rest of this RUN was not checked.`);
  eachCommand(ctx, (cmd, run) => {
    const range = () => run.rangeOf(cmd);
    if (POINTLESS.has(cmd.name)) ctx.report('DL3001', range(), run.instruction);
    if (cmd.name === 'cd' && !cmd.nested) ctx.report('DL3003', range(), run.instruction);
    if (cmd.name === 'sudo' || cmd.wrappers.includes('sudo')) ctx.report('DL3004', range(), run.instruction);
    if (cmd.name === 'useradd' && !hasFlag(cmd, 'l', 'no-log-init')) {
      const uid = cmd.args.findIndex((a) => a.value === '-u' || a.value === '--uid');
      const value = uid >= 0 ? cmd.args[uid + 1]?.value : cmd.args.find((a) => /^(-u|--uid=)\d/.test(a.value))?.value.replace(/^(-u|--uid=)/, '');
      if (value && /^\d{6,}$/.test(value)) ctx.report('DL3046', range(), run.instruction);
    }
    if (cmd.name === 'wget' && !hasFlag(cmd, 'progress', 'q', 'quiet', 'o', 'output-file', 'a', 'append-output', 'no-verbose') && !cmd.args.some((a) => a.value === '-nv')) {
      ctx.report('DL3047', range(), run.instruction);
    }
    if (isCommand(cmd, 'ln', '/bin/sh')) ctx.report('DL4005', range(), run.instruction);
  });
}

/** The rules that follow the instructions in order: DL4001, DL4006, DL3059. */
export function checkRunSequence(ctx: RuleContext): void {
  const runs = new Map<Instruction, RunShell>(ctx.runs.map((r) => [r.instruction, r]));
  let downloaders = new Set<string>();
  let pipefail = false;
  let previous: { flags: string; count: number } | undefined;
  for (const ins of ctx.doc.instructions) {
    if (ins.keyword === 'FROM') {
      downloaders = new Set();
      pipefail = false;
    }
    if (ins.keyword === 'SHELL') pipefail = shellSetsPipefail(ins);
    const run = runs.get(ins) ?? (ins.trigger ? runs.get(ins.trigger) : undefined);
    if (!run) {
      previous = undefined;
      continue;
    }
    const used = run.commands.filter((c) => c.name === 'curl' || c.name === 'wget').map((c) => c.name);
    for (const u of used) downloaders.add(u);
    if (used.length && downloaders.size >= 2) ctx.report('DL4001', headRange(ins), ins);
    if (run.pipes.length && !pipefail && !run.setsPipefailBeforePipes()) ctx.report('DL4006', headRange(ins), ins);
    if (ins.keyword !== 'RUN') {
      previous = undefined;
      continue;
    }
    const flags = ins.flags.map((f) => ins.text.text.slice(f.start, f.end)).join(' ');
    const count = run.commands.length;
    if (previous && previous.flags === flags && previous.count <= 2 && count <= 2) ctx.report('DL3059', headRange(ins), ins);
    previous = { flags, count };
  }
}

/** SHELL ["/bin/bash", "-o", "pipefail", "-c"] (or -eo, -euxo), or a shell that is not POSIX at all. */
function shellSetsPipefail(ins: Instruction): boolean {
  const values = ins.json?.values ?? [];
  if (values.length && NON_POSIX.test(values[0].slice(values[0].lastIndexOf('/') + 1))) return true;
  const shell = values[0]?.slice(values[0].lastIndexOf('/') + 1) ?? '';
  if (!['bash', 'zsh', 'ash', 'ksh', 'mksh'].includes(shell)) return false;
  return values.some((v, i) => v === 'pipefail' && /^-[a-z]*o$/.test(values[i - 1] ?? ''));
}

export function isNonPosixShell(ins: Instruction): boolean {
  const first = ins.json?.values[0];
  return first !== undefined && NON_POSIX.test(first.slice(Math.max(first.lastIndexOf('/'), first.lastIndexOf('\\')) + 1));
}
