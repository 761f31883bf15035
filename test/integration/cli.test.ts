import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { testEngines } from '../support/engines';
import { baseImage, skipUnlessAvailable, uniqueName } from '../support/services';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const stevedore = (args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

for (const target of testEngines()) describe(`the stevedore CLI (built) against the real ${target.name}`, { skip: skipUnlessAvailable(target.missing()) }, () => {
  const made: string[] = [];
  const at = { DOCKER_HOST: target.host };
  after(() => {
    if (made.length) target.cli('rm', '-f', ...made);
  });

  test('images --json lists the base image with the id the engine reports', () => {
    const r = stevedore(['images', '--json'], at);
    assert.equal(r.status, 0, r.stderr);
    const images = JSON.parse(r.stdout) as { id: string; tags: string[] }[];
    const id = target.cli('image', 'inspect', '--format', '{{.Id}}', baseImage());
    assert.ok(images.some((i) => i.id === id && i.tags.includes(target.listedName(baseImage()))), r.stdout);
  });

  test('ps shows a running container by name, info names the engine', () => {
    const name = uniqueName('stevedore-it-cli');
    made.push(target.runService(name));
    const ps = stevedore(['ps'], at);
    assert.equal(ps.status, 0, ps.stderr);
    assert.match(ps.stdout, new RegExp(`^[0-9a-f]{12}\\s+${target.listedName(baseImage()).replace(/[.]/g, '\\.')}\\s+".*"\\s+.* ago\\s+Up .*\\s${name}$`, 'm'));
    const info = stevedore(['info'], at);
    assert.equal(info.status, 0, info.stderr);
    const product = target.kind === 'docker' ? 'Docker Engine' : 'Podman';
    assert.match(info.stdout, new RegExp(`^${product} ${target.cli('version', '--format', '{{.Server.Version}}').replace(/[.+]/g, '\\$&')} \\(API .* at ${target.host!.replace(/[./]/g, '\\$&')}$`, 'm'));
  });
});

describe('the stevedore CLI (built) without an engine', () => {
  test('no engine: exit code 1 and what was tried, no stack trace', () => {
    const r = stevedore(['ps'], { DOCKER_HOST: 'unix:///tmp/stevedore-no-daemon.sock' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^stevedore: no container engine answered\. Tried:\n {2}DOCKER_HOST: Cannot reach the container engine at unix:\/\/\/tmp\/stevedore-no-daemon\.sock: there is no socket there\./);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('usage errors exit 2', () => {
    const r = stevedore(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
    assert.equal(stevedore(['--help']).status, 0);
  });
});
