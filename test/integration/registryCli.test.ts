import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { plainRegistry, registriesMissing, registryPassword, registryUser, secureRegistry } from '../support/registry';
import { baseImage, docker, dockerMissing, skipUnlessAvailable } from '../support/services';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const run = `${process.pid}-${Date.now().toString(36)}`;

const homes: string[] = [];
after(() => {
  for (const dir of homes) fs.rmSync(dir, { recursive: true, force: true });
});

/** A user's home with Docker's certs.d holding the test CA, and an empty Docker config. */
function home(): { env: NodeJS.ProcessEnv; config: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-cli-home-'));
  homes.push(dir);
  const certs = path.join(dir, '.docker/certs.d', secureRegistry());
  fs.mkdirSync(certs, { recursive: true });
  fs.copyFileSync(process.env.STEVEDORE_TEST_REGISTRY_CA!, path.join(certs, 'ca.crt'));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, STEVEDORE_HOME: path.join(dir, 'stevedore'), STEVEDORE_ENGINE: 'core' };
  delete env.DOCKER_CONFIG;
  return { env, config: path.join(dir, '.docker/config.json') };
}

function cli(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], { env, input, encoding: 'utf8', timeout: 60_000 });
}

describe('stevedore login, logout, pull and push against the TLS + htpasswd registry', { skip: skipUnlessAvailable(registriesMissing() ?? dockerMissing()) }, () => {
  test('login checks the password and saves it as docker does; the saved login pushes; logout removes it', () => {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run node esbuild.js`);
    const { env, config } = home();
    const refused = cli(['login', '-u', registryUser(), '--password-stdin', secureRegistry()], env, 'wrong-password\n');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, new RegExp(`login to ${secureRegistry()} failed: .*refused the credentials`));
    assert.equal(fs.existsSync(config), false, 'nothing saved after a refused login');

    const ok = cli(['login', '-u', registryUser(), '--password-stdin', secureRegistry()], env, `${registryPassword()}\n`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const saved = JSON.parse(fs.readFileSync(config, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(saved.auths[secureRegistry()].auth, 'base64').toString(), `${registryUser()}:${registryPassword()}`);
    assert.doesNotMatch(ok.stdout + ok.stderr, new RegExp(registryPassword()));

    // An image from the plain registry, pushed to the secure one with the saved login.
    const source = `${plainRegistry()}/cli-${run}/src:1`;
    const target = `${secureRegistry()}/cli-${run}/dst:1`;
    docker('tag', baseImage(), source);
    docker('push', source);
    assert.equal(cli(['pull', source], env).status, 0);
    const pulled = cli(['pull', '--json', source], env);
    const digest = (JSON.parse(pulled.stdout) as { descriptor: { digest: string } }).descriptor.digest;
    assert.equal(cli(['tag', source, target], env).status, 0);
    const pushed = cli(['push', '--json', target], env);
    assert.equal(pushed.status, 0, pushed.stderr);
    assert.equal((JSON.parse(pushed.stdout) as { digest: string }).digest, digest);

    const out = cli(['logout', secureRegistry()], env);
    assert.match(out.stdout, new RegExp(`Removing login credentials for ${secureRegistry()}`));
    assert.deepEqual((JSON.parse(fs.readFileSync(config, 'utf8')) as { auths: object }).auths, {});
    const denied = cli(['push', target], env);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /authentication required|requires a login/);
    docker('rmi', source);
  });

  test('a pull from the TLS registry is refused without its CA, and allowed with --insecure-registry', () => {
    const { env } = home();
    fs.rmSync(path.join(env.HOME!, '.docker/certs.d'), { recursive: true });
    const refused = cli(['pull', `${secureRegistry()}/cli-${run}/dst:1`], env);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /TLS certificate is not trusted/);
    const insecure = cli(['pull', '--insecure-registry', secureRegistry(), `${secureRegistry()}/cli-${run}/dst:1`], env);
    assert.equal(insecure.status, 1);
    assert.match(insecure.stderr, /authentication required|requires a login/, 'past TLS, stopped at the login it lacks');
  });
});
