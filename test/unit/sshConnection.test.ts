import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toEngineError } from '../../src/engine/daemon/daemonErrors';
import { SshError, sshArguments } from '../../src/engine/daemon/sshConnection';

describe('ssh:// hosts through the system ssh client', () => {
  test('the arguments the docker CLI uses: user and port only when the URL names them', () => {
    assert.deepEqual(sshArguments({ host: 'box', port: 2222, username: 'deploy' }),
      ['-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', '-l', 'deploy', '-p', '2222', '--', 'box', 'docker', 'system', 'dial-stdio']);
    // Without them ~/.ssh/config's Host entry decides (User, Port, HostName).
    assert.deepEqual(sshArguments({ host: 'my-alias' }), ['-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', '--', 'my-alias', 'docker', 'system', 'dial-stdio']);
  });

  test('a host name cannot pass as an option', () => {
    const args = sshArguments({ host: '-oProxyCommand=evil' });
    assert.equal(args[args.indexOf('--') + 1], '-oProxyCommand=evil');
  });

  const said = (words: string) => toEngineError(new SshError(words), 'ssh://me@box', 'reach the engine');

  test("ssh's own reason becomes a reason and what to do", () => {
    assert.equal(said('Host key verification failed.').reason, 'permission');
    assert.match(said('Host key verification failed.').message, /^Cannot reach the container engine at ssh:\/\/me@box over ssh: the host's key is not in known_hosts/);
    assert.equal(said('me@box: Permission denied (publickey).').reason, 'permission');
    assert.match(said('me@box: Permission denied (publickey).').message, /Add your key to the ssh agent \(ssh-add\)/);
    assert.equal(said('ssh: connect to host box port 22: Connection refused').reason, 'unreachable');
    assert.equal(said('ssh: Could not resolve hostname box: Name or service not known').reason, 'unreachable');
    assert.match(said('bash: line 1: docker: command not found').message, /the docker CLI is not installed there/);
    assert.equal(said('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?').reason, 'unreachable');
    assert.equal(said('something else entirely').reason, 'failed');
  });
});
