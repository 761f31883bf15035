import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { type AuthChallenge, parseChallenges } from './authChallenge';
import { type CredentialLookup, dockerCredentials, type RegistryCredentials } from './dockerCredentials';
import { DOCKER_HUB, type ImageReference } from './imageReference';
import { isIndexMediaType, isManifestMediaType, MediaType } from '../store/descriptor';
import { offeredPlatforms, platformText, selectPlatform } from '../store/platformSelection';
import { type Descriptor, type ImageIndex, type ImageManifest, MANIFEST_ACCEPT, type Platform } from './ociTypes';
import { defaultPullPlatform } from './platform';
import { RegistryError } from './registryError';
import { isCertificateError, isLoopback, networkError, readBody, type RequestBody, Transport } from './transport';

export type { CredentialLookup, RegistryCredentials } from './dockerCredentials';

export interface RegistryClientOptions {
  /** Default: Docker's config (auths, credsStore, credHelpers). */
  credentials?: CredentialLookup;
  /** Plain HTTP or unverified TLS is allowed only for these hosts (`host[:port]`). */
  insecureHosts?: readonly string[];
  /** Extra CAs, besides `~/.docker/certs.d/<host>/*.crt`. */
  caFiles?: readonly string[];
  userAgent?: string;
  idleTimeoutMs?: number;
  minBytesPerSecond?: number;
  speedWindowMs?: number;
  /** Where Docker keeps per-registry certificates; `~/.docker/certs.d` by default. */
  certsDir?: string;
}

export type PingResult = { ok: true } | { ok: false; reason: 'auth' | 'tls' | 'unreachable' | 'not-registry'; message: string };

export interface FetchedManifest<T = ImageManifest | ImageIndex> {
  descriptor: Descriptor;
  bytes: Buffer;
  manifest: T;
}

export interface PlatformManifest extends FetchedManifest<ImageManifest> {
  /** The multi-platform index the manifest was selected from, when the reference named one. */
  index?: FetchedManifest<ImageIndex>;
}

export interface PushBlobOptions {
  /** A repository on the same registry that has the blob: tried as a cross-repository mount first. */
  mountFrom?: string;
  /** Upload in PATCH chunks of this many bytes instead of one PUT. */
  chunkSize?: number;
  onProgress?: (bytesSent: number) => void;
}

export interface GetBlobOptions {
  /** Bytes the caller has already: asked for with Range. */
  offset?: number;
  signal?: AbortSignal;
  /** false when the caller hashes the bytes itself (the store's ingest does): the size is still checked. */
  checkDigest?: boolean;
}

interface Endpoint { base: URL; challenge?: AuthChallenge }
interface Token { value: string; expires: number }
interface SendRequest { method: string; path: string | URL; headers?: Record<string, string | number>; body?: RequestBody; signal?: AbortSignal }

const pullScope = (repo: ImageReference) => `repository:${repo.path}:pull`;
const pushScope = (repo: ImageReference) => `repository:${repo.path}:pull,push`;
const where = (repo: ImageReference) => `${repo.domain}/${repo.path}`;

/** A client of the OCI distribution API (Docker Hub, GHCR, the distribution registry, …). */
export class RegistryClient {
  private readonly transport: Transport;
  private readonly lookup: CredentialLookup;
  private readonly endpoints = new Map<string, Promise<Endpoint>>();
  private readonly credentials = new Map<string, Promise<RegistryCredentials | undefined>>();
  private readonly tokens = new Map<string, Promise<Token>>();

  constructor(options: RegistryClientOptions = {}) {
    this.transport = new Transport(options);
    this.lookup = options.credentials ?? dockerCredentials();
  }

