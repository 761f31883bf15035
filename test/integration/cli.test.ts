import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { baseImage, docker, dockerMissing, runService, skipUnlessAvailable, uniqueName } from '../support/services';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const stevedore = (args: string[], env: Record<string, string | undefined> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

describe('the stevedore CLI (built) against the real daemon', { skip: skipUnlessAvailable(dockerMissing()) }, () => {
  const made: string[] = [];
  after(() => {
    if (made.length) docker('rm', '-f', ...made);
  });

  test('images --json lists the base image with the id docker reports', () => {
    const r = stevedore(['images', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const images = JSON.parse(r.stdout) as { id: string; tags: string[] }[];
    const id = docker('image', 'inspect', '--format', '{{.Id}}', baseImage());
    assert.ok(images.some((i) => i.id === id && i.tags.includes(baseImage())));
  });

  test('ps shows a running container by name, info names the daemon', () => {
    const name = uniqueName('stevedore-it-cli');
    made.push(runService(name));
    const ps = stevedore(['ps']);
    assert.equal(ps.status, 0, ps.stderr);
    assert.match(ps.stdout, new RegExp(`^[0-9a-f]{12}\\s+${baseImage().replace('.', '\\.')}\\s+Up .*\\s${name}$`, 'm'));
    const info = stevedore(['info']);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`^Docker Engine ${docker('version', '--format', '{{.Server.Version}}').replace(/[.+]/g, '\\$&')} \\(API `));
  });

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
