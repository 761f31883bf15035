import type { DockerfileModel } from '../model';
import type { Dockerfile, Instruction, Range } from '../syntax';
import type { RunShell } from './runShell';

/** hadolint's levels; `ignore` rules are off unless a configuration raises them. */
export type Severity = 'error' | 'warning' | 'info' | 'style' | 'ignore';

export const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info', 'style', 'ignore'];

/** True when `s` is at least as severe as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER.indexOf(s) <= SEVERITY_ORDER.indexOf(threshold);
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly range: Range;
  /** The instruction it is about, by index. */
  readonly instruction?: number;
}

/** What the rules may configure (.hadolint.yaml's trustedRegistries, label-schema, strict-labels). */
export interface RuleSettings {
  readonly trustedRegistries: readonly string[];
  readonly labelSchema: Readonly<Record<string, string>>;
  readonly strictLabels: boolean;
}

export interface RuleContext {
  readonly doc: Dockerfile;
  readonly model: DockerfileModel;
  readonly settings: RuleSettings;
  /** Every RUN (ONBUILD RUN triggers included) whose shell is POSIX, with its parsed shell. */
  readonly runs: readonly RunShell[];
  report(rule: string, range: Range, instruction?: Instruction, message?: string): void;
  /** False when the rule is off (its default or the configuration): a costly check may skip it. */
  enabled(rule: string): boolean;
}

export type RuleCheck = (ctx: RuleContext) => void;

/** The keyword and the rest of its first line: where a diagnostic about a whole instruction goes. */
export function headRange(ins: Instruction): Range {
  const firstLineEnd = ins.startLine === ins.range.end.line ? ins.range.end : ins.text.endPositionAt(lastOffsetOnLine(ins));
  return { start: ins.keywordRange.start, end: firstLineEnd.line === ins.startLine ? firstLineEnd : ins.keywordRange.end };
}

function lastOffsetOnLine(ins: Instruction): number {
  const text = ins.text.text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ins.text.positionAt(mid).line > ins.startLine) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(lo, 1);
}
