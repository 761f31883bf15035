import { DockerCredentialStore } from '../core/registry/dockerCredentials';
import { formatReference, parseReference, withDefaultTag } from '../core/registry/imageReference';
import { parsePlatform } from '../core/registry/platform';
import { RegistryClient } from '../core/registry/registryClient';
import { ImageStore } from '../core/store/imageStore';
import { pullImage } from '../core/transfer/pullImage';
import { pushImage } from '../core/transfer/pushImage';
import type { Engine, ProgressEvent } from '../engine/engine';
import { engineCandidates, selectEngine } from '../engine/engineSelection';
import { CliError, type CliCommand } from './cliCommand';
import { TransferView } from './transferView';

interface Parsed {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

const VALUE_OPTIONS = new Set(['--engine', '--insecure-registry', '--platform', '-u', '--username']);

function parseArgs(args: readonly string[], usage: string): Parsed {
  const parsed: Parsed = { positional: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 && name !== arg ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new CliError(`${name} needs a value\nUsage: ${usage}`, 2);
      parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
    } else if (arg.startsWith('-') && arg !== '-') {
      parsed.flags.add(arg);
    } else {
      parsed.positional.push(arg);
    }
  }
  return parsed;
}

function last(parsed: Parsed, ...names: string[]): string | undefined {
  return names.flatMap((n) => parsed.values.get(n) ?? []).at(-1);
}

/** `--engine core` or STEVEDORE_ENGINE=core: the bundled core store instead of a daemon. */
function usesCore(parsed: Parsed): boolean {
  const engine = last(parsed, '--engine') ?? process.env.STEVEDORE_ENGINE;
  if (engine && engine !== 'core' && engine !== 'daemon') throw new CliError(`--engine must be "core" or "daemon", not "${engine}"`, 2);
  return engine === 'core';
}

