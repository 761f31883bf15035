import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ContainerRunner, RunnerError } from '../../src/core/run/containerRunner';
import { ImageStore } from '../../src/core/store/imageStore';
import { coreBaseMissing, loadBaseImage, sourceSupervisor } from '../support/coreRuntime';
import { skipUnlessAvailable } from '../support/services';
import { tempHome } from '../support/storeImages';

function collect(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

const LOOP = 'trap "echo got TERM; exit 3" TERM; echo started; while true; do sleep 0.1; done';

describe('core containers on real namespaces', { skip: skipUnlessAvailable(coreBaseMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-containers-');
  let runner: ContainerRunner;
  let image = '';
  before(async () => {
    const store = await ImageStore.open(home);
    image = await loadBaseImage(store);
    runner = new ContainerRunner(home, store, sourceSupervisor);
  });
  after(async () => {
    for (const c of await runner.list({ all: true })) await runner.remove(c.config.id, { force: true }).catch(() => undefined);
    cleanup();
  });

  test('a container outlives its creator: another process lists it running, then stops it with the grace period', async () => {
    const created = await runner.create({ image, name: 'survivor', command: ['sh', '-c', LOOP] });
    const state = await runner.start('survivor');
    assert.equal(state.status, 'running');
    assert.ok(state.pid && fs.existsSync(`/proc/${state.pid}`));
    const script = `
      const { ContainerRunner } = require(${JSON.stringify(path.resolve('src/core/run/containerRunner.ts'))});
      const { ImageStore } = require(${JSON.stringify(path.resolve('src/core/store/imageStore.ts'))});
      (async () => {
        const runner = new ContainerRunner(${JSON.stringify(home)}, await ImageStore.open(${JSON.stringify(home)}));
        const list = await runner.list();
        console.log(JSON.stringify(list.map((c) => [c.config.name, c.state.status])));
        const t = Date.now();
        await runner.stop('survivor', 5);
        console.log(Date.now() - t);
      })();`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(JSON.parse(out[0]), [['survivor', 'running']]);
    assert.ok(Number(out[1]) < 4000, `the TERM trap ended it within the grace period (${out[1]} ms)`);
    const after = await runner.get(created.id);
    assert.equal(after.state.status, 'exited');
    assert.equal(after.state.exitCode, 3);
    const lines: string[] = [];
    for await (const line of runner.logs('survivor')) lines.push(`${line.stream}:${line.log}`);
    assert.deepEqual(lines, ['stdout:started\n', 'stdout:got TERM\n']);
    assert.equal(fs.readdirSync(after.paths.merged).length, 0, 'the overlay is unmounted once it exits');
  });

  test('a process that ignores the stop signal is killed after the grace period (137)', async () => {
    await runner.create({ image, name: 'stubborn', command: ['sleep', '60'] });
    await runner.start('stubborn');
    const t = Date.now();
    await runner.stop('stubborn', 1);
    const elapsed = Date.now() - t;
    assert.ok(elapsed >= 900 && elapsed < 8000, `${elapsed} ms`);
    const { state } = await runner.get('stubborn');
    assert.equal(state.exitCode, 137);
  });

  test('logs follow a running container until it exits, with timestamps', async () => {
    await runner.create({ image, name: 'talker', command: ['sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.3; done; echo oops >&2'] });
    await runner.start('talker');
    const lines: { time: string; stream: string; log: string }[] = [];
    for await (const line of runner.logs('talker', { follow: true })) lines.push(line);
    assert.deepEqual(lines.map((l) => `${l.stream}:${l.log}`), ['stdout:line 1\n', 'stdout:line 2\n', 'stdout:line 3\n', 'stderr:oops\n']);
    assert.ok(Date.parse(lines[2].time) - Date.parse(lines[0].time) >= 400, 'each line carries its own time');
    assert.equal((await runner.get('talker')).state.exitCode, 0);
    const tail: string[] = [];
    for await (const line of runner.logs('talker', { tail: 1 })) tail.push(line.log);
    assert.deepEqual(tail, ['oops\n']);
  });

  test('exec runs in the container namespaces, with its env, user and workdir', async () => {
    await runner.create({ image, name: 'host-of-exec', command: ['sh', '-c', LOOP], env: ['ROLE=server'], workdir: '/srv', hostname: 'exec-box' });
    await runner.start('host-of-exec');
    const r = await collect(await runner.exec('host-of-exec', ['sh', '-c', 'echo $ROLE $EXTRA; hostname; pwd; id -u; grep -c "echo started" /proc/1/cmdline; ls /sys/class/net'], { env: ['EXTRA=x'], user: '1000' }));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['server x', 'exec-box', '/srv', '1000', '1', 'lo']);
    const failing = await collect(await runner.exec('host-of-exec', ['sh', '-c', 'exit 5']));
    assert.equal(failing.code, 5);
    await runner.remove('host-of-exec', { force: true });
    await assert.rejects(runner.get('host-of-exec'), (err: RunnerError) => err.reason === 'notFound');
  });

  test('list, inspect, restart, kill, names and removal as Docker has them', async () => {
    const c = await runner.create({ image, name: 'inspected', command: ['sh', '-c', LOOP], network: 'host' });
    await assert.rejects(runner.create({ image, name: 'inspected', command: ['true'] }), /name "\/inspected" is already in use/);
    assert.equal((await runner.list()).some((r) => r.config.name === 'inspected'), false, 'created is not running');
    assert.ok((await runner.list({ all: true })).some((r) => r.config.name === 'inspected'));
    await runner.start(c.id.slice(0, 12));
    const inspected = await runner.inspect('inspected') as unknown as { Name: string; State: { Running: boolean; Pid: number }; Config: { Cmd: string[] }; HostConfig: { NetworkMode: string } };
    assert.equal(inspected.Name, '/inspected');
    assert.equal(inspected.State.Running, true);
    assert.ok(inspected.State.Pid > 0);
    assert.deepEqual(inspected.Config.Cmd, ['sh', '-c', LOOP]);
    assert.equal(inspected.HostConfig.NetworkMode, 'host');
    await assert.rejects(runner.remove('inspected'), /cannot remove a running container/);
    await runner.restart('inspected', 5);
    const restarted = await runner.get('inspected');
    assert.equal(restarted.state.status, 'running');
    assert.equal(restarted.state.restartCount, 1);
    await runner.kill('inspected', 'KILL');
    for (let i = 0; i < 100 && (await runner.get('inspected')).state.status === 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await runner.get('inspected')).state.exitCode, 137);
    await runner.remove('inspected');
    assert.equal(fs.existsSync(path.join(home, 'containers', c.id)), false);
    await runner.create({ image, name: 'inspected', command: ['true'] });
  });

  test('--rm removes the container when it exits; a bad user fails the start with the reason', async () => {
    const c = await runner.create({ image, command: ['true'], autoRemove: true });
    await runner.start(c.id);
    for (let i = 0; i < 100 && fs.existsSync(path.join(home, 'containers', c.id)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fs.existsSync(path.join(home, 'containers', c.id)), false);
    await runner.create({ image, name: 'baduser', command: ['true'], user: 'nobody-here' });
    await assert.rejects(runner.start('baduser'), /unable to find user nobody-here/);
  });
});
