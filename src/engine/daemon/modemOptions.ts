import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { EngineError } from '../engine';
import type { DaemonEndpoint, TlsSettings } from './endpoint';
import { sshAgent } from './sshConnection';

/**
 * docker-modem fills every option it is not given from DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH, DOCKER_PATH_PREFIX and DOCKER_CLIENT_TIMEOUT: a socket endpoint would go to
 * DOCKER_HOST's tcp host instead (its host wins over the socket), and a plain tcp one would carry
 * DOCKER_CERT_PATH's keys. The endpoint says everything, so each of those is given, empty when unused.
 */
const NOTHING_FROM_THE_ENVIRONMENT = {
  socketPath: undefined, host: undefined, port: undefined, protocol: 'http', pathPrefix: undefined, timeout: undefined,
  username: undefined, ca: undefined, cert: undefined, key: undefined, sshOptions: undefined,
} as const;

/** How dockerode reaches an endpoint: a socket, tcp (TLS with the endpoint's certificates), or the system ssh. */
export function modemOptions(endpoint: DaemonEndpoint): Docker.DockerOptions {
  return { ...NOTHING_FROM_THE_ENVIRONMENT, ...transportOptions(endpoint) };
}

function transportOptions(endpoint: DaemonEndpoint): Docker.DockerOptions {
  const t = endpoint.transport;
  switch (t.kind) {
    case 'socket':
      return { socketPath: t.path };
    case 'ssh':
      // Plain HTTP over the ssh process's stdin/stdout; the host name in request URLs is not used.
      return { protocol: 'http', host: 'localhost', agent: sshAgent(t) };
    case 'tcp': {
      if (!t.tls) return { protocol: 'http', host: t.host, port: t.port };
      const material = tlsMaterial(t.tls, endpoint.url);
      // No ca.pem: Node's own CAs, as the CLI uses the system's.
      if (t.tls.verify) return { protocol: 'https', host: t.host, port: t.port, ...material };
      return { protocol: 'https', host: t.host, port: t.port, agent: new https.Agent({ ...material, rejectUnauthorized: false }) };
    }
  }
}

/** ca.pem, cert.pem and key.pem from the TLS folder, each when present; unreadable ones are a TLS error. */
function tlsMaterial(tls: TlsSettings, url: string): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (file: string): Buffer | undefined => {
    if (!tls.certPath) return undefined;
    const p = path.join(tls.certPath, file);
    try {
      return fs.readFileSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new EngineError(`TLS is on for ${url} but ${p} cannot be read (${code}). Make it readable, or point DOCKER_CERT_PATH (or the context) at a folder with ca.pem, cert.pem and key.pem.`, 'tls', { cause: err });
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}
