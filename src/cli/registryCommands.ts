import { DockerCredentialStore } from '../core/registry/dockerCredentials';
import { formatReference, parseReference, withDefaultTag } from '../core/registry/imageReference';
import { parsePlatform } from '../core/registry/platform';
import { RegistryClient } from '../core/registry/registryClient';
import { ImageStore } from '../core/store/imageStore';
import { pullImage } from '../core/transfer/pullImage';
import { pushImage } from '../core/transfer/pushImage';
import type { Engine, ProgressEvent } from '../engine/engine';
import { engineCandidates, selectEngine } from '../engine/engineSelection';
import { parseArgs, type ParsedArgs } from './cliArgs';
import { CliError, type CliCommand } from './cliCommand';
import { TransferView } from './transferView';

/** Registry settings: `--insecure-registry HOST[,HOST…]` and STEVEDORE_INSECURE_REGISTRIES (comma list). */
function insecureHosts(args: ParsedArgs): string[] {
  return [process.env.STEVEDORE_INSECURE_REGISTRIES ?? '', args.values.get('--insecure-registry') ?? ''].flatMap((list) => list.split(',')).map((h) => h.trim()).filter(Boolean);
}

function registryClient(args: ParsedArgs): RegistryClient {
  return new RegistryClient({ insecureHosts: insecureHosts(args), userAgent: 'stevedore-cli' });
}

function oneReference(parsed: ParsedArgs, usage: string) {
  if (parsed.positional.length !== 1) throw new CliError(`expected one image reference\n${usage}`, 2);
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

const PULL_USAGE = 'usage: stevedore pull [--engine core] [--platform os/arch[/variant]] [--insecure-registry HOST[,HOST…]] [--json] REFERENCE';
const PUSH_USAGE = 'usage: stevedore push [--engine core] [--insecure-registry HOST[,HOST…]] [--json] REFERENCE';
const LOGIN_USAGE = 'usage: stevedore login [-u USER] [--password-stdin] [--insecure-registry HOST] [HOST]';
const LOGOUT_USAGE = 'usage: stevedore logout [HOST]';

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
      const parsed = parseArgs(args, { flags: ['--json'], values: ['--platform', '--insecure-registry'] }, PULL_USAGE);
      const ref = oneReference(parsed, PULL_USAGE);
      const json = parsed.flags.has('--json');
      const platformText = parsed.values.get('--platform');
      if (!parsed.core) {
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
      const parsed = parseArgs(args, { flags: ['--json'], values: ['--insecure-registry'] }, PUSH_USAGE);
      const ref = oneReference(parsed, PUSH_USAGE);
      const json = parsed.flags.has('--json');
      if (!parsed.core) return daemonTransfer('push', formatReference(ref), ref.domain, json);
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
      const parsed = parseArgs(args, { flags: ['--password-stdin'], values: ['--username', '--insecure-registry'], aliases: { '-u': '--username' } }, LOGIN_USAGE);
      if (parsed.positional.length > 1) throw new CliError(`expected one registry host\n${LOGIN_USAGE}`, 2);
      const host = hostArgument(parsed.positional[0] ?? 'docker.io');
      const username = parsed.values.get('--username') ?? await prompt('Username: ', false);
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
      const parsed = parseArgs(args, {}, LOGOUT_USAGE);
      if (parsed.positional.length > 1) throw new CliError(`expected one registry host\n${LOGOUT_USAGE}`, 2);
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
