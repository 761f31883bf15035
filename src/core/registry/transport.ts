import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { RegistryError } from './registryError';

export interface TransportOptions {
  /** Hosts (`host[:port]`) allowed plain HTTP or unverified TLS. */
  insecureHosts?: readonly string[];
  /** Extra CA files trusted for every registry, besides `~/.docker/certs.d/<host>/`. */
  caFiles?: readonly string[];
  userAgent?: string;
  /** Time without a byte either way (connect, headers, body) before giving up; 0: no limit. Default: STEVEDORE_REGISTRY_IDLE_TIMEOUT seconds, else 30 s. */
  idleTimeoutMs?: number;
  /** A request moving fewer bytes per second than this over `speedWindowMs` is given up; 0: no limit. Default: STEVEDORE_REGISTRY_MIN_SPEED, else 1000. */
  minBytesPerSecond?: number;
  /** Default: STEVEDORE_REGISTRY_SPEED_TIME seconds, else 60 s. */
  speedWindowMs?: number;
  /** Where Docker keeps per-registry certificates; `~/.docker/certs.d` by default. */
  certsDir?: string;
}

export type RequestBody = Buffer | (() => AsyncIterable<Uint8Array>);

export interface TransportRequest {
  method: string;
  url: URL;
  headers?: Record<string, string | number>;
  body?: RequestBody;
  signal?: AbortSignal;
}

const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
]);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);
/** In words; an ETIMEDOUT of our own (no syscall) keeps its message, which says which limit. */
const UNREACHABLE_TEXT: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens there)',
  ENOTFOUND: 'no such host (the name does not resolve)',
  EAI_AGAIN: 'the name could not be resolved (DNS did not answer)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was dropped',
  EPIPE: 'the connection was dropped',
};

/** True for a failure of the certificate check, as opposed to a server that does not speak TLS. */
export function isCertificateError(err: unknown): boolean {
  return CERT_ERRORS.has((err as NodeJS.ErrnoException)?.code ?? '');
}

