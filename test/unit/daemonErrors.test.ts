import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EngineError } from '../../src/engine/engine';
import { daemonMessage, toEngineError } from '../../src/engine/daemon/daemonErrors';

const at = 'unix:///var/run/docker.sock';
const sys = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

describe('engine errors say what failed, why, and what to do', () => {
  test('no socket', () => {
    const e = toEngineError(sys('ENOENT'), at, 'list images');
    assert.equal(e.reason, 'absent');
    assert.match(e.message, /^Cannot reach the container engine at unix:\/\/\/var\/run\/docker\.sock: there is no socket there\. Start Docker/);
  });

  test('permission denied points at the docker group', () => {
    const e = toEngineError(sys('EACCES'), at, 'list images');
    assert.equal(e.reason, 'permission');
    assert.match(e.message, /permission denied\. Add your user to the docker group/);
  });

  test('refused and TLS failures', () => {
    assert.match(toEngineError(sys('ECONNREFUSED'), 'tcp://h:2375', 'x').message, /tcp:\/\/h:2375: the connection was refused/);
    const tls = toEngineError(sys('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tcp://h:2376', 'x');
    assert.equal(tls.reason, 'tls');
    assert.match(tls.message, /TLS handshake failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)\. Check DOCKER_CERT_PATH/);
  });

  test("the daemon's own message for HTTP errors", () => {
    const notFound = toEngineError({ statusCode: 404, json: { message: 'No such container: nope' } }, at, 'inspect container nope');
    assert.equal(notFound.reason, 'notFound');
    assert.equal(notFound.message, 'Could not inspect container nope: No such container: nope.');
    const old = toEngineError({ statusCode: 400, json: { message: 'client version 1.41 is too new. Maximum supported API version is 1.24' } }, at, 'x');
    assert.equal(old.reason, 'version');
    assert.match(old.message, /too old for Stevedore/);
    assert.equal(toEngineError({ statusCode: 301, json: null }, at, 'inspect container a//b').reason, 'notFound');
    assert.equal(toEngineError(new Error('Max redirects exceeded. To allow more redirects, pass options.maxRedirects property.'), at, 'x').reason, 'notFound');
    assert.equal(toEngineError({ statusCode: 409, json: { message: 'conflict' } }, at, 'remove container c').reason, 'conflict');
  });

  test('an EngineError passes through unchanged', () => {
    const e = new EngineError('x', 'tls');
    assert.equal(toEngineError(e, at, 'y'), e);
  });
});

describe("the daemon's words from a streamed request", () => {
  test('taken from the message docker-modem builds', () => {
    const err = Object.assign(new Error('(HTTP code 500) server error - manifest for x:1 not found: manifest unknown '), { statusCode: 500, reason: 'server error', json: null });
    assert.equal(daemonMessage(err), 'manifest for x:1 not found: manifest unknown');
    assert.equal(toEngineError(err, at, 'pull x:1').message, `Could not pull x:1 on ${at}: manifest for x:1 not found: manifest unknown.`);
  });

  test('a daemon answer that mentions TLS is not a TLS failure', () => {
    const answer = Object.assign(new Error('(HTTP code 404) no such image - no such image: reg/tls-app:1 '), { statusCode: 404, json: { message: 'No such image: reg/tls-app:1' } });
    const e = toEngineError(answer, at, 'inspect image reg/tls-app:1');
    assert.equal(e.reason, 'notFound');
    assert.equal(e.message, 'Could not inspect image reg/tls-app:1: No such image: reg/tls-app:1.');
  });
});
