// `npm test`: type check, lint, unit, integration, extension-host and end-to-end tests, then one
// summary line. `node scripts/test.mjs unit|integration|exthost|e2e|static` runs one layer.
// Integration and later layers run against the real services of scripts/test-services.sh and a
// real VS Code (code-server): when they are not there and this user can set them up (root on
// Debian), they are set up first, and the services started here are stopped at the end; services
// already running are used and left running. Where they cannot be set up, the last line says how
// many tests did not run and the one command that runs them.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const servicesEnv = path.join(process.env.STEVEDORE_SERVICES_STATE ?? '/tmp/stevedore-services', 'env');
const canSetUp = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get');
const SERVICES_COMMAND = 'sudo bash scripts/test-services.sh up, then npm test';

const bin = (name) => path.join(root, 'node_modules/.bin', name);
const nodeTest = (dir, extra = [], suffix = '.test.ts') => [process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...testFiles(dir, suffix)]];

const layers = {
  static: [
    { name: 'typecheck', cmd: [bin('tsc'), ['--noEmit', '-p', '.']] },
    { name: 'typecheck webview', cmd: [bin('tsc'), ['--noEmit', '-p', 'media']] },
    { name: 'lint', cmd: [bin('eslint'), ['.']] },
  ],
  unit: [{ name: 'unit', cmd: nodeTest('test/unit'), counts: true }],
  integration: [
    { name: 'build', cmd: [process.execPath, ['esbuild.js']] },
    { name: 'integration', cmd: nodeTest('test/integration', ['--test-concurrency=1']), counts: true },
  ],
  exthost: [
    { name: 'exthost', cmd: [process.execPath, ['--import', 'tsx', 'scripts/runExtensionHostTests.ts']], counts: 'mocha' },
  ],
  e2e: [
    { name: 'package', cmd: ['npm', ['run', '--silent', 'package']] },
    { name: 'e2e', cmd: nodeTest('test/e2e', ['--test-concurrency=1'], '.e2e.test.ts'), counts: true },
  ],
  readme: [{ name: 'readme first command', cmd: nodeTest('test/readme'), counts: true }],
};

function testFiles(dir, suffix = '.test.ts') {
  const abs = path.join(root, dir);
  return fs.readdirSync(abs, { recursive: true }).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(dir, f));
}

/** Runs a step, its output shown as it comes, or kept for later when `quiet`. */
function run(step, { quiet = false, env = {} } = {}) {
  const [cmd, args] = step.cmd;
  return new Promise((resolve) => {
    const started = Date.now();
    let output = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b) => { output += b; if (!quiet) process.stdout.write(b); });
    child.stderr.on('data', (b) => { output += b; if (!quiet) process.stderr.write(b); });
    child.on('close', (code) => resolve({ code, output, seconds: (Date.now() - started) / 1000 }));
  });
}

/**
 * The counts node's spec reporter prints last ("ℹ pass 12"). Its own skip count leaves out skipped
 * suites, so skips are counted from the "﹣" lines it prints for each skipped test or suite.
 */
function counts(output, format) {
  if (format === 'mocha') {
    const n = (word) => Number(new RegExp(`^\\s*(\\d+) ${word}`, 'm').exec(output)?.[1] ?? 0);
    return { pass: n('passing'), fail: n('failing'), skipped: n('pending') + (output.match(/^﹣ /gm) ?? []).length, cancelled: 0 };
  }
  const get = (key) => Number(new RegExp(`^ℹ ${key} (\\d+)`, 'm').exec(output)?.[1] ?? 0);
  const skipped = (output.match(/^\s*﹣ /gm) ?? []).length;
  return { pass: get('pass'), fail: get('fail'), skipped, cancelled: get('cancelled') };
}

const wanted = process.argv[2] ? [process.argv[2]] : ['static', 'unit', 'integration', 'exthost', 'e2e'];
const unknown = wanted.filter((w) => !layers[w]);
if (unknown.length) {
  console.error(`unknown test layer ${unknown.join(', ')}; use one of ${Object.keys(layers).join(', ')}`);
  process.exit(2);
}

