import * as vscode from 'vscode';
import type { Engine, EngineObjectType } from '../engine/engine';
import type { ConnectionState, EngineConnection } from '../engine/engineConnection';

/** What a view shows of the engine: its roots, their children, and how each node looks. */
export interface EngineTreeModel<N> {
  /** The object type whose events make this view re-read. */
  readonly watches: EngineObjectType;
  roots(engine: Engine): Promise<N[]>;
  children(node: N): N[];
  item(node: N): vscode.TreeItem;
}

/**
 * A TreeView over the engine connection: re-reads its model when the engine reports a change of
 * the watched type, only while visible (a hidden view is marked stale and re-read when shown), and
 * shows why there is nothing when the engine cannot be reached.
 */
export class EngineTreeView<N> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<N>;
  private readonly disposables: vscode.Disposable[] = [];
  private stale = false;

  constructor(
    viewId: string,
    private readonly model: EngineTreeModel<N>,
    private readonly connection: EngineConnection,
  ) {
    this.view = vscode.window.createTreeView(viewId, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      this.view.onDidChangeVisibility(({ visible }) => {
        if (visible && this.stale) this.refresh();
      }),
      connection.onDidChangeObjects((types) => {
        if (types.has(model.watches)) this.refresh();
      }),
      connection.onDidChangeState((state) => {
        this.showState(state);
        this.refresh();
      }),
    );
    this.showState(connection.state);
  }

  refresh(): void {
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    this.changed.fire(undefined);
  }

  getTreeItem(node: N): vscode.TreeItem {
    return this.model.item(node);
  }

  async getChildren(node?: N): Promise<N[]> {
    if (node) return this.model.children(node);
    const state = this.connection.state;
    if (state.status !== 'connected') return [];
    try {
      const roots = await this.model.roots(state.engine);
      this.showState(state);
      return roots;
    } catch (err) {
      this.view.message = err instanceof Error ? err.message : String(err);
      return [];
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
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
        // The welcome content (package.json viewsWelcome, chosen by the stevedore.engineProblem
        // context key) explains it; a message would hide it.
        this.view.message = undefined;
        break;
    }
  }
}
