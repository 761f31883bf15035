import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DockerCredentialStore, HUB_CONFIG_KEY } from '../../src/core/registry/dockerCredentials';

const temps: string[] = [];
const temp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-docker-config-'));
  temps.push(dir);
  return dir;
};
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});
const writeConfig = (dir: string, config: unknown) => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
const readConfig = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { auths: Record<string, { auth?: string }>; [k: string]: unknown };
const readVault = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { ServerURL: string; Username: string; Secret: string }>;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe("Docker's config.json auths", () => {
  test('base64 auth and identitytoken entries, found under every Docker Hub alias and URL-style keys', async () => {
    const dir = temp();
    writeConfig(dir, { auths: {
      [HUB_CONFIG_KEY]: { auth: b64('hubuser:hub:pass') },
      'https://registry.example.com:5000/v2/': { auth: b64('me:secret') },
      'ghcr.io': { identitytoken: 'refresh-abc' },
    } });
    const store = new DockerCredentialStore(dir);
    for (const hub of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      assert.deepEqual(await store.get(hub), { username: 'hubuser', password: 'hub:pass' }, hub);
    }
    assert.deepEqual(await store.get('registry.example.com:5000'), { username: 'me', password: 'secret' });
    assert.deepEqual(await store.get('ghcr.io'), { identityToken: 'refresh-abc' });
    assert.equal(await store.get('quay.io'), undefined);
  });

  test('login without a helper writes base64 like docker login, keeps other settings, mode 0600; logout erases', async () => {
    const dir = temp();
    writeConfig(dir, { auths: { 'other.io': { auth: b64('a:b') } }, currentContext: 'remote', proxies: { default: { httpProxy: 'http://p:3128' } } });
    const store = new DockerCredentialStore(dir);
    assert.equal((await store.store('docker.io', { username: 'u', password: 'p@ss' })).where, path.join(dir, 'config.json'));
    const config = readConfig(dir);
    assert.equal(config.auths[HUB_CONFIG_KEY].auth, b64('u:p@ss'));
    assert.equal(config.auths['other.io'].auth, b64('a:b'));
    assert.equal(config.currentContext, 'remote');
    assert.deepEqual(config.proxies, { default: { httpProxy: 'http://p:3128' } });
    assert.equal(fs.statSync(path.join(dir, 'config.json')).mode & 0o777, 0o600);
    assert.equal(await store.erase('index.docker.io'), true);
    assert.equal(readConfig(dir).auths[HUB_CONFIG_KEY], undefined);
    assert.equal(await store.erase('docker.io'), false);
  });

  test('a config that is not JSON is reported with its path', async () => {
    const dir = temp();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ nope');
    await assert.rejects(new DockerCredentialStore(dir).get('x.io'), new RegExp(`${dir}/config.json is not valid JSON`));
  });
});

describe('credential helpers: the real docker-credential-<name> protocol', () => {
  const bin = temp();
  const vault = path.join(bin, 'vault.json');
  const savedPath = process.env.PATH;
  // A helper speaking the protocol: action as argument, server URL or JSON on stdin, JSON on stdout.
  const helper = (name: string) => {
    const file = path.join(bin, `docker-credential-${name}`);
    fs.writeFileSync(file, `#!${process.execPath}
const fs = require('fs');
const vault = ${JSON.stringify(vault)};
const all = fs.existsSync(vault) ? JSON.parse(fs.readFileSync(vault, 'utf8')) : {};
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const action = process.argv[2];
  if (action === 'store') { const c = JSON.parse(input); all[${JSON.stringify(name)} + ' ' + c.ServerURL] = c; }
  else if (action === 'get' || action === 'erase') {
    const key = ${JSON.stringify(name)} + ' ' + input.trim();
    if (!all[key]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    if (action === 'get') process.stdout.write(JSON.stringify(all[key]));
    else delete all[key];
  } else { process.stdout.write('unknown action'); process.exit(1); }
  fs.writeFileSync(vault, JSON.stringify(all));
});
`, { mode: 0o755 });
  };
  before(() => {
    helper('stevedoretest');
    helper('perhost');
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
  });
  after(() => {
    process.env.PATH = savedPath;
  });

  test('credsStore: login stores through the helper (an empty auths entry, as docker writes), get reads it, logout erases', async () => {
    const dir = temp();
    writeConfig(dir, { credsStore: 'stevedoretest' });
    const store = new DockerCredentialStore(dir);
    assert.equal((await store.store('registry.example.com', { username: 'bob', password: 's3cret' })).where, 'docker-credential-stevedoretest');
    assert.deepEqual(readConfig(dir).auths, { 'registry.example.com': {} });
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'), /s3cret/);
    assert.deepEqual(readVault(vault)['stevedoretest registry.example.com'], { ServerURL: 'registry.example.com', Username: 'bob', Secret: 's3cret' });
    assert.deepEqual(await store.get('registry.example.com'), { username: 'bob', password: 's3cret' });
    assert.equal(await store.erase('registry.example.com'), true);
    assert.equal(await store.get('registry.example.com'), undefined);
    assert.deepEqual(readConfig(dir).auths, {});
  });

  test('Docker Hub goes to the helper as https://index.docker.io/v1/; a "<token>" user is an identity token', async () => {
    const dir = temp();
    writeConfig(dir, { credsStore: 'stevedoretest' });
    const store = new DockerCredentialStore(dir);
    await store.store('docker.io', { username: '<token>', password: 'refresh-xyz' });
    assert.ok(readVault(vault)[`stevedoretest ${HUB_CONFIG_KEY}`]);
    assert.deepEqual(await store.get('registry-1.docker.io'), { identityToken: 'refresh-xyz' });
  });

  test('credHelpers for one host win over credsStore; a helper that is not installed gives a clear error', async () => {
    const dir = temp();
    writeConfig(dir, { credsStore: 'stevedoretest', credHelpers: { 'special.io': 'perhost', 'gone.io': 'notinstalled' } });
    const store = new DockerCredentialStore(dir);
    await store.store('special.io', { username: 'p', password: 'q' });
    assert.ok(readVault(vault)['perhost special.io']);
    assert.deepEqual(await store.get('special.io'), { username: 'p', password: 'q' });
    await assert.rejects(store.get('gone.io'), /docker-credential-notinstalled \(from Docker's config\) is not installed or not on PATH/);
  });
});
