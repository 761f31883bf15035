// Prints the Dockerfile language service's figures: `npm run bench:dockerfile`.
// Full lint (parse, build checks, all DL rules) against dockerfile-utils' validate on the same
// files in the same process; hover and completion on a 1,000-line file; `stevedore lint` over
// 100 files against a cold Node start. It prints figures and never passes or fails.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { completionsAt } from '../../src/dockerfile/completion';
import { hoverAt } from '../../src/dockerfile/hover';
import { lintDockerfile } from '../../src/dockerfile/linter';
import { generateDockerfile } from './workload';

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(runs: number, body: () => void): number {
  for (let i = 0; i < Math.min(20, runs); i++) body();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    body();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

const ms = (n: number) => `${n.toFixed(n < 1 ? 3 : 2)} ms`;

console.log(`Dockerfile language service, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
for (const lines of [1000, 10000]) {
  const text = generateDockerfile(lines);
  const runs = lines === 1000 ? 41 : 15;
  const ours = time(runs, () => lintDockerfile(text));
  const theirs = time(lines === 1000 ? 21 : 7, () => validate(text));
  const findings = lintDockerfile(text).findings.length;
  console.log(`full lint, ${lines} lines: ${ms(ours)} median (target <= ${lines === 1000 ? 8 : 80} ms); dockerfile-utils validate ${ms(theirs)}; ours is ${(theirs / ours).toFixed(1)}× faster (${findings} findings)`);
}

const text = generateDockerfile(1000);
const { model, doc } = lintDockerfile(text);
const positions = [10, 250, 500, 750, 990].map((line) => ({ line, instruction: doc.instructions.find((i) => i.startLine >= line)! }));
const hover = time(201, () => {
  for (const p of positions) hoverAt(model, p.instruction.keywordRange.start);
}) / positions.length;
const hoverVar = time(201, () => {
  for (const p of positions) hoverAt(model, { line: p.instruction.startLine, character: doc.lines[p.instruction.startLine].indexOf('$') + 1 });
}) / positions.length;
const completion = time(201, () => {
  for (const p of positions) {
    completionsAt(model, { line: p.instruction.startLine, character: 0 });
    completionsAt(model, { line: p.instruction.startLine, character: doc.lines[p.instruction.startLine].length });
  }
}) / (positions.length * 2);
const reparse = time(21, () => lintDockerfile(text));
console.log(`hover on 1,000 lines: ${ms(hover)} (keyword), ${ms(hoverVar)} (variable), median per request on the document's current parse (target <= 2 ms)`);
console.log(`completion on 1,000 lines: ${ms(completion)} median per request on the current parse (target <= 2 ms); the parse itself, done once per edit and shared by every feature: ${ms(reparse)}`);

const cli = path.resolve(__dirname, '../../dist/cli.js');
if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.resolve(__dirname, '../../esbuild.js')], { stdio: 'ignore' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-lint-bench-'));
try {
  for (let i = 0; i < 100; i++) {
    const sub = path.join(dir, `service${String(i).padStart(3, '0')}`);
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'Dockerfile'), generateDockerfile(14 + (i % 7) * 14));
  }
  const wall = (args: string[]) => {
    const samples: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
      samples.push(performance.now() - t);
      if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
    }
    return median(samples);
  };
  const node = wall(['-e', '0']);
  const lint = wall([cli, 'lint', '--format', 'json', dir]);
  console.log(`stevedore lint, 100 files (${fs.readdirSync(dir).length} folders, 14-98 lines each): ${ms(lint)} wall; a cold \`node -e 0\` ${ms(node)}; difference ${ms(lint - node)} (target < 100 ms)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