/** Runs a setup script with its output shown; false when it failed. */
function setUp(what, script, args = []) {
  console.log(`\n━━ ${what} ━━`);
  return spawnSync('bash', [path.join(root, 'scripts', script), ...args], { cwd: root, stdio: 'inherit' }).status === 0;
}

let startedServices = false;
const needsServices = wanted.some((w) => ['integration', 'exthost', 'e2e'].includes(w));
if (needsServices && !fs.existsSync(servicesEnv) && canSetUp) {
  startedServices = setUp('test services (stopped again at the end)', 'test-services.sh', ['up']);
  if (startedServices) process.env.STEVEDORE_SERVICES_OWNED = '1';
}
if (fs.existsSync(servicesEnv)) {
  for (const line of fs.readFileSync(servicesEnv, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) process.env[m[1]] = m[2];
  }
}
// STEVEDORE_TEST_README=1 (CI): the README's first command test, on a fresh HOME, runs beside the
// layers that need no VS Code, and the code-server it installs there is the one the later layers use.
let readme;
if (process.env.STEVEDORE_TEST_README === '1' && !process.argv[2]) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-newcomer-'));
  process.env.STEVEDORE_TEST_CACHE = path.join(home, '.cache/stevedore-test');
  console.log(`\n━━ ${layers.readme[0].name}: started beside the other layers, its output follows when it ends ━━`);
  readme = { home, step: layers.readme[0], result: run(layers.readme[0], { quiet: true, env: { STEVEDORE_README_HOME: home } }) };
} else if (wanted.some((w) => ['exthost', 'e2e'].includes(w))) {
  // Says at once when it is installed already; as a user without the build packages it names them.
  setUp('code-server, a real VS Code for the end-to-end tests', 'install-code-server.sh');
}
const stopServices = () => {
  if (startedServices) spawnSync('bash', [path.join(root, 'scripts/test-services.sh'), 'down'], { cwd: root, stdio: 'inherit' });
  startedServices = false;
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopServices();
    process.exit(130);
  });
}

const summary = [];
const total = { pass: 0, fail: 0, skipped: 0 };
let failed = false;

function account(step, result) {
  if (step.counts) {
    const c = counts(result.output, step.counts);
    total.pass += c.pass;
    total.fail += c.fail + c.cancelled;
    total.skipped += c.skipped;
    summary.push(`${step.name} ${c.pass} passed, ${c.fail + c.cancelled} failed, ${c.skipped} skipped (${result.seconds.toFixed(1)} s)`);
    if (result.code !== 0 && c.fail + c.cancelled === 0) total.fail++;
  } else {
    summary.push(`${step.name} ${result.code === 0 ? 'ok' : 'FAILED'} (${result.seconds.toFixed(1)} s)`);
  }
  if (result.code !== 0) failed = true;
}

async function settleReadme() {
  if (!readme?.result) return;
  const result = await readme.result;
  console.log(`\n━━ ${readme.step.name} ━━\n${result.output}`);
  account(readme.step, result);
  readme.result = undefined;
}

for (const layer of wanted) {
  if (['exthost', 'e2e'].includes(layer)) await settleReadme();
  for (const step of layers[layer]) {
    console.log(`\n━━ ${step.name} ━━`);
    const result = await run(step);
    account(step, result);
    if (result.code !== 0 && !step.counts) break; // a failed build or type check makes the rest of the layer meaningless
  }
}
await settleReadme();
stopServices();
if (readme) fs.rmSync(readme.home, { recursive: true, force: true });
console.log(`\n${summary.join('\n')}`);
const counted = `${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`;
const missed = total.skipped ? `; ${total.skipped} tests or suites did not run (services, code-server or root missing, each said why above); to run them: ${SERVICES_COMMAND}` : '';
console.log(`\nnpm test: ${failed ? 'FAILED' : total.skipped ? 'incomplete' : 'passed'}: ${counted}${missed}`);
process.exit(failed ? 1 : 0);
