import * as vscode from 'vscode';
import type { ContainerSummary, Engine, Operation } from '../engine/engine';
import { humanSize } from '../engine/humanize';
import type { ContainerNode } from '../views/containerGroups';
import { describePort } from '../views/containersTree';
import { composeProjectDown } from './composeProject';
import { openLogTerminal, openProcessTerminal, SHELL_COMMAND } from './containerTerminals';
import { engineCommand, reportError, targets, type CommandContext } from './engineCommand';
import { showInspectDocument } from './inspectDocuments';

/** The containers a command acts on: the clicked one, or the selection; a group means its members. */
function containersOf(node: ContainerNode | undefined, selected: readonly ContainerNode[] | undefined): ContainerSummary[] {
  const seen = new Map<string, ContainerSummary>();
  for (const n of targets(node, selected)) {
    for (const c of n.kind === 'group' ? n.containers : n.kind === 'container' ? [n.container] : []) seen.set(c.id, c);
  }
  return [...seen.values()];
}

const isRunning = (c: ContainerSummary) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting';

/** Runs one lifecycle action on every target container, with progress in the Containers view. */
async function forEach(title: string, containers: readonly ContainerSummary[], action: (c: ContainerSummary) => Promise<void>): Promise<void> {
  if (!containers.length) return;
  const failures: string[] = [];
  await vscode.window.withProgress({ location: { viewId: 'stevedore.containers' }, title }, () =>
    Promise.all(containers.map((c) => action(c).catch((err: unknown) => void failures.push(err instanceof Error ? err.message : String(err))))));
  if (failures.length) throw new Error(failures.join(' '));
}

const names = (containers: readonly ContainerSummary[]) => (containers.length === 1 ? containers[0].name : `${containers.length} containers`);

