import * as vscode from 'vscode';
import type { ContainerSummary, Engine, EngineEvent, VolumeSummary } from '../engine/engine';
import { humanDuration } from '../engine/humanize';
import { ContainerList } from './containerList';
import { stateIcon } from './containersTree';
import type { EngineTreeModel } from './engineTreeView';
import { compareBy, matchesFilter, type ViewOptions } from './viewOptions';

export type VolumeNode =
  | { readonly kind: 'volume'; readonly volume: VolumeSummary; readonly containers: readonly ContainerSummary[] }
  | { readonly kind: 'user'; readonly volume: string; readonly container: ContainerSummary; readonly destination: string };

/** Volumes, with the containers that mount each as children. */
export class VolumesModel implements EngineTreeModel<VolumeNode> {
  readonly watches = new Set(['volume', 'container'] as const);
  private volumes: VolumeSummary[] = [];
  private readonly containers = new ContainerList();

  async load(engine: Engine): Promise<void> {
    [this.volumes] = await Promise.all([engine.listVolumes(), this.containers.load(engine)]);
  }

  async apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean> {
    // mount/unmount events say a container used a volume; create/destroy change the list.
    const volumesChanged = events.some((e) => e.type === 'volume' && (e.action === 'create' || e.action === 'destroy'));
    const [, containersChanged] = await Promise.all([
      volumesChanged ? engine.listVolumes().then((v) => (this.volumes = v)) : undefined,
      this.containers.apply(engine, events),
    ]);
    return volumesChanged || containersChanged;
  }

  roots(options: ViewOptions): VolumeNode[] {
    const containers = this.containers.all();
    return this.volumes
      .filter((v) => matchesFilter(options.filter, v.name, v.driver))
      .sort(compareBy<VolumeSummary>(options.sort === 'size' ? 'name' : options.sort, (v) => v.name, (v) => v.created, () => 0))
      .map((volume) => ({ kind: 'volume', volume, containers: containers.filter((c) => c.mounts.some((m) => m.type === 'volume' && m.name === volume.name)) }));
  }

  children(node: VolumeNode): VolumeNode[] {
    if (node.kind !== 'volume') return [];
    return node.containers.map((container) => ({
      kind: 'user',
      volume: node.volume.name,
      container,
      destination: container.mounts.find((m) => m.name === node.volume.name)?.destination ?? '',
    }));
  }

  clear(): void {
    this.volumes = [];
    this.containers.clear();
  }

  item(node: VolumeNode): vscode.TreeItem {
    if (node.kind === 'user') {
      const item = new vscode.TreeItem(node.container.name, vscode.TreeItemCollapsibleState.None);
      item.id = `volume:${node.volume}:${node.container.id}`;
      item.iconPath = stateIcon(node.container);
      item.description = `at ${node.destination}`;
      item.contextValue = 'volumeUser';
      return item;
    }
    const { volume, containers } = node;
    // Anonymous volumes are named by a 64-digit hex id: show it short, like the CLI's tables do.
    const label = /^[0-9a-f]{64}$/.test(volume.name) ? volume.name.slice(0, 12) : volume.name;
    const item = new vscode.TreeItem(label, containers.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `volume:${volume.name}`;
    item.iconPath = new vscode.ThemeIcon('database');
    const age = volume.created ? ` · ${humanDuration(Date.now() - volume.created)} ago` : '';
    item.description = `${volume.driver} · ${containers.length ? `used by ${containers.length}` : 'unused'}${age}`;
    item.contextValue = containers.length ? 'volume:used' : 'volume';
    item.tooltip = `${volume.name}\n${volume.mountpoint}`;
    return item;
  }
}
