import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What a registry needs to let us in; never logged. */
export interface RegistryCredentials { username?: string; password?: string; identityToken?: string; registryToken?: string }
export type CredentialLookup = (registryHost: string) => Promise<RegistryCredentials | undefined>;

/** The key Docker files Docker Hub's credentials under. */
export const HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', HUB_CONFIG_KEY]);

interface AuthEntry { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string; email?: string }
export interface DockerConfig { auths?: Record<string, AuthEntry>; credsStore?: string; credHelpers?: Record<string, string>; [key: string]: unknown }

export function dockerConfigDir(): string {
  return process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

/** `docker.io`, `index.docker.io`, `registry-1.docker.io` are all Docker Hub: the config key is `https://index.docker.io/v1/`. */
export function configKey(host: string): string {
  return HUB_ALIASES.has(host) ? HUB_CONFIG_KEY : host;
}

/** Docker's ConvertToHostname: `https://host:5000/v1/` → `host:5000`. */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0];
}

function sameRegistry(key: string, host: string): boolean {
  return key === host || configKey(hostOfKey(key)) === configKey(host);
}

export class DockerCredentialStore {
  constructor(readonly configDir = dockerConfigDir()) {}

  get configFile(): string {
    return path.join(this.configDir, 'config.json');
  }

  /** The credentials Docker would use for `host` (a helper for it, else credsStore, else auths). */
  async get(host: string): Promise<RegistryCredentials | undefined> {
    const config = this.read();
    const helper = this.helperFor(config, host);
    if (helper) return helperGet(helper, configKey(host));
    const entry = Object.entries(config.auths ?? {}).find(([key]) => sameRegistry(key, host))?.[1];
    return entry ? fromEntry(entry) : undefined;
  }

  /** Saves as `docker login` does: through the helper when one is configured, else base64 in auths. */
  async store(host: string, credentials: { username: string; password: string }): Promise<{ where: string }> {
    const config = this.read();
    const key = configKey(host);
    const helper = this.helperFor(config, host);
    const auths = { ...(config.auths ?? {}) };
    for (const k of Object.keys(auths)) if (sameRegistry(k, host)) delete auths[k];
    if (helper) {
      await helperCall(helper, 'store', JSON.stringify({ ServerURL: key, Username: credentials.username, Secret: credentials.password }));
      auths[key] = {};
    } else {
      auths[key] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
    }
    this.write({ ...config, auths });
    return { where: helper ? `docker-credential-${helper}` : this.configFile };
  }

