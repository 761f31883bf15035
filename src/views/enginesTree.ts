import * as vscode from 'vscode';
import { CORE_CHOICE } from '../engine/core/coreCandidate';
import { currentEnvironment } from '../engine/daemon/endpoint';
import { AUTO } from '../engine/daemon/endpointChoice';
import type { EngineConnection } from '../engine/engineConnection';
import type { EngineRequestListener } from '../engine/engineRequests';
import { mainReason } from '../engine/engineSelection';
import { knownEngines, probe, type KnownEngine, type Reachability } from '../engine/knownEngines';

/** The first row: let the docker CLI's rules decide. */
export interface AutomaticNode {
  readonly kind: 'automatic';
}

/** The last row: the bundled core, always there (it needs no daemon). */
export interface BundledNode {
  readonly kind: 'bundled';
}

export type EnginesNode = AutomaticNode | BundledNode | { readonly kind: 'engine'; readonly engine: KnownEngine };

/** The engine in use, by the URL it connected to, among those listed. */
export function activeEngine(engines: readonly KnownEngine[], endpoint: string | undefined): KnownEngine | undefined {
  if (!endpoint) return undefined;
  return engines.find((e) => e.endpoints.some((p) => p.url === endpoint));
}

/**
 * The Engines view: every docker context and socket found, the one in use marked, each one's
 * reachability (asked once when the view is shown or refreshed, never polled), and a click that
 * switches to it.
 */
export class EnginesTree implements vscode.TreeDataProvider<EnginesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EnginesNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<EnginesNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private engines: KnownEngine[] = [];
  private reachability = new Map<string, Reachability | 'checking'>();
  private probing = 0;

  constructor(
    private readonly connection: EngineConnection,
    private readonly choice: () => string,
    private readonly onRequest?: EngineRequestListener,
  ) {
    this.view = vscode.window.createTreeView('stevedore.engines', { treeDataProvider: this });
    this.disposables.push(
      this.view,
      this.changed,
      this.view.onDidChangeVisibility(({ visible }) => {
        if (visible) this.refresh();
      }),
      connection.onDidChangeState((state) => {
        if (state.status !== 'connecting') this.changed.fire(undefined);
      }),
    );
  }

  /** Reads the contexts and sockets again and asks each engine whether it answers. */
  refresh(): void {
    this.engines = knownEngines(currentEnvironment());
    const round = ++this.probing;
    this.reachability = new Map(this.engines.map((e) => [e.choice, 'checking' as const]));
    this.changed.fire(undefined);
    if (!this.view.visible) return;
    for (const engine of this.engines) {
      void probe(engine, undefined, this.onRequest).then((result) => {
        if (round !== this.probing) return;
        this.reachability.set(engine.choice, result);
        this.changed.fire(undefined);
      });
    }
  }

  getChildren(node?: EnginesNode): EnginesNode[] {
    if (node) return [];
    if (!this.engines.length) this.engines = knownEngines(currentEnvironment());
    return [{ kind: 'automatic' }, ...this.engines.map((engine) => ({ kind: 'engine' as const, engine })), { kind: 'bundled' }];
  }

  getTreeItem(node: EnginesNode): vscode.TreeItem {
    const chosen = this.choice();
    if (node.kind === 'automatic') {
      const item = new vscode.TreeItem('Automatic', vscode.TreeItemCollapsibleState.None);
      item.id = 'engine:auto';
      item.iconPath = new vscode.ThemeIcon(chosen === AUTO ? 'pass-filled' : 'circle-large-outline');
      item.description = `as the docker CLI${chosen === AUTO ? ' · chosen' : ''}`;
      item.tooltip = 'DOCKER_HOST when set; else DOCKER_CONTEXT or the current docker context (docker context use); else the default Docker socket, then Podman\'s sockets.';
      item.command = { command: 'stevedore.engines.use', title: 'Use', arguments: [AUTO] };
      item.contextValue = 'engine:auto';
      return item;
    }
    if (node.kind === 'bundled') return this.bundledItem(chosen);
    const { engine } = node;
    const state = this.connection.state;
    const inUse = state.status !== 'connecting' && activeEngine(this.engines, state.status === 'connected' ? state.engine.endpoint : state.attempts[0]?.endpoint) === engine;
    const connected = inUse && state.status === 'connected';
    // The connection knows best about the engine in use; the others were asked when the view was shown.
    const reach: Reachability | 'checking' | undefined = !inUse
      ? this.reachability.get(engine.choice)
      : state.status === 'connected'
        ? { status: 'reachable', endpoint: state.engine.endpoint, info: state.info }
        : { status: 'unreachable', reason: mainReason(state.attempts), error: state.attempts.map((a) => a.error).join('\n') };
    const item = new vscode.TreeItem(engine.label, vscode.TreeItemCollapsibleState.None);
    item.id = `engine:${engine.kind}:${engine.choice || engine.detail}`;
    const where = engine.endpoints[0]?.url ?? '';
    const status = reach === undefined || reach === 'checking' ? 'checking…' : reach.status === 'reachable' ? reach.info.product : `unreachable (${reach.reason})`;
    item.description = [connected ? 'in use' : inUse ? 'chosen, unreachable' : undefined, status, engine.kind === 'context' ? engine.detail : undefined].filter(Boolean).join(' · ');
    item.iconPath = connected
      ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
      : reach === undefined || reach === 'checking'
        ? new vscode.ThemeIcon('loading~spin')
        : reach.status === 'reachable'
          ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('testing.iconPassed'))
          : new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${engine.kind === 'context' ? `docker context "${engine.label}"` : engine.detail}\n\n`);
    if (where) tooltip.appendText(`${where}\n\n`);
    if (engine.problem) tooltip.appendText(`${engine.problem}\n\n`);
    else if (reach && reach !== 'checking' && reach.status === 'unreachable') tooltip.appendText(`${reach.error}\n\n`);
    tooltip.appendText(connected ? 'In use.' : 'Click to use this engine.');
    item.tooltip = tooltip;
    item.contextValue = connected ? 'engine:active' : 'engine';
    if (engine.choice && !connected) item.command = { command: 'stevedore.engines.use', title: 'Use', arguments: [engine.choice] };
    return item;
  }

  private bundledItem(chosen: string): vscode.TreeItem {
    const state = this.connection.state;
    const connected = state.status === 'connected' && state.engine.endpoint === CORE_CHOICE;
    const item = new vscode.TreeItem('Bundled core', vscode.TreeItemCollapsibleState.None);
    item.id = 'engine:bundled';
    item.iconPath = new vscode.ThemeIcon(connected ? 'pass-filled' : 'package', connected ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.description = [connected ? 'in use' : chosen === CORE_CHOICE ? 'chosen' : undefined, 'no daemon'].filter(Boolean).join(' · ');
    item.tooltip = 'Stevedore\'s own image store, registry client and container runner (Linux namespaces), in the folder of the STEVEDORE_HOME variable or ~/.local/share/stevedore. Used automatically when no daemon answers.';
    item.contextValue = connected ? 'engine:active' : 'engine';
    if (!connected) item.command = { command: 'stevedore.engines.use', title: 'Use', arguments: [CORE_CHOICE] };
    return item;
  }

  dispose(): void {
    this.probing++;
    for (const d of this.disposables) d.dispose();
  }
}
