import { EngineError, isEngineError } from '../engine';

interface NodeLikeError {
  code?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
}

const TLS_CODES = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER|VERIFY_LEAF)|ERR_OSSL)/;

/**
 * Turns what dockerode and Node throw into an EngineError that says what failed, why, and what to
 * do. `endpoint` is the URL the user knows (never with credentials in it).
 */
export function toEngineError(err: unknown, endpoint: string, doing: string): EngineError {
  if (isEngineError(err)) return err;
  const e = (err ?? {}) as NodeLikeError;
  const code = e.code ?? '';
  const cannotReach = `Cannot reach the container engine at ${endpoint}`;
  if (code === 'ENOENT') {
    return new EngineError(`${cannotReach}: there is no socket there. Start Docker (or Podman's API service), or point DOCKER_HOST at your engine.`, 'absent', { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new EngineError(`${cannotReach}: permission denied. Add your user to the docker group (then log in again), or use a socket you can open.`, 'permission', { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN') {
    return new EngineError(`${cannotReach}: ${describeNetworkCode(code)}. Check that the engine is running and that the address is right.`, 'unreachable', { cause: err });
  }
  if (code === 'ESSH') return sshError(e.message ?? '', endpoint, err);
  // By its words only when the daemon did not answer: an answer's text can name anything ("tls-app").
  if (TLS_CODES.test(code) || (e.statusCode === undefined && /certificate|SSL routines|TLS/i.test(e.message ?? ''))) {
    return new EngineError(`${cannotReach}: the TLS handshake failed (${code || e.message}). Check DOCKER_CERT_PATH and the daemon's certificate.`, 'tls', { cause: err });
  }
  const status = e.statusCode;
  // dockerd redirects a path holding "//"; docker-modem is told to follow no redirect.
  if ((status !== undefined && status >= 300 && status < 400) || /^Max redirects exceeded/.test(e.message ?? '')) {
    return new EngineError(`Could not ${doing}: no such name on the engine (a name cannot start with "/" or hold "//").`, 'notFound', { cause: err });
  }
  const detail = daemonMessage(err);
  if (status === 400 && /client version|API version/i.test(detail)) {
    return new EngineError(`The engine at ${endpoint} is too old for Stevedore: ${detail}. Upgrade it to Docker 20.10 / API 1.41 or later.`, 'version', { cause: err });
  }
  if (status === 404) return new EngineError(`Could not ${doing}: ${detail}.`, 'notFound', { cause: err });
  if (status === 409 || status === 304) return new EngineError(`Could not ${doing}: ${detail}.`, 'conflict', { cause: err });
  return new EngineError(`Could not ${doing} on ${endpoint}: ${detail}.`, 'failed', { cause: err });
}

/** What the daemon said (its JSON `message`), else the error's own text. */
export function daemonMessage(err: unknown): string {
  const e = (err ?? {}) as NodeLikeError;
  if (e.json?.message) return e.json.message;
  // For streamed requests docker-modem reads the body later and puts it only in the message:
  // "(HTTP code 500) server error - <the daemon's message> ".
  const fromMessage = /^\(HTTP code \d+\) [^-]* - ([\s\S]*?)\s*$/.exec(e.message ?? '')?.[1];
  if (fromMessage) return fromMessage;
  if (e.statusCode) return `the engine answered HTTP ${e.statusCode}${typeof e.reason === 'string' ? ` (${e.reason})` : ''} with no explanation`;
  return e.message || String(err);
}

/** The system ssh said why it could not reach the host (its last line of output); tell what to do. */
function sshError(said: string, endpoint: string, cause: unknown): EngineError {
  const cannotReach = `Cannot reach the container engine at ${endpoint} over ssh`;
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* (not known|changed)/i.test(said)) {
    return new EngineError(`${cannotReach}: the host's key is not in known_hosts (${said}). Connect once with ssh from a terminal to check and accept it.`, 'permission', { cause });
  }
  if (/Permission denied|Too many authentication failures|no more authentication methods/i.test(said)) {
    return new EngineError(`${cannotReach}: the login was refused (${said}). Add your key to the ssh agent (ssh-add) or name it in ~/.ssh/config (IdentityFile); \`ssh HOST docker version\` must work without a password prompt.`, 'permission', { cause });
  }
  if (/Connection refused|timed out|Could not resolve hostname|No route to host|Network is unreachable|Connection closed by|Connection reset/i.test(said)) {
    return new EngineError(`${cannotReach}: ${said}. Check the host name and port, and that sshd runs there.`, 'unreachable', { cause });
  }
  if (/docker: (command )?not found|command not found|No such file or directory/i.test(said)) {
    return new EngineError(`${cannotReach}: the docker CLI is not installed there (${said}). Install it on the host: ssh runs \`docker system dial-stdio\` there.`, 'failed', { cause });
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running/i.test(said)) {
    return new EngineError(`${cannotReach}: ssh works but the engine on that host does not answer (${said}). Start it there.`, 'unreachable', { cause });
  }
  return new EngineError(`${cannotReach}: ${said}.`, 'failed', { cause });
}

function describeNetworkCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED': return 'the connection was refused (nothing is listening)';
    case 'ECONNRESET':
    case 'EPIPE': return 'the connection was closed by the engine';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'the host name does not resolve';
    case 'ETIMEDOUT': return 'the connection timed out';
    default: return 'the host is unreachable';
  }
}
