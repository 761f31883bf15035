import { execFile } from 'node:child_process';
import { parse } from 'yaml';

/** A Compose file's services and the profiles they belong to, for the user to choose from. */
export interface ComposeProject {
  readonly services: readonly string[];
  readonly profiles: readonly string[];
}

/** Reads the services and profiles of a compose.yaml; throws an Error saying what is wrong with it. */
export function readComposeFile(text: string, file: string): ComposeProject {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const services = (doc as { services?: unknown } | null)?.services;
  if (!services || typeof services !== 'object' || Array.isArray(services)) throw new Error(`${file} has no services section.`);
  const profiles = new Set<string>();
  for (const service of Object.values(services as Record<string, unknown>)) {
    const list = (service as { profiles?: unknown } | null)?.profiles;
    if (Array.isArray(list)) for (const p of list) if (typeof p === 'string') profiles.add(p);
  }
  return { services: Object.keys(services), profiles: [...profiles].sort() };
}

export type ComposeAction = 'up' | 'down' | 'restart';

/** The `docker compose` arguments for an action on some services (none: all) with some profiles. */
export function composeArgs(file: string, action: ComposeAction, options: { services?: readonly string[]; profiles?: readonly string[] } = {}): string[] {
  const args = ['compose', '-f', file, ...(options.profiles ?? []).flatMap((p) => ['--profile', p]), action];
  if (action === 'up') args.push('-d');
  // `down` acts on the whole project; it takes no service names.
  if (action !== 'down') args.push(...(options.services ?? []));
  return args;
}

/**
 * Undefined when `docker compose` works here; otherwise what is missing and what to do, since
 * Compose is a plugin of the docker CLI that many installations (Debian 12's docker.io) lack.
 */
export function composeMissing(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('docker', ['compose', 'version'], { env, timeout: 15_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve('The docker CLI is not installed, and Compose runs as its plugin. Install the docker CLI and the Compose plugin.');
      resolve(`docker compose is not available: the docker CLI has no Compose plugin (${(stderr || stdout || err.message).trim().split('\n')[0]}). Install the Compose plugin (Docker's docker-compose-plugin package, or docker-compose from Debian 13) and try again.`);
    });
  });
}