  /** Reaches `/v2/` and authenticates with the credentials the lookup gives (what `docker login` checks). */
  async ping(host: string): Promise<PingResult> {
    try {
      const endpoint = await this.endpoint(host);
      const res = await this.send(host, undefined, { method: 'GET', path: '/v2/' });
      res.resume();
      if (res.statusCode === 200) return { ok: true };
      if (res.statusCode === 401) {
        const creds = await this.credentialsFor(host);
        return { ok: false, reason: 'auth', message: creds ? `${host} refused the credentials` : `${host} requires a login` };
      }
      return { ok: false, reason: 'not-registry', message: `${endpoint.base.origin}/v2/ answered ${res.statusCode}: not a registry (OCI distribution API)` };
    } catch (err) {
      const e = err instanceof RegistryError ? err : networkError(err, `reach ${host}`);
      if (e.reason === 'tls' || e.reason === 'unreachable' || e.reason === 'auth') return { ok: false, reason: e.reason, message: e.message };
      return { ok: false, reason: 'not-registry', message: e.message };
    }
  }

  /** Repository names (the `_catalog`, where the registry allows it), page by page. */
  async *catalog(host: string, opts: { pageSize?: number } = {}): AsyncIterable<string> {
    let next: string | URL | undefined = `/v2/_catalog${opts.pageSize ? `?n=${opts.pageSize}` : ''}`;
    while (next) {
      const res = await this.send(host, 'registry:catalog:*', { method: 'GET', path: next });
      const page = await this.json<{ repositories?: string[] | null }>(res, `list the repositories of ${host}`);
      yield* page.repositories ?? [];
      next = nextLink(res);
    }
  }

  async listTags(repo: ImageReference, opts: { pageSize?: number } = {}): Promise<string[]> {
    const tags: string[] = [];
    let next: string | URL | undefined = `/v2/${repo.path}/tags/list${opts.pageSize ? `?n=${opts.pageSize}` : ''}`;
    while (next) {
      const res = await this.send(repo.domain, pullScope(repo), { method: 'GET', path: next });
      const page = await this.json<{ tags?: string[] | null }>(res, `list the tags of ${where(repo)}`);
      tags.push(...(page.tags ?? []));
      next = nextLink(res);
    }
    return tags;
  }