export function registerContainerCommands(ctx: CommandContext): vscode.Disposable[] {
  const lifecycle = (id: string, operation: Operation, doing: string, act: (e: Engine, c: ContainerSummary) => Promise<void>, filter: (c: ContainerSummary) => boolean) =>
    engineCommand<[ContainerNode?, ContainerNode[]?]>(ctx, id, operation, (engine, node, selected) => {
      const containers = containersOf(node, selected).filter(filter);
      return forEach(`${doing} ${names(containers)}`, containers, (c) => act(engine, c));
    });

  return [
    lifecycle('stevedore.container.start', 'startContainer', 'Starting', (e, c) => e.startContainer(c.id), (c) => !isRunning(c)),
    lifecycle('stevedore.container.stop', 'stopContainer', 'Stopping', (e, c) => e.stopContainer(c.id), isRunning),
    lifecycle('stevedore.container.restart', 'restartContainer', 'Restarting', (e, c) => e.restartContainer(c.id), () => true),
    lifecycle('stevedore.container.pause', 'pauseContainer', 'Pausing', (e, c) => e.pauseContainer(c.id), (c) => c.state === 'running'),
    lifecycle('stevedore.container.unpause', 'unpauseContainer', 'Resuming', (e, c) => e.unpauseContainer(c.id), (c) => c.state === 'paused'),
    lifecycle('stevedore.container.kill', 'killContainer', 'Killing', (e, c) => e.killContainer(c.id), isRunning),

    engineCommand<[ContainerNode?, ContainerNode[]?]>(ctx, 'stevedore.container.remove', 'removeContainer', async (engine, node, selected) => {
      const containers = containersOf(node, selected);
      if (!containers.length) return;
      const running = containers.filter(isRunning);
      const question = running.length
        ? `${running.length === 1 ? `${running[0].name} is running` : `${running.length} of them are running`}. Stop and remove ${names(containers)}?`
        : `Remove ${names(containers)}?`;
      const answer = await vscode.window.showWarningMessage(question, { modal: true }, running.length ? 'Force Remove' : 'Remove');
      if (answer) await forEach(`Removing ${names(containers)}`, containers, (c) => engine.removeContainer(c.id, { force: isRunning(c) }));
    }),

    engineCommand<[ContainerNode?, ContainerNode[]?]>(ctx, 'stevedore.container.logs', 'containerLogs', (engine, node, selected) => {
      const containers = containersOf(node, selected);
      if (!containers.length) return;
      const timestamps = vscode.workspace.getConfiguration('stevedore').get('containers.logTimestamps', false);
      const title = node?.kind === 'group' ? `${node.key} logs` : `${names(containers)} logs`;
      openLogTerminal(engine, containers, title, timestamps);
    }),

    engineCommand<[ContainerNode?]>(ctx, 'stevedore.container.shell', 'execTerminal', (engine, node) => {
      if (node?.kind !== 'container') return;
      const { container } = node;
      openProcessTerminal(`${container.name} shell`, (size) => engine.execTerminal(container.id, SHELL_COMMAND, size), (err) => reportError(ctx, 'shell', err));
    }),

    engineCommand<[ContainerNode?]>(ctx, 'stevedore.container.inspect', undefined, async (_engine, node) => {
      if (node?.kind === 'container') await showInspectDocument('container', node.container.id, node.container.name);
    }),

    engineCommand<[ContainerNode?, ContainerNode[]?]>(ctx, 'stevedore.container.stats', 'containerStats', async (engine, node, selected) => {
      const containers = containersOf(node, selected).filter((c) => c.state === 'running');
      if (!containers.length) return void vscode.window.showInformationMessage('Stats are only there for running containers.');
      const lines = await vscode.window.withProgress({ location: { viewId: 'stevedore.containers' }, title: 'Reading stats' }, () =>
        Promise.all(containers.map(async (c) => {
          const s = await engine.containerStats(c.id);
          const limit = s.memoryLimit ? ` / ${humanSize(s.memoryLimit)}` : '';
          return `${c.name}: CPU ${s.cpuPercent.toFixed(1)}%, memory ${humanSize(s.memoryUsage)}${limit}`;
        })));
      void vscode.window.showInformationMessage(lines.join(' · '));
    }),

    engineCommand<[ContainerNode?]>(ctx, 'stevedore.container.openPort', undefined, async (_engine, node) => {
      if (node?.kind !== 'container') return;
      const published = node.container.ports.filter((p) => p.hostPort);
      if (!published.length) return void vscode.window.showInformationMessage(`${node.container.name} publishes no port.`);
      const port = published.length === 1 ? published[0] : (await vscode.window.showQuickPick(published.map((p) => ({ label: describePort(p), port: p })), { title: 'Open which port?' }))?.port;
      if (!port) return;
      const host = !port.hostIp || port.hostIp === '0.0.0.0' || port.hostIp === '::' ? 'localhost' : port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp;
      await vscode.env.openExternal(vscode.Uri.parse(`http://${host}:${port.hostPort}`));
    }),

    engineCommand<[ContainerNode?]>(ctx, 'stevedore.container.copyId', undefined, async (_engine, node) => {
      if (node?.kind === 'container') await vscode.env.clipboard.writeText(node.container.id);
    }),
    engineCommand<[ContainerNode?]>(ctx, 'stevedore.container.copyName', undefined, async (_engine, node) => {
      if (node?.kind === 'container') await vscode.env.clipboard.writeText(node.container.name);
    }),

    engineCommand(ctx, 'stevedore.container.prune', 'pruneContainers', async (engine) => {
      const answer = await vscode.window.showWarningMessage('Remove all stopped containers?', { modal: true }, 'Remove');
      if (!answer) return;
      const result = await engine.pruneContainers();
      void vscode.window.showInformationMessage(`Removed ${result.removed.length} stopped containers, freed ${humanSize(result.spaceReclaimed)}.`);
    }),

    engineCommand<[ContainerNode?]>(ctx, 'stevedore.composeProject.down', 'removeContainer', async (engine, node) => {
      if (node?.kind !== 'group') return;
      const answer = await vscode.window.showWarningMessage(`Stop and remove the ${node.containers.length} containers of ${node.key}, and its networks?`, { modal: true }, 'Down');
      if (!answer) return;
      await vscode.window.withProgress({ location: { viewId: 'stevedore.containers' }, title: `Taking ${node.key} down` }, () => composeProjectDown(engine, node.key, node.containers));
    }),
  ];
}
