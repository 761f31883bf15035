import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImageStore } from '../../src/core/store/imageStore';
import { coreBaseMissing, loadBaseImage } from '../support/coreRuntime';
import { skipUnlessAvailable } from '../support/services';
import { tempHome } from '../support/storeImages';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

describe('the stevedore CLI (built) running containers with --engine core', { skip: skipUnlessAvailable(coreBaseMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-core-cli-');
  const stevedore = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, STEVEDORE_HOME: home, STEVEDORE_ENGINE: 'core' }, timeout: 60_000 });
  let image = '';
  before(async () => {
    image = await loadBaseImage(await ImageStore.open(home));
  });
  after(() => {
    const left = stevedore('ps', '-aq').stdout.split('\n').filter(Boolean);
    if (left.length) stevedore('rm', '-f', ...left);
    cleanup();
  });

  test('run attached prints the output and exits with the container exit code; --rm leaves nothing', () => {
    const r = stevedore('run', '--rm', '--network', 'none', '--hostname', 'cli-box', image, 'sh', '-c', 'echo out $(hostname) $$; echo err >&2; exit 4');
    assert.equal(r.status, 4, r.stderr);
    assert.equal(r.stdout, 'out cli-box 1\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(stevedore('ps', '-aq').stdout, '');
  });

  test('run -d, ps, exec, logs -t, stop, ps -a, rm', () => {
    const run = stevedore('run', '-d', '--name', 'cli-web', '-e', 'A=1', '-e', 'B=2', '-w', '/app', image, 'sh', '-c', 'trap "echo bye; exit 0" TERM; echo A=$A B=$B; while true; do sleep 0.1; done');
    assert.equal(run.status, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(stevedore('ps').stdout, new RegExp(`^${id.slice(0, 12)}\\s+${image.replace('.', '\\.')}\\s+".*"\\s+.* ago\\s+Up .*\\scli-web$`, 'm'));
    const exec = stevedore('exec', '-u', '1000', 'cli-web', 'sh', '-c', 'echo $A $(pwd) $(id -u)');
    assert.equal(exec.status, 0, exec.stderr);
    assert.equal(exec.stdout, '1 /app 1000\n');
    assert.equal(stevedore('exec', 'cli-web', 'sh', '-c', 'exit 3').status, 3);
    const tty = spawnSync(process.execPath, [CLI, 'exec', '-it', 'cli-web', 'sh'], { input: '[ -t 0 ] && stty size; exit 2\n', encoding: 'utf8', env: { ...process.env, STEVEDORE_HOME: home, STEVEDORE_ENGINE: 'core' }, timeout: 30_000 });
    assert.equal(tty.status, 2, tty.stderr);
    assert.match(tty.stdout, /^24 80\r?$/m, 'a terminal of the default size when stdout is not one');
    const stop = stevedore('stop', '-t', '5', 'cli-web');
    assert.equal(stop.status, 0, stop.stderr);
    const logs = stevedore('logs', '-t', 'cli-web');
    assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT\S+Z A=1 B=2\n\d{4}-\d\d-\d\dT\S+Z bye\n$/);
    assert.match(stevedore('ps', '-a').stdout, /Exited \(0\) .* ago\s+cli-web$/m);
    assert.equal(stevedore('ps').stdout.includes('cli-web'), false);
    assert.equal(stevedore('rm', 'cli-web').status, 0);
    const gone = stevedore('logs', 'cli-web');
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^stevedore: No such container: cli-web\n$/);
  });

  test('rm of a running container needs -f; kill sends the signal', () => {
    assert.equal(stevedore('run', '-d', '--name', 'cli-long', image, 'sleep', '60').status, 0);
    const refused = stevedore('rm', 'cli-long');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /cannot remove a running container/);
    assert.equal(stevedore('kill', 'cli-long').status, 0);
    assert.equal(stevedore('rm', '-f', 'cli-long').status, 0);
    assert.equal(stevedore('ps', '-aq').stdout, '');
  });

  test('bad input: unknown image, bad network, exec on a stopped container', () => {
    const noImage = stevedore('run', 'nothing-here:1');
    assert.equal(noImage.status, 125);
    assert.match(noImage.stderr, /No such image: nothing-here:1/);
    const badNet = stevedore('run', '--network', 'bridge', image, 'true');
    assert.equal(badNet.status, 125);
    assert.match(badNet.stderr, /--network is host or none/);
    assert.equal(stevedore('run', '--name', 'cli-done', image, 'true').status, 0);
    const exec = stevedore('exec', 'cli-done', 'true');
    assert.equal(exec.status, 1);
    assert.match(exec.stderr, /is not running/);
  });
});
