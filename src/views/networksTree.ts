import * as vscode from 'vscode';
import type { ContainerSummary, Engine, EngineEvent, NetworkSummary } from '../engine/engine';
import { ContainerList } from './containerList';
import type { EngineTreeModel } from './engineTreeView';
import { stateIcon } from './containersTree';
import { compareBy, matchesFilter, type ViewOptions } from './viewOptions';

export type NetworkNode =
  | { readonly kind: 'network'; readonly network: NetworkSummary; readonly containers: readonly ContainerSummary[] }
  | { readonly kind: 'member'; readonly network: string; readonly container: ContainerSummary };

/** The networks every engine has; they cannot be removed. */
const PREDEFINED = new Set(['bridge', 'host', 'none', 'podman']);

/** Networks, with the containers attached to each as children. */
export class NetworksModel implements EngineTreeModel<NetworkNode> {
  readonly watches = new Set(['network', 'container'] as const);
  private networks: NetworkSummary[] = [];
  private readonly containers = new ContainerList();

  async load(engine: Engine): Promise<void> {
    [this.networks] = await Promise.all([engine.listNetworks(), this.containers.load(engine)]);
  }

  async apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean> {
    const networksChanged = events.some((e) => e.type === 'network' && e.action !== 'connect' && e.action !== 'disconnect');
    const [, containersChanged] = await Promise.all([
      networksChanged ? engine.listNetworks().then((n) => (this.networks = n)) : undefined,
      this.containers.apply(engine, events),
    ]);
    return networksChanged || containersChanged;
  }

  roots(options: ViewOptions): NetworkNode[] {
    const containers = this.containers.all();
    return this.networks
      .filter((n) => matchesFilter(options.filter, n.name, n.driver))
      .sort(compareBy<NetworkSummary>(options.sort === 'size' ? 'name' : options.sort, (n) => n.name, (n) => n.created, () => 0))
      .map((network) => ({ kind: 'network', network, containers: containers.filter((c) => c.networks.includes(network.name)) }));
  }

  children(node: NetworkNode): NetworkNode[] {
    return node.kind === 'network' ? node.containers.map((container) => ({ kind: 'member', network: node.network.name, container })) : [];
  }

  clear(): void {
    this.networks = [];
    this.containers.clear();
  }

  item(node: NetworkNode): vscode.TreeItem {
    if (node.kind === 'member') {
      const item = new vscode.TreeItem(node.container.name, vscode.TreeItemCollapsibleState.None);
      item.id = `network:${node.network}:${node.container.id}`;
      item.iconPath = stateIcon(node.container);
      item.description = node.container.status;
      item.contextValue = 'networkMember';
      return item;
    }
    const { network, containers } = node;
    const item = new vscode.TreeItem(network.name, containers.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `network:${network.id}`;
    item.iconPath = new vscode.ThemeIcon('type-hierarchy');
    item.description = `${network.driver}${network.internal ? ' · internal' : ''} · ${containers.length === 1 ? '1 container' : `${containers.length} containers`}`;
    item.contextValue = PREDEFINED.has(network.name) ? 'network:predefined' : 'network';
    item.tooltip = `${network.name} (${network.driver}, ${network.scope})\nId: ${network.id.slice(0, 12)}`;
    return item;
  }
}
