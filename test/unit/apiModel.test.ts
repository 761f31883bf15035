import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerFromInspect, containerFromList, imageFromApi } from '../../src/engine/daemon/apiModel';

describe('Docker Engine API objects to the contract', () => {
  test('a listed container: name without slash, state, health from status, ports once per mapping', () => {
    const c = containerFromList({
      Id: 'abc123def4567890',
      Names: ['/web'],
      Image: 'nginx:1.27',
      ImageID: 'sha256:ff',
      Command: 'nginx -g daemon off;',
      Created: 1_700_000_000,
      State: 'running',
      Status: 'Up 5 minutes (healthy)',
      Ports: [
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 443, Type: 'tcp' },
      ],
      Labels: { 'com.docker.compose.project': 'shop' },
    });
    assert.equal(c.name, 'web');
    assert.equal(c.state, 'running');
    assert.equal(c.health, 'healthy');
    assert.equal(c.created, 1_700_000_000_000);
    assert.deepEqual(c.ports, [
      { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 },
      { containerPort: 443, protocol: 'tcp', hostIp: undefined, hostPort: undefined },
    ]);
    assert.equal(c.labels['com.docker.compose.project'], 'shop');
  });

  test('Podman states and missing fields', () => {
    assert.equal(containerFromList({ Id: 'x'.repeat(64), State: 'configured' }).state, 'created');
    assert.equal(containerFromList({ Id: 'x'.repeat(64), State: 'stopped' }).state, 'exited');
    const bare = containerFromList({ Id: '0123456789abcdef' });
    assert.equal(bare.name, '0123456789ab');
    assert.deepEqual(bare.ports, []);
    assert.equal(containerFromList({ Id: 'y', Status: 'Up 1 second (health: starting)', State: 'running' }).health, 'starting');
  });

  test('an inspected container is worded like the list', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const c = containerFromInspect({
      Id: 'abc',
      Name: '/db',
      Image: 'sha256:img',
      Path: 'postgres',
      Args: ['-c', 'fsync=off'],
      Created: '2026-01-01T10:00:00Z',
      State: { Status: 'exited', ExitCode: 137, FinishedAt: '2026-01-01T11:00:00Z', StartedAt: '2026-01-01T10:00:01Z' },
      Config: { Image: 'postgres:17', Labels: null },
      NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '15432' }], '9187/tcp': null } },
    }, now);
    assert.equal(c.name, 'db');
    assert.equal(c.image, 'postgres:17');
    assert.equal(c.command, 'postgres -c fsync=off');
    assert.equal(c.status, 'Exited (137) About an hour ago');
    assert.deepEqual(c.ports, [
      { containerPort: 5432, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 15432 },
      { containerPort: 9187, protocol: 'tcp' },
    ]);
    const running = containerFromInspect({ Id: 'r', State: { Status: 'running', StartedAt: '2026-01-01T11:57:00Z', Health: { Status: 'unhealthy' } } }, now);
    assert.equal(running.status, 'Up 3 minutes');
    assert.equal(running.health, 'unhealthy');
  });

  test('images: dangling placeholders dropped, seconds and ISO dates both understood', () => {
    const listed = imageFromApi({ Id: 'sha256:1', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Size: 10, Created: 1_700_000_000 });
    assert.deepEqual(listed.tags, []);
    assert.deepEqual(listed.digests, []);
    assert.equal(listed.created, 1_700_000_000_000);
    const inspected = imageFromApi({ Id: 'sha256:2', RepoTags: ['app:1', 'app:latest'], Created: '2026-02-03T04:05:06.123456789Z' });
    assert.deepEqual(inspected.tags, ['app:1', 'app:latest']);
    assert.equal(inspected.created, Date.parse('2026-02-03T04:05:06.123Z'));
    assert.deepEqual(imageFromApi({ Id: 'sha256:3', RepoTags: null }).tags, []);
  });
});
