import * as vscode from 'vscode';
import type { RegistryCredentials } from '../core/registry/dockerCredentials';
import type { PingResult } from '../core/registry/registryClient';
import { printable } from '../engine/humanize';
import { imageReferenceOf, type RegistriesTree, type RegistryNode, type RegistryTagNode } from '../views/registriesTree';
import type { RegistryConnections } from '../views/registryConnections';
import { normalizeHost, normalizeRepository, REGISTRY_PRESETS, tagReference, type SavedRegistry } from '../views/registryModel';
import { engineCommand, reportError, type CommandContext } from './engineCommand';
import { transfer } from './imageCommands';
import { showRegistryDocument } from './registryDocuments';

/** What to do about a failed ping, after the client's own message. */
function pingHint(result: Extract<PingResult, { ok: false }>, host: string): string {
  switch (result.reason) {
    case 'auth': return 'Check the user name and password or token.';
    case 'tls': return `Add its CA certificate to the stevedore.registries.caFiles setting (or ~/.docker/certs.d/${host}/ca.crt); only for a registry you trust on this network, add ${host} to stevedore.registries.insecureHosts.`;
    case 'unreachable': return 'Check the host and port, and that the registry is running.';
    case 'not-registry': return 'Check the host: it does not answer as a V2 registry.';
  }
}

type CredentialChoice = 'password' | 'docker' | 'anonymous';

/** Asks for a user name and a password or token; undefined when the user cancels. */
async function askLogin(host: string, previous: SavedRegistry | undefined): Promise<{ username: string; password: string } | undefined> {
  const preset = REGISTRY_PRESETS.find((p) => p.host === host);
  const username = await vscode.window.showInputBox({
    title: `Log in to ${host} (1/2)`,
    prompt: 'User name',
    value: previous?.username ?? '',
    ignoreFocusOut: true,
    validateInput: (t) => (t.trim() ? undefined : 'Enter the user name.'),
  });
  if (username === undefined) return undefined;
  const password = await vscode.window.showInputBox({
    title: `Log in to ${host} (2/2)`,
    prompt: `${preset?.secret ?? 'Password or token'} (kept in VS Code's secret storage)`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (t) => (t ? undefined : 'Enter the password or token.'),
  });
  return password === undefined ? undefined : { username: username.trim(), password };
}

/** Pings with the credentials before anything is saved; says why when it fails. */
async function check(connections: RegistryConnections, host: string, credentials: RegistryCredentials | undefined): Promise<boolean> {
  const client = await connections.trialClient(host, credentials);
  try {
    const result = await vscode.window.withProgress({ location: { viewId: 'stevedore.registries' }, title: `Connecting to ${host}` }, () => client.ping(host));
    if (result.ok) return true;
    void vscode.window.showErrorMessage(`Cannot connect to ${host}: ${printable(result.message)}. ${pingHint(result, host)}`);
    return false;
  } finally {
    client.close();
  }
}