  /** The manifest or index `ref` names, checked against the digest asked for and the one the registry states.
   *  With `platform`, an index is resolved to that platform's manifest. */
  async getManifest(ref: ImageReference, opts: { platform?: Platform } = {}): Promise<FetchedManifest> {
    if (opts.platform) return this.resolvePlatformManifest(ref, opts.platform);
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const what = `${where(ref)}${ref.digest ? `@${ref.digest}` : `:${reference}`}`;
    const res = await this.send(ref.domain, pullScope(ref), { method: 'GET', path: `/v2/${ref.path}/manifests/${reference}`, headers: { Accept: MANIFEST_ACCEPT } });
    if (res.statusCode !== 200) throw await statusError(res, `get the manifest of ${what}`);
    const bytes = await readBody(res, `get the manifest of ${what}`, 4 << 20);
    const digest = digestOf(bytes, ref.digest);
    if (ref.digest && digest !== ref.digest) throw new RegistryError('digest-mismatch', `${what}: the registry sent a manifest whose digest is ${digest}`);
    const stated = res.headers['docker-content-digest'];
    if (typeof stated === 'string' && stated.split(':')[0] === digest.split(':')[0] && stated !== digest) {
      throw new RegistryError('digest-mismatch', `${what}: the registry states digest ${stated} but the manifest it sent hashes to ${digest}`);
    }
    let manifest: ImageManifest | ImageIndex;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest | ImageIndex;
    } catch {
      throw new RegistryError('protocol', `${what}: the manifest is not JSON`);
    }
    if ((manifest.schemaVersion as number) === 1) throw new RegistryError('unsupported', `${what} is a Docker schema 1 manifest, which is deprecated and not supported`);
    const mediaType = manifest.mediaType ?? contentType(res) ?? ('manifests' in manifest ? MediaType.ociIndex : MediaType.ociManifest);
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes, manifest };
  }

  /** The image manifest for `platform` (the host's by default): the manifest itself, or its entry in an index. */
  async resolvePlatformManifest(ref: ImageReference, platform: Platform = defaultPullPlatform()): Promise<PlatformManifest> {
    const top = await this.getManifest(ref);
    if (isManifestMediaType(top.descriptor.mediaType) || !('manifests' in top.manifest)) return top as FetchedManifest<ImageManifest>;
    if (!isIndexMediaType(top.descriptor.mediaType)) throw new RegistryError('unsupported', `${where(ref)}: ${top.descriptor.mediaType} is not an image manifest or index`);
    const index = top as FetchedManifest<ImageIndex>;
    const chosen = selectPlatform(index.manifest, platform);
    if (!chosen || (chosen.platform && (chosen.platform.os !== platform.os || chosen.platform.architecture !== platform.architecture))) {
      throw new RegistryError('not-found', `${where(ref)} has no image for ${platformText(platform)} (it has: ${offeredPlatforms(index.manifest)})`);
    }
    const child = await this.getManifest({ domain: ref.domain, path: ref.path, digest: chosen.digest });
    if (child.bytes.length !== chosen.size) throw new RegistryError('digest-mismatch', `${where(ref)}@${chosen.digest}: the index says ${chosen.size} bytes, the registry sent ${child.bytes.length}`);
    if (!('layers' in child.manifest)) throw new RegistryError('unsupported', `${where(ref)}: the ${platformText(platform)} entry is itself an index`);
    return { index, descriptor: { ...child.descriptor, platform: chosen.platform }, bytes: child.bytes, manifest: child.manifest };
  }

  /** The blob as a stream checked while it flows: size always, digest when read from the start (the store checks a resumed one).
   *  Redirects to blob storage are followed without the Authorization header when they leave the registry's host. */
  async getBlob(repo: ImageReference, desc: { digest: string; size?: number }, opts: GetBlobOptions = {}): Promise<NodeJS.ReadableStream> {
    const offset = opts.offset ?? 0;
    const what = `${where(repo)}@${desc.digest}`;
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    let res = await this.send(repo.domain, pullScope(repo), { method: 'GET', path: `/v2/${repo.path}/blobs/${desc.digest}`, headers, signal: opts.signal });
    const registry = (await this.endpoint(repo.domain)).base;
    let url = new URL(`/v2/${repo.path}/blobs/${desc.digest}`, registry);
    for (let hops = 0; isRedirect(res.statusCode) && res.headers.location; hops++) {
      res.resume();
      if (hops === 5) throw new RegistryError('protocol', `${what}: too many redirects`);
      url = new URL(res.headers.location, url);
      res = url.host === registry.host && url.protocol === registry.protocol
        ? await this.send(repo.domain, pullScope(repo), { method: 'GET', path: url, headers, signal: opts.signal })
        : await this.transport.request({ method: 'GET', url, headers, signal: opts.signal }).catch((err: unknown) => { throw networkError(err, `download ${what} from ${url.host}`); });
    }
    let skip = 0;
    let verifyDigest = offset === 0 && opts.checkDigest !== false;
    if (offset > 0 && res.statusCode === 200) {
      skip = offset; // the server ignored Range: read from the start and drop what we have
      verifyDigest = opts.checkDigest !== false;
    } else if (offset > 0 && res.statusCode === 206) {
      const start = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1];
      if (Number(start) !== offset) {
        res.resume();
        throw new RegistryError('protocol', `${what}: asked for bytes from ${offset}, the registry sent a range from ${start ?? '?'}`);
      }
    } else if (res.statusCode !== 200) {
      throw await statusError(res, `download ${what}`);
    }
    const verifier = new BlobVerifier(what, desc, offset, skip, verifyDigest);
    res.on('error', (err) => verifier.destroy(dropped(err, what, verifier)));
    res.on('close', () => {
      if (!res.complete && !verifier.destroyed) verifier.destroy(dropped(undefined, what, verifier));
    });
    verifier.on('close', () => res.destroy());
    res.pipe(verifier);
    return verifier;
  }

  async blobExists(repo: ImageReference, digest: string): Promise<boolean> {
    return this.headBlob(repo, digest, pullScope(repo));
  }

  /** Uploads one blob unless the repository has it; `mountFrom` tries a cross-repository mount first. */
  async pushBlob(repo: ImageReference, desc: { digest: string; size: number }, source: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: PushBlobOptions = {}): Promise<'pushed' | 'exists' | 'mounted'> {
    const what = `${where(repo)}@${desc.digest}`;
    const scopes = opts.mountFrom ? [pushScope(repo), `repository:${opts.mountFrom}:pull`] : [pushScope(repo)];
    if (await this.headBlob(repo, desc.digest, scopes)) return 'exists';
    const uploads = `/v2/${repo.path}/blobs/uploads/`;
    let res = await this.send(repo.domain, scopes, { method: 'POST', path: opts.mountFrom ? `${uploads}?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(opts.mountFrom)}` : uploads, headers: { 'Content-Length': 0 } });
    if (res.statusCode === 201 && opts.mountFrom) {
      res.resume();
      return 'mounted';
    }
    if (res.statusCode !== 202) throw await statusError(res, `start the upload of ${what}`);
    res.resume();
    let location = uploadLocation(res, uploads);
    let sent = 0;
    let offset = 0;
    const counted = async function* () {
      for await (const chunk of source()) {
        sent += chunk.length;
        opts.onProgress?.(sent);
        yield chunk;
      }
    };
    if (opts.chunkSize) {
      for await (const chunk of rechunk(counted(), opts.chunkSize)) {
        const range = `${offset}-${offset + chunk.length - 1}`;
        offset += chunk.length;
        res = await this.send(repo.domain, scopes, { method: 'PATCH', path: location, body: chunk, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': chunk.length, 'Content-Range': range } });
        if (res.statusCode !== 202) throw await statusError(res, `upload ${what} (bytes ${range})`);
        res.resume();
        location = uploadLocation(res, location);
      }
      res = await this.send(repo.domain, scopes, { method: 'PUT', path: withDigest(location, desc.digest), headers: { 'Content-Length': 0 } });
    } else {
      res = await this.send(repo.domain, scopes, {
        method: 'PUT', path: withDigest(location, desc.digest), body: () => { sent = 0; return counted(); },
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': desc.size },
      });
    }
    if (res.statusCode !== 201) throw await statusError(res, `finish the upload of ${what}`);
    res.resume();
    return 'pushed';
  }

  /** PUTs a manifest or index under `ref`'s tag (or digest); returns its digest. */
  async putManifest(ref: ImageReference, mediaType: string, bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes);
    const reference = ref.tag ?? ref.digest ?? digest;
    const res = await this.send(ref.domain, pushScope(ref), { method: 'PUT', path: `/v2/${ref.path}/manifests/${reference}`, body: bytes, headers: { 'Content-Type': mediaType, 'Content-Length': bytes.length } });
    if (res.statusCode !== 201 && res.statusCode !== 200) throw await statusError(res, `push the manifest of ${where(ref)}:${reference}`);
    res.resume();
    return digest;
  }

  /** Deletes a manifest by digest (every tag pointing at it goes); `unsupported` when the registry does not allow deletes. */
  async deleteManifest(repo: ImageReference, digest: string): Promise<void> {
    const res = await this.send(repo.domain, `repository:${repo.path}:delete`, { method: 'DELETE', path: `/v2/${repo.path}/manifests/${digest}` });
    if (res.statusCode === 202 || res.statusCode === 200) {
      res.resume();
      return;
    }
    if (res.statusCode === 405) {
      res.resume();
      throw new RegistryError('unsupported', `${repo.domain} does not allow deleting images (on the distribution registry: REGISTRY_STORAGE_DELETE_ENABLED=true)`, 405);
    }
    throw await statusError(res, `delete ${where(repo)}@${digest}`);
  }

  /** Artifacts that refer to `digest` (signatures, SBOMs): the referrers API, else the OCI tag-schema fallback; empty when neither exists. */
  async referrers(repo: ImageReference, digest: string): Promise<Descriptor[]> {
    const res = await this.send(repo.domain, pullScope(repo), { method: 'GET', path: `/v2/${repo.path}/referrers/${digest}`, headers: { Accept: MediaType.ociIndex } });
    if (res.statusCode === 200 && contentType(res) === MediaType.ociIndex) return (await this.json<ImageIndex>(res, `list referrers of ${where(repo)}@${digest}`)).manifests ?? [];
    res.resume();
    if (res.statusCode !== 404 && res.statusCode !== 405 && res.statusCode !== 200) throw await statusError(res, `list referrers of ${where(repo)}@${digest}`);
    try {
      const fallback = await this.getManifest({ domain: repo.domain, path: repo.path, tag: digest.replace(':', '-') });
      return 'manifests' in fallback.manifest ? fallback.manifest.manifests : [];
    } catch (err) {
      if (err instanceof RegistryError && err.reason === 'not-found') return [];
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }

  private async headBlob(repo: ImageReference, digest: string, scope: string | string[]): Promise<boolean> {
    const res = await this.send(repo.domain, scope, { method: 'HEAD', path: `/v2/${repo.path}/blobs/${digest}` });
    res.resume();
    if (res.statusCode === 200 || isRedirect(res.statusCode)) return true;
    if (res.statusCode === 404) return false;
    throw await statusError(res, `check for ${where(repo)}@${digest}`);
  }

  // ---- plumbing

  /** Where the registry answers (https, or http for an insecure or loopback host that does not speak TLS) and how it authenticates. */
  private endpoint(host: string): Promise<Endpoint> {
    let found = this.endpoints.get(host);
    if (!found) {
      found = this.probe(host);
      this.endpoints.set(host, found);
      found.catch(() => this.endpoints.delete(host));
    }
    return found;
  }

  private async probe(host: string): Promise<Endpoint> {
    const tryBase = async (base: URL): Promise<Endpoint> => {
      const res = await this.transport.request({ method: 'GET', url: new URL('/v2/', base) });
      res.resume();
      const challenge = res.statusCode === 401 ? pickChallenge(res) : undefined;
      return { base, challenge };
    };
    // References name Docker Hub `docker.io`; its registry API answers at registry-1.docker.io.
    const address = host === DOCKER_HUB || host === 'index.docker.io' ? 'registry-1.docker.io' : host;
    try {
      return await tryBase(new URL(`https://${address}`));
    } catch (err) {
      // Docker's rule for plain HTTP: only hosts marked insecure, and loopback (127.0.0.0/8). A certificate that
      // fails verification is never a reason to fall back.
      const plainAllowed = this.transport.isInsecure(host) || isLoopback(host);
      if (!plainAllowed || isCertificateError(err)) throw networkError(err, `reach ${host}`);
      try {
        return await tryBase(new URL(`http://${address}`));
      } catch (plainErr) {
        throw networkError(plainErr, `reach ${host} (over https, then http)`);
      }
    }
  }

  private credentialsFor(host: string): Promise<RegistryCredentials | undefined> {
    let found = this.credentials.get(host);
    if (!found) {
      found = this.lookup(host);
      this.credentials.set(host, found);
      found.catch(() => this.credentials.delete(host));
    }
    return found;
  }

  /** One request with authentication; a 401 refreshes the challenge and token once and retries. */
  private async send(host: string, scope: string | string[] | undefined, req: SendRequest): Promise<IncomingMessage> {
    const endpoint = await this.endpoint(host);
    const url = req.path instanceof URL ? req.path : new URL(req.path, endpoint.base);
    for (let attempt = 0; ; attempt++) {
      const auth = await this.authorization(host, endpoint, scope, attempt > 0);
      let res: IncomingMessage;
      try {
        res = await this.transport.request({ method: req.method, url, headers: { ...req.headers, ...auth }, body: req.body, signal: req.signal });
      } catch (err) {
        throw networkError(err, `${req.method} ${url.host}${url.pathname}`);
      }
      if (res.statusCode !== 401 || attempt > 0) return res;
      const fresh = pickChallenge(res);
      if (!fresh && !endpoint.challenge) return res;
      if (fresh) endpoint.challenge = fresh;
      res.resume();
    }
  }

  private async authorization(host: string, endpoint: Endpoint, scope: string | string[] | undefined, refresh: boolean): Promise<Record<string, string>> {
    const challenge = endpoint.challenge;
    if (!challenge) return {};
    const creds = await this.credentialsFor(host);
    if (challenge.scheme === 'basic') {
      return creds?.username !== undefined ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}` } : {};
    }
    if (creds?.registryToken) return { Authorization: `Bearer ${creds.registryToken}` };
    const scopes = scope === undefined ? [] : Array.isArray(scope) ? scope : [scope];
    const key = `${host}|${challenge.params.realm}|${challenge.params.service}|${scopes.join(' ')}`;
    // Parallel requests for one scope (layers of a pull) share one token request.
    const existing = refresh ? undefined : this.tokens.get(key);
    if (existing) {
      const cached = await existing.catch(() => undefined);
      if (cached && cached.expires > Date.now()) return { Authorization: `Bearer ${cached.value}` };
    }
    const request = this.fetchToken(host, challenge, scopes, creds);
    this.tokens.set(key, request);
    request.catch(() => {
      if (this.tokens.get(key) === request) this.tokens.delete(key);
    });
    return { Authorization: `Bearer ${(await request).value}` };
  }

  /** The token endpoint: OAuth2 POST with a refresh (identity) token, else GET with Basic credentials or anonymously. */
  private async fetchToken(host: string, challenge: AuthChallenge, scopes: readonly string[], creds: RegistryCredentials | undefined): Promise<Token> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError('protocol', `${host} asked for a Bearer token without saying where to get it (no realm)`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError('protocol', `${host}'s token realm "${realm}" is not a URL`);
    }
    const sendsSecret = Boolean(creds?.identityToken || creds?.username !== undefined);
    if (sendsSecret && url.protocol !== 'https:' && !isLoopback(url.host) && !this.transport.isInsecure(url.host)) {
      throw new RegistryError('tls', `${host} sends logins to ${url.origin}, which is plain HTTP: credentials are not sent there unless ${url.host} is marked insecure`);
    }
    const service = challenge.params.service;
    let res: IncomingMessage;
    try {
      if (creds?.identityToken) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'stevedore' });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        const body = Buffer.from(form.toString());
        res = await this.transport.request({ method: 'POST', url, body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length } });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const s of scopes) url.searchParams.append('scope', s);
        if (creds?.username) url.searchParams.set('account', creds.username);
        const headers: Record<string, string> = creds?.username !== undefined ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}` } : {};
        res = await this.transport.request({ method: 'GET', url, headers });
      }
    } catch (err) {
      throw networkError(err, `get a token for ${host} from ${url.host}`);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      res.resume();
      throw new RegistryError('auth', creds ? `${host}: the token service at ${url.host} refused the credentials` : `${host} requires a login (the token service at ${url.host} refused an anonymous request)`, res.statusCode);
    }
    if (res.statusCode !== 200) throw await statusError(res, `get a token for ${host} from ${url.host}`);
    const body = await this.json<{ token?: string; access_token?: string; expires_in?: number; issued_at?: string }>(res, `read the token from ${url.host}`);
    const value = body.token ?? body.access_token;
    if (!value) throw new RegistryError('protocol', `${url.host} answered without a token`);
    const issued = body.issued_at ? Date.parse(body.issued_at) || Date.now() : Date.now();
    // 60 s is the spec's default lifetime; refresh a little early so a token never expires mid-request.
    return { value, expires: issued + Math.max(body.expires_in ?? 60, 60) * 1000 - 10_000 };
  }

  private async json<T>(res: IncomingMessage, what: string): Promise<T> {
    if (res.statusCode !== 200) throw await statusError(res, what);
    const body = await readBody(res, what);
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new RegistryError('protocol', `${what}: the answer is not JSON`);
    }
  }
}

/** Checks a blob while it streams through: the bytes counted, and the digest when the whole blob passes. */
class BlobVerifier extends Transform {
  private readonly hash;
  received = 0;

  constructor(private readonly what: string, private readonly desc: { digest: string; size?: number }, readonly offset: number, private skip: number, verifyDigest: boolean) {
    super();
    this.hash = verifyDigest ? createHash(algorithmOf(desc.digest)) : undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash?.update(chunk);
    if (this.skip > 0) {
      const drop = Math.min(this.skip, chunk.length);
      this.skip -= drop;
      chunk = chunk.subarray(drop);
      if (!chunk.length) return done();
    }
    this.received += chunk.length;
    if (this.desc.size !== undefined && this.offset + this.received > this.desc.size) {
      return done(new RegistryError('digest-mismatch', `${this.what}: the registry sent more than the ${this.desc.size} bytes the manifest gives`));
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const total = this.offset + this.received;
    if (this.desc.size !== undefined && total !== this.desc.size) {
      return done(new RegistryError('digest-mismatch', `${this.what}: the registry sent ${total} bytes, the manifest gives ${this.desc.size}`));
    }
    if (this.hash) {
      const digest = `${algorithmOf(this.desc.digest)}:${this.hash.digest('hex')}`;
      if (digest !== this.desc.digest) return done(new RegistryError('digest-mismatch', `${this.what}: the registry sent a blob whose digest is ${digest}`));
    }
    done();
  }
}

function dropped(err: unknown, what: string, verifier: BlobVerifier): RegistryError {
  if (err instanceof RegistryError) return err;
  const e = networkError(err ?? Object.assign(new Error('closed'), { code: 'ECONNRESET' }), `download ${what}`);
  return new RegistryError(e.reason, `${e.message} after ${verifier.offset + verifier.received} bytes`);
}

function algorithmOf(digest: string): string {
  const algorithm = digest.split(':')[0];
  if (algorithm !== 'sha256' && algorithm !== 'sha512') throw new RegistryError('unsupported', `digest algorithm "${algorithm}" is not supported`);
  return algorithm;
}

/** The digest of `bytes`, with the algorithm of `like` (sha256 by default). */
export function digestOf(bytes: Uint8Array, like?: string): string {
  const algorithm = like ? algorithmOf(like) : 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function contentType(res: IncomingMessage): string | undefined {
  return res.headers['content-type']?.split(';')[0].trim() || undefined;
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Bearer over Basic when a registry offers both. */
function pickChallenge(res: IncomingMessage): AuthChallenge | undefined {
  const challenges = parseChallenges(res.headers['www-authenticate']);
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

/** The `rel="next"` target of a Link header (tags and catalog pagination). */
function nextLink(res: IncomingMessage): string | undefined {
  const link = res.headers.link;
  if (!link) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(Array.isArray(link) ? link.join(', ') : link);
  return m?.[1];
}

function uploadLocation(res: IncomingMessage, previous: string | URL): URL {
  const location = res.headers.location;
  if (!location) throw new RegistryError('protocol', 'the registry started an upload without a Location');
  return new URL(location, previous instanceof URL ? previous : new URL(previous, 'http://placeholder'));
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

/** Regroups a byte stream into pieces of `size` bytes (the last may be shorter), for chunked uploads. */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let parts: Uint8Array[] = [];
  let held = 0;
  for await (let chunk of source) {
    while (held + chunk.length >= size) {
      const take = size - held;
      parts.push(chunk.subarray(0, take));
      yield Buffer.concat(parts);
      chunk = chunk.subarray(take);
      parts = [];
      held = 0;
    }
    if (chunk.length) {
      parts.push(chunk);
      held += chunk.length;
    }
  }
  if (held) yield Buffer.concat(parts);
}

/** A non-success answer as a RegistryError with the registry's own error text. */
async function statusError(res: IncomingMessage, what: string): Promise<RegistryError> {
  let detail = '';
  try {
    const body = (await readBody(res, what, 64 << 10)).toString('utf8');
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    detail = (Array.isArray(parsed.errors) ? parsed.errors : []).map((e) => [e?.code, e?.message].filter((t) => typeof t === 'string' && t).join(': ')).join('; ').replace(/\s+/g, ' ').slice(0, 500);
  } catch {
    res.resume();
  }
  const status = res.statusCode ?? 0;
  const suffix = detail ? ` (${detail})` : '';
  if (status === 401) return new RegistryError('auth', `${what}: authentication required or refused${suffix}`, status);
  if (status === 403) return new RegistryError('denied', `${what}: access denied${suffix}`, status);
  if (status === 404) return new RegistryError('not-found', `${what}: not found${suffix}`, status);
  if (status === 405) return new RegistryError('unsupported', `${what}: the registry does not support this${suffix}`, status);
  return new RegistryError('protocol', `${what}: the registry answered ${status}${suffix}`, status);
}
