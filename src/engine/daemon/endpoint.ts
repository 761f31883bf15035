import * as os from 'node:os';
import * as path from 'node:path';

/** A Docker Engine API endpoint, as the docker CLI would resolve it, before connecting. */
export interface DaemonEndpoint {
  /** As the user writes it: `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://me@host`. */
  readonly url: string;
  /** Where the endpoint came from, for messages: "DOCKER_HOST", "the default Docker socket". */
  readonly source: string;
  readonly transport:
    | { readonly kind: 'socket'; readonly path: string }
    | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls?: TlsSettings }
    /** `port` and `username` only when the URL names them, so ~/.ssh/config can supply them. */
    | { readonly kind: 'ssh'; readonly host: string; readonly port?: number; readonly username?: string };
}

/**
 * TLS for a tcp endpoint: the folder with ca.pem, cert.pem and key.pem (each used when present:
 * no ca.pem means the system's CAs, no cert.pem/key.pem means no client certificate), and whether
 * the daemon's certificate is verified.
 */
export interface TlsSettings {
  readonly certPath?: string;
  readonly verify: boolean;
}

export interface EndpointEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly homedir: string;
  readonly uid?: number;
}

export function currentEnvironment(): EndpointEnvironment {
  return { env: process.env, platform: process.platform, homedir: os.homedir(), uid: process.getuid?.() };
}

/**
 * The endpoints to try, in order. With DOCKER_HOST set, only that one (the docker CLI never falls
 * back from it); otherwise the default Docker socket, then Podman's rootful and rootless sockets.
 * Throws an Error naming the variable when DOCKER_HOST cannot be understood.
 */
export function resolveEndpoints(environment: EndpointEnvironment = currentEnvironment()): DaemonEndpoint[] {
  const host = environment.env.DOCKER_HOST?.trim();
  if (host) return [parseDockerHost(host, 'DOCKER_HOST', environment)];
  return defaultSockets(environment);
}

/** Where engines listen when nothing says otherwise: Docker's default socket, then Podman's. */
export function defaultSockets(environment: EndpointEnvironment): DaemonEndpoint[] {
  const { env, platform, homedir } = environment;
  if (platform === 'win32') {
    return [{ url: 'npipe:////./pipe/docker_engine', source: 'the default Docker pipe', transport: { kind: 'socket', path: '//./pipe/docker_engine' } }];
  }
  const candidates: DaemonEndpoint[] = [socket('/var/run/docker.sock', 'the default Docker socket')];
  if (platform === 'darwin') candidates.push(socket(path.join(homedir, '.docker/run/docker.sock'), "Docker Desktop's socket"));
  if (platform === 'linux') {
    candidates.push(socket('/run/podman/podman.sock', "Podman's rootful socket"));
    const runtimeDir = env.XDG_RUNTIME_DIR || (environment.uid !== undefined ? `/run/user/${environment.uid}` : undefined);
    if (runtimeDir && environment.uid !== 0) candidates.push(socket(path.join(runtimeDir, 'podman/podman.sock'), "Podman's rootless socket"));
  }
  return candidates;
}

function socket(socketPath: string, source: string): DaemonEndpoint {
  return { url: `unix://${socketPath}`, source, transport: { kind: 'socket', path: socketPath } };
}

/**
 * Parses a DOCKER_HOST value the way the docker CLI does. For tcp, TLS comes from DOCKER_TLS_VERIFY,
 * DOCKER_TLS and DOCKER_CERT_PATH unless `tls` is given (a docker context has its own; null: none).
 */
export function parseDockerHost(value: string, source: string, environment: EndpointEnvironment, tls: TlsSettings | null | 'environment' = 'environment'): DaemonEndpoint {
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  const invalid = (why: string) =>
    new Error(`${source}=${value} is not a Docker host: ${why}. Use unix:///path/to/socket, tcp://host:port or ssh://user@host.`);
  switch (scheme) {
    case 'unix': {
      const socketPath = value.slice('unix://'.length) || '/var/run/docker.sock';
      return { url: `unix://${socketPath}`, source, transport: { kind: 'socket', path: socketPath } };
    }
    case 'npipe': {
      const pipe = value.slice('npipe://'.length) || '//./pipe/docker_engine';
      return { url: `npipe://${pipe}`, source, transport: { kind: 'socket', path: pipe } };
    }
    case 'tcp': {
      const url = parseUrl(value, invalid);
      if (!url.hostname) throw invalid('it has no host name');
      const settings = tls === 'environment' ? environmentTls(environment) : (tls ?? undefined);
      const port = url.port ? Number(url.port) : settings ? 2376 : 2375;
      return { url: `tcp://${url.hostname}:${port}`, source, transport: { kind: 'tcp', host: url.hostname, port, tls: settings } };
    }
    case 'ssh': {
      const url = parseUrl(value, invalid);
      if (!url.hostname) throw invalid('it has no host name');
      const username = url.username ? decodeURIComponent(url.username) : undefined;
      const port = url.port ? Number(url.port) : undefined;
      return { url: `ssh://${username ? `${username}@` : ''}${url.hostname}${port ? `:${port}` : ''}`, source, transport: { kind: 'ssh', host: url.hostname, port, username } };
    }
    default:
      throw invalid(scheme ? `the scheme ${scheme}:// is not supported` : 'it has no scheme');
  }
}

/** Like the CLI: DOCKER_TLS_VERIFY turns TLS on and verifies the daemon; DOCKER_TLS turns it on without verifying. */
function environmentTls({ env, homedir }: EndpointEnvironment): TlsSettings | undefined {
  const certPath = env.DOCKER_CERT_PATH || path.join(homedir, '.docker');
  return env.DOCKER_TLS_VERIFY ? { certPath, verify: true } : env.DOCKER_TLS ? { certPath, verify: false } : undefined;
}

function parseUrl(value: string, invalid: (why: string) => Error): URL {
  try {
    return new URL(value);
  } catch {
    throw invalid('it is not a valid URL');
  }
}
