import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveEndpoints, type EndpointEnvironment } from '../../src/engine/daemon/endpoint';

const linux = (env: Record<string, string> = {}, uid = 1000): EndpointEnvironment => ({ env, platform: 'linux', homedir: '/home/ann', uid });

describe('endpoint resolution (as the docker CLI resolves it)', () => {
  test('without DOCKER_HOST: the default socket, then Podman rootful and rootless', () => {
    const found = resolveEndpoints(linux({ XDG_RUNTIME_DIR: '/run/user/1000' }));
    assert.deepEqual(found.map((e) => e.url), ['unix:///var/run/docker.sock', 'unix:///run/podman/podman.sock', 'unix:///run/user/1000/podman/podman.sock']);
    assert.equal(found[0].source, 'the default Docker socket');
  });

  test('root has no rootless Podman socket to try', () => {
    assert.deepEqual(resolveEndpoints(linux({}, 0)).map((e) => e.url), ['unix:///var/run/docker.sock', 'unix:///run/podman/podman.sock']);
  });

  test('DOCKER_HOST is the only endpoint when set', () => {
    const found = resolveEndpoints(linux({ DOCKER_HOST: 'unix:///tmp/d.sock' }));
    assert.deepEqual(found, [{ url: 'unix:///tmp/d.sock', source: 'DOCKER_HOST', transport: { kind: 'socket', path: '/tmp/d.sock' } }]);
  });

  test('tcp without TLS defaults to port 2375', () => {
    const [e] = resolveEndpoints(linux({ DOCKER_HOST: 'tcp://build-box' }));
    assert.deepEqual(e.transport, { kind: 'tcp', host: 'build-box', port: 2375, tls: undefined });
    assert.equal(e.url, 'tcp://build-box:2375');
  });

  test('DOCKER_TLS_VERIFY turns on verified TLS, port 2376, certificates from DOCKER_CERT_PATH or ~/.docker', () => {
    const [a] = resolveEndpoints(linux({ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }));
    assert.deepEqual(a.transport, { kind: 'tcp', host: '10.0.0.5', port: 2376, tls: { certPath: '/certs', verify: true } });
    const [b] = resolveEndpoints(linux({ DOCKER_HOST: 'tcp://10.0.0.5:3000', DOCKER_TLS_VERIFY: '1' }));
    assert.deepEqual(b.transport, { kind: 'tcp', host: '10.0.0.5', port: 3000, tls: { certPath: '/home/ann/.docker', verify: true } });
  });

  test('DOCKER_TLS alone gives TLS without verifying the daemon', () => {
    const [e] = resolveEndpoints(linux({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS: '1' }));
    assert.deepEqual(e.transport, { kind: 'tcp', host: 'h', port: 2376, tls: { certPath: '/home/ann/.docker', verify: false } });
  });

  test('ssh hosts keep user and port', () => {
    const [e] = resolveEndpoints(linux({ DOCKER_HOST: 'ssh://deploy@prod.example:2222' }));
    assert.deepEqual(e.transport, { kind: 'ssh', host: 'prod.example', port: 2222, username: 'deploy' });
    assert.equal(e.url, 'ssh://deploy@prod.example:2222');
    assert.deepEqual(resolveEndpoints(linux({ DOCKER_HOST: 'ssh://prod' }))[0].transport, { kind: 'ssh', host: 'prod', port: undefined, username: undefined });
  });

  test('an unusable DOCKER_HOST is an error that names the variable and the forms that work', () => {
    assert.throws(() => resolveEndpoints(linux({ DOCKER_HOST: 'localhost:2375' })), /DOCKER_HOST=localhost:2375 is not a Docker host: it has no scheme\. Use unix:\/\//);
    assert.throws(() => resolveEndpoints(linux({ DOCKER_HOST: 'http://h:2375' })), /the scheme http:\/\/ is not supported/);
    assert.throws(() => resolveEndpoints(linux({ DOCKER_HOST: 'tcp://' })), /not a Docker host/);
  });

  test('Windows uses the named pipe; macOS also tries Docker Desktop\'s socket', () => {
    assert.deepEqual(resolveEndpoints({ env: {}, platform: 'win32', homedir: 'C:\\Users\\ann' }).map((e) => e.url), ['npipe:////./pipe/docker_engine']);
    assert.deepEqual(resolveEndpoints({ env: {}, platform: 'darwin', homedir: '/Users/ann' }).map((e) => e.url), ['unix:///var/run/docker.sock', 'unix:///Users/ann/.docker/run/docker.sock']);
  });
});
