import * as vscode from 'vscode';
import type { ContainerState, ContainerSummary, Engine, EngineEvent, PortMapping } from '../engine/engine';
import { posix } from 'node:path';
import { listContainerDirectory } from '../engine/containerFiles';
import type { EngineConnection } from '../engine/engineConnection';
import { containerFileUri } from './containerFileSystem';
import { ContainerList } from './containerList';
import { compareNames } from './viewOptions';
import { COMPOSE_SERVICE, groupChildren, groupContainers, type ContainerGrouping, type ContainerNode } from './containerGroups';
import type { EngineTreeModel } from './engineTreeView';
import type { ViewOptions } from './viewOptions';

/** Codicon and theme colour per state; the e2e tests read the icon to see a state change. */
const STATE_ICONS: Record<ContainerState, [icon: string, color?: string]> = {
  running: ['vm-running', 'charts.green'],
  paused: ['debug-pause', 'charts.yellow'],
  restarting: ['sync', 'charts.yellow'],
  created: ['vm-outline'],
  exited: ['vm-outline'],
  removing: ['trash'],
  dead: ['error', 'charts.red'],
};

export function stateIcon(container: ContainerSummary): vscode.ThemeIcon {
  if (container.state === 'running' && container.health === 'unhealthy') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.red'));
  const [icon, color] = STATE_ICONS[container.state];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

/** `127.0.0.1:8080→80/tcp`, or `80/tcp` for a port that is exposed but not published. */
export function describePort(port: PortMapping): string {
  const target = `${port.containerPort}/${port.protocol}`;
  if (!port.hostPort) return target;
  const host = !port.hostIp || port.hostIp === '0.0.0.0' || port.hostIp === '::' ? '' : `${port.hostIp}:`;
  return `${host}${port.hostPort}→${target}`;
}

const GROUP_ICONS: Record<ContainerGrouping, string> = { composeProject: 'layers', state: 'pulse', image: 'package', network: 'type-hierarchy', none: 'folder' };

/** The Containers view: grouped as the `stevedore.containers.groupBy` setting says. */
export class ContainersModel implements EngineTreeModel<ContainerNode> {
  readonly watches = new Set(['container'] as const);
  private readonly list = new ContainerList();

  constructor(private readonly grouping: () => ContainerGrouping, private readonly connection: EngineConnection) {}

  load(engine: Engine): Promise<void> {
    return this.list.load(engine);
  }

  apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean> {
    return this.list.apply(engine, events);
  }

  roots(options: ViewOptions): ContainerNode[] {
    return groupContainers(this.list.all(), this.grouping(), options);
  }

  async children(node: ContainerNode): Promise<ContainerNode[]> {
    if (node.kind === 'container') return [{ kind: 'path', containerId: node.container.id, path: '/', type: 'directory', linkName: '' }];
    if (node.kind === 'path') {
      const state = this.connection.state;
      if (state.status !== 'connected' || node.type !== 'directory') return [];
      const entries = await listContainerDirectory(state.engine, node.containerId, node.path);
      return entries
        .sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || compareNames(a.name, b.name))
        .map((e) => ({ kind: 'path', containerId: node.containerId, path: posix.join(node.path, e.name), type: e.type, linkName: e.linkName }));
    }
    return groupChildren(node);
  }

  clear(): void {
    this.list.clear();
  }

  item(node: ContainerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': return groupItem(node);
      case 'container': return containerItem(node.container, node.group);
      case 'path': return pathItem(node);
    }
  }
}

function groupItem(node: Extract<ContainerNode, { kind: 'group' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${node.grouping}:${node.key}`;
  const running = node.containers.filter((c) => c.state === 'running').length;
  item.description = `${running}/${node.containers.length} running`;
  item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[node.grouping]);
  item.contextValue = node.grouping === 'composeProject' ? 'composeProject' : 'containerGroup';
  return item;
}

function pathItem(node: Extract<ContainerNode, { kind: 'path' }>): vscode.TreeItem {
  const isRoot = node.path === '/';
  const folder = node.type === 'directory';
  const item = new vscode.TreeItem(isRoot ? 'Files' : posix.basename(node.path), folder ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `path:${node.containerId}:${node.path}`;
  item.resourceUri = containerFileUri(node.containerId, node.path);
  item.iconPath = isRoot ? new vscode.ThemeIcon('files') : folder ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
  item.contextValue = `containerPath:${node.type}`;
  if (node.type === 'symlink') item.description = `→ ${node.linkName}`;
  if (node.type === 'file' || node.type === 'symlink') {
    // A link opens what it points to (absolute targets are inside the container too).
    const target = node.type === 'symlink' ? posix.resolve(posix.dirname(node.path), node.linkName) : node.path;
    item.command = { command: 'vscode.open', title: 'Open', arguments: [containerFileUri(node.containerId, target)] };
  }
  return item;
}

function containerItem(container: ContainerSummary, group: string | undefined): vscode.TreeItem {
  const service = container.labels[COMPOSE_SERVICE];
  const item = new vscode.TreeItem(container.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `container:${group ?? ''}:${container.id}`;
  item.iconPath = stateIcon(container);
  const published = container.ports.filter((p) => p.hostPort).map(describePort);
  item.description = [container.image, container.status, ...published].join(' · ');
  item.contextValue = `container:${container.state}${published.length ? ':published' : ''}`;
  const tooltip = new vscode.MarkdownString();
  tooltip.appendText(container.name);
  if (service) tooltip.appendText(` (service ${service})`);
  tooltip.appendMarkdown('\n\nImage: ');
  tooltip.appendText(container.image);
  tooltip.appendMarkdown(`\n\nState: ${container.status || container.state}`);
  if (container.health) tooltip.appendMarkdown(` (${container.health})`);
  if (container.ports.length) tooltip.appendMarkdown(`\n\nPorts: ${container.ports.map(describePort).join(', ')}`);
  if (container.networks.length) tooltip.appendMarkdown('\n\nNetworks: ').appendText(container.networks.join(', '));
  tooltip.appendMarkdown(`\n\nId: \`${container.id.slice(0, 12)}\``);
  item.tooltip = tooltip;
  return item;
}
