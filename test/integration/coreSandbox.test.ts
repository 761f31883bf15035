import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mountImageRootfs, type MountedRootfs } from '../../src/core/run/rootfs';
import { spawnSandboxed, type SandboxSpec } from '../../src/core/run/sandbox';
import { ImageStore } from '../../src/core/store/imageStore';
import { coreBaseMissing, loadBaseImage } from '../support/coreRuntime';
import { skipUnlessAvailable } from '../support/services';
import { tempHome } from '../support/storeImages';

function runIn(rootfs: string, script: string, extra: Partial<SandboxSpec> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnSandboxed({ rootfs, argv: ['/bin/sh', '-c', script], env: ['GREETING=hello'], cwd: '/', network: 'none', ...extra });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out: out.trim(), err })));
}

describe('sandbox: real namespaces on the busybox base image', { skip: skipUnlessAvailable(coreBaseMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-sandbox-');
  let rootfs: MountedRootfs;
  before(async () => {
    const store = await ImageStore.open(home);
    const ref = await loadBaseImage(store);
    const c = path.join(home, 'c');
    rootfs = await mountImageRootfs(store, ref, { upper: `${c}/upper`, work: `${c}/work`, merged: `${c}/merged` });
  });
  after(async () => {
    await rootfs?.release();
    cleanup();
  });

  test('the process is PID 1 with its own hostname', async () => {
    const r = await runIn(rootfs.merged, 'echo $$; hostname; cat /proc/1/cmdline | tr "\\0" " "', { hostname: 'box-one' });
    assert.equal(r.code, 0, r.err);
    const [pid, hostname, cmdline] = r.out.split('\n');
    assert.equal(pid, '1');
    assert.equal(hostname, 'box-one');
    assert.match(cmdline, /^\/bin\/sh -c/);
  });

  test('network none has only lo; host network sees the host interfaces', async () => {
    const none = await runIn(rootfs.merged, 'ls /sys/class/net');
    assert.deepEqual(none.out.split(/\s+/), ['lo']);
    const host = await runIn(rootfs.merged, 'ls /sys/class/net', { network: 'host' });
    assert.deepEqual(host.out.split(/\s+/).sort(), fs.readdirSync('/sys/class/net').sort());
  });

  test('only the container env, the user from /etc/passwd or numbers, and the working dir', async () => {
    const r = await runIn(rootfs.merged, 'env | sort; id -u; id -g; pwd', { user: '1234:99', cwd: '/srv/app' });
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.ok(lines.includes('GREETING=hello'));
    assert.ok(!lines.some((l) => l.startsWith('DOCKER_HOST=') || l.startsWith('STEVEDORE_')), 'no host variable leaks in');
    assert.deepEqual(lines.slice(-3), ['1234', '99', '/srv/app']);
    const root = await runIn(rootfs.merged, 'id -un', { user: 'root' });
    assert.equal(root.out, 'root');
    assert.throws(() => spawnSandboxed({ rootfs: rootfs.merged, argv: ['true'], env: [], cwd: '/', network: 'none', user: 'nobody-here' }), /unable to find user nobody-here/);
  });

  test('/dev basics work and the host does not see the container mounts', async () => {
    const r = await runIn(rootfs.merged, 'echo x > /dev/null && head -c 4 /dev/urandom | wc -c && ls /proc/self/ns >/dev/null && echo ok');
    assert.deepEqual(r.out.split('\n').map((l) => l.trim()), ['4', 'ok']);
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    assert.ok(!mounts.includes(`${rootfs.merged}/proc`), 'the container /proc is not mounted on the host');
  });

  test('the exit code is the process exit code', async () => {
    assert.equal((await runIn(rootfs.merged, 'exit 7')).code, 7);
  });
});
