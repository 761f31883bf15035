import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { contextId, currentContext, listContexts, readContext } from '../../src/engine/daemon/dockerContexts';
import type { EndpointEnvironment } from '../../src/engine/daemon/endpoint';
import { chosenEndpoints } from '../../src/engine/daemon/endpointChoice';
import { knownEngines } from '../../src/engine/knownEngines';

/** A docker config folder laid out as `docker context create` lays it out. */
class ContextStore {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-contexts-'));
  add(name: string, host: string, options: { description?: string; skipTLSVerify?: boolean; tls?: string[] } = {}): this {
    const id = createHash('sha256').update(name).digest('hex');
    const meta = path.join(this.dir, 'contexts/meta', id);
    fs.mkdirSync(meta, { recursive: true });
    fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({
      Name: name, Metadata: options.description ? { Description: options.description } : {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: options.skipTLSVerify ?? false } },
    }));
    if (options.tls) {
      const tls = path.join(this.dir, 'contexts/tls', id, 'docker');
      fs.mkdirSync(tls, { recursive: true });
      for (const f of options.tls) fs.writeFileSync(path.join(tls, f), `${f} of ${name}`);
    }
    return this;
  }
  use(name: string): this {
    fs.writeFileSync(path.join(this.dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
    return this;
  }
  env(env: Record<string, string> = {}, home = '/home/nobody-here'): EndpointEnvironment {
    return { env: { DOCKER_CONFIG: this.dir, ...env }, platform: 'linux', homedir: home, uid: 1000 };
  }
  tlsDir(name: string): string {
    return path.join(this.dir, 'contexts/tls', contextId(name), 'docker');
  }
}

const stores: ContextStore[] = [];
const store = () => {
  const s = new ContextStore();
  stores.push(s);
  return s;
};
after(() => {
  for (const s of stores) fs.rmSync(s.dir, { recursive: true, force: true });
});

describe('docker contexts, read as the docker CLI reads them', () => {
  test('a context lives under the SHA-256 of its name', () => {
    assert.equal(contextId('default'), '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
  });

  test('the current context: DOCKER_HOST means default, then DOCKER_CONTEXT, then config.json, else default', () => {
    const s = store().add('remote', 'tcp://10.1.2.3:2376').use('remote');
    assert.deepEqual(currentContext(s.env({ DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'other' })), { name: 'default', source: 'DOCKER_HOST' });
    assert.deepEqual(currentContext(s.env({ DOCKER_CONTEXT: 'other' })), { name: 'other', source: 'DOCKER_CONTEXT' });
    assert.deepEqual(currentContext(s.env()), { name: 'remote', source: `currentContext in ${path.join(s.dir, 'config.json')}` });
    assert.equal(currentContext(store().env()).name, 'default');
  });

  test('DOCKER_CONFIG unset: ~/.docker', () => {
    const s = store().add('in-home', 'unix:///tmp/home.sock').use('in-home');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-home-'));
    stores.push({ dir: home } as ContextStore);
    fs.symlinkSync(s.dir, path.join(home, '.docker'));
    const env: EndpointEnvironment = { env: {}, platform: 'linux', homedir: home, uid: 1000 };
    assert.deepEqual(chosenEndpoints('auto', env, 'test').map((e) => e.url), ['unix:///tmp/home.sock']);
  });

  test('a context\'s host, description and TLS folder', () => {
    const s = store().add('tls-box', 'tcp://build.example:2376', { description: 'the build box', tls: ['ca.pem', 'cert.pem', 'key.pem'] });
    assert.deepEqual(readContext(s.env(), 'tls-box'), { name: 'tls-box', description: 'the build box', host: 'tcp://build.example:2376', skipTLSVerify: false, tlsDir: s.tlsDir('tls-box') });
  });

  test('auto follows the current context, with the context\'s TLS, not DOCKER_CERT_PATH', () => {
    const s = store().add('tls-box', 'tcp://build.example:2376', { tls: ['ca.pem', 'cert.pem', 'key.pem'] }).use('tls-box');
    const [e] = chosenEndpoints('auto', s.env({ DOCKER_CERT_PATH: '/elsewhere', DOCKER_TLS_VERIFY: '1' }), 'test');
    assert.equal(e.url, 'tcp://build.example:2376');
    assert.equal(e.source, `docker context "tls-box" (currentContext in ${path.join(s.dir, 'config.json')})`);
    assert.deepEqual(e.transport, { kind: 'tcp', host: 'build.example', port: 2376, tls: { certPath: s.tlsDir('tls-box'), verify: true } });
  });

  test('SkipTLSVerify: TLS without verifying; no TLS files and no skip: plain tcp', () => {
    const s = store().add('skip', 'tcp://a:2376', { skipTLSVerify: true }).add('plain', 'tcp://b:2375');
    assert.deepEqual(chosenEndpoints('skip', s.env(), 'test')[0].transport, { kind: 'tcp', host: 'a', port: 2376, tls: { certPath: undefined, verify: false } });
    assert.deepEqual(chosenEndpoints('plain', s.env({ DOCKER_TLS_VERIFY: '1' }), 'test')[0].transport, { kind: 'tcp', host: 'b', port: 2375, tls: undefined });
  });

  test('ssh and unix contexts', () => {
    const s = store().add('remote', 'ssh://deploy@prod:2222').add('podman', 'unix:///run/user/1000/podman/podman.sock');
    assert.deepEqual(chosenEndpoints('remote', s.env(), 'test')[0].transport, { kind: 'ssh', host: 'prod', port: 2222, username: 'deploy' });
    assert.deepEqual(chosenEndpoints('podman', s.env(), 'test')[0].transport, { kind: 'socket', path: '/run/user/1000/podman/podman.sock' });
  });

  test('the default context is DOCKER_HOST, else the default socket then Podman\'s', () => {
    const s = store().add('remote', 'tcp://r:2375').use('remote');
    assert.deepEqual(chosenEndpoints('default', s.env(), 'test').map((e) => e.url), ['unix:///var/run/docker.sock', 'unix:///run/podman/podman.sock', 'unix:///run/user/1000/podman/podman.sock']);
    assert.deepEqual(chosenEndpoints('auto', s.env({ DOCKER_CONTEXT: 'default', DOCKER_HOST: 'tcp://h:1' }), 'test').map((e) => e.url), ['tcp://h:1']);
  });

  test('a URL choice is parsed like DOCKER_HOST, named after where it was set', () => {
    const [e] = chosenEndpoints('unix:///run/podman/podman.sock', store().env(), 'the stevedore.engine setting');
    assert.deepEqual(e, { url: 'unix:///run/podman/podman.sock', source: 'the stevedore.engine setting', transport: { kind: 'socket', path: '/run/podman/podman.sock' } });
    assert.throws(() => chosenEndpoints('http://x', store().env(), 'the stevedore.engine setting'), /the stevedore\.engine setting=http:\/\/x is not a Docker host/);
  });

  test('a context that does not exist says where it looked and what to run', () => {
    const s = store();
    assert.throws(() => chosenEndpoints('auto', s.env({ DOCKER_CONTEXT: 'gone' }), 'test'), new RegExp(`There is no docker context named "gone" \\(no ${s.dir}/contexts/meta/[0-9a-f]{64}/meta\\.json\\)\\. List them with \`docker context ls\`\\.`));
  });

  test('a broken config.json is reported, not ignored', () => {
    const s = store();
    fs.writeFileSync(path.join(s.dir, 'config.json'), '{"currentContext": ');
    assert.throws(() => currentContext(s.env()), /config\.json is not valid JSON/);
  });

  test('listing: sorted by name, broken meta files reported', () => {
    const s = store().add('zeta', 'tcp://z:2375').add('alpha', 'unix:///a.sock');
    const broken = path.join(s.dir, 'contexts/meta', 'f'.repeat(64));
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'meta.json'), '{"Name":"half"}');
    const { contexts, problems } = listContexts(s.env());
    assert.deepEqual(contexts.map((c) => c.name), ['alpha', 'zeta']);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /has no Endpoints\.docker\.Host/);
  });
});

