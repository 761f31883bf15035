import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ensureExampleBase, writeBusyboxRootfs } from '../../scripts/exampleBase';
import { CoreEngine } from '../../src/engine/core/coreEngine';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import type { BuildEvent } from '../../src/engine/engine';
import { sandboxMissing, sourceSupervisor } from '../support/coreRuntime';
import { testEngines } from '../support/engines';
import { skipUnlessAvailable, uniqueName } from '../support/services';
import { tempHome } from '../support/storeImages';

const examples = path.resolve(__dirname, '../../examples');

const busyboxMissing = () => (fs.existsSync('/bin/busybox') ? undefined : 'no /bin/busybox (apt-get install busybox-static)');

async function build(engine: { buildImage: CoreEngine['buildImage'] }, context: string, tag: string): Promise<BuildEvent[]> {
  const events: BuildEvent[] = [];
  for await (const e of engine.buildImage({ context, dockerfile: 'Dockerfile', tag })) events.push(e);
  return events;
}

describe('npm start\'s base image on the bundled engine: busybox:local made from busybox-static, the examples build on it', { skip: skipUnlessAvailable(sandboxMissing() ?? busyboxMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-example-base-');
  const engine = new CoreEngine({ home, supervisor: sourceSupervisor });
  after(async () => {
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
    engine.dispose();
    cleanup();
  });

  test('made once, then found; a shell by default, root and nobody known', async () => {
    assert.match(await ensureExampleBase(engine), /imported into the engine from Debian's busybox-static/);
    assert.match(await ensureExampleBase(engine), /already in the engine/);
    const id = await engine.runContainer({ image: 'busybox:local', command: ['sh', '-c', 'id -un; grep -c . /etc/passwd; ls -ld /tmp | cut -c1-10'] });
    for (let i = 0; i < 100 && (await engine.inspectContainer(id)).summary.state !== 'exited'; i++) await new Promise((r) => setTimeout(r, 100));
    const output: string[] = [];
    for await (const chunk of engine.containerLogs(id)) output.push(chunk.text);
    assert.equal(output.join(''), 'root\n2\ndrwxrwxrwt\n');
  });

  // COPY chowns to root, which an unprivileged user's single-id namespace cannot do until the core maps subordinate ids.
  test('both examples build on it', { skip: process.getuid?.() === 0 ? false : 'the core builds COPY as root only (no subordinate ids yet)' }, async () => {
    for (const example of ['hello', 'multi-stage']) {
      const events = await build(engine, path.join(examples, example), `example-${example}:test`);
      assert.equal(events.at(-1)?.kind, 'done', `${example}: ${JSON.stringify(events.slice(-3))}`);
    }
  });
});

for (const target of testEngines()) describe(`Engine.importImage on the real ${target.name}: a root filesystem tarball as an image with a command`, { skip: skipUnlessAvailable(target.missing() ?? busyboxMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-import-');
  const ref = `stevedore-it/imported:${uniqueName('t')}`;
  let engine: DaemonEngine;
  after(() => {
    try {
      target.cli('rmi', ref);
    } catch {
      // not made
    }
    engine?.dispose();
    cleanup();
  });

  test('imported, listed under its name, runs its command', async () => {
    engine = new DaemonEngine(target.endpoint());
    const tar = path.join(home, 'rootfs.tar');
    writeBusyboxRootfs(tar);
    await engine.importImage(tar, ref, { command: ['/bin/sh'] });
    const inspected = await engine.inspectImage(ref);
    assert.deepEqual((inspected.raw as { Config?: { Cmd?: string[] } }).Config?.Cmd, ['/bin/sh']);
    assert.equal(target.cli('run', '--rm', ref, 'sh', '-c', 'echo $((6 * 7)); id -un nobody'), '42\nnobody');
    await assert.rejects(engine.importImage(path.join(home, 'absent.tar'), `${ref}-absent`), /absent\.tar|no such file/i);
  });
});