export function registerRegistryCommands(ctx: CommandContext, connections: RegistryConnections, tree: RegistriesTree, refreshImages: () => void): vscode.Disposable[] {
  const command = <A extends unknown[]>(id: string, run: (...args: A) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...(args as A));
      } catch (err) {
        reportError(ctx, id, err);
        return undefined;
      }
    });
  const tagCommand = (id: string, run: (node: RegistryTagNode) => unknown) => command<[RegistryNode?]>(id, (node) => (node?.kind === 'tag' ? run(node) : undefined));
  const hostOf = (node: RegistryNode | undefined) => (node && 'host' in node ? node.host : undefined);
  const refOf = (node: RegistryTagNode) => tagReference(node.host, node.repository, node.tag);

  const connect = async () => {
    const preset = await vscode.window.showQuickPick(REGISTRY_PRESETS.map((p) => ({ ...p, description: p.host })), { title: 'Connect a registry', placeHolder: 'Which registry?' });
    if (!preset) return;
    let host = preset.host;
    if (!host) {
      const typed = await vscode.window.showInputBox({
        title: 'Connect a registry',
        prompt: 'Registry host[:port], e.g. registry.example.com or localhost:5000',
        ignoreFocusOut: true,
        validateInput: (t) => {
          try {
            normalizeHost(t);
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
      if (typed === undefined) return;
      host = normalizeHost(typed);
    }
    const choices: (vscode.QuickPickItem & { value: CredentialChoice })[] = [
      { label: 'Log in with a user name and password or token', detail: "Kept in VS Code's secret storage", value: 'password' },
      { label: "Use Docker's credentials", detail: '~/.docker/config.json: auths, credsStore or credHelpers, as docker login left them', value: 'docker' },
      { label: 'Anonymous', detail: 'Public images only', value: 'anonymous' },
    ];
    const choice = await vscode.window.showQuickPick(choices, { title: `Connect ${host}`, placeHolder: 'How to log in?' });
    if (!choice) return;
    const previous = connections.get(host);
    const repositories = previous?.repositories ?? [];
    if (choice.value === 'password') {
      const login = await askLogin(host, previous);
      if (!login || !(await check(connections, host, login))) return;
      await connections.save({ host, username: login.username, repositories }, login.password);
    } else if (choice.value === 'docker') {
      const fromDocker = await connections.dockerCredentials(host);
      if (!fromDocker) {
        void vscode.window.showErrorMessage(`Docker's config has no credentials for ${host}. Run docker login ${host === 'docker.io' ? '' : host}, or log in here with a user name and password.`.replace('  ', ' '));
        return;
      }
      if (!(await check(connections, host, fromDocker))) return;
      await connections.save({ host, useDockerCredentials: true, repositories });
    } else {
      if (!(await check(connections, host, undefined))) return;
      await connections.save({ host, repositories });
    }
    void vscode.window.showInformationMessage(`Connected ${host}.`);
  };

  return [
    command('stevedore.registry.connect', connect),
    command('stevedore.registry.refresh', (node?: RegistryNode) => tree.refresh(node)),
    command('stevedore.registry.loadMore', (node?: RegistryNode) => (node?.kind === 'more' ? tree.loadMore(node.host) : undefined)),

    command('stevedore.registry.disconnect', async (node?: RegistryNode) => {
      const host = hostOf(node);
      if (!host || !(await vscode.window.showWarningMessage(`Disconnect ${host}? Its saved password or token is deleted.`, { modal: true }, 'Disconnect'))) return;
      await connections.remove(host);
    }),

    command('stevedore.registry.reenterCredentials', async (node?: RegistryNode) => {
      const host = hostOf(node);
      const saved = host ? connections.get(host) : undefined;
      if (!host || !saved) return;
      const login = await askLogin(host, saved);
      if (!login || !(await check(connections, host, login))) return;
      await connections.save({ host, username: login.username, repositories: saved.repositories }, login.password);
      void vscode.window.showInformationMessage(`Saved the new credentials for ${host}.`);
    }),

    command('stevedore.registry.addRepository', async (node?: RegistryNode) => {
      const host = hostOf(node);
      const saved = host ? connections.get(host) : undefined;
      if (!host || !saved) return;
      const typed = await vscode.window.showInputBox({
        title: `Add a repository of ${host}`,
        prompt: host === 'docker.io' ? 'Repository, e.g. myname/app (or busybox for an official image)' : 'Repository, e.g. team/app',
        validateInput: (t) => {
          try {
            normalizeRepository(host, t);
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
      if (typed === undefined) return;
      const repository = normalizeRepository(host, typed);
      await connections.setRepositories(host, [...saved.repositories.filter((r) => r !== repository), repository]);
    }),

    command('stevedore.registry.removeRepository', async (node?: RegistryNode) => {
      if (node?.kind !== 'repository') return;
      const saved = connections.get(node.host);
      if (saved) await connections.setRepositories(node.host, saved.repositories.filter((r) => r !== node.repository));
    }),

    engineCommand<[RegistryNode?]>(ctx, 'stevedore.registry.pull', 'pullImage', async (engine, node) => {
      if (node?.kind !== 'tag') return;
      const reference = refOf(node);
      const credentials = await connections.engineCredentials(reference);
      await transfer(`Pulling ${reference}`, (signal) => engine.pullImage(reference, { credentials, signal }));
      refreshImages();
      void vscode.window.showInformationMessage(`Pulled ${reference}.`);
    }),

    tagCommand('stevedore.registry.copyReference', async (node) => {
      await vscode.env.clipboard.writeText(refOf(node));
    }),

    tagCommand('stevedore.registry.copyDigest', async (node) => {
      await vscode.env.clipboard.writeText((await tree.tagDetails(node)).digest);
    }),

    tagCommand('stevedore.registry.inspectManifest', (node) => showRegistryDocument('manifest', node, `${refOf(node)} manifest`)),
    tagCommand('stevedore.registry.inspectConfig', (node) => showRegistryDocument('config', node, `${refOf(node)} config`)),

    tagCommand('stevedore.registry.deleteTag', async (node) => {
      const reference = refOf(node);
      const { digest } = await tree.tagDetails(node);
      const confirm = await vscode.window.showWarningMessage(
        `Delete ${reference} from ${node.host}?`,
        { modal: true, detail: `The registry deletes by digest: every tag of ${node.repository} that points at ${digest.slice(0, 19)}… goes too.` },
        'Delete',
      );
      if (!confirm) return;
      try {
        await (await connections.client()).deleteManifest(imageReferenceOf(node), digest);
      } catch (err) {
        // By its reason: the client's RegistryError class is another bundle's.
        const reason = (err as { reason?: string }).reason;
        if ((err as Error).name === 'RegistryError' && (reason === 'unsupported' || reason === 'denied')) {
          throw new Error(`${node.host} refused to delete ${reference}: ${(err as Error).message}`, { cause: err });
        }
        throw err;
      }
      tree.refresh({ kind: 'repository', host: node.host, repository: node.repository });
      void vscode.window.showInformationMessage(`Deleted ${reference}.`);
    }),
  ];
}
