import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { testEngines } from '../support/engines';
import { skipUnlessAvailable } from '../support/services';

const [docker, podman] = testEngines();

/**
 * An engine chosen by the user (a Podman context, a socket) is the one spoken to, whatever
 * DOCKER_HOST says: docker-modem would otherwise take DOCKER_HOST's tcp host over the socket.
 */
describe('a chosen engine is reached even when DOCKER_HOST names another', { skip: skipUnlessAvailable(docker.missing() ?? podman.missing()) }, () => {
  const saved = { host: process.env.DOCKER_HOST, verify: process.env.DOCKER_TLS_VERIFY };

  before(() => {
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:9';
    process.env.DOCKER_TLS_VERIFY = '1';
  });

  after(() => {
    for (const [key, value] of [['DOCKER_HOST', saved.host], ['DOCKER_TLS_VERIFY', saved.verify]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  test('Podman\'s socket answers as Podman, Docker\'s as Docker', async () => {
    for (const target of [podman, docker]) {
      const engine = new DaemonEngine(target.endpoint());
      try {
        assert.equal((await engine.info()).kind, target.kind, `${target.endpoint().url} with DOCKER_HOST=${process.env.DOCKER_HOST}`);
      } finally {
        engine.dispose();
      }
    }
  });
});