describe('the engines to list', () => {
  test('default first, then each context, then sockets that exist and no context names', () => {
    const s = store().add('remote', 'ssh://me@box', { description: 'my box' }).add('podman', 'unix:///run/user/1000/podman/podman.sock');
    const exists = (p: string) => p === '/run/podman/podman.sock' || p === '/run/user/1000/podman/podman.sock';
    const engines = knownEngines(s.env({ XDG_RUNTIME_DIR: '/run/user/1000' }), exists);
    assert.deepEqual(engines.map((e) => [e.choice, e.kind, e.detail, e.endpoints.map((p) => p.url).join()]), [
      ['default', 'context', 'the default socket', 'unix:///var/run/docker.sock'],
      ['podman', 'context', 'docker context', 'unix:///run/user/1000/podman/podman.sock'],
      ['remote', 'context', 'my box', 'ssh://me@box'],
      ['unix:///run/podman/podman.sock', 'socket', "Podman's rootful socket", 'unix:///run/podman/podman.sock'],
    ]);
  });

  test('a context whose local socket does not exist says so; one that exists, or a remote one, does not', () => {
    const s = store().add('remote', 'ssh://me@box').add('podman', 'unix:///run/user/1000/podman/podman.sock');
    const engines = knownEngines(s.env({ XDG_RUNTIME_DIR: '/run/user/1000' }), (p) => p === '/run/user/1000/podman/podman.sock');
    assert.deepEqual(engines.map((e) => [e.choice, e.absent]), [
      ['default', 'no socket at /var/run/docker.sock'],
      ['podman', undefined],
      ['remote', undefined],
    ]);
  });

  test('DOCKER_HOST is what default means; a bad one is listed with its problem', () => {
    const engines = knownEngines(store().env({ DOCKER_HOST: 'tcp://h:2375' }), () => false);
    assert.deepEqual(engines.map((e) => [e.label, e.detail, e.endpoints[0]?.url]), [['default', 'DOCKER_HOST=tcp://h:2375', 'tcp://h:2375']]);
    const bad = knownEngines(store().env({ DOCKER_HOST: 'h:2375' }), () => false)[0];
    assert.match(bad.problem ?? '', /DOCKER_HOST=h:2375 is not a Docker host/);
  });
});
