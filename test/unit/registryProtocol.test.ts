import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChallenges } from '../../src/core/registry/authChallenge';
import { parsePlatform } from '../../src/core/registry/platform';
import { hostnameOf, isLoopback } from '../../src/core/registry/transport';

describe('WWW-Authenticate challenges', () => {
  test("Docker Hub's Bearer challenge with quoted parameters", () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });

  test('several challenges, a comma inside quotes, token values, escapes, a scheme without parameters', () => {
    assert.deepEqual(parseChallenges('Basic realm="a, \\"b\\"", Bearer realm=https://t/x,service=y'), [
      { scheme: 'basic', params: { realm: 'a, "b"' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', service: 'y' } },
    ]);
    assert.deepEqual(parseChallenges('Negotiate, Basic realm=foo'), [{ scheme: 'negotiate', params: {} }, { scheme: 'basic', params: { realm: 'foo' } }]);
    assert.deepEqual(parseChallenges(undefined), []);
  });
});

describe('registry hosts and platforms', () => {
  test('loopback hosts (allowed plain HTTP) and host names without port', () => {
    for (const host of ['localhost:5000', '127.0.0.1:39509', '127.1.2.3', '[::1]:5000']) assert.equal(isLoopback(host), true, host);
    for (const host of ['registry.example.com:5000', '10.0.0.1:5000', 'localhost.example.com', '128.0.0.1']) assert.equal(isLoopback(host), false, host);
    assert.equal(hostnameOf('[::1]:5000'), '::1');
    assert.equal(hostnameOf('ghcr.io'), 'ghcr.io');
  });

  test('--platform text', () => {
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    assert.throws(() => parsePlatform('amd64'), /not a platform/);
  });
});
