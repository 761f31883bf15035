import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDockerJson } from '../../core/registry/dockerCredentials';
import type { EndpointEnvironment } from './endpoint';

/**
 * The docker CLI's context store, read as the CLI reads it: `$DOCKER_CONFIG` (else `~/.docker`)
 * holds `config.json` (`currentContext`), `contexts/meta/<sha256 of name>/meta.json` and
 * `contexts/tls/<sha256 of name>/docker/{ca,cert,key}.pem`.
 */

/** The context that means "DOCKER_HOST, else the default socket"; it has no files. */
export const DEFAULT_CONTEXT = 'default';

export interface DockerContext {
  readonly name: string;
  readonly description?: string;
  /** `Endpoints.docker.Host`: unix://, tcp://, ssh:// or npipe://. */
  readonly host: string;
  readonly skipTLSVerify: boolean;
  /** The context's TLS folder (ca.pem, cert.pem, key.pem) when it has one. */
  readonly tlsDir?: string;
}

/** Which context the docker CLI would use, and what made it so (for messages). */
export interface ContextChoice {
  readonly name: string;
  readonly source: string;
}

export function dockerConfigDir(environment: EndpointEnvironment): string {
  return environment.env.DOCKER_CONFIG || path.join(environment.homedir, '.docker');
}

/** As the CLI decides: DOCKER_HOST means the default context, then DOCKER_CONTEXT, then config.json. */
export function currentContext(environment: EndpointEnvironment): ContextChoice {
  const { env } = environment;
  if (env.DOCKER_HOST?.trim()) return { name: DEFAULT_CONTEXT, source: 'DOCKER_HOST' };
  if (env.DOCKER_CONTEXT?.trim()) return { name: env.DOCKER_CONTEXT.trim(), source: 'DOCKER_CONTEXT' };
  const configFile = path.join(dockerConfigDir(environment), 'config.json');
  const name = readConfigCurrentContext(configFile);
  if (name) return { name, source: `currentContext in ${configFile}` };
  return { name: DEFAULT_CONTEXT, source: 'no context chosen' };
}

function readConfigCurrentContext(configFile: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch {
    return undefined; // no config.json: the CLI uses the default context
  }
  let config: unknown;
  try {
    config = parseDockerJson(text, configFile);
  } catch (err) {
    throw new Error(`${(err as Error).message}. Fix or remove it; the docker CLI cannot read it either.`, { cause: err });
  }
  const value = (config as { currentContext?: unknown } | null)?.currentContext;
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The folder name the CLI gives a context: the hex SHA-256 of its name. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** One context by name; throws an Error that says where it looked when there is none. */
export function readContext(environment: EndpointEnvironment, name: string): DockerContext {
  const dir = dockerConfigDir(environment);
  const metaFile = path.join(dir, 'contexts', 'meta', contextId(name), 'meta.json');
  if (!fs.existsSync(metaFile)) {
    throw new Error(`There is no docker context named "${name}" (no ${metaFile}). List them with \`docker context ls\`.`);
  }
  return parseMeta(dir, metaFile);
}

/** Every context in the store with a docker endpoint, by name; broken ones are reported, not thrown. */
export function listContexts(environment: EndpointEnvironment): { contexts: DockerContext[]; problems: string[] } {
  const dir = dockerConfigDir(environment);
  const metaDir = path.join(dir, 'contexts', 'meta');
  const contexts: DockerContext[] = [];
  const problems: string[] = [];
  let ids: string[];
  try {
    ids = fs.readdirSync(metaDir);
  } catch {
    return { contexts, problems };
  }
  for (const id of ids) {
    const metaFile = path.join(metaDir, id, 'meta.json');
    if (!fs.existsSync(metaFile)) continue;
    try {
      contexts.push(parseMeta(dir, metaFile));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  contexts.sort((a, b) => a.name.localeCompare(b.name));
  return { contexts, problems };
}

interface MetaJson {
  Name?: unknown;
  Metadata?: { Description?: unknown } | null;
  Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } | null } | null;
}

function parseMeta(configDir: string, metaFile: string): DockerContext {
  let text: string;
  try {
    text = fs.readFileSync(metaFile, 'utf8');
  } catch (err) {
    throw new Error(`The docker context file ${metaFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, { cause: err });
  }
  const meta = (parseDockerJson(text, `The docker context file ${metaFile}`) ?? {}) as MetaJson;
  const name = typeof meta.Name === 'string' ? meta.Name : '';
  const docker = meta.Endpoints?.docker;
  if (!name || typeof docker?.Host !== 'string' || !docker.Host) {
    throw new Error(`The docker context file ${metaFile} has no ${name ? '' : 'Name or '}Endpoints.docker.Host.`);
  }
  const tlsDir = path.join(configDir, 'contexts', 'tls', contextId(name), 'docker');
  const hasTls = ['ca.pem', 'cert.pem', 'key.pem'].some((f) => fs.existsSync(path.join(tlsDir, f)));
  const description = meta.Metadata?.Description;
  return {
    name,
    description: typeof description === 'string' && description ? description : undefined,
    host: docker.Host,
    skipTLSVerify: docker.SkipTLSVerify === true,
    tlsDir: hasTls ? tlsDir : undefined,
  };
}
