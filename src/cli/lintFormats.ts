import { ALL_RULES, ruleInfo } from '../dockerfile/rules/ruleCatalog';
import type { Finding, Severity } from '../dockerfile/rules/ruleTypes';
import { printable } from '../engine/humanize';

export interface FileFindings {
  /** As given or found, relative to the working directory when inside it. */
  readonly file: string;
  readonly findings: readonly Finding[];
}

export const FORMATS = ['tty', 'json', 'sarif', 'checkstyle', 'gnu'] as const;
export type Format = (typeof FORMATS)[number];

const COLOURS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m', style: '\x1b[35m', ignore: '' };

export function formatFindings(format: Format, results: readonly FileFindings[], options: { colour: boolean; version: string }): string {
  switch (format) {
    case 'tty':
      return results.flatMap((r) => r.findings.map((f) => {
        const where = `${printable(r.file, true)}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
        const level = options.colour ? `${COLOURS[f.severity]}${f.severity}\x1b[0m` : f.severity;
        return `${options.colour ? `\x1b[1m${where}\x1b[0m` : where} ${f.rule} ${level}: ${printable(f.message, true)}\n`;
      })).join('');
    case 'gnu':
      return results.flatMap((r) => r.findings.map((f) => `stevedore:${printable(r.file, true)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.rule} ${f.severity}: ${printable(f.message, true)}\n`)).join('');
    case 'json':
      return json(results.flatMap((r) => r.findings.map((f) => ({
        code: f.rule, level: f.severity, message: f.message, file: r.file,
        line: f.range.start.line + 1, column: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1,
      }))));
    case 'checkstyle':
      return checkstyle(results);
    case 'sarif':
      return json(sarif(results, options.version));
  }
}

/**
 * JSON.stringify escapes C0 controls but writes DEL, C1 controls and line separators raw, which a
 * terminal showing the output may act on; as `\uNNNN` escapes the JSON holds the same strings.
 */
function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/[\x7f-\x9f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function checkstyle(results: readonly FileFindings[]): string {
  const level = (s: Severity) => (s === 'error' || s === 'warning' ? s : 'info');
  const files = results.map((r) => `  <file name="${xml(r.file)}">\n${r.findings.map((f) =>
    `    <error line="${f.range.start.line + 1}" column="${f.range.start.character + 1}" severity="${level(f.severity)}" message="${xml(f.message)}" source="${xml(f.rule)}"/>\n`).join('')}  </file>\n`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n${files.join('')}</checkstyle>\n`;
}

/** Characters XML 1.0 forbids even as references (controls, U+FFFE, U+FFFF, lone surrogates). */
const NOT_XML = /[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** An attribute value: controls as printable() writes them, what XML cannot hold as `\uNNNN`, markup and tabs as references. */
function xml(s: string): string {
  return printable(s, true)
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>"'\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note' | 'none'> = { error: 'error', warning: 'warning', info: 'note', style: 'note', ignore: 'none' };

/** SARIF 2.1.0 as GitHub code scanning reads it: one run, the rules used, results with 1-based regions. */
function sarif(results: readonly FileFindings[], version: string): unknown {
  const used = [...new Set(results.flatMap((r) => r.findings.map((f) => f.rule)))].sort();
  const rules = used.map((id) => {
    const info = ruleInfo(id) ?? ALL_RULES[0];
    return { id, shortDescription: { text: info.message }, helpUri: info.url, defaultConfiguration: { level: SARIF_LEVEL[info.severity] } };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'stevedore', version, rules } },
      results: results.flatMap((r) => r.findings.map((f) => ({
        ruleId: f.rule,
        ruleIndex: used.indexOf(f.rule),
        level: SARIF_LEVEL[f.severity],
        message: { text: f.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: r.file.split('\\').join('/').split('/').map(encodeURIComponent).join('/') },
            region: { startLine: f.range.start.line + 1, startColumn: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: Math.max(f.range.end.character + 1, 1) },
          },
        }],
      }))),
    }],
  };
}
