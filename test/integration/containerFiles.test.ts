import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { listContainerDirectory, readContainerFile } from '../../src/engine/containerFiles';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { isEngineError } from '../../src/engine/engine';
import { testEngines } from '../support/engines';
import { baseImage, skipUnlessAvailable } from '../support/services';

for (const target of testEngines()) describe(`a container's files, read through the ${target.name} archive API`, { skip: skipUnlessAvailable(target.missing()) }, () => {
  let engine: DaemonEngine;
  let id: string;
  const docker = (...args: string[]) => target.cli(...args);

  before(() => {
    engine = new DaemonEngine(target.endpoint());
    // A stopped container: no shell runs, the files are still there to browse.
    id = docker('create', baseImage(), 'true');
  });
  after(() => {
    docker('rm', '-f', id);
    engine?.dispose();
  });

  test('the root and a folder list what ls lists', async () => {
    const root = await listContainerDirectory(engine, id, '/');
    // Docker marks its containers with /.dockerenv; Podman does not.
    for (const name of ['bin', 'etc', 'tmp', ...(target.kind === 'docker' ? ['.dockerenv'] : [])]) assert.ok(root.some((e) => e.name === name), `no ${name} in /`);
    const etc = await listContainerDirectory(engine, id, '/etc');
    const byName = new Map(etc.map((e) => [e.name, e]));
    assert.equal(byName.get('passwd')?.type, 'file');
    const sh = (await listContainerDirectory(engine, id, '/bin')).find((e) => e.name === 'sh');
    assert.equal(sh?.type, 'symlink');
    assert.equal(sh?.linkName, '/bin/busybox');
    // What the same container's exported filesystem holds in /etc, as tar lists it.
    const exported = execFileSync('bash', ['-c', `docker -H ${target.host} export ${id} | tar -t`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const expected = exported.split('\n').map((p) => /^(?:\.\/)?etc\/([^/]+)\/?$/.exec(p)?.[1]).filter((n): n is string => !!n).sort();
    assert.deepEqual(etc.map((e) => e.name).sort(), expected);
  });

  test('a file reads as cat prints it; stat says what a path is', async () => {
    const printed = execFileSync('docker', ['-H', target.host!, 'run', '--rm', baseImage(), 'cat', '/etc/passwd'], { encoding: 'utf8' });
    assert.match(printed, /^root:x:0:0:/);
    assert.equal((await readContainerFile(engine, id, '/etc/passwd')).toString(), printed);
    assert.equal((await engine.containerPathStat(id, '/etc')).type, 'directory');
    assert.equal((await engine.containerPathStat(id, '/etc/passwd')).type, 'file');
    const sh = await engine.containerPathStat(id, '/bin/sh');
    assert.equal(sh.type, 'symlink');
    assert.equal(sh.linkTarget, '/bin/busybox');
    await assert.rejects(readContainerFile(engine, id, '/etc'), /\/etc is a directory, not a file/);
    await assert.rejects(engine.containerPathStat(id, '/no/such'), (err: unknown) => isEngineError(err) && err.reason === 'notFound');
  });
});
