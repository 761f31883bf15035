import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageSummary } from '../../src/engine/engine';
import { DANGLING_GROUP, groupImages } from '../../src/views/imageGroups';

const image = (id: string, tags: string[], created: number): ImageSummary => ({ id: `sha256:${id}`, tags, digests: [], size: 1, created });

describe('Images view grouping', () => {
  const images = [
    image('a', ['app:1', 'app:latest'], 10),
    image('b', ['app:2'], 20),
    image('c', ['localhost:5000/team/api:dev'], 5),
    image('d', [], 30),
    image('e', ['registry.example:443/base'], 1),
  ];

  test('repositories sorted by name, tags newest first, registry ports not mistaken for tags', () => {
    const roots = groupImages(images, false);
    assert.deepEqual(roots.map((r) => r.kind === 'repository' && r.name), ['app', 'localhost:5000/team/api', 'registry.example:443/base']);
    const app = roots[0];
    assert.ok(app.kind === 'repository');
    assert.deepEqual(app.tags.map((t) => t.kind === 'tag' && t.tag), ['2', '1', 'latest']);
    const base = roots[2];
    assert.ok(base.kind === 'repository' && base.tags[0].kind === 'tag');
    assert.equal(base.tags[0].kind === 'tag' && base.tags[0].tag, 'latest');
  });

  test('dangling images in their own group, last, only when asked', () => {
    assert.equal(groupImages(images, false).some((r) => r.kind === 'repository' && r.name === DANGLING_GROUP), false);
    const roots = groupImages(images, true);
    const last = roots[roots.length - 1];
    assert.ok(last.kind === 'repository' && last.name === DANGLING_GROUP);
    assert.deepEqual(last.tags.map((t) => t.kind === 'dangling' && t.image.id), ['sha256:d']);
  });

  test('nothing to show', () => {
    assert.deepEqual(groupImages([], true), []);
  });
});
