import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReference } from '../../src/core/registry/imageReference';
import { RegistryClient } from '../../src/core/registry/registryClient';
import { RegistryError } from '../../src/core/registry/registryError';
import { plainRegistry, registriesMissing, registryPassword, registryUser, secureRegistry } from '../support/registry';
import { bodyOf, passThrough, startProxy, type RegistryProxy } from '../support/registryProxy';
import { skipUnlessAvailable } from '../support/services';
import { buildImage, pushBuilt, sha } from '../support/testImages';

const run = `${process.pid}-${Date.now().toString(36)}`;
const noCredentials = () => Promise.resolve(undefined);
const ca = () => process.env.STEVEDORE_TEST_REGISTRY_CA!;
const temps: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-certs-'));
  temps.push(dir);
  return dir;
};
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

async function rejectsWith(promise: Promise<unknown>, reason: string, message?: RegExp): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a RegistryError (${reason})`);
}

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('registry client on the TLS + htpasswd registry', { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  const good = () => Promise.resolve({ username: registryUser(), password: registryPassword() });

  test('TLS is verified: refused without the CA, accepted with it as a CA file, from certs.d, or with the host marked insecure', async () => {
    const bare = new RegistryClient({ credentials: good, certsDir: tempDir() });
    const refused = await bare.ping(secureRegistry());
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, 'tls');
    assert.match(!refused.ok ? refused.message : '', /not trusted/);
    await rejectsWith(bare.listTags(parseReference(`${secureRegistry()}/any/repo`)), 'tls');
    bare.close();

    const withCa = new RegistryClient({ credentials: good, caFiles: [ca()] });
    assert.deepEqual(await withCa.ping(secureRegistry()), { ok: true });
    withCa.close();

    const certsDir = tempDir();
    fs.mkdirSync(path.join(certsDir, secureRegistry()));
    fs.copyFileSync(ca(), path.join(certsDir, secureRegistry(), 'ca.crt'));
    const fromCertsD = new RegistryClient({ credentials: good, certsDir });
    assert.deepEqual(await fromCertsD.ping(secureRegistry()), { ok: true });
    fromCertsD.close();

    const insecure = new RegistryClient({ credentials: good, insecureHosts: [secureRegistry()], certsDir });
    assert.deepEqual(await insecure.ping(secureRegistry()), { ok: true });
    insecure.close();
  });

  test('basic auth: the right password pushes and lists; a wrong one and none are refused with reason auth', async () => {
    const client = new RegistryClient({ credentials: good, caFiles: [ca()] });
    const ref = `${secureRegistry()}/client-${run}/basic:one`;
    await pushBuilt(client, ref, buildImage([1000]));
    assert.deepEqual(await client.listTags(parseReference(ref)), ['one']);
    client.close();

    const wrong = new RegistryClient({ credentials: () => Promise.resolve({ username: registryUser(), password: 'not-the-password' }), caFiles: [ca()] });
    const ping = await wrong.ping(secureRegistry());
    assert.deepEqual(ping, { ok: false, reason: 'auth', message: `${secureRegistry()} refused the credentials` });
    await rejectsWith(wrong.getManifest(parseReference(ref)), 'auth', new RegExp(`client-${run}/basic`));
    wrong.close();

    const anonymous = new RegistryClient({ credentials: noCredentials, caFiles: [ca()] });
    const anon = await anonymous.ping(secureRegistry());
    assert.equal(!anon.ok && anon.reason, 'auth');
    assert.match(!anon.ok ? anon.message : '', /requires a login/);
    anonymous.close();
  });
});

/** A token server and a registry proxy that demands its Bearer tokens, in front of the plain registry. */
class BearerRealm {
  tokenServer!: http.Server;
  proxy!: RegistryProxy;
  readonly valid = new Map<string, string[]>(); // token → scopes granted
  readonly fetches: { method: string; scopes: string[]; grant?: string }[] = [];
  blobRedirect?: string;

  async start(): Promise<void> {
    this.tokenServer = http.createServer((req, res) => void this.token(req, res));
    await new Promise<void>((ok) => this.tokenServer.listen(0, '127.0.0.1', ok));
    const realm = `http://127.0.0.1:${(this.tokenServer.address() as AddressInfo).port}/token`;
    this.proxy = await startProxy(plainRegistry(), async (req, res, forward) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const repo = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(req.url ?? '')?.[1];
      const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : req.method === 'DELETE' ? 'delete' : 'push';
      const scopes = token ? this.valid.get(token) : undefined;
      const allowed = scopes && (!repo || scopes.some((s) => s.startsWith(`repository:${repo}:`) && s.split(':')[2].split(',').includes(action)));
      if (!allowed) {
        req.resume();
        const scope = repo ? `,scope="repository:${repo}:${action}"` : '';
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm}",service="test-registry"${scope}`, 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      if (this.blobRedirect && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
        res.writeHead(307, { Location: `${this.blobRedirect}${req.url}` }).end();
        return;
      }
      delete req.headers.authorization;
      await passThrough(res, forward);
    });
  }

  private async token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    let ok: boolean;
    let scopes: string[];
    if (req.method === 'POST') {
      const form = new URLSearchParams((await bodyOf(req)).toString());
      ok = form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'identity-token-123' && form.get('service') === 'test-registry';
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      this.fetches.push({ method: 'POST', scopes, grant: form.get('grant_type') ?? undefined });
    } else {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      ok = basic === 'alice:wonderland' && url.searchParams.get('service') === 'test-registry';
      scopes = url.searchParams.getAll('scope');
      this.fetches.push({ method: 'GET', scopes });
    }
    if (!ok) {
      res.writeHead(401).end('{"details":"bad credentials"}');
      return;
    }
    const token = `tok-${this.fetches.length}-${Math.random().toString(36).slice(2)}`;
    this.valid.set(token, scopes);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.method === 'POST' ? { access_token: token, expires_in: 300 } : { token, expires_in: 300, issued_at: new Date().toISOString() }));
  }

  async stop(): Promise<void> {
    await this.proxy.close();
    this.tokenServer.closeAllConnections();
    await new Promise((ok) => this.tokenServer.close(ok));
  }
}

