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
interface DockerConfig { auths?: Record<string, AuthEntry>; credsStore?: string; credHelpers?: Record<string, string>; [key: string]: unknown }

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
    try {
      return text.trim() ? (JSON.parse(text) as DockerConfig) : {};
    } catch (err) {
      throw new Error(`${this.configFile} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Atomic, mode 0600, other settings kept. */
  private write(config: DockerConfig): void {
    fs.mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    const temp = `${this.configFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    fs.renameSync(temp, this.configFile);
  }
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

class HelperError extends Error {}
const NOT_FOUND = /credentials not found/i;
const isNotFound = (err: unknown) => err instanceof HelperError && NOT_FOUND.test(err.message);

async function helperGet(helper: string, serverUrl: string): Promise<RegistryCredentials | undefined> {
  let out: string;
  try {
    out = await helperCall(helper, 'get', serverUrl);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const reply = JSON.parse(out) as { Username?: string; Secret?: string };
  if (!reply.Secret) return undefined;
  // Docker's convention: a helper entry with user "<token>" holds an identity token.
  return reply.Username === '<token>' ? { identityToken: reply.Secret } : { username: reply.Username, password: reply.Secret };
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
      reject(new Error(err.code === 'ENOENT' ? `the credential helper ${program} (from Docker's config) is not installed or not on PATH` : `${program} ${action}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new HelperError(`${program} ${action} failed: ${(stdout.trim() || stderr.trim() || `exit code ${code}`).split('\n')[0]}`));
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
