import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageStore } from '../../src/core/store/imageStore';
import { checkStore } from '../../src/core/store/storeCheck';
import { patternDigest, tempHome } from '../support/storeImages';

const WORKER = path.resolve(__dirname, '../support/storeWorker.ts');

function worker(args: string[]): { done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>; started: Promise<void>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  // The first line says the worker is writing: startup time (tsx, a busy machine) is not a kill point worth testing.
  const started = new Promise<void>((resolve) => {
    child.stdout.once('data', () => resolve());
    child.on('close', () => resolve());
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { done, started, kill: () => child.kill('SIGKILL') };
}

describe('the core store under concurrent processes and kill -9', () => {
  const { home, cleanup } = tempHome('stevedore-concurrency-');
  after(cleanup);

  test('two processes writing the same blobs and tagging at once: every name lands, fsck clean', { timeout: 180_000 }, async () => {
    const storeHome = path.join(home, 'two');
    const count = 8;
    const [one, two] = [worker(['populate', storeHome, '0', String(count)]), worker(['populate', storeHome, '1', String(count)])];
    const results = await Promise.all([one.done, two.done]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const store = await ImageStore.open(storeHome);
    const refs = (await store.list()).flatMap((i) => i.refs);
    for (let i = 0; i < count; i++) {
      for (const name of [`shared:${i}`, `w0:${i}`, `w1:${i}`]) assert.ok(refs.includes(`docker.io/library/${name}`), `${name} is tagged`);
      assert.ok(await store.hasBlob(patternDigest(1000 + i, 2 << 20)));
    }
    const check = await checkStore(store);
    assert.equal(check.clean, true, JSON.stringify(check.problems));
    assert.deepEqual(check.leftovers, [], 'no lock or temp file is left behind');
  });

  test('kill -9 at random points of large ingests, 24 times: fsck clean every time, then the store finishes the job', { timeout: 600_000 }, async () => {
    const storeHome = path.join(home, 'killed');
    const [blobs, mib] = [6, 24];
    const offsets: number[] = [];
    for (let round = 0; round < 24; round++) {
      const w = worker(['big', storeHome, String(blobs), String(mib)]);
      await w.started;
      await sleep(Math.floor(Math.random() * 1_500));
      w.kill();
      const r = await w.done;
      for (const m of r.stdout.matchAll(/offset (\d+) complete false/g)) offsets.push(Number(m[1]));
      const store = await ImageStore.open(storeHome);
      const check = await checkStore(store);
      assert.equal(check.clean, true, `round ${round} (${r.signal ?? r.code}): ${JSON.stringify(check.problems)}`);
      await store.list();
    }
    assert.ok(offsets.some((o) => o > 0), `some ingest resumed a partial (offsets seen: ${offsets.join(', ')})`);
    const last = await worker(['big', storeHome, String(blobs), String(mib)]).done;
    assert.equal(last.code, 0, last.stderr);
    const store = await ImageStore.open(storeHome);
    for (let seed = 0; seed < blobs; seed++) {
      const digest = patternDigest(seed, mib << 20);
      await store.verifyBlob(digest);
      assert.equal((await store.resolve(`big:${seed}`)) !== undefined, true);
    }
    const final = await checkStore(store, { repair: true });
    assert.equal(final.clean, true, JSON.stringify(final.problems));
  });
});
