import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { coreBaseMissing } from '../support/coreRuntime';
import { baseImage, docker, skipUnlessAvailable } from '../support/services';
import { tempHome } from '../support/storeImages';

/** Runs as root (to switch to nobody) with setpriv; the rootless path is what nobody gets. */
function rootlessMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to switch to an unprivileged user';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is not installed';
  return coreBaseMissing();
}

const SCRIPT = `
import { ImageStore } from ${JSON.stringify(path.resolve('src/core/store/imageStore.ts'))};
import { loadArchive } from ${JSON.stringify(path.resolve('src/core/store/archiveLoad.ts'))};
import { mountImageRootfs } from ${JSON.stringify(path.resolve('src/core/run/rootfs.ts'))};
import { spawnSandboxed, sandboxSupport } from ${JSON.stringify(path.resolve('src/core/run/sandbox.ts'))};
const [home, archive, user] = process.argv.slice(2);
(async () => {
  const support = sandboxSupport();
  const store = await ImageStore.open(home);
  const [image] = await loadArchive(store, archive);
  const rootfs = await mountImageRootfs(store, image.manifest, { upper: home + '/c/upper', work: home + '/c/work', merged: home + '/c/merged' });
  let out = '';
  try {
    const child = spawnSandboxed({ rootfs: rootfs.merged, argv: ['/bin/sh', '-c', 'echo $$ $(hostname) $(id -u); ls /sys/class/net'], env: [], cwd: '/', hostname: 'rootless', network: 'none', user });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise((r) => child.on('close', r));
    console.log(JSON.stringify({ support, overlay: rootfs.overlay, code, out }));
  } catch (err) {
    console.log(JSON.stringify({ support, overlay: rootfs.overlay, error: err.message }));
  }
})();
`;

describe('rootless: an unprivileged user runs containers in a user namespace', { skip: skipUnlessAvailable(rootlessMissing()) }, () => {
  const { home: work, cleanup } = tempHome('stevedore-rootless-');
  const bundle = path.join(work, 'rootless.cjs');
  const archive = path.join(work, 'base.tar');
  before(async () => {
    fs.chmodSync(work, 0o777);
    await build({ stdin: { contents: SCRIPT, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
    docker('save', '-o', archive, baseImage());
    fs.chmodSync(archive, 0o644);
  });
  after(cleanup);
  const asNobody = (home: string, user = '') => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bundle, path.join(work, home), archive, user], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: work }, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { support: { ok: boolean; rootless?: boolean; reason?: string }; overlay: boolean; code?: number; out?: string; error?: string };
  };

  test('PID 1, its hostname, only lo, root inside; a copied tree, no overlay', () => {
    const r = asNobody('a');
    if (!r.support.ok) assert.match(r.support.reason ?? '', /refuses an unprivileged user namespace/);
    else {
      assert.equal(r.support.rootless, true);
      assert.equal(r.overlay, false);
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out, '1 rootless 0\nlo\n');
    }
  });

  test('another user than root is refused with the reason', () => {
    const r = asNobody('b', '1000');
    if (r.support.ok) assert.match(r.error ?? '', /user "1000" is not available without root/);
  });
});