describe('registry client with a Bearer token realm (token server and proxy in the test)', { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  const realm = new BearerRealm();
  before(() => realm.start());
  after(() => realm.stop());
  const alice = () => Promise.resolve({ username: 'alice', password: 'wonderland' });

  test('tokens are fetched per scope with basic credentials, cached, and refreshed after a 401', async () => {
    const client = new RegistryClient({ credentials: alice });
    const ref = `${realm.proxy.host}/bearer-${run}/app:v1`;
    const image = buildImage([2000, 3000]);
    await pushBuilt(client, ref, image);
    const pushFetches = realm.fetches.length;
    assert.deepEqual(realm.fetches.map((f) => f.scopes), [[`repository:bearer-${run}/app:pull,push`]], 'one token for the whole push');

    const got = await client.getManifest(parseReference(ref));
    assert.deepEqual(got.bytes, image.manifest);
    const pullFetches = realm.fetches.length;
    assert.equal(pullFetches, pushFetches + 1, 'one token for the pull scope');
    await client.getManifest(parseReference(ref));
    await client.listTags(parseReference(ref));
    assert.equal(realm.fetches.length, pullFetches, 'the pull token is reused');

    const fresh = new RegistryClient({ credentials: alice });
    const before = realm.fetches.length;
    await Promise.all([0, 1, 2].map(() => fresh.getBlob(parseReference(ref), { digest: sha(image.layers[0]), size: image.layers[0].length }).then(drain)));
    assert.equal(realm.fetches.length, before + 1, 'three parallel downloads share one token request');
    fresh.close();

    const beforeRefresh = realm.fetches.length;
    realm.valid.clear(); // the registry forgets every token: the next request gets a 401
    assert.deepEqual((await client.getManifest(parseReference(ref))).bytes, image.manifest);
    assert.equal(realm.fetches.length, beforeRefresh + 1, 'a fresh token after the 401');
    client.close();
  });

  test('an identity token uses the OAuth2 refresh_token POST; wrong credentials give reason auth', async () => {
    const ref = parseReference(`${realm.proxy.host}/bearer-${run}/app:v1`);
    const oauth = new RegistryClient({ credentials: () => Promise.resolve({ identityToken: 'identity-token-123' }) });
    assert.deepEqual(await oauth.listTags(ref), ['v1']);
    assert.deepEqual(realm.fetches.at(-1), { method: 'POST', scopes: [`repository:bearer-${run}/app:pull`], grant: 'refresh_token' });
    oauth.close();

    const wrong = new RegistryClient({ credentials: () => Promise.resolve({ username: 'alice', password: 'nope' }) });
    await rejectsWith(wrong.listTags(ref), 'auth', /refused the credentials/);
    const ping = await wrong.ping(realm.proxy.host);
    assert.equal(!ping.ok && ping.reason, 'auth');
    wrong.close();
  });

  test('credentials are never sent to a plain-HTTP token realm on another machine', async () => {
    const proxy = await startProxy(plainRegistry(), (req, res) => {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="http://auth.stevedore-test.invalid/token",service="x"' }).end();
    });
    try {
      const client = new RegistryClient({ credentials: alice });
      await rejectsWith(client.listTags(parseReference(`${proxy.host}/any/repo`)), 'tls', /plain HTTP: credentials are not sent there/);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  test('a blob redirected to another host is fetched without the Authorization header', async () => {
    const seen: (string | undefined)[] = [];
    const storage = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      http.get({ host: plainRegistry().split(':')[0], port: Number(plainRegistry().split(':')[1]), path: req.url }, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'Content-Length': up.headers['content-length'] });
        up.pipe(res);
      });
    });
    await new Promise<void>((ok) => storage.listen(0, '127.0.0.1', ok));
    realm.blobRedirect = `http://localhost:${(storage.address() as AddressInfo).port}`;
    try {
      const client = new RegistryClient({ credentials: alice });
      const ref = parseReference(`${realm.proxy.host}/bearer-${run}/app:v1`);
      const { manifest } = await client.resolvePlatformManifest(ref);
      const layer = manifest.layers[0];
      const bytes = await drain(await client.getBlob(ref, layer));
      assert.equal(sha(bytes), layer.digest);
      assert.deepEqual(seen, [undefined]);
      client.close();
    } finally {
      realm.blobRedirect = undefined;
      storage.closeAllConnections();
      await new Promise((ok) => storage.close(ok));
    }
  });
});