/** A Node network error as a RegistryError saying what was being done. */
export function networkError(err: unknown, what: string): RegistryError {
  if (err instanceof RegistryError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (CERT_ERRORS.has(code)) {
    return new RegistryError('tls', `${what}: the registry's TLS certificate is not trusted (${code}: ${e.message}). Add its CA to ~/.docker/certs.d/<host>/ca.crt or the CA setting, or mark the registry insecure.`);
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL')) return new RegistryError('tls', `${what}: TLS handshake failed (${e.message})`);
  if (e?.name === 'AbortError') return new RegistryError('unreachable', `${what}: cancelled`);
  if (UNREACHABLE.has(code)) return new RegistryError('unreachable', `${what}: ${code === 'ETIMEDOUT' && !e.syscall ? e.message : UNREACHABLE_TEXT[code]}`);
  return new RegistryError('protocol', `${what}: ${e?.message ?? String(err)}`);
}

export function isLoopback(host: string): boolean {
  const name = hostnameOf(host);
  return name === 'localhost' || name === '::1' || (net.isIPv4(name) && name.startsWith('127.'));
}

/** The host name without port or IPv6 brackets. */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/** node:http(s) with per-host TLS: Docker's certs.d CAs and client certificates, the configured CAs, and opt-out per host. */
export class Transport {
  private readonly agents = new Map<string, http.Agent>();
  private readonly insecure: ReadonlySet<string>;
  private readonly idleTimeoutMs: number;
  private readonly minBytesPerSecond: number;
  private readonly speedWindowMs: number;

  constructor(private readonly options: TransportOptions = {}) {
    this.insecure = new Set(options.insecureHosts ?? []);
    this.idleTimeoutMs = options.idleTimeoutMs ?? fromEnv('STEVEDORE_REGISTRY_IDLE_TIMEOUT', 30) * 1000;
    this.minBytesPerSecond = options.minBytesPerSecond ?? fromEnv('STEVEDORE_REGISTRY_MIN_SPEED', 1000);
    this.speedWindowMs = options.speedWindowMs ?? fromEnv('STEVEDORE_REGISTRY_SPEED_TIME', 60) * 1000;
  }

  isInsecure(host: string): boolean {
    return this.insecure.has(host) || this.insecure.has(hostnameOf(host));
  }

  request(req: TransportRequest): Promise<IncomingMessage> {
    const secure = req.url.protocol === 'https:';
    const module = secure ? https : http;
    const headers: Record<string, string | number> = { 'User-Agent': this.options.userAgent ?? 'stevedore', ...req.headers };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = module.request(req.url, { method: req.method, headers, agent: this.agentFor(req.url), signal: req.signal }, resolve);
      r.on('error', reject);
      this.watch(r);
      const body = req.body;
      if (body === undefined || Buffer.isBuffer(body)) {
        r.end(body);
        return;
      }
      void (async () => {
        for await (const chunk of body()) {
          if (r.destroyed) return;
          if (!r.write(chunk)) await drainOrClose(r);
        }
        r.end();
      })().catch((err: unknown) => r.destroy(err as Error));
    });
  }

  /**
   * Ends `r` when it stalls (no byte either way for the idle time) or crawls (under the minimum
   * speed over the window), counted from when it has a connection until its answer is read. Time
   * the reader holds the answer back (a full buffer) is not the registry's.
   */
  private watch(r: http.ClientRequest): void {
    const { idleTimeoutMs: idle, minBytesPerSecond: minSpeed, speedWindowMs: window } = this;
    if (!idle && !minSpeed) return;
    r.once('socket', (socket: net.Socket) => {
      const moved = () => socket.bytesRead + socket.bytesWritten;
      let res: IncomingMessage | undefined;
      r.once('response', (response: IncomingMessage) => (res = response));
      let last = moved();
      let lastAt = Date.now();
      let windowStart = lastAt;
      let windowBytes = last;
      const fail = (message: string): void => {
        clearInterval(timer);
        const err = Object.assign(new Error(message), { code: 'ETIMEDOUT' });
        if (!res) {
          r.destroy(err);
          return;
        }
        if (!res.listenerCount('error')) res.on('error', () => undefined);
        res.destroy(err);
      };
      const timer = setInterval(() => {
        if (res?.complete) {
          clearInterval(timer);
          return;
        }
        const now = Date.now();
        const bytes = moved();
        const heldBack = res !== undefined && res.readableLength >= res.readableHighWaterMark;
        if (bytes !== last || heldBack) {
          last = bytes;
          lastAt = now;
        }
        if (heldBack) {
          windowStart = now;
          windowBytes = bytes;
        }
        if (idle && now - lastAt >= idle) {
          fail(`the registry sent nothing for ${idle / 1000} s (STEVEDORE_REGISTRY_IDLE_TIMEOUT)`);
          return;
        }
        if (minSpeed && window && now - windowStart >= window) {
          const speed = ((bytes - windowBytes) * 1000) / (now - windowStart);
          if (speed < minSpeed) {
            fail(`the registry sent ${bytes - windowBytes} bytes in ${Math.round((now - windowStart) / 1000)} s, under the minimum of ${minSpeed} bytes/s (STEVEDORE_REGISTRY_MIN_SPEED, STEVEDORE_REGISTRY_SPEED_TIME)`);
            return;
          }
          windowStart = now;
          windowBytes = bytes;
        }
      }, Math.max(50, Math.min(1000, (idle || window) / 4, (window || idle) / 4)));
      timer.unref();
      r.once('close', () => clearInterval(timer));
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(url: URL): http.Agent {
    const key = `${url.protocol}//${url.host}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 8, ...this.tlsOptions(url.host) }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Docker's rules for `<certs.d>/<host>/`: `*.crt` are CAs, `*.cert` + `*.key` a client certificate. */
  private tlsOptions(host: string): https.AgentOptions {
    const insecure = this.isInsecure(host);
    const dir = path.join(this.options.certsDir ?? path.join(os.homedir(), '.docker', 'certs.d'), host);
    const names = safeReaddir(dir);
    const extra = [...(this.options.caFiles ?? []), ...names.filter((n) => n.endsWith('.crt')).map((n) => path.join(dir, n))].map((f) => fs.readFileSync(f, 'utf8'));
    const options: https.AgentOptions = { rejectUnauthorized: !insecure };
    if (extra.length) options.ca = [...tls.rootCertificates, ...extra];
    const cert = names.find((n) => n.endsWith('.cert'));
    if (cert) {
      const key = cert.replace(/\.cert$/, '.key');
      if (!names.includes(key)) throw new RegistryError('tls', `${dir}/${cert} has no matching ${key}`);
      options.cert = fs.readFileSync(path.join(dir, cert));
      options.key = fs.readFileSync(path.join(dir, key));
    }
    const name = hostnameOf(host);
    if (!net.isIP(name)) options.servername = name;
    return options;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** A small answer read whole; `what` (the operation) names it in errors. */
export async function readBody(res: IncomingMessage, what: string, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        throw new RegistryError('protocol', `${what}: the registry sent more than ${limit} bytes where a small document was expected`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw networkError(err, what);
  }
  return Buffer.concat(chunks);
}

/** A number from the environment (the registry settings), or `fallback` when unset. */
function fromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!(value >= 0)) throw new RegistryError('unsupported', `${name} is a number (0 for no limit), not "${text}"`);
  return value;
}

/** Waits until a request can take more body, or is gone; leaves no listener behind. */
function drainOrClose(r: http.ClientRequest): Promise<void> {
  return new Promise<void>((ok) => {
    const done = () => {
      r.off('drain', done);
      r.off('close', done);
      ok();
    };
    r.on('drain', done);
    r.on('close', done);
  });
}
