import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { familiarReference, formatReference, parseReference, withDefaultTag } from '../../src/core/registry/imageReference';

const digest = `sha256:${'a'.repeat(64)}`;

describe('image references, parsed as Docker parses them', () => {
  test('Docker Hub names get docker.io and library/', () => {
    assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox', tag: undefined, digest: undefined });
    assert.deepEqual(parseReference('user/app:1.0'), { domain: 'docker.io', path: 'user/app', tag: '1.0', digest: undefined });
    assert.equal(formatReference(parseReference('index.docker.io/library/busybox:1')), 'docker.io/library/busybox:1');
    assert.equal(familiarReference(parseReference('docker.io/library/busybox:1')), 'busybox:1');
  });

  test('a first component with a dot, a port, localhost or capitals is a registry', () => {
    assert.equal(parseReference('localhost:5000/team/api:dev').domain, 'localhost:5000');
    assert.equal(parseReference('localhost/app').domain, 'localhost');
    assert.equal(parseReference('ghcr.io/o/r').domain, 'ghcr.io');
    assert.equal(parseReference('127.0.0.1:5001/x@' + digest).domain, '127.0.0.1:5001');
    assert.equal(parseReference('Registry/app').domain, 'Registry');
    assert.equal(parseReference('team/api').domain, 'docker.io');
  });

  test('a registry port is not a tag; tag and digest together', () => {
    const r = parseReference('registry.example:443/base');
    assert.equal(r.tag, undefined);
    assert.equal(r.path, 'base');
    const both = parseReference(`app:1@${digest}`);
    assert.equal(both.tag, '1');
    assert.equal(both.digest, digest);
    assert.equal(formatReference(withDefaultTag(parseReference('app'))), 'docker.io/library/app:latest');
    assert.equal(withDefaultTag(parseReference(`app@${digest}`)).tag, undefined);
  });

  test('invalid references say why', () => {
    assert.throws(() => parseReference(''), /is empty/);
    assert.throws(() => parseReference('App'), /must be lowercase/);
    assert.throws(() => parseReference('app:'), /"" is not a valid tag/);
    assert.throws(() => parseReference('app:-x'), /not a valid tag/);
    assert.throws(() => parseReference('app@sha256:short'), /not a digest/);
    assert.throws(() => parseReference('a//b'), /"" is not a valid path component/);
    assert.throws(() => parseReference('a/b_-c'), /not a valid path component/);
    assert.throws(() => parseReference(`x/${'a'.repeat(260)}`), /longer than 255/);
  });
});
