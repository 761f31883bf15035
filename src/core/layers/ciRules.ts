import { parse as parseYaml } from 'yaml';
import type { Efficiency } from './efficiency';

/**
 * dive's CI rules, under dive's names and with dive's defaults: the values are kept as the text
 * given (a ratio, a byte size such as `20MB`, or `disabled`) and read when evaluated, as dive does.
 */
export interface CiRules {
  readonly lowestEfficiency: string;
  readonly highestWastedBytes: string;
  readonly highestUserWastedPercent: string;
}

export const DEFAULT_RULES: CiRules = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

export type RuleStatus = 'pass' | 'fail' | 'skip' | 'misconfigured';

export interface RuleResult {
  readonly rule: keyof CiRules;
  readonly status: RuleStatus;
  readonly message: string;
}

export interface CiOutcome {
  readonly pass: boolean;
  readonly results: readonly RuleResult[];
}

/** The `rules:` of a `.dive-ci` file (YAML); keys it does not set are left out. */
export function parseDiveCi(text: string): Partial<CiRules> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`.dive-ci is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const rules = (doc as { rules?: Record<string, unknown> } | null)?.rules;
  if (!rules || typeof rules !== 'object') return {};
  const out: Partial<Record<keyof CiRules, string>> = {};
  for (const key of Object.keys(DEFAULT_RULES) as (keyof CiRules)[]) {
    const value = rules[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

/** Evaluates every rule (a `disabled` one is skipped); the image passes when none fails or is misconfigured. */
export function evaluateRules(efficiency: Efficiency, rules: CiRules): CiOutcome {
  const results: RuleResult[] = [];
  const check = (rule: keyof CiRules, evaluate: (value: string) => string | undefined): void => {
    const value = rules[rule].trim();
    if (value === 'disabled') {
      results.push({ rule, status: 'skip', message: 'rule disabled' });
      return;
    }
    try {
      const failure = evaluate(value);
      results.push({ rule, status: failure ? 'fail' : 'pass', message: failure ?? '' });
    } catch (err) {
      results.push({ rule, status: 'misconfigured', message: `invalid config value ('${value}'): ${(err as Error).message}` });
    }
  };
  check('lowestEfficiency', (value) => {
    const threshold = ratio(value);
    return threshold > efficiency.score ? `image efficiency is too low (efficiency=${efficiency.score} < threshold=${threshold})` : undefined;
  });
  check('highestWastedBytes', (value) => {
    const threshold = parseBytes(value);
    return efficiency.wastedBytes > threshold ? `too many bytes wasted (wasted-bytes=${efficiency.wastedBytes} > threshold=${threshold})` : undefined;
  });
  check('highestUserWastedPercent', (value) => {
    const threshold = ratio(value);
    return threshold < efficiency.userWastedPercent
      ? `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${efficiency.userWastedPercent} > threshold=${threshold})`
      : undefined;
  });
  return { pass: results.every((r) => r.status === 'pass' || r.status === 'skip'), results };
}

function ratio(value: string): number {
  const n = Number(value);
  if (!value || !Number.isFinite(n)) throw new Error('not a number');
  return n;
}

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15, e: 1e18, eb: 1e18,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40, pi: 2 ** 50, pib: 2 ** 50, ei: 2 ** 60, eib: 2 ** 60,
};

/** A byte size as dive reads it (go-humanize): `20MB` is 20,000,000, `20MiB` 20,971,520, `512` bytes. */
export function parseBytes(text: string): number {
  const m = /^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`not a byte size (e.g. 20MB, 1.5GiB)`);
  return Math.floor(Number(m[1].replace(/,/g, '')) * unit);
}
