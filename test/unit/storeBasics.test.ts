import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { digestHex, type ImageIndex } from '../../src/core/store/descriptor';
import { normalizeRef } from '../../src/core/store/imageStore';
import { selectPlatform } from '../../src/core/store/platformSelection';
import { stevedoreHome } from '../../src/core/store/storeHome';

test('stevedoreHome: STEVEDORE_HOME, then XDG_DATA_HOME/stevedore, then ~/.local/share/stevedore', () => {
  assert.equal(stevedoreHome({ STEVEDORE_HOME: '/x/y', XDG_DATA_HOME: '/d' }), '/x/y');
  assert.equal(stevedoreHome({ XDG_DATA_HOME: '/d' }), '/d/stevedore');
  assert.equal(stevedoreHome({}), path.join(os.homedir(), '.local/share/stevedore'));
});

test('digestHex refuses anything that is not a sha256 digest (it becomes a path)', () => {
  assert.equal(digestHex(`sha256:${'a'.repeat(64)}`), 'a'.repeat(64));
  assert.throws(() => digestHex('sha256:../../etc/passwd'), /not a sha256 digest/);
  assert.throws(() => digestHex(`sha512:${'a'.repeat(64)}`), /not a sha256 digest/);
});

test('normalizeRef fills in docker.io, library/ and latest as Docker does', () => {
  assert.equal(normalizeRef('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeRef('localhost:5000/app:1'), 'localhost:5000/app:1');
  assert.throws(() => normalizeRef('Bad Name'), /not a valid image reference/);
});

test('selectPlatform picks os/arch, prefers the exact variant, never an attestation', () => {
  const d = (digit: string, platform: { os: string; architecture: string; variant?: string }) => ({ mediaType: 'm', digest: `sha256:${digit.repeat(64)}`, size: 1, platform });
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [d('1', { os: 'unknown', architecture: 'unknown' }), d('2', { os: 'linux', architecture: 'arm', variant: 'v6' }), d('3', { os: 'linux', architecture: 'arm', variant: 'v7' }), d('4', { os: 'linux', architecture: 'amd64' }), d('5', { os: 'linux', architecture: 'arm64', variant: 'v8' })],
  };
  assert.equal(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest[7], '3');
  assert.equal(selectPlatform(index, { os: 'linux', architecture: 'amd64' })?.digest[7], '4');
  assert.equal(selectPlatform(index, { os: 'linux', architecture: 'arm64' })?.digest[7], '5');
  assert.equal(selectPlatform(index, { os: 'windows', architecture: 'amd64' }), undefined);
});
