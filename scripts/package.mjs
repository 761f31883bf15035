// `npm run package`: the production bundles, then `vsce package` into stevedore.vsix. Fails when
// vsce warns about anything (it would ask "Do you want to continue?" on a terminal) or when the
// .vsix grows past 2 MB; prints the size.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT = 2 * 1024 * 1024;
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const build = run(process.execPath, ['esbuild.js', '--production']);
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  process.exit(1);
}
const vsce = run(path.join(root, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '-o', 'stevedore.vsix']);
const said = vsce.stdout + vsce.stderr;
process.stdout.write(said);
if (vsce.status !== 0 || /WARNING/.test(said)) {
  console.error('vsce did not package cleanly: fix what it says above.');
  process.exit(1);
}
const size = fs.statSync(path.join(root, 'stevedore.vsix')).size;
console.log(`stevedore.vsix: ${(size / 1024).toFixed(0)} KB (limit ${LIMIT / 1024} KB)`);
if (size > LIMIT) process.exit(1);
