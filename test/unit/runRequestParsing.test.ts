import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseEnv, parsePorts, parseVolumes } from '../../src/commands/runRequestParsing';

describe('the Run form, read as docker run reads -p, -e and -v', () => {
  test('port mappings in every form the CLI takes', () => {
    assert.deepEqual(parsePorts('8080:80, 9000 127.0.0.1:8443:443 127.0.0.1::5000 53:53/udp'), [
      { containerPort: 80, hostPort: 8080, hostIp: undefined, protocol: 'tcp' },
      { containerPort: 9000, hostPort: undefined, hostIp: undefined, protocol: 'tcp' },
      { containerPort: 443, hostPort: 8443, hostIp: '127.0.0.1', protocol: 'tcp' },
      { containerPort: 5000, hostPort: undefined, hostIp: '127.0.0.1', protocol: 'tcp' },
      { containerPort: 53, hostPort: 53, hostIp: undefined, protocol: 'udp' },
    ]);
    assert.deepEqual(parsePorts(''), []);
    assert.deepEqual(parsePorts('[::1]:8080:80')[0], { containerPort: 80, hostPort: 8080, hostIp: '::1', protocol: 'tcp' });
  });

  test('what is not a port mapping is named', () => {
    assert.throws(() => parsePorts('80:http'), /"80:http" is not a port mapping/);
    assert.throws(() => parsePorts('70000:80'), /ports are 1 to 65535/);
    assert.throws(() => parsePorts('8080:80/sctp'), /not a port mapping/);
  });

  test('environment and volumes', () => {
    assert.deepEqual(parseEnv('A=1, B_2=x=y'), ['A=1', 'B_2=x=y']);
    assert.throws(() => parseEnv('1A=2'), /"1A=2" is not KEY=value/);
    assert.deepEqual(parseVolumes('data:/var/lib/data /srv:/srv:ro'), ['data:/var/lib/data', '/srv:/srv:ro']);
    assert.throws(() => parseVolumes('data'), /not a volume/);
    assert.throws(() => parseVolumes('data:relative'), /not a volume/);
  });
});
