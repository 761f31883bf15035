import * as vscode from 'vscode';
import type { ImageReference } from '../core/registry/imageReference';
import type { RegistryConnections } from './registryConnections';
import { CatalogPager, Limiter, repositoryRows, sortTags, tagDescription, tagReference, tagTooltip, type TagDetails } from './registryModel';
import { hubRepositories } from './hubRepositories';

export type RegistryNode =
  | { readonly kind: 'registry'; readonly host: string }
  | { readonly kind: 'repository'; readonly host: string; readonly repository: string }
  | RegistryTagNode
  | { readonly kind: 'more'; readonly host: string }
  | { readonly kind: 'addRepository'; readonly host: string }
  | { readonly kind: 'message'; readonly id: string; readonly text: string; readonly detail?: string; readonly error?: boolean };

export interface RegistryTagNode {
  readonly kind: 'tag';
  readonly host: string;
  readonly repository: string;
  readonly tag: string;
}

/** Repositories read from a catalog per "Load more". */
export const CATALOG_PAGE = 50;
/** Tags whose manifest and config are read at once. */
const DETAIL_CONCURRENCY = 4;

/** Why a registry cannot list its repositories: it refuses the catalog, as Docker Hub, GHCR, Quay do. */
function catalogRefused(err: unknown): boolean {
  // By its reason: the client lives in another bundle, whose RegistryError class is not this one's.
  const reason = (err as { name?: string; reason?: string } | undefined)?.name === 'RegistryError' ? (err as { reason: string }).reason : undefined;
  return reason === 'auth' || reason === 'denied' || reason === 'not-found' || reason === 'unsupported';
}

export function imageReferenceOf(node: RegistryTagNode): ImageReference {
  return { domain: node.host, path: node.repository, tag: node.tag };
}

type RepositoryListing = { pager: CatalogPager } | { refused: string; own?: string[]; ownError?: string };

/**
 * The Registries view: connected registries → repositories (the catalog page by page, else the
 * user's own on Docker Hub and the ones added by name) → tags, each described (size, age,
 * platforms) as its manifest and config are read, a few at a time.
 */
