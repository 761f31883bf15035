import * as vscode from 'vscode';
import type { Engine, EngineEvent, EngineObjectType } from '../engine/engine';
import { printable } from '../engine/humanize';
import type { ConnectionState, EngineConnection } from '../engine/engineConnection';
import { EngineProblem, engineProblem, problemTreeItem } from './engineProblemItem';
import type { ViewOptions } from './viewOptions';

/** What a view shows of the engine: its data, kept from events, and how it is drawn. */
export interface EngineTreeModel<N> {
  /** The object types whose events concern this view. */
  readonly watches: ReadonlySet<EngineObjectType>;
  /** Reads everything this view shows from the engine. */
  load(engine: Engine): Promise<void>;
  /** Applies a batch of events with as few engine requests as it can; true when anything changed. */
  apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean>;
  roots(options: ViewOptions): N[];
  children(node: N, options: ViewOptions): N[] | Promise<N[]>;
  item(node: N): vscode.TreeItem;
  clear(): void;
}

/**
 * A TreeView over the engine connection. It reads the engine once, then follows its events; while
 * the view is hidden it does nothing and reads again when shown. Events that arrive while an update
 * is running are applied together right after it, never with an added delay.
 */
export class EngineTreeView<N> implements vscode.TreeDataProvider<N | EngineProblem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<N | EngineProblem>;
  private readonly disposables: vscode.Disposable[] = [];
  private loaded?: Promise<void>;
  private pending: EngineEvent[] = [];
  private applying = false;
  private options: ViewOptions = { filter: '', sort: 'name' };

  constructor(
    viewId: string,
    private readonly model: EngineTreeModel<N>,
    private readonly connection: EngineConnection,
  ) {
    this.view = vscode.window.createTreeView(viewId, { treeDataProvider: this, showCollapseAll: true, canSelectMany: true });
    this.disposables.push(
      this.view,
      this.changed,
      this.view.onDidChangeVisibility(({ visible }) => {
        if (visible && !this.loaded) this.changed.fire(undefined);
      }),
      connection.onDidReceiveEvents((events) => this.receive(events)),
      connection.onDidChangeState((state) => {
        this.showState(state);
        this.refresh();
      }),
    );
    this.showState(connection.state);
  }

  get viewOptions(): ViewOptions {
    return this.options;
  }

  setOptions(options: Partial<ViewOptions>): void {
    this.options = { ...this.options, ...options };
    this.view.description = this.options.filter ? `filter: ${this.options.filter}` : undefined;
    this.changed.fire(undefined);
  }

  /** Forgets what was read; the view reads the engine again when it is (or next becomes) visible. */
  refresh(): void {
    this.loaded = undefined;
    this.pending = [];
    this.model.clear();
    if (this.view.visible) this.changed.fire(undefined);
  }

  getTreeItem(node: N | EngineProblem): vscode.TreeItem {
    return node instanceof EngineProblem ? problemTreeItem(node) : this.model.item(node);
  }

  async getChildren(node?: N | EngineProblem): Promise<(N | EngineProblem)[]> {
    if (node instanceof EngineProblem) return [];
    if (node) {
      try {
        return await this.model.children(node, this.options);
      } catch (err) {
        void vscode.window.showErrorMessage(printable(err instanceof Error ? err.message : String(err)));
        return [];
      }
    }
    const state = this.connection.state;
    if (state.status !== 'connected') {
      // An engine that is there but cannot be used gets one item saying why; none at all, the welcome.
      const problem = engineProblem(state);
      return problem ? [problem] : [];
    }
    try {
      this.loaded ??= this.model.load(state.engine);
      await this.loaded;
      this.view.message = undefined;
      return this.model.roots(this.options);
    } catch (err) {
      this.loaded = undefined;
      this.view.message = err instanceof Error ? err.message : String(err);
      return [];
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private receive(events: readonly EngineEvent[]): void {
    const relevant = events.filter((e) => this.model.watches.has(e.type));
    if (!relevant.length) return;
    if (!this.view.visible || !this.loaded) {
      // Hidden: no engine requests now; everything is read again when the view is shown.
      this.loaded = undefined;
      this.pending = [];
      return;
    }
    this.pending.push(...relevant);
    void this.applyPending();
  }

  private async applyPending(): Promise<void> {
    if (this.applying) return;
    this.applying = true;
    try {
      while (this.pending.length && this.loaded) {
        const batch = this.pending;
        this.pending = [];
        const state = this.connection.state;
        if (state.status !== 'connected') return;
        await this.loaded;
        if (await this.model.apply(state.engine, batch)) this.changed.fire(undefined);
      }
    } catch {
      // The engine went away or answered oddly: read everything again when next shown.
      this.refresh();
    } finally {
      this.applying = false;
    }
  }

  private showState(state: ConnectionState): void {
    switch (state.status) {
      case 'connecting':
        this.view.message = 'Connecting to the container engine…';
        break;
      case 'connected':
        this.view.message = undefined;
        break;
      case 'unavailable':
        // The problem item (or, with no engine at all, the welcome content) explains it.
        this.view.message = undefined;
        break;
    }
  }
}
