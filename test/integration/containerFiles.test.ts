import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listContainerDirectory, readContainerFile } from '../../src/engine/containerFiles';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { resolveEndpoints } from '../../src/engine/daemon/endpoint';
import { isEngineError } from '../../src/engine/engine';
import { baseImage, docker, dockerMissing, skipUnlessAvailable } from '../support/services';

describe("a container's files, read through the engine's archive API", { skip: skipUnlessAvailable(dockerMissing()) }, () => {
  let engine: DaemonEngine;
  let id: string;

  before(() => {
    engine = new DaemonEngine(resolveEndpoints()[0]);
    // A stopped container: no shell runs, the files are still there to browse.
    id = docker('create', baseImage(), 'true');
  });
  after(() => {
    docker('rm', '-f', id);
    engine?.dispose();
  });

  test('the root and a folder list what ls lists', async () => {
    const root = await listContainerDirectory(engine, id, '/');
    for (const name of ['bin', 'etc', 'tmp', '.dockerenv']) assert.ok(root.some((e) => e.name === name), `no ${name} in /`);
    const etc = await listContainerDirectory(engine, id, '/etc');
    const byName = new Map(etc.map((e) => [e.name, e]));
    assert.equal(byName.get('passwd')?.type, 'file');
    assert.equal(byName.get('mtab')?.type, 'symlink');
    assert.equal(byName.get('mtab')?.linkName, '/proc/mounts');
    const expected = docker('run', '--rm', baseImage(), 'ls', '-A', '/etc').split(/\s+/).sort();
    assert.deepEqual(etc.map((e) => e.name).sort(), expected);
  });

  test('a file reads as cat prints it; stat says what a path is', async () => {
    assert.equal((await readContainerFile(engine, id, '/etc/passwd')).toString(), 'root:x:0:0:root:/root:/bin/sh\n');
    assert.equal((await engine.containerPathStat(id, '/etc')).type, 'directory');
    assert.equal((await engine.containerPathStat(id, '/etc/passwd')).type, 'file');
    const sh = await engine.containerPathStat(id, '/bin/sh');
    assert.equal(sh.type, 'symlink');
    assert.equal(sh.linkTarget, '/bin/busybox');
    await assert.rejects(readContainerFile(engine, id, '/etc'), /\/etc is a directory, not a file/);
    await assert.rejects(engine.containerPathStat(id, '/no/such'), (err: unknown) => isEngineError(err) && err.reason === 'notFound');
  });
});
