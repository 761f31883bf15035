import * as vscode from 'vscode';
import type { ContainerState, ContainerSummary, Engine, PortMapping } from '../engine/engine';
import type { EngineTreeModel } from './engineTreeView';

export interface ContainerNode {
  readonly container: ContainerSummary;
}

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

/** Containers, running and stopped, newest first (as `docker ps -a`). */
export class ContainersModel implements EngineTreeModel<ContainerNode> {
  readonly watches = 'container';

  async roots(engine: Engine): Promise<ContainerNode[]> {
    const containers = await engine.listContainers();
    return containers.sort((a, b) => b.created - a.created).map((container) => ({ container }));
  }

  children(): ContainerNode[] {
    return [];
  }

  item({ container }: ContainerNode): vscode.TreeItem {
    const item = new vscode.TreeItem(container.name, vscode.TreeItemCollapsibleState.None);
    item.id = `container:${container.id}`;
    item.iconPath = stateIcon(container);
    const published = container.ports.filter((p) => p.hostPort).map(describePort);
    item.description = [container.image, container.status, ...published].join(' · ');
    item.contextValue = `container:${container.state}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(container.name);
    tooltip.appendMarkdown(`\n\nImage: \`${container.image}\`\n\nState: ${container.status || container.state}`);
    if (container.health) tooltip.appendMarkdown(` (${container.health})`);
    if (container.ports.length) tooltip.appendMarkdown(`\n\nPorts: ${container.ports.map(describePort).join(', ')}`);
    tooltip.appendMarkdown(`\n\nId: \`${container.id.slice(0, 12)}\``);
    item.tooltip = tooltip;
    return item;
  }
}
