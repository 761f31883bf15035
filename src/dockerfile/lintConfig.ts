import { parse } from 'yaml';
import type { Severity } from './rules/ruleTypes';

export type Threshold = Severity | 'none';

/** hadolint's configuration, as .hadolint.yaml spells it. */
export interface LintConfig {
  readonly ignored: readonly string[];
  readonly override: Readonly<Partial<Record<Exclude<Severity, 'ignore'>, readonly string[]>>>;
  readonly trustedRegistries: readonly string[];
  readonly labelSchema: Readonly<Record<string, string>>;
  readonly strictLabels: boolean;
  readonly disableIgnorePragma: boolean;
  readonly failureThreshold?: Threshold;
}

export const EMPTY_CONFIG: LintConfig = { ignored: [], override: {}, trustedRegistries: [], labelSchema: {}, strictLabels: false, disableIgnorePragma: false };

export class LintConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LintConfigError';
  }
}

const THRESHOLDS = new Set(['error', 'warning', 'info', 'style', 'ignore', 'none']);
const LABEL_TYPES = new Set(['text', 'url', 'semver', 'hash', 'rfc3339', 'spdx', 'email']);

/** Parses .hadolint.yaml; throws LintConfigError with what is wrong and where. */
export function parseLintConfig(text: string, source = '.hadolint.yaml'): LintConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new LintConfigError(`${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (raw === undefined || raw === null) return EMPTY_CONFIG;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new LintConfigError(`${source} must be a mapping of settings (ignored:, override:, trustedRegistries:, ...).`);
  const doc = raw as Record<string, unknown>;
  const list = (key: string, value: unknown): string[] => {
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    throw new LintConfigError(`${source}: "${key}" must be a list of strings.`);
  };
  const override: Partial<Record<Exclude<Severity, 'ignore'>, string[]>> = {};
  if (doc.override !== undefined && doc.override !== null) {
    if (typeof doc.override !== 'object') throw new LintConfigError(`${source}: "override" must map error/warning/info/style to lists of rules.`);
    for (const [level, rules] of Object.entries(doc.override as Record<string, unknown>)) {
      if (!['error', 'warning', 'info', 'style'].includes(level)) throw new LintConfigError(`${source}: override.${level} is not a level (error, warning, info, style).`);
      override[level as Exclude<Severity, 'ignore'>] = list(`override.${level}`, rules);
    }
  }
  const labelSchema: Record<string, string> = {};
  const schema = doc['label-schema'];
  if (schema !== undefined && schema !== null) {
    if (typeof schema !== 'object' || Array.isArray(schema)) throw new LintConfigError(`${source}: "label-schema" must map label names to text, url, semver, hash, rfc3339, spdx or email.`);
    for (const [label, kind] of Object.entries(schema as Record<string, unknown>)) {
      if (typeof kind !== 'string' || !LABEL_TYPES.has(kind)) throw new LintConfigError(`${source}: label-schema.${label} is "${String(kind)}"; use text, url, semver, hash, rfc3339, spdx or email.`);
      labelSchema[label] = kind;
    }
  }
  const threshold = doc['failure-threshold'];
  if (threshold !== undefined && (typeof threshold !== 'string' || !THRESHOLDS.has(threshold))) {
    throw new LintConfigError(`${source}: failure-threshold is ${JSON.stringify(threshold)}; use error, warning, info, style, ignore or none.`);
  }
  const bool = (key: string): boolean => {
    const v = doc[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new LintConfigError(`${source}: "${key}" must be true or false.`);
    return v;
  };
  return {
    ignored: list('ignored', doc.ignored),
    override,
    trustedRegistries: list('trustedRegistries', doc.trustedRegistries),
    labelSchema,
    strictLabels: bool('strict-labels'),
    disableIgnorePragma: bool('disable-ignore-pragma'),
    failureThreshold: threshold as Threshold | undefined,
  };
}
