import fs from 'node:fs';
import path from 'node:path';

/** The shared workloads folder: $STEVEDORE_WORKLOADS, else ../shared/workloads beside the repository. */
export function workloadsDir(): string {
  const dir = process.env.STEVEDORE_WORKLOADS ?? path.resolve(__dirname, '../../../shared/workloads');
  if (!fs.existsSync(path.join(dir, 'c-Dockerfile'))) throw new Error(`no c-Dockerfile in ${dir}: set STEVEDORE_WORKLOADS to the shared workloads folder`);
  return dir;
}

/**
 * A Dockerfile of exactly `lines` lines made from the workload's c-Dockerfile, copy after copy, each
 * copy's stages renamed (build0, build1, ...) so the stages stay distinct. Same bytes on every run.
 */
export function generateDockerfile(lines: number): string {
  const base = fs.readFileSync(path.join(workloadsDir(), 'c-Dockerfile'), 'utf8').trimEnd().split('\n');
  const out: string[] = [];
  for (let copy = 0; out.length < lines; copy++) {
    for (const line of base) out.push(line.replace(/\bAS build\b/, `AS build${copy}`).replace(/--from=build\b/, `--from=build${copy}`));
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}