  /** Removes as `docker logout` does; false when nothing was stored for `host`. */
  async erase(host: string): Promise<boolean> {
    const config = this.read();
    const helper = this.helperFor(config, host);
    let found = false;
    if (helper) {
      try {
        await helperCall(helper, 'erase', configKey(host));
        found = true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const auths = { ...(config.auths ?? {}) };
    for (const k of Object.keys(auths)) {
      if (sameRegistry(k, host)) {
        delete auths[k];
        found = true;
      }
    }
    if (config.auths && Object.keys(auths).length !== Object.keys(config.auths).length) this.write({ ...config, auths });
    return found;
  }

  private helperFor(config: DockerConfig, host: string): string | undefined {
    const specific = Object.entries(config.credHelpers ?? {}).find(([key]) => sameRegistry(key, host))?.[1];
    return specific || config.credsStore || undefined;
  }

  private read(): DockerConfig {
    let text: string;
    try {
      text = fs.readFileSync(this.configFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    return parseDockerConfig(text, this.configFile);
  }

  /** Atomic, mode 0600, other settings kept. */
  private write(config: DockerConfig): void {
    fs.mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    const temp = `${this.configFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    fs.renameSync(temp, this.configFile);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Docker's config.json, checked for the shapes used here; errors name the file, never quote it. */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  if (!text.trim()) return {};
  const config = parseDockerJson(text, file);
  if (!isObject(config)) throw new Error(`${file} is not a JSON object`);
  for (const key of ['auths', 'credHelpers'] as const) {
    if (config[key] !== undefined && config[key] !== null && !isObject(config[key])) throw new Error(`${file}: "${key}" is not an object`);
  }
  for (const entry of Object.values(config.auths ?? {})) {
    const bad = !isObject(entry) ? 'is not an object' : Object.entries(entry).find(([, v]) => v !== undefined && v !== null && typeof v !== 'string') ? 'has a field that is not a string' : undefined;
    if (bad) throw new Error(`${file}: an "auths" entry ${bad}`);
  }
  for (const name of Object.values(config.credHelpers ?? {})) {
    if (typeof name !== 'string') throw new Error(`${file}: a "credHelpers" entry is not a string`);
  }
  if (config.credsStore !== undefined && typeof config.credsStore !== 'string') throw new Error(`${file}: "credsStore" is not a string`);
  return config;
}

/**
 * A Docker config file (config.json, a context's meta.json) parsed, or an error naming the file and
 * where it breaks, never quoting it: it holds passwords.
 */
export function parseDockerJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // No cause: JSON.parse's message quotes the text, and a logged cause would show it.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${file} is not valid JSON${jsonErrorPlace(text, (err as Error).message)}`);
  }
}

/** " (line N, column M)" where JSON.parse stopped, when its message says (the rest of it quotes the text). */
function jsonErrorPlace(text: string, message: string): string {
  const at = /at position (\d+)/.exec(message)?.[1];
  const position = at !== undefined ? Number(at) : /Unexpected end/.test(message) ? text.length : undefined;
  if (position === undefined) return '';
  const before = text.slice(0, position).split('\n');
  return ` (line ${before.length}, column ${before[before.length - 1].length + 1})`;
}

function fromEntry(entry: AuthEntry): RegistryCredentials | undefined {
  const creds: RegistryCredentials = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error('a Docker config "auth" entry is not base64 of user:password');
    creds.username = decoded.slice(0, colon);
    creds.password = decoded.slice(colon + 1);
  } else if (entry.username) {
    creds.username = entry.username;
    creds.password = entry.password;
  }
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  if (entry.registrytoken) creds.registryToken = entry.registrytoken;
  return Object.keys(creds).length ? creds : undefined;
}

/** A helper that failed; what it said stays out of the message (it may hold the secret) but tells "not found" apart. */
class HelperError extends Error {
  constructor(message: string, readonly notFound: boolean) {
    super(message);
  }
}
const isNotFound = (err: unknown) => err instanceof HelperError && err.notFound;

async function helperGet(helper: string, serverUrl: string): Promise<RegistryCredentials | undefined> {
  let out: string;
  try {
    out = await helperCall(helper, 'get', serverUrl);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return parseHelperReply(out, helper);
}

/** A credential helper's `get` answer; errors name the helper, never quote what it said. */
export function parseHelperReply(out: string, helper: string): RegistryCredentials | undefined {
  let reply: unknown;
  try {
    reply = JSON.parse(out);
  } catch {
    throw new Error(`docker-credential-${helper} answered something that is not JSON`);
  }
  if (!isObject(reply) || !['Username', 'Secret'].every((k) => reply[k] === undefined || typeof reply[k] === 'string')) {
    throw new Error(`docker-credential-${helper} answered JSON that is not {"Username": "…", "Secret": "…"}`);
  }
  const { Username, Secret } = reply as { Username?: string; Secret?: string };
  if (!Secret) return undefined;
  // Docker's convention: a helper entry with user "<token>" holds an identity token.
  return Username === '<token>' ? { identityToken: Secret } : { username: Username, password: Secret };
}

/** The docker-credential-helpers protocol: the action as argument, the input on stdin, JSON or an error message on stdout. */
function helperCall(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'ENOENT' ? `the credential helper ${program} (from Docker's config) is not installed or not on PATH` : `the credential helper ${program} cannot be started (${err.code ?? 'error'})`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new HelperError(`${program} ${action} failed (${signal ? `killed by ${signal}` : `exit code ${code}`})`, /credentials not found/i.test(stdout + stderr)));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The default lookup: Docker's config, read on each call so a `docker login` elsewhere is seen. */
export function dockerCredentials(configDir?: string): CredentialLookup {
  const store = new DockerCredentialStore(configDir);
  return (host) => store.get(host);
}
