import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FORMATS } from '../../../src/cli/lintFormats';
import { lintDockerfile } from '../../../src/dockerfile/linter';
import { printable } from '../../../src/engine/humanize';
import { assertClean, runCli, userDir, usersMissing, type AsUser } from '../../support/hostile';
import { reportedFindings } from '../../support/lintOutput';

const GOOD = 'FROM debian\nRUN apt-get install curl && cd /tmp\nUSER root\n';
/** 100,000 nested `$(`: 1,876 once overflowed the stack and hid every file's results. */
const DEEP = `FROM debian:12\nRUN ${'$('.repeat(100_000)}\nRUN sudo make\n`;
/** Clears the line, returns the cursor and prints a fake verdict; with what XML cannot hold. */
const CONTROL = 'FROM debian:12\n\x1b[2K\rverified\x07OK\uffff\ud800\x01 x\n';
const CONTROL_NAME = 'ctrl\x1b[2K\r\x07.Dockerfile';

/** How each format writes a file name. */
function written(format: string, name: string): string {
  return format === 'tty' || format === 'gnu' || format === 'checkstyle' ? printable(name, true) : name;
}

describe('hostile Dockerfiles: stevedore lint reports every file, clean and valid, as root and as nobody', { skip: usersMissing() }, () => {
  for (const user of ['root', 'nobody'] as AsUser[]) {
    test(`as ${user}: a good file, a 100,000-deep one and one full of control characters, in every format`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        fs.mkdirSync(path.join(dir, 'good'));
        fs.writeFileSync(path.join(dir, 'good/Dockerfile'), GOOD);
        fs.writeFileSync(path.join(dir, 'deep.Dockerfile'), DEEP);
        fs.writeFileSync(path.join(dir, CONTROL_NAME), CONTROL);
        const expected = lintDockerfile(GOOD).findings.map((f) => `good/Dockerfile:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.rule}`);
        assert.ok(expected.length >= 5, expected.join('\n'));
        for (const format of FORMATS) {
          const r = runCli(user, dir, ['lint', '--format', format, 'good/Dockerfile', 'deep.Dockerfile', CONTROL_NAME], { timeoutMs: 30_000 });
          assert.equal(r.signal, null, `${format}: killed after ${r.ms} ms`);
          assert.equal(r.status, 1, `${format}: ${r.stdout}${r.stderr}`);
          assertClean(r.stdout + r.stderr, `${format} output`);
          const found = reportedFindings(format, r.stdout);
          const at = (f: { file: string; line: number; column: number; rule: string }) => `${f.file}:${f.line}:${f.column} ${f.rule}`;
          assert.deepEqual(found.filter((f) => f.file === 'good/Dockerfile').map(at), expected, `${format}: the good file's findings`);
          assert.ok(found.some((f) => f.file === 'deep.Dockerfile' && f.rule === 'DF013' && f.line === 2), `${format}: DF013 for the deep file`);
          assert.ok(found.some((f) => f.file === written(format, CONTROL_NAME) && f.rule === 'DF001' && f.line === 2), `${format}: DF001 for the control characters`);
          console.log(`# ${user} ${format}: ${found.length} findings in ${r.ms} ms`);
        }
      } finally {
        cleanup();
      }
    });
  }
});
