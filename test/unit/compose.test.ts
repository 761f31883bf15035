import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { composeArgs, readComposeFile } from '../../src/commands/compose';

describe('Compose files and commands', () => {
  test('services and profiles are read from the file', () => {
    const project = readComposeFile('services:\n  web:\n    image: nginx\n  debug:\n    image: busybox\n    profiles: [tools, debug]\n  db: {image: postgres, profiles: [db]}\n', 'compose.yaml');
    assert.deepEqual(project, { services: ['web', 'debug', 'db'], profiles: ['db', 'debug', 'tools'] });
  });

  test('a broken or empty file says what is wrong', () => {
    assert.throws(() => readComposeFile('services: [\n', 'compose.yaml'), /^Error: compose\.yaml is not valid YAML: /);
    assert.throws(() => readComposeFile('version: "3"\n', 'docker-compose.yml'), /docker-compose\.yml has no services section/);
    assert.throws(() => readComposeFile('', 'compose.yaml'), /no services section/);
  });

  test('arguments for up, down and restart', () => {
    assert.deepEqual(composeArgs('/w/compose.yaml', 'up', { services: ['web'], profiles: ['tools'] }), ['compose', '-f', '/w/compose.yaml', '--profile', 'tools', 'up', '-d', 'web']);
    assert.deepEqual(composeArgs('/w/compose.yaml', 'down', { services: ['web'] }), ['compose', '-f', '/w/compose.yaml', 'down']);
    assert.deepEqual(composeArgs('c.yml', 'restart'), ['compose', '-f', 'c.yml', 'restart']);
  });
});
