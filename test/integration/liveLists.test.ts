import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { EngineEvent } from '../../src/engine/engine';
import { EngineConnection } from '../../src/engine/engineConnection';
import { engineCandidates } from '../../src/engine/engineSelection';
import { ContainerList } from '../../src/views/containerList';
import { ImageList } from '../../src/views/imageList';
import { testEngines } from '../support/engines';
import { baseImage, buildFromText, skipUnlessAvailable, uniqueName } from '../support/services';

/**
 * The lists behind the Containers and Images views, fed by the real event stream: what they hold
 * after each change must be what the daemon lists, without listing again.
 */
for (const target of testEngines()) describe(`live container and image lists follow the real ${target.name}`, { skip: skipUnlessAvailable(target.missing()) }, () => {
  const docker = (...args: string[]) => target.cli(...args);
  const runService = (name: string) => target.runService(name);
  let connection: EngineConnection;
  const containers = new ContainerList();
  const images = new ImageList();
  let applied = Promise.resolve();
  let stopped = false;
  const failures: unknown[] = [];
  const made: string[] = [];
  const tags: string[] = [];

  before(async () => {
    connection = new EngineConnection({ candidates: () => engineCandidates({ env: { DOCKER_HOST: target.host }, platform: 'linux', homedir: os.homedir() }) });
    const state = await connection.connect();
    assert.equal(state.status, 'connected');
    const engine = state.status === 'connected' ? state.engine : assert.fail();
    await Promise.all([containers.load(engine), images.load(engine)]);
    connection.onDidReceiveEvents((events: readonly EngineEvent[]) => {
      applied = applied.then(async () => {
        await containers.apply(engine, events);
        await images.apply(engine, events);
      }).catch((err: unknown) => {
        if (!stopped) failures.push(err);
      });
    });
    await new Promise((r) => setTimeout(r, 300));
  });

  after(() => {
    stopped = true;
    connection?.dispose();
    if (made.length) docker('rm', '-f', ...made);
    for (const t of tags) {
      try {
        docker('rmi', t);
      } catch {
        // removed by the test
      }
    }
  });

  /** Waits until `check` holds of the lists (events arrive asynchronously), then checks once more. */
  async function eventually(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 50 && !check(); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await applied;
    }
    assert.deepEqual(failures, [], 'applying the events failed');
    assert.ok(check(), what);
  }

  test('a container run, stopped and removed outside', async () => {
    const name = uniqueName('stevedore-it-live');
    const id = runService(name);
    made.push(id);
    await eventually(() => containers.all().some((c) => c.id === id && c.state === 'running' && c.name === name), 'running container not in the list');
    docker('stop', '-t', '5', id);
    await eventually(() => containers.all().find((c) => c.id === id)?.state === 'exited', 'stopped container not shown as exited');
    assert.match(containers.all().find((c) => c.id === id)!.status, /^Exited \(0\) /);
    docker('rm', id);
    await eventually(() => !containers.all().some((c) => c.id === id), 'removed container still listed');
  });

  test('tags added, moved from one image to another, and removed', async () => {
    const tag = `stevedore-it/live:${uniqueName('t')}`;
    tags.push(tag);
    docker('tag', baseImage(), tag);
    const baseId = docker('image', 'inspect', '--format', '{{.Id}}', baseImage());
    await eventually(() => images.all().find((i) => i.id === baseId)?.tags.includes(target.listedName(tag)) ?? false, 'new tag not on the base image');
    // Move the tag to a new image: the base image must lose it.
    buildFromText(`FROM ${baseImage()}\nLABEL moved=${tag}\n`, ['-t', tag], target.host);
    await eventually(() => !images.all().find((i) => i.id === baseId)?.tags.includes(target.listedName(tag)), 'moved tag still on the old image');
    await eventually(() => images.all().some((i) => i.id !== baseId && i.tags.includes(target.listedName(tag))), 'moved tag not on the new image');
    docker('rmi', tag);
    await eventually(() => !images.all().some((i) => i.tags.includes(target.listedName(tag))), 'removed tag still listed');
    await eventually(() => images.all().some((i) => i.id === baseId), 'the base image went from the list with the tag');
    const daemonTags = docker('images', '--format', '{{.Repository}}:{{.Tag}}').split('\n').filter((t) => !t.includes('<none>')).map((t) => target.listedName(t)).sort();
    assert.deepEqual(images.all().flatMap((i) => i.tags).sort(), daemonTags);
  });
});
