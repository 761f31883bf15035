import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { composeArgs, composeMissing, readComposeFile } from '../../src/commands/compose';
import { composeProjectDown } from '../../src/commands/composeProject';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { COMPOSE_PROJECT, groupContainers } from '../../src/views/containerGroups';
import { testEngines } from '../support/engines';
import { baseImage, skipUnlessAvailable } from '../support/services';

const pluginConfig = process.env.STEVEDORE_TEST_COMPOSE_CONFIG;
const pluginMissing = pluginConfig && fs.existsSync(path.join(pluginConfig, 'cli-plugins/docker-compose')) ? undefined : 'no Compose plugin from the test services (STEVEDORE_TEST_COMPOSE_CONFIG)';

for (const target of testEngines()) describe(`Compose on ${target.name}: the plugin found or plainly missing, up through it, down through the engine`, { skip: skipUnlessAvailable(target.missing() ?? pluginMissing) }, () => {
  const project = `stevedore-it-${process.pid}`;
  let dir: string;
  let engine: DaemonEngine;
  const withPlugin = { ...process.env, DOCKER_CONFIG: pluginConfig, DOCKER_HOST: target.host };
  const docker = (...args: string[]) => target.cli(...args);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-compose-'));
    fs.writeFileSync(path.join(dir, 'compose.yaml'), [
      'services:',
      ...['web', 'worker'].flatMap((s) => [`  ${s}:`, `    image: ${baseImage()}`, '    command: ["sh", "-c", "trap \'exit 0\' TERM; while sleep 1; do :; done"]']),
      '  tools:',
      `    image: ${baseImage()}`,
      '    profiles: [debug]',
      '    command: ["sleep", "300"]',
      '',
    ].join('\n'));
    engine = new DaemonEngine(target.endpoint());
  });

  after(() => {
    try {
      execFileSync('docker', ['compose', '-p', project, '-f', path.join(dir, 'compose.yaml'), 'down', '-t', '1'], { env: withPlugin, stdio: 'ignore' });
    } catch {
      // already down
    }
    fs.rmSync(dir, { recursive: true, force: true });
    engine?.dispose();
  });

  test('without the plugin the message says what is missing and what to install', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-no-plugin-'));
    try {
      const message = await composeMissing({ ...process.env, DOCKER_CONFIG: empty });
      assert.match(message ?? '', /^docker compose is not available: the docker CLI has no Compose plugin .*Install the Compose plugin/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    assert.equal(await composeMissing(withPlugin), undefined);
  });

  test('up starts the services without a profile; the Containers view groups them under the project; down removes them and the network', async () => {
    const file = path.join(dir, 'compose.yaml');
    assert.deepEqual(readComposeFile(fs.readFileSync(file, 'utf8'), 'compose.yaml'), { services: ['web', 'worker', 'tools'], profiles: ['debug'] });
    const args = composeArgs(file, 'up');
    execFileSync('docker', [args[0], '-p', project, ...args.slice(1)], { env: withPlugin, stdio: 'pipe' });
    const containers = (await engine.listContainers()).filter((c) => c.labels[COMPOSE_PROJECT] === project);
    assert.deepEqual(containers.map((c) => c.labels['com.docker.compose.service']).sort(), ['web', 'worker']);
    const [group] = groupContainers(containers, 'composeProject', { filter: '', sort: 'name' });
    assert.ok(group.kind === 'group' && group.key === project && group.containers.length === 2);
    assert.ok(docker('network', 'ls', '--format', '{{.Name}}').split('\n').includes(`${project}_default`));
    await composeProjectDown(engine, project, containers);
    assert.equal(docker('ps', '-aq', '--filter', `label=${COMPOSE_PROJECT}=${project}`), '');
    assert.ok(!docker('network', 'ls', '--format', '{{.Name}}').split('\n').includes(`${project}_default`));
  });
});
