import { parseDockerfile } from './dockerfileParser';
import { EMPTY_CONFIG, type LintConfig } from './lintConfig';
import { buildModel, type DockerfileModel } from './model';
import { readPragmas } from './pragmas';
import { checkBuild } from './rules/buildRules';
import { checkFrom } from './rules/imageRules';
import { checkInstructions } from './rules/instructionRules';
import { checkLabels } from './rules/labelRules';
import { checkApk, checkApt, checkDnf, checkNpmGemYarnGo, checkPip, checkYum, checkZypper } from './rules/packageManagerRules';
import { ruleInfo } from './rules/ruleCatalog';
import { RunShell } from './rules/runShell';
import { type Finding, type RuleCheck, type RuleContext, type Severity } from './rules/ruleTypes';
import { checkStages } from './rules/stageRules';
import { checkCommands, checkRunSequence, isNonPosixShell } from './rules/shellCommandRules';
import type { Dockerfile, Instruction, Range } from './syntax';

const CHECKS: readonly RuleCheck[] = [checkBuild, checkFrom, checkStages, checkInstructions, checkLabels, checkApt, checkApk, checkYum, checkDnf, checkZypper, checkPip, checkNpmGemYarnGo, checkCommands, checkRunSequence];

export type SeverityOverride = Severity | 'off';

export interface LintOptions {
  /** .hadolint.yaml: ignored, override, trustedRegistries, label-schema, strict-labels. */
  readonly config?: LintConfig;
  /** Per-rule severities from the editor's settings (`stevedore.lint.rules`); applied last. */
  readonly severities?: Readonly<Record<string, SeverityOverride>>;
  /** Rules to leave out whatever the configuration says (the CLI's --ignore). */
  readonly ignore?: readonly string[];
}

export interface LintResult {
  readonly doc: Dockerfile;
  readonly model: DockerfileModel;
  /** Sorted by position; `ignore`-level findings are left out. */
  readonly findings: readonly Finding[];
}

/** Parses and lints a Dockerfile: build errors, hadolint's DL rules, pragmas and configuration. Never throws. */
/**
 * lintDockerfile that never throws: should the linter itself fail on a text, the result is that of
 * an empty file with one error finding (DF014), so one hostile file never hides the others' results
 * (the CLI) or breaks the editor's features for the rest of the session.
 */
export function lintDockerfileSafely(text: string, options: LintOptions = {}, lint = lintDockerfile): LintResult {
  try {
    return lint(text, options);
  } catch {
    const start = { line: 0, character: 0 };
    return { ...lintDockerfile(''), findings: [{ rule: 'DF014', severity: 'error', message: ruleInfo('DF014')!.message, range: { start, end: start } }] };
  }
}

export function lintDockerfile(text: string, options: LintOptions = {}): LintResult {
  const doc = parseDockerfile(text);
  const model = buildModel(doc);
  const config = options.config ?? EMPTY_CONFIG;
  const pragmas = readPragmas(doc);
  const severityOf = severityResolver(config, options);
  const raw: Finding[] = [];
  const ctx: RuleContext = {
    doc, model,
    settings: { trustedRegistries: config.trustedRegistries, labelSchema: config.labelSchema, strictLabels: config.strictLabels },
    runs: posixRuns(doc, pragmas.shells),
    report(rule: string, range: Range, instruction?: Instruction, message?: string) {
      raw.push({ rule, severity: 'error', message: message ?? ruleInfo(rule)?.message ?? rule, range, instruction: instruction?.index });
    },
    enabled(rule: string) {
      const s = severityOf(rule);
      return s !== 'off' && s !== 'ignore' && !pragmas.global.has(rule);
    },
  };
  for (const check of CHECKS) check(ctx);
  for (const range of pragmas.inline) raw.push({ rule: 'DL1001', severity: 'ignore', message: ruleInfo('DL1001')!.message, range });
  const findings: Finding[] = [];
  for (const f of raw) {
    const severity = severityOf(f.rule);
    if (severity === 'off' || severity === 'ignore') continue;
    if (pragmas.global.has(f.rule)) continue;
    if (!config.disableIgnorePragma && f.instruction !== undefined && pragmas.byInstruction.get(f.instruction)?.has(f.rule)) continue;
    findings.push({ ...f, severity });
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  return { doc, model, findings };
}

function severityResolver(config: LintConfig, options: LintOptions): (rule: string) => SeverityOverride {
  const table = new Map<string, SeverityOverride>();
  for (const [level, rules] of Object.entries(config.override)) for (const r of rules ?? []) table.set(r.toUpperCase(), level as Severity);
  for (const r of config.ignored) table.set(r.toUpperCase(), 'off');
  for (const [r, level] of Object.entries(options.severities ?? {})) table.set(r.toUpperCase(), level);
  for (const r of options.ignore ?? []) table.set(r.toUpperCase(), 'off');
  return (rule) => table.get(rule) ?? ruleInfo(rule)?.severity ?? 'warning';
}

/** RUNs to read as POSIX shell: not after SHELL ["powershell"...] or `# hadolint shell=pwsh` in their stage. */
function posixRuns(doc: Dockerfile, shells: readonly { line: number; shell: string }[]): RunShell[] {
  const runs: RunShell[] = [];
  let posix = true;
  let pragma = 0;
  for (const ins of doc.instructions) {
    if (ins.keyword === 'FROM') posix = true;
    while (pragma < shells.length && shells[pragma].line < ins.startLine) {
      posix = /^(sh|bash|ash|dash|zsh|ksh|\/bin\/\w+)$/.test(shells[pragma].shell);
      pragma++;
    }
    if (ins.keyword === 'SHELL') posix = !isNonPosixShell(ins);
    const run = ins.keyword === 'RUN' ? ins : ins.trigger?.keyword === 'RUN' ? ins.trigger : undefined;
    if (run && posix) runs.push(new RunShell(run, doc));
  }
  return runs;
}