/** Registry settings: `--insecure-registry HOST` (repeatable) and STEVEDORE_INSECURE_REGISTRIES (comma list). */
function insecureHosts(parsed: Parsed): string[] {
  const fromEnv = (process.env.STEVEDORE_INSECURE_REGISTRIES ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  return [...fromEnv, ...(parsed.values.get('--insecure-registry') ?? [])];
}

function registryClient(parsed: Parsed): RegistryClient {
  return new RegistryClient({ insecureHosts: insecureHosts(parsed), userAgent: 'stevedore-cli' });
}

function oneReference(parsed: Parsed, usage: string) {
  if (parsed.positional.length !== 1) throw new CliError(`expected one image reference\nUsage: ${usage}`, 2);
  try {
    return withDefaultTag(parseReference(parsed.positional[0]));
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

async function withDaemon(body: (engine: Engine) => Promise<void>): Promise<number> {
  const selection = await selectEngine(engineCandidates());
  if (!selection.engine) throw new CliError(`no container engine answered (use --engine core for the bundled store). Tried:\n${selection.attempts.map((a) => `  ${a.source}: ${a.error}`).join('\n')}`);
  try {
    await body(selection.engine);
    return 0;
  } finally {
    selection.engine.dispose();
  }
}

/** The daemon's transfer with the credentials Docker's config has for the registry. */
async function daemonTransfer(kind: 'pull' | 'push', reference: string, host: string, json: boolean): Promise<number> {
  const creds = await new DockerCredentialStore().get(host);
  const credentials = creds?.username !== undefined ? { serverAddress: host, username: creds.username, password: creds.password ?? '' } : undefined;
  return withDaemon(async (engine) => {
    const view = new TransferView();
    const events: ProgressEvent[] = [];
    const stream = kind === 'pull' ? engine.pullImage(reference, { credentials }) : engine.pushImage(reference, { credentials });
    for await (const event of stream) {
      if (json) events.push(event);
      else view.update(event);
    }
    view.finish();
    if (json) process.stdout.write(`${JSON.stringify({ reference, engine: 'daemon', events: events.filter((e) => e.status !== 'Downloading' && e.status !== 'Pushing') }, null, 2)}\n`);
  });
}

const PULL_USAGE = 'stevedore pull [--engine core] [--platform os/arch[/variant]] [--insecure-registry HOST] [--json] REFERENCE';
const PUSH_USAGE = 'stevedore push [--engine core] [--insecure-registry HOST] [--json] REFERENCE';
const LOGIN_USAGE = 'stevedore login [-u USER] [--password-stdin] [--insecure-registry HOST] HOST';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** A line typed on the terminal; hidden for a password. */
async function prompt(question: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`cannot ask for ${hidden ? 'a password' : 'a username'}: stdin is not a terminal (use -u and --password-stdin)`, 2);
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(hidden);
  stdin.resume();
  let text = '';
  try {
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return text;
        if (ch === '\u0003') throw new CliError('cancelled', 130);
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    }
    return text;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    if (hidden) process.stderr.write('\n');
  }
}

export const registryCommands: readonly CliCommand[] = [
  {
    name: 'pull',
    summary: 'pull an image from a registry [--engine core] [--platform] [--json]',
    async run(args) {
      const parsed = parseArgs(args, PULL_USAGE);
      const ref = oneReference(parsed, PULL_USAGE);
      const json = parsed.flags.has('--json');
      const platformText = last(parsed, '--platform');
      if (!usesCore(parsed)) {
        if (platformText) throw new CliError('--platform is only supported with --engine core here', 2);
        return daemonTransfer('pull', formatReference(ref), ref.domain, json);
      }
      let platform;
      try {
        platform = platformText ? parsePlatform(platformText) : undefined;
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      const client = registryClient(parsed);
      const view = new TransferView();
      try {
        const store = await ImageStore.open();
        const result = await pullImage(client, store, ref, { platform, onProgress: json ? undefined : (e) => view.update(e) });
        view.finish();
        if (json) process.stdout.write(`${JSON.stringify({ ...result, engine: 'core' }, null, 2)}\n`);
        else process.stdout.write(`Digest: ${result.descriptor.digest}\n${result.ref}\n`);
        return 0;
      } finally {
        client.close();
      }
    },
  },
  {
    name: 'push',
    summary: 'push an image to its registry [--engine core] [--json]',
    async run(args) {
      const parsed = parseArgs(args, PUSH_USAGE);
      const ref = oneReference(parsed, PUSH_USAGE);
      const json = parsed.flags.has('--json');
      if (!usesCore(parsed)) return daemonTransfer('push', formatReference(ref), ref.domain, json);
      const client = registryClient(parsed);
      const view = new TransferView();
      try {
        const store = await ImageStore.open();
        const digest = await pushImage(client, store, ref, { onProgress: json ? undefined : (e) => view.update(e) });
        view.finish();
        if (json) process.stdout.write(`${JSON.stringify({ ref: formatReference(ref), digest, engine: 'core' }, null, 2)}\n`);
        else process.stdout.write(`${ref.tag ?? 'latest'}: digest: ${digest}\n`);
        return 0;
      } finally {
        client.close();
      }
    },
  },
  {
    name: 'login',
    summary: 'log in to a registry, saving credentials as docker login does [-u USER] [--password-stdin]',
    async run(args) {
      const parsed = parseArgs(args, LOGIN_USAGE);
      if (parsed.positional.length > 1) throw new CliError(`expected one registry host\nUsage: ${LOGIN_USAGE}`, 2);
      const host = hostArgument(parsed.positional[0] ?? 'docker.io');
      const username = last(parsed, '-u', '--username') ?? await prompt('Username: ', false);
      const password = parsed.flags.has('--password-stdin') ? await readStdin() : await prompt('Password: ', true);
      if (!username || !password) throw new CliError('a username and a password are needed', 2);
      const client = new RegistryClient({ credentials: () => Promise.resolve({ username, password }), insecureHosts: insecureHosts(parsed), userAgent: 'stevedore-cli' });
      try {
        const ping = await client.ping(host);
        if (!ping.ok) throw new CliError(`login to ${host} failed: ${ping.message}`);
      } finally {
        client.close();
      }
      const saved = await new DockerCredentialStore().store(host, { username, password });
      process.stdout.write(`Login Succeeded (credentials saved in ${saved.where})\n`);
      return 0;
    },
  },
  {
    name: 'logout',
    summary: 'remove the credentials saved for a registry',
    async run(args) {
      const parsed = parseArgs(args, 'stevedore logout HOST');
      const host = hostArgument(parsed.positional[0] ?? 'docker.io');
      const removed = await new DockerCredentialStore().erase(host);
      process.stdout.write(removed ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`);
      return 0;
    },
  },
];

/** `https://host:5000/` or `host:5000` → `host:5000`; Docker Hub's names → `docker.io`. */
function hostArgument(text: string): string {
  const host = text.replace(/^[a-z]+:\/\//i, '').split('/')[0];
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
