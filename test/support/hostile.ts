import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The bundled CLI (the integration layer's build step makes it). */
export const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** A password planted in hostile inputs: it must appear in no output, log or file the product writes. */
export const SECRET = 'S3cr3t-Pl4nted-7f1c9e';

/** The users a hostile test runs the CLI as: root, and an unprivileged one (nobody, via setpriv). */
export type AsUser = 'root' | 'nobody';

export const NOBODY = 65534;

/** Why the CLI cannot be run as both users here, or undefined. */
export function usersMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run the CLI as root and as nobody';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is not installed';
  if (!fs.existsSync(CLI)) return `${CLI} is not built (node esbuild.js)`;
  return undefined;
}

/**
 * A temp dir the given user owns (the parent is world-searchable so nobody reaches it); removed
 * by the returned cleanup.
 */
export function userDir(user: AsUser, prefix = 'stevedore-hostile-'): { dir: string; cleanup: () => void } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(parent, 0o755);
  const dir = path.join(parent, user);
  fs.mkdirSync(dir);
  if (user === 'nobody') fs.chownSync(dir, NOBODY, NOBODY);
  return { dir, cleanup: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

type CliOptions = { env?: Record<string, string>; timeoutMs?: number; cwd?: string; input?: string };

function cliInvocation(user: AsUser, home: string, args: readonly string[], options: CliOptions): { argv: string[]; env: Record<string, string> } {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, STEVEDORE_HOME: home, TMPDIR: path.join(home, 'tmp'), NO_COLOR: '1', ...options.env };
  fs.mkdirSync(env.TMPDIR, { recursive: true });
  if (user === 'nobody') fs.chownSync(env.TMPDIR, NOBODY, NOBODY);
  const argv = user === 'root' ? [process.execPath, CLI, ...args] : ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args];
  return { argv, env };
}

/** Runs `stevedore ARGS` as `user` with its store at `home`, killed after `timeoutMs`. */
export function runCli(user: AsUser, home: string, args: readonly string[], options: CliOptions = {}): CliResult {
  const { argv, env } = cliInvocation(user, home, args, options);
  const started = Date.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, cwd: options.cwd ?? home, input: options.input, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - started };
}

/** runCli without blocking this process: for a test that serves the CLI itself (a fake registry). */
export function runCliAsync(user: AsUser, home: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const { argv, env } = cliInvocation(user, home, args, options);
  const started = Date.now();
  const child = spawn(argv[0], argv.slice(1), { env, cwd: options.cwd ?? home, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve) => child.on('close', (status, signal) => {
    clearTimeout(timer);
    resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
  }));
}

/** C0 controls (but tab and newline), DEL and C1 controls: what must never reach a terminal raw. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

/**
 * What a user may be shown: no stack trace, no raw control character, no planted secret, no
 * internal JavaScript error text.
 */
export function assertClean(text: string, what = 'output'): void {
  assert.doesNotMatch(text, /^\s+at .+[(:]\d+/m, `${what} has a stack trace:\n${text}`);
  assert.doesNotMatch(text, CONTROL, `${what} has a raw control character: ${JSON.stringify(text.slice(0, 400))}`);
  assert.ok(!text.includes(SECRET), `${what} shows the planted secret:\n${text}`);
  assert.doesNotMatch(text, /is not iterable|Cannot read propert|undefined is not|Unhandled 'error'|Maximum call stack|Invalid time value/, `${what} shows an internal error:\n${text}`);
}

/** The CLI failed as a user expects: exit status 1 (not a signal or a crash), a clean message matching `message`. */
export function assertRefused(r: CliResult, message: RegExp): void {
  assert.equal(r.signal, null, `killed by ${r.signal} after ${r.ms} ms (it did not end in time):\n${r.stderr}`);
  assert.equal(r.status, 1, `exit ${r.status}, expected 1:\n${r.stdout}\n${r.stderr}`);
  assertClean(r.stdout + r.stderr);
  assert.match(r.stderr, message);
}

/** No file under `dir` contains the planted secret. */
export function assertNoSecretIn(dir: string): void {
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    assert.ok(!fs.readFileSync(file).includes(SECRET), `${file} holds the planted secret`);
  }
}

/** `stevedore fsck` over the store reports it clean. */
export function assertFsckClean(user: AsUser, home: string): void {
  const r = runCli(user, home, ['fsck']);
  assert.equal(r.status, 0, `fsck: ${r.stdout}${r.stderr}`);
}