describe('registry client on the plain registry', { skip: skipUnlessAvailable(registriesMissing()) }, () => {
  const client = new RegistryClient({ credentials: noCredentials });
  after(() => client.close());
  const repo = `client-${run}/plain`;

  test('plain HTTP on loopback without marking the host insecure; a non-loopback plain host is not tried over HTTP', async () => {
    assert.deepEqual(await client.ping(plainRegistry()), { ok: true });
    const ping = await client.ping('stevedore-test.invalid:5000');
    assert.equal(!ping.ok && ping.reason, 'unreachable');
  });

  test('tags and catalog follow Link pagination page by page', async () => {
    const counted: string[] = [];
    // Debian's distribution 2.8 ignores n= for tags (it pages the catalog only): the proxy pages tags as v3 does.
    const proxy = await startProxy(plainRegistry(), async (req, res, forward): Promise<void> => {
      counted.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      if (!url.pathname.endsWith('/tags/list') || !url.searchParams.has('n')) return passThrough(res, forward);
      const n = Number(url.searchParams.get('n'));
      const last = url.searchParams.get('last');
      req.url = url.pathname;
      const up = await forward();
      const all = ((JSON.parse((await bodyOf(up)).toString()) as { tags: string[] }).tags).sort();
      const rest = last ? all.filter((t) => t > last) : all;
      const page = rest.slice(0, n);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (rest.length > n) headers.Link = `<${url.pathname}?n=${n}&last=${page.at(-1)}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify({ name: repo, tags: page }));
    });
    try {
      const c = new RegistryClient({ credentials: noCredentials });
      const image = buildImage([500]);
      const tags = ['a', 'b', 'c', 'd', 'e'];
      for (const tag of tags) await pushBuilt(c, `${proxy.host}/${repo}:${tag}`, image);
      counted.length = 0;
      assert.deepEqual((await c.listTags(parseReference(`${proxy.host}/${repo}`), { pageSize: 2 })).sort(), tags);
      assert.equal(counted.filter((u) => u.includes('/tags/list')).length, 3, counted.join('\n'));

      const repos: string[] = [];
      counted.length = 0;
      for await (const name of c.catalog(proxy.host, { pageSize: 1 })) repos.push(name);
      assert.ok(repos.includes(repo));
      assert.equal(new Set(repos).size, repos.length, 'no repository twice');
      assert.ok(counted.filter((u) => u.startsWith('/v2/_catalog')).length >= repos.length, 'one request per page of one');
      c.close();
    } finally {
      await proxy.close();
    }
  });

  test('chunked upload in PATCH pieces, cross-repository mount, and existing blobs skipped', async () => {
    const patches: string[] = [];
    const proxy = await startProxy(plainRegistry(), (req, res, forward) => {
      if (req.method === 'PATCH') patches.push(String(req.headers['content-range']));
      return passThrough(res, forward);
    });
    try {
      const c = new RegistryClient({ credentials: noCredentials });
      const blob = buildImage([200_000], { seed: 7 }).layers[0];
      const desc = { digest: sha(blob), size: blob.length };
      const source = function* () { for (let i = 0; i < blob.length; i += 10_000) yield blob.subarray(i, i + 10_000); };
      const from = parseReference(`${proxy.host}/${repo}-chunked`);
      const progress: number[] = [];
      assert.equal(await c.pushBlob(from, desc, source, { chunkSize: 64 << 10, onProgress: (n) => progress.push(n) }), 'pushed');
      assert.equal(patches.length, Math.ceil(blob.length / (64 << 10)));
      assert.equal(patches[0], `0-${(64 << 10) - 1}`);
      assert.equal(progress.at(-1), blob.length);
      assert.equal(await c.pushBlob(from, desc, source), 'exists');
      const to = parseReference(`${proxy.host}/${repo}-mounted`);
      assert.equal(await c.pushBlob(to, desc, source, { mountFrom: from.path }), 'mounted');
      assert.equal(sha(await drain(await c.getBlob(to, desc))), desc.digest);
      c.close();
    } finally {
      await proxy.close();
    }
  });

  test('a blob resumes from an offset with Range', async () => {
    const image = buildImage([300_000], { seed: 3 });
    const ref = parseReference(await pushBuilt(client, `${plainRegistry()}/${repo}-range:1`, image));
    const layer = image.layers[0];
    const rest = await drain(await client.getBlob(ref, { digest: sha(layer), size: layer.length }, { offset: 100_000 }));
    assert.deepEqual(rest, layer.subarray(100_000));
  });

  test('delete by digest removes the manifest; a registry that forbids deletes gives reason unsupported', async () => {
    const image = buildImage([700], { seed: 4 });
    const ref = parseReference(await pushBuilt(client, `${plainRegistry()}/${repo}-delete:gone`, image));
    await client.deleteManifest(ref, image.manifestDigest);
    await rejectsWith(client.getManifest(ref), 'not-found');

    // What the distribution registry answers with REGISTRY_STORAGE_DELETE_ENABLED unset.
    const proxy = await startProxy(plainRegistry(), async (req, res, forward): Promise<void> => {
      if (req.method !== 'DELETE') return passThrough(res, forward);
      res.writeHead(405, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}');
    });
    try {
      const c = new RegistryClient({ credentials: noCredentials });
      await rejectsWith(c.deleteManifest(parseReference(`${proxy.host}/${repo}-delete`), image.manifestDigest), 'unsupported', /REGISTRY_STORAGE_DELETE_ENABLED/);
      c.close();
    } finally {
      await proxy.close();
    }
  });

  test('referrers: none without the API, and those of the OCI tag-schema fallback', async () => {
    const image = buildImage([800], { seed: 5 });
    const ref = parseReference(await pushBuilt(client, `${plainRegistry()}/${repo}-refs:1`, image));
    assert.deepEqual(await client.referrers(ref, image.manifestDigest), []);
    const sbom = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, artifactType: 'application/spdx+json' };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [sbom] }));
    await client.putManifest({ ...ref, tag: image.manifestDigest.replace(':', '-') }, 'application/vnd.oci.image.index.v1+json', index);
    assert.deepEqual(await client.referrers(ref, image.manifestDigest), [sbom]);
  });

  test('a manifest that does not match the digest asked for, or the digest the registry states, is refused', async () => {
    const image = buildImage([900], { seed: 6 });
    const other = buildImage([901], { seed: 6 });
    await pushBuilt(client, `${plainRegistry()}/${repo}-lie:1`, image);
    await pushBuilt(client, `${plainRegistry()}/${repo}-lie:2`, other);
    const proxy = await startProxy(plainRegistry(), async (req, res, forward): Promise<void> => {
      if (!req.url?.includes('/manifests/')) return passThrough(res, forward);
      const up = await forward();
      const body = await bodyOf(up);
      if (req.url.endsWith('/manifests/1')) {
        res.writeHead(200, { ...up.headers, 'docker-content-digest': other.manifestDigest }).end(body);
      } else {
        res.writeHead(200, { 'Content-Type': String(up.headers['content-type']), 'Content-Length': other.manifest.length }).end(other.manifest);
      }
    });
    try {
      const c = new RegistryClient({ credentials: noCredentials });
      await rejectsWith(c.getManifest(parseReference(`${proxy.host}/${repo}-lie:1`)), 'digest-mismatch', /states digest/);
      await rejectsWith(c.getManifest(parseReference(`${proxy.host}/${repo}-lie@${image.manifestDigest}`)), 'digest-mismatch', new RegExp(other.manifestDigest));
      c.close();
    } finally {
      await proxy.close();
    }
  });
});
