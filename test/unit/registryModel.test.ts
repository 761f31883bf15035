import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageIndex, ImageManifest } from '../../src/core/registry/ociTypes';
import { CatalogPager, configFacts, indexPlatforms, Limiter, manifestSize, normalizeHost, normalizeRepository, repositoryRows, sortTags, tagDescription, tagReference, tagTooltip } from '../../src/views/registryModel';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('Registries view: hosts and repositories the user types', () => {
  test('hosts: scheme, path and case dropped; Docker Hub aliases are docker.io; ports kept', () => {
    assert.equal(normalizeHost('https://Registry.Example.com/v2/'), 'registry.example.com');
    assert.equal(normalizeHost(' localhost:5000 '), 'localhost:5000');
    assert.equal(normalizeHost('index.docker.io'), 'docker.io');
    assert.equal(normalizeHost('registry-1.docker.io'), 'docker.io');
    assert.equal(normalizeHost('127.0.0.1:39509'), '127.0.0.1:39509');
  });

  test('hosts: clear messages for what is not a host', () => {
    assert.throws(() => normalizeHost('  '), /Enter the registry host/);
    assert.throws(() => normalizeHost('my registry'), /is not a host\[:port\]/);
    assert.throws(() => normalizeHost('host:99999'), /99999 is not a port number/);
  });

  test('repositories: official Hub images under library/, invalid names refused with the reason', () => {
    assert.equal(normalizeRepository('docker.io', 'busybox'), 'library/busybox');
    assert.equal(normalizeRepository('docker.io', 'me/app'), 'me/app');
    assert.equal(normalizeRepository('ghcr.io', '/org/app/'), 'org/app');
    assert.throws(() => normalizeRepository('ghcr.io', 'Org/App'), /lowercase/);
    assert.throws(() => normalizeRepository('ghcr.io', 'org/-app'), /"-app" is not a valid/);
  });

  test('references as docker names them: Hub short, other registries in full', () => {
    assert.equal(tagReference('docker.io', 'library/busybox', '1.36'), 'busybox:1.36');
    assert.equal(tagReference('docker.io', 'me/app', 'v1'), 'me/app:v1');
    assert.equal(tagReference('localhost:5000', 'team/api', 'dev'), 'localhost:5000/team/api:dev');
  });
});

describe('Registries view: tags', () => {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('b'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('c'), size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
    ],
  };

  test('platforms of an index, without BuildKit\'s attestation entries', () => {
    assert.deepEqual(indexPlatforms(index), ['linux/amd64', 'linux/arm64/v8']);
  });

  test('size is config plus layers as stored', () => {
    const manifest: ImageManifest = { schemaVersion: 2, config: { mediaType: 'c', digest: digest('c'), size: 1000 }, layers: [{ mediaType: 'l', digest: digest('d'), size: 2_000_000 }, { mediaType: 'l', digest: digest('e'), size: 500_000 }] };
    assert.equal(manifestSize(manifest), 2_501_000);
  });

  test('the line under a tag: size, age, platforms; a few platforms then a count', () => {
    const now = Date.UTC(2026, 0, 10);
    const details = { digest: digest('a'), mediaType: 'application/vnd.oci.image.index.v1+json', size: 2_501_000, created: now - 3 * 86_400_000, platforms: ['linux/amd64', 'linux/arm64/v8'] };
    assert.equal(tagDescription(details, now), '2.5MB · 3 days ago · linux/amd64, linux/arm64/v8');
    assert.equal(tagDescription({ ...details, platforms: ['a/1', 'a/2', 'a/3', 'a/4', 'a/5'] }, now), '2.5MB · 3 days ago · a/1, a/2, a/3 +2');
    assert.equal(tagDescription(undefined, now), '…');
    assert.equal(tagDescription(undefined, now, 'not found'), 'cannot read: not found');
    // A config without a date (reproducible builds leave it out) still shows what is known.
    assert.equal(tagDescription({ ...details, created: undefined, platforms: [] }, now), '2.5MB');
  });

  test('the tooltip carries the digest', () => {
    const lines = tagTooltip('localhost:5000/app:v1', { digest: digest('f'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10, platforms: ['linux/amd64'] });
    assert.equal(lines[0], 'localhost:5000/app:v1');
    assert.ok(lines.includes(`Digest: ${digest('f')}`));
    assert.ok(lines.includes('Platforms: linux/amd64'));
  });

  test('order: latest first, then descending with numbers compared as numbers', () => {
    assert.deepEqual(sortTags(['1.9', 'latest', '1.10', 'alpha', '2']), ['latest', 'alpha', '2', '1.10', '1.9']);
  });

  test('config facts: created and platform; a broken config gives nothing rather than an error', () => {
    assert.deepEqual(configFacts(Buffer.from(JSON.stringify({ created: '2026-01-02T03:04:05Z', os: 'linux', architecture: 'arm', variant: 'v7' }))), { created: Date.UTC(2026, 0, 2, 3, 4, 5), platform: 'linux/arm/v7' });
    assert.deepEqual(configFacts(Buffer.from('{not json')), {});
  });
});

describe('Registries view: catalog pages and the detail reads\' bound', () => {
  test('the catalog is read only as far as asked, then to its end', async () => {
    let pulled = 0;
    async function* names() {
      for (let i = 0; i < 7; i++) {
        await Promise.resolve();
        pulled++;
        yield `repo${i}`;
      }
    }
    const pager = new CatalogPager(names());
    await pager.more(3);
    assert.deepEqual(pager.names, ['repo0', 'repo1', 'repo2']);
    assert.equal(pulled, 3);
    assert.equal(pager.complete, false);
    // Two clicks on "Load more" at once read one page, not two.
    await Promise.all([pager.more(3), pager.more(3)]);
    assert.equal(pager.names.length, 6);
    await pager.more(3);
    assert.equal(pager.names.length, 7);
    assert.equal(pager.complete, true);
  });

  test('a catalog error reaches the caller and the names read so far stay', async () => {
    async function* failing() {
      yield 'one';
      await Promise.resolve();
      throw new Error('denied');
    }
    const pager = new CatalogPager(failing());
    await assert.rejects(pager.more(5), /denied/);
    assert.deepEqual(pager.names, ['one']);
  });

  test('at most N tasks run at once, and all finish', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (n === 3) throw new Error('three');
      return n;
    }).catch((e: Error) => e.message)));
    assert.deepEqual(results, [1, 2, 'three', 4, 5]);
    assert.equal(peak, 2);
  });
});

describe('Registries view: the repositories under a registry', () => {
  test('a catalog read in part: its names, then "Load more"; added names wait until it is complete', () => {
    assert.deepEqual(repositoryRows({ catalog: ['a', 'b'], complete: false }, ['z']), [{ repository: 'a' }, { repository: 'b' }, { more: true }]);
    assert.deepEqual(repositoryRows({ catalog: ['a', 'b'], complete: true }, ['b', 'z']), [{ repository: 'a' }, { repository: 'b' }, { repository: 'z' }]);
  });

  test('no catalog: the added and the user\'s own, once each, sorted, then "Add Repository…"; with none, a line saying why', () => {
    assert.deepEqual(repositoryRows({ own: ['me/web', 'me/api'] }, ['me/web', 'library/busybox']), [{ repository: 'library/busybox' }, { repository: 'me/api' }, { repository: 'me/web' }, { addRepository: true }]);
    assert.deepEqual(repositoryRows({ own: [] }, []), [{ noCatalog: true }, { addRepository: true }]);
  });
});
