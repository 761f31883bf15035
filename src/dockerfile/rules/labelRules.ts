import { keyValues } from '../model';
import type { Instruction } from '../syntax';
import type { RuleContext } from './ruleTypes';

const RESERVED = /^(com\.docker\.|io\.docker\.|org\.dockerproject\.)/;
const SPDX = new Set(('0BSD AFL-3.0 AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.1 Apache-2.0 APSL-2.0 Artistic-2.0 BlueOak-1.0.0 BSD-1-Clause BSD-2-Clause '
  + 'BSD-2-Clause-Patent BSD-3-Clause BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 BUSL-1.1 CC-BY-4.0 CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CECILL-2.1 CPL-1.0 '
  + 'ECL-2.0 EFL-2.0 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 GPL-1.0-only GPL-1.0-or-later GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0-only '
  + 'GPL-3.0-or-later ISC LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later LPPL-1.3c '
  + 'MirOS MIT MIT-0 MPL-1.1 MPL-2.0 MPL-2.0-no-copyleft-exception MS-PL MS-RL MulanPSL-2.0 NCSA ODbL-1.0 OFL-1.1 OpenSSL OSL-3.0 PHP-3.01 PostgreSQL '
  + 'Python-2.0 Ruby SSPL-1.0 Unicode-DFS-2016 Unlicense UPL-1.0 Vim W3C WTFPL X11 Zlib ZPL-2.1').split(' '));

/** DL3048 and the label-schema rules (DL3049-DL3058), configured in .hadolint.yaml. */
export function checkLabels(ctx: RuleContext): void {
  const { model, settings } = ctx;
  const schema = settings.labelSchema;
  const required = Object.keys(schema);
  const labelsOf = new Map<number, Set<string>>();
  const referenced = new Set<number>();
  for (const stage of model.stages) {
    if (stage.parent !== undefined) referenced.add(stage.parent);
    for (const ins of stage.instructions) {
      const from = ins.flags.find((f) => f.name === 'from')?.value?.toLowerCase();
      const source = from === undefined ? undefined : (model.stageByName(from) ?? (/^\d+$/.test(from) ? model.stages[Number(from)] : undefined));
      if (source) referenced.add(source.index);
    }
  }
  for (const stage of model.stages) {
    const labels = new Set(stage.parent !== undefined ? labelsOf.get(stage.parent) : []);
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'LABEL') continue;
      for (const kv of keyValues(ins)) {
        labels.add(kv.key);
        checkLabel(ctx, ins, kv, schema);
      }
    }
    labelsOf.set(stage.index, labels);
    if (referenced.has(stage.index)) continue;
    for (const name of required) {
      if (!labels.has(name)) ctx.report('DL3049', stage.from.keywordRange, stage.from, `Label \`${name}\` is missing.`);
    }
  }
}

function checkLabel(ctx: RuleContext, ins: Instruction, kv: ReturnType<typeof keyValues>[number], schema: Readonly<Record<string, string>>): void {
  const keyRange = ins.text.rangeOf(kv.keyStart, kv.keyEnd);
  const key = kv.key;
  if (!key.includes('$') && !validKey(key)) ctx.report('DL3048', keyRange, ins, `Invalid label key: "${key}" (lower-case letters, digits, dots and dashes; no reserved com.docker./io.docker./org.dockerproject. namespace).`);
  const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
  if (kind === undefined) {
    if (ctx.settings.strictLabels) ctx.report('DL3050', keyRange, ins, `Superfluous label present: ${key} is not in the label-schema.`);
    return;
  }
  const value = kv.value ?? '';
  const range = kv.valueStart !== undefined ? ins.text.rangeOf(kv.valueStart, kv.end) : keyRange;
  if (value === '') {
    ctx.report('DL3051', keyRange, ins, `Label \`${key}\` is empty.`);
    return;
  }
  const check: Record<string, [string, (v: string) => boolean, string]> = {
    url: ['DL3052', (v) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s]+$/.test(v), 'is not a valid URL'],
    rfc3339: ['DL3053', (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v), 'is not a valid time format - must conform to RFC3339'],
    spdx: ['DL3054', validSpdx, 'is not a valid SPDX license identifier'],
    hash: ['DL3055', (v) => /^[0-9a-f]{7,40}$/.test(v), 'is not a valid git hash'],
    semver: ['DL3056', (v) => /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(v), 'does not conform to semantic versioning'],
    email: ['DL3058', (v) => /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/.test(v), 'is not a valid email format - must conform to RFC5322'],
  };
  const rule = check[kind];
  if (rule && !rule[1](value)) ctx.report(rule[0], range, ins, `Label \`${key}\` ${rule[2]}.`);
}

function validKey(key: string): boolean {
  return /^[a-z]([a-z0-9.-]*[a-z0-9])?$/.test(key) && !RESERVED.test(key) && !key.includes('..') && !key.includes('--');
}

function validSpdx(value: string): boolean {
  return value.replace(/[()]/g, ' ').split(/\s+(?:AND|OR|WITH)\s+|\s+/).filter(Boolean)
    .every((id) => SPDX.has(id.replace(/\+$/, '')) || id.startsWith('LicenseRef-') || /-exception$|^Classpath-exception-2\.0$|^LLVM-exception$/.test(id));
}
