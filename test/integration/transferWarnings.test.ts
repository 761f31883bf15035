import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImageStore } from '../../src/core/store/imageStore';
import { plainRegistry, registriesMissing, registryPassword, registryUser, secureRegistry } from '../support/registry';
import { skipUnlessAvailable } from '../support/services';
import { patternChunks, writeTestImage } from '../support/storeImages';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const run = `${process.pid}-${Date.now().toString(36)}`;
const LAYERS = 20;
/**
 * Per layer: pseudo-random bytes (incompressible), far more than a socket buffers, so every PUT of a
 * layer waits for 'drain' dozens of times — the wait that once left a 'close' listener behind each
 * time (MaxListenersExceededWarning past ten in one request).
 */
const LAYER_BYTES = 3 << 20;

interface CliRun { status: number | null; stdout: string; stderr: string }

/**
 * The built CLI as a child process, asynchronously (so the test's own event loop stays free), with
 * --trace-warnings so any process warning it emits lands on its stderr with a stack.
 */
function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, NODE_OPTIONS: '--trace-warnings' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** The run exited 0 and its stderr has no process warning at all (no "Warning", no "(node:PID)" line). */
function assertQuiet(what: string, result: CliRun): void {
  assert.equal(result.status, 0, `${what} failed:\n${result.stderr}`);
  const lines = result.stderr.split('\n');
  const first = lines.findIndex((line) => /Warning|\(node:\d*\)/.test(line));
  if (first < 0) return;
  const warnings = lines.filter((line) => /Warning|\(node:\d*\)/.test(line));
  // Each warning once, then the first one with its stack (--trace-warnings): what added the listener.
  assert.fail(`${what} printed ${warnings.length} process warning line(s):\n${[...new Set(warnings)].join('\n')}\nthe first with its stack:\n${lines.slice(first, first + 12).join('\n')}`);
}

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`push and pull of a ${LAYERS}-layer image with the CLI's bundled engine print no process warning`, { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  /** A user's home: Docker's certs.d with the test CA (for the TLS registry), an empty Docker config. */
  let userHome: string;
  let env: NodeJS.ProcessEnv;
  let layerDigests: string[] = [];
  const plainRef = `${plainRegistry()}/warnings-${run}/layers:${LAYERS}`;
  const secureRef = `${secureRegistry()}/warnings-${run}/layers:${LAYERS}`;

  before(async () => {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run node esbuild.js`);
    userHome = tempDir('stevedore-warnings-home-');
    const certs = path.join(userHome, '.docker/certs.d', secureRegistry());
    fs.mkdirSync(certs, { recursive: true });
    fs.copyFileSync(process.env.STEVEDORE_TEST_REGISTRY_CA!, path.join(certs, 'ca.crt'));
    env = { ...process.env, HOME: userHome, STEVEDORE_HOME: path.join(userHome, 'pushing-store') };
    delete env.DOCKER_CONFIG;
    delete env.STEVEDORE_ENGINE;

    const store = await ImageStore.open(env.STEVEDORE_HOME);
    const layers = Array.from({ length: LAYERS }, (_, i) => [{ path: `data/layer-${i}.bin`, content: Buffer.concat([...patternChunks(1000 + i, LAYER_BYTES)]) }]);
    const image = await writeTestImage(store, layers);
    await store.tag(plainRef, image.manifest);
    await store.tag(secureRef, image.manifest);
    layerDigests = (await store.resolveManifest(image.manifest)).manifest.layers.map((l) => l.digest);
    assert.equal(new Set(layerDigests).size, LAYERS, 'each layer its own blob');
  });

  /** Pulls `ref` into a fresh store and checks it has the pushed layers, all of them. */
  async function pullAndCheck(ref: string): Promise<void> {
    const pullEnv = { ...env, STEVEDORE_HOME: tempDir('stevedore-warnings-pulled-') };
    assertQuiet(`pull --engine core ${ref}`, await cli(['pull', '--engine', 'core', ref], pullEnv));
    const pulled = await ImageStore.open(pullEnv.STEVEDORE_HOME);
    const { manifest } = await pulled.resolveManifest((await pulled.resolve(ref))!);
    assert.equal(manifest.layers.length, LAYERS);
    assert.deepEqual(manifest.layers.map((l) => l.digest), layerDigests);
    for (const digest of layerDigests) assert.equal(fs.statSync(pulled.blobPath(digest)).size > LAYER_BYTES, true, `${digest} is in the pulled store, whole`);
  }

  test('to the plain registry', { timeout: 600_000 }, async () => {
    assertQuiet(`push --engine core ${plainRef}`, await cli(['push', '--engine', 'core', plainRef], env));
    await pullAndCheck(plainRef);
  });

  test('to the TLS registry with a password', { timeout: 600_000 }, async () => {
    assertQuiet(`login ${secureRegistry()}`, await cli(['login', '-u', registryUser(), '--password-stdin', secureRegistry()], env, `${registryPassword()}\n`));
    assertQuiet(`push --engine core ${secureRef}`, await cli(['push', '--engine', 'core', secureRef], env));
    await pullAndCheck(secureRef);
  });
});
