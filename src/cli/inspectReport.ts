import type { CiOutcome } from '../core/layers/ciRules';
import type { ImageAnalysis } from '../core/layers/imageAnalysis';
import { ENTRY_KINDS, hashHex } from '../core/layers/layerIndex';
import { humanSize } from '../engine/humanize';
import { table } from './cliCommand';

/** `stevedore inspect` output: a summary for a person, the full data as JSON, dive's CI report. */

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)} %`;
}

function oneLine(command: string): string {
  const text = command.replace(/\s+/g, ' ').trim();
  return text.length > 100 ? `${text.slice(0, 99)}…` : text || '(no history)';
}

export function summaryText(analysis: ImageAnalysis, topWasted = 10): string {
  const { description, layers, efficiency } = analysis;
  const lines = [`Image: ${description.name} (${description.origin})${description.os ? `, ${description.os}/${description.architecture ?? '?'}` : ''}`, ''];
  const rows = description.history.map((step) => {
    if (step.layer === undefined) return ['', '—', '', oneLine(step.createdBy)];
    const index = layers[step.layer];
    const digest = description.layers[step.layer].diffId.replace(/^sha256:/, '').slice(0, 12);
    return [String(step.layer + 1), index ? humanSize(index.meta.fileBytes) : 'unreadable', digest, oneLine(step.createdBy)];
  });
  lines.push(table(['LAYER', 'SIZE', 'DIGEST', 'COMMAND'], rows), '');
  const files = layers.reduce((n, l) => n + (l?.count ?? 0), 0);
  if (efficiency) {
    lines.push(
      `Total size:          ${humanSize(efficiency.sizeBytes)} in ${description.layers.length} layers, ${files.toLocaleString('en-US')} entries`,
      `Efficiency:          ${percent(efficiency.score)}`,
      `Wasted:              ${humanSize(efficiency.wastedBytes)}`,
      `User wasted:         ${percent(efficiency.userWastedPercent)} of what the image adds to its first layer`,
    );
    const top = efficiency.inefficiencies.filter((i) => i.wastedBytes > 0).slice(0, topWasted);
    if (top.length) lines.push('', 'Top wasted files:', table(['COUNT', 'WASTED', 'PATH'], top.map((i) => [String(i.count), humanSize(i.wastedBytes), i.path])));
  }
  for (const e of analysis.errors) lines.push(`Layer ${e.layer + 1} could not be read: ${e.message}`);
  return lines.join('\n');
}

/** A layer's mtime in ISO 8601; null when a header holds one no date can show (past year 275760). */
function isoTime(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The whole analysis as JSON, written piece by piece (an image can hold hundreds of thousands of files). */
export function writeJson(analysis: ImageAnalysis, write: (text: string) => void): void {
  const { description, layers, efficiency } = analysis;
  const image = { name: description.name, origin: description.origin, id: description.id, tags: description.tags, os: description.os, architecture: description.architecture, created: description.created };
  const { history } = description;
  write(`{\n"image": ${JSON.stringify(image)},\n"history": ${JSON.stringify(history)},\n"efficiency": ${JSON.stringify(efficiency ?? null)},\n"errors": ${JSON.stringify(analysis.errors)},\n"layers": [`);
  layers.forEach((index, i) => {
    const layer = { index: i, diffId: description.layers[i].diffId, digest: description.layers[i].digest, ...(index?.meta ?? {}), entries: index?.count ?? 0 };
    write(`${i ? ',' : ''}\n{"layer": ${JSON.stringify(layer)}, "files": [`);
    if (index) {
      const rows: string[] = [];
      for (let e = 0; e < index.count; e++) {
        rows.push(JSON.stringify({
          path: `/${index.paths[e]}`,
          kind: ENTRY_KINDS[index.kinds[e]],
          size: index.sizes[e],
          mode: index.modes[e],
          uid: index.uids[e],
          gid: index.gids[e],
          mtime: isoTime(index.mtimes[e]),
          ...(index.links[e] ? { link: index.links[e] } : {}),
          ...(hashHex(index, e) ? { sha256: hashHex(index, e) } : {}),
        }));
        if (rows.length === 4096) write(`\n${rows.splice(0).join(',\n')}${e + 1 < index.count ? ',' : ''}`);
      }
      if (rows.length) write(`\n${rows.join(',\n')}`);
    }
    write(']}');
  });
  write('\n]\n}\n');
}

/** dive's CI report: the inefficient files, then each rule's result and a tally. */
export function ciText(analysis: ImageAnalysis, outcome: CiOutcome): string {
  const efficiency = analysis.efficiency!;
  const lines = [
    `  efficiency: ${percent(efficiency.score)}`,
    `  wastedBytes: ${efficiency.wastedBytes} bytes (${humanSize(efficiency.wastedBytes)})`,
    `  userWastedPercent: ${percent(efficiency.userWastedPercent)}`,
    'Inefficient Files:',
    efficiency.inefficiencies.length
      ? table(['Count', 'Wasted Space', 'File Path'], efficiency.inefficiencies.map((i) => [String(i.count), humanSize(i.wastedBytes), i.path]))
      : 'None',
    'Results:',
  ];
  const names = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', misconfigured: 'MISCONFIGURED' } as const;
  for (const r of [...outcome.results].sort((a, b) => a.rule.localeCompare(b.rule))) lines.push(`  ${names[r.status]}: ${r.rule}${r.message ? `: ${r.message}` : ''}`);
  const count = (status: string) => outcome.results.filter((r) => r.status === status).length;
  lines.push(`Result:${outcome.pass ? 'PASS' : 'FAIL'} [Total:${outcome.results.length}] [Passed:${count('pass')}] [Failed:${count('fail') + count('misconfigured')}] [Skipped:${count('skip')}]`);
  return lines.join('\n');
}
