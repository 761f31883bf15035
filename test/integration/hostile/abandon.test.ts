import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { assertClean, NOBODY, runCli, runCliAsync, userDir, usersMissing } from '../../support/hostile';
import { skipUnlessAvailable } from '../../support/services';
import { makeImageArchive, makeTar } from '../../support/tarBuilder';

/** The pids of processes whose command line names `text` (the supervisor is given its container's dir). */
function processesNaming(text: string): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmdline = (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmdline.includes(text)) found.push(Number(pid));
  }
  return found;
}

describe('hostile: a container whose requester is killed while it is being set up', { skip: skipUnlessAvailable(usersMissing()) }, () => {
  const cleanups: (() => void)[] = [];
  after(() => cleanups.forEach((c) => c()));

  for (const user of ['root', 'nobody'] as const) {
    test(`${user}: kill -9 of "run" during a long unpack stops its supervisor and records why`, async () => {
      const { dir: home, cleanup } = userDir(user, 'stevedore-abandon-');
      cleanups.push(cleanup);
      const env = { STEVEDORE_ENGINE: 'core' };
      // 40,000 small files: seconds of unpacking, from a gzip of a few hundred KB.
      const layer = zlib.gzipSync(makeTar(Array.from({ length: 40_000 }, (_, i) => ({ path: `d${i % 200}/f${i}`, content: 'x' }))));
      const archive = path.join(home, 'slow.tar');
      fs.writeFileSync(archive, makeImageArchive([layer], { tag: 'hostile/slow:1' }));
      if (user === 'nobody') fs.chownSync(archive, NOBODY, NOBODY);
      assert.equal(runCli(user, home, ['load', '-i', archive], { env, timeoutMs: 60_000 }).status, 0);

      let cli: { kill(signal: NodeJS.Signals): boolean } | undefined;
      const run = runCliAsync(user, home, ['run', '--name', 'slow', 'hostile/slow:1', 'true'], { env, timeoutMs: 60_000, onStart: (child) => (cli = child) });
      const containers = path.join(home, 'containers');
      let supervisors: number[] = [];
      let containerDir = '';
      for (const deadline = Date.now() + 20_000; !supervisors.length && Date.now() < deadline; await sleep(20)) {
        const [id] = fs.existsSync(containers) ? fs.readdirSync(containers) : [];
        if (!id) continue;
        containerDir = path.join(containers, id);
        supervisors = processesNaming(containerDir);
      }
      assert.ok(supervisors.length, 'the supervisor started');
      cli!.kill('SIGKILL');
      const killed = await run;
      assert.equal(killed.signal, 'SIGKILL');

      const stopped = Date.now();
      for (const deadline = stopped + 10_000; processesNaming(containerDir).length && Date.now() < deadline;) await sleep(50);
      const stoppedAfter = Date.now() - stopped;
      assert.deepEqual(processesNaming(containerDir), [], 'the supervisor still runs 10 s after its requester died');
      const state = JSON.parse(fs.readFileSync(path.join(containerDir, 'state.json'), 'utf8')) as { status: string; error?: string };
      assert.equal(state.status, 'exited');
      assert.match(state.error ?? '', /abandoned: the process that started the container went away before it was set up/);
      const ps = runCli(user, home, ['ps', '-a'], { env });
      assert.equal(ps.status, 0);
      assertClean(ps.stdout + ps.stderr);
      assert.match(ps.stdout, /slow/);
      const rm = runCli(user, home, ['rm', 'slow'], { env });
      assert.equal(rm.status, 0, rm.stderr);
      console.log(`# ${user}: the supervisor stopped ${stoppedAfter} ms after its requester was killed`);
    });
  }
});
