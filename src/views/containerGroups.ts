import type { TarEntryType } from '../core/layers/tarReader';
import type { ContainerState, ContainerSummary } from '../engine/engine';
import { compareBy, compareNames, matchesFilter, type ViewOptions } from './viewOptions';

export type ContainerGrouping = 'composeProject' | 'state' | 'image' | 'network' | 'none';

export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

export type ContainerNode =
  | { readonly kind: 'group'; readonly grouping: ContainerGrouping; readonly key: string; readonly containers: readonly ContainerSummary[] }
  | { readonly kind: 'container'; readonly container: ContainerSummary; readonly group?: string }
  /** A file or folder inside a container (its "Files" root is the path `/`). */
  | { readonly kind: 'path'; readonly containerId: string; readonly path: string; readonly type: TarEntryType; readonly linkName: string };

const STATE_ORDER: readonly ContainerState[] = ['running', 'restarting', 'paused', 'created', 'exited', 'removing', 'dead'];

/** The text a filter is matched against: what the row shows and what the user would type. */
function searchable(c: ContainerSummary): string[] {
  return [c.name, c.image, c.status, c.state, c.labels[COMPOSE_PROJECT] ?? '', c.labels[COMPOSE_SERVICE] ?? '', ...c.ports.map((p) => String(p.hostPort ?? p.containerPort))];
}

/**
 * The Containers view's roots. By Compose project (the default): a group per project, then the
 * containers that belong to none. By state, image or network: a group for each value (a container
 * on two networks is under both). `none`: one flat list.
 */
export function groupContainers(all: readonly ContainerSummary[], grouping: ContainerGrouping, options: ViewOptions): ContainerNode[] {
  const order = compareBy<ContainerSummary>(options.sort === 'size' ? 'name' : options.sort, (c) => c.name, (c) => c.created, () => 0);
  const shown = all.filter((c) => matchesFilter(options.filter, ...searchable(c))).sort(order);
  if (grouping === 'none') return shown.map((container) => ({ kind: 'container', container }));
  const groups = new Map<string, ContainerSummary[]>();
  const loose: ContainerSummary[] = [];
  for (const c of shown) {
    const keys = groupKeys(c, grouping);
    if (!keys.length) loose.push(c);
    for (const key of keys) {
      const members = groups.get(key) ?? [];
      members.push(c);
      groups.set(key, members);
    }
  }
  const keyOrder = grouping === 'state'
    ? (a: string, b: string) => STATE_ORDER.indexOf(a as ContainerState) - STATE_ORDER.indexOf(b as ContainerState)
    : compareNames;
  return [
    ...[...groups.keys()].sort(keyOrder).map((key): ContainerNode => ({ kind: 'group', grouping, key, containers: groups.get(key)! })),
    ...loose.map((container): ContainerNode => ({ kind: 'container', container })),
  ];
}

function groupKeys(c: ContainerSummary, grouping: Exclude<ContainerGrouping, 'none'>): string[] {
  switch (grouping) {
    case 'composeProject': return c.labels[COMPOSE_PROJECT] ? [c.labels[COMPOSE_PROJECT]] : [];
    case 'state': return [c.state];
    case 'image': return [c.image];
    case 'network': return c.networks.length ? [...c.networks] : [];
  }
}

export function groupChildren(node: ContainerNode): ContainerNode[] {
  return node.kind === 'group' ? node.containers.map((container) => ({ kind: 'container', container, group: node.key })) : [];
}
