import * as vscode from 'vscode';
import type { EngineTreeView } from '../views/engineTreeView';
import type { SortKey } from '../views/viewOptions';

const SORTS: readonly { label: string; key: SortKey; description: string }[] = [
  { label: 'Name', key: 'name', description: 'A to Z' },
  { label: 'Created', key: 'created', description: 'newest first' },
  { label: 'Size', key: 'size', description: 'largest first (images)' },
];

/**
 * Filter (live, as you type), Clear Filter and Sort By for one view, as `stevedore.<name>.filter`,
 * `.clearFilter` and `.sort` in its title bar. A context key `stevedore.<name>.filtered` shows the
 * Clear Filter button only while a filter is set.
 */
export function registerViewCommands(name: string, view: EngineTreeView<unknown>): vscode.Disposable[] {
  const setFilter = (filter: string) => {
    view.setOptions({ filter });
    void vscode.commands.executeCommand('setContext', `stevedore.${name}.filtered`, !!filter);
  };
  return [
    vscode.commands.registerCommand(`stevedore.${name}.filter`, () => {
      const before = view.viewOptions.filter;
      const input = vscode.window.createInputBox();
      input.title = `Filter ${view.view.title ?? name}`;
      input.placeholder = 'Type to filter: words match names, images, states, ports';
      input.value = before;
      let accepted = false;
      input.onDidChangeValue((value) => setFilter(value.trim()));
      input.onDidAccept(() => {
        accepted = true;
        input.hide();
      });
      input.onDidHide(() => {
        if (!accepted) setFilter(before);
        input.dispose();
      });
      input.show();
    }),
    vscode.commands.registerCommand(`stevedore.${name}.clearFilter`, () => setFilter('')),
    vscode.commands.registerCommand(`stevedore.${name}.sort`, async () => {
      const current = view.viewOptions.sort;
      const pick = await vscode.window.showQuickPick(SORTS.map((s) => ({ ...s, picked: s.key === current, detail: s.key === current ? 'current' : undefined })), { title: `Sort ${view.view.title ?? name} by` });
      if (pick) view.setOptions({ sort: pick.key });
    }),
  ];
}