export class RegistriesTree implements vscode.TreeDataProvider<RegistryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RegistryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<RegistryNode>;
  private readonly listings = new Map<string, Promise<RepositoryListing>>();
  private readonly tags = new Map<string, Promise<string[]>>();
  private readonly tagNodes = new Map<string, RegistryTagNode>();
  private readonly details = new Map<string, TagDetails | { error: string }>();
  private readonly loading = new Set<string>();
  private readonly limiter = new Limiter(DETAIL_CONCURRENCY);
  private readonly disposables: vscode.Disposable[];
  /** Bumped on every refresh: detail reads started before it do not write into the new state. */
  private generation = 0;

  constructor(private readonly connections: RegistryConnections) {
    this.view = vscode.window.createTreeView('stevedore.registries', { treeDataProvider: this, showCollapseAll: true });
    this.disposables = [this.view, this.changed, connections.onDidChange(() => this.refresh())];
    void this.updateContext();
  }

  refresh(node?: RegistryNode): void {
    if (!node) {
      this.generation++;
      this.listings.clear();
      this.tags.clear();
      this.tagNodes.clear();
      this.details.clear();
      this.loading.clear();
      void this.updateContext();
    } else if (node.kind === 'registry') {
      this.listings.delete(node.host);
      for (const key of [...this.tags.keys()]) if (key.startsWith(`${node.host}/`)) this.tags.delete(key);
    } else if (node.kind === 'repository') {
      const key = `${node.host}/${node.repository}`;
      this.tags.delete(key);
      for (const k of [...this.details.keys()]) if (k.startsWith(`${key}:`)) this.details.delete(k);
    }
    // Everything else stays cached, so redrawing the whole tree asks nothing of the registry again.
    this.changed.fire(undefined);
  }

  /** Reads the next page of a registry's catalog. */
  async loadMore(host: string): Promise<void> {
    const listing = await this.listings.get(host);
    if (listing && 'pager' in listing) await listing.pager.more(CATALOG_PAGE);
    this.changed.fire(undefined);
  }

  getTreeItem(node: RegistryNode): vscode.TreeItem {
    switch (node.kind) {
      case 'registry': {
        const saved = this.connections.get(node.host);
        const item = new vscode.TreeItem(node.host, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `registry:${node.host}`;
        item.iconPath = new vscode.ThemeIcon('server');
        item.description = saved?.useDockerCredentials ? "Docker's credentials" : saved?.username ?? 'anonymous';
        item.contextValue = 'registry';
        return item;
      }
      case 'repository': {
        const item = new vscode.TreeItem(node.repository, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `registry:${node.host}/${node.repository}`;
        item.iconPath = new vscode.ThemeIcon('repo');
        item.contextValue = this.connections.get(node.host)?.repositories.includes(node.repository) ? 'registryRepository:added' : 'registryRepository';
        return item;
      }
      case 'tag': {
        const key = `${node.host}/${node.repository}:${node.tag}`;
        const details = this.details.get(key);
        const reference = tagReference(node.host, node.repository, node.tag);
        const item = new vscode.TreeItem(node.tag, vscode.TreeItemCollapsibleState.None);
        item.id = `registry:${key}`;
        item.iconPath = new vscode.ThemeIcon('tag');
        item.description = tagDescription(details && 'digest' in details ? details : undefined, Date.now(), details && 'error' in details ? details.error : undefined);
        item.tooltip = tagTooltip(reference, details && 'digest' in details ? details : undefined).join('\n');
        item.contextValue = 'registryTag';
        if (!details) this.loadDetails(node, key);
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = `registry-more:${node.host}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'stevedore.registry.loadMore', title: 'Load More', arguments: [node] };
        return item;
      }
      case 'addRepository': {
        const item = new vscode.TreeItem('Add Repository…', vscode.TreeItemCollapsibleState.None);
        item.id = `registry-add:${node.host}`;
        item.iconPath = new vscode.ThemeIcon('add');
        item.command = { command: 'stevedore.registry.addRepository', title: 'Add Repository…', arguments: [{ kind: 'registry', host: node.host }] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        item.tooltip = node.detail ?? node.text;
        return item;
      }
    }
  }

  async getChildren(node?: RegistryNode): Promise<RegistryNode[]> {
    if (!node) return this.connections.list().map((r) => ({ kind: 'registry', host: r.host }));
    try {
      if (node.kind === 'registry') return await this.repositories(node.host);
      if (node.kind === 'repository') return await this.tagsOf(node.host, node.repository);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      const where = node.kind === 'repository' ? `${node.host}/${node.repository}` : node.kind === 'registry' ? node.host : '';
      return [{ kind: 'message', id: `error:${where}`, text, error: true }];
    }
    return [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private async repositories(host: string): Promise<RegistryNode[]> {
    let listing = this.listings.get(host);
    if (!listing) {
      listing = this.list(host);
      this.listings.set(host, listing);
      listing.catch(() => this.listings.delete(host));
    }
    const found = await listing;
    const added = this.connections.get(host)?.repositories ?? [];
    const rows = repositoryRows('pager' in found ? { catalog: found.pager.names, complete: found.pager.complete } : { own: found.own ?? [] }, added);
    return rows.map((row): RegistryNode => {
      if ('repository' in row) return { kind: 'repository', host, repository: row.repository };
      if ('more' in row) return { kind: 'more', host };
      if ('addRepository' in row) return { kind: 'addRepository', host };
      const why = 'refused' in found ? [found.refused, found.ownError].filter(Boolean).join('\n') : '';
      return { kind: 'message', id: `no-catalog:${host}`, text: `${host} does not list its repositories: add yours by name`, detail: why };
    });
  }

  private async list(host: string): Promise<RepositoryListing> {
    const client = await this.connections.client();
    if (host !== 'docker.io') {
      const pager = new CatalogPager(client.catalog(host, { pageSize: CATALOG_PAGE })[Symbol.asyncIterator]());
      try {
        await pager.more(CATALOG_PAGE);
        return { pager };
      } catch (err) {
        if (!catalogRefused(err)) throw err;
        return { refused: (err as Error).message };
      }
    }
    // Docker Hub has no catalog; its web API lists a user's repositories (public ones without a login).
    const user = this.connections.get(host)?.username;
    if (!user) return { refused: 'Docker Hub has no catalog' };
    try {
      return { refused: 'Docker Hub has no catalog', own: await hubRepositories(user) };
    } catch (err) {
      return { refused: 'Docker Hub has no catalog', ownError: `Your repositories could not be read from hub.docker.com: ${(err as Error).message}` };
    }
  }

  private async tagsOf(host: string, repository: string): Promise<RegistryNode[]> {
    const key = `${host}/${repository}`;
    let tags = this.tags.get(key);
    if (!tags) {
      tags = this.connections.client().then((client) => client.listTags({ domain: host, path: repository }));
      this.tags.set(key, tags);
      tags.catch(() => this.tags.delete(key));
    }
    const names = sortTags(await tags);
    if (!names.length) return [{ kind: 'message', id: `no-tags:${key}`, text: 'No tags' }];
    return names.map((tag) => {
      const tagKey = `${key}:${tag}`;
      let node = this.tagNodes.get(tagKey);
      if (!node) {
        node = { kind: 'tag', host, repository, tag };
        this.tagNodes.set(tagKey, node);
      }
      return node;
    });
  }

  private loadDetails(node: RegistryTagNode, key: string): void {
    if (this.loading.has(key)) return;
    this.loading.add(key);
    const generation = this.generation;
    void this.limiter.run(() => this.readDetails(node))
      .then((details) => details, (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }))
      .then((result) => {
        if (generation !== this.generation) return;
        this.loading.delete(key);
        this.details.set(key, result);
        this.changed.fire(node);
      });
  }

  /** The details read for a tag (digest), reading them now when not yet known. */
  async tagDetails(node: RegistryTagNode): Promise<TagDetails> {
    const known = this.details.get(`${node.host}/${node.repository}:${node.tag}`);
    if (known && 'digest' in known) return known;
    return this.readDetails(node);
  }

  private async readDetails(node: RegistryTagNode): Promise<TagDetails> {
    const [runtime, client] = await Promise.all([this.connections.runtime(), this.connections.client()]);
    return runtime.readTagDetails(client, imageReferenceOf(node));
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'stevedore.registriesConnected', this.connections.list().length > 0);
  }
}
