import * as vscode from 'vscode';

/**
 * A command handler that works only in a trusted workspace: building runs a Dockerfile's RUN
 * lines, Compose reads the workspace's files, env files and build contexts. The manifest hides
 * these commands in Restricted Mode; invoked anyway (a link, a keybinding), they say why not.
 */
export function whenTrusted<A extends unknown[], R>(doing: string, run: (...args: A) => R): (...args: A) => R | undefined {
  return (...args: A) => {
    if (vscode.workspace.isTrusted) return run(...args);
    const manage = 'Manage Workspace Trust';
    void vscode.window.showWarningMessage(`Restricted Mode: Stevedore does not ${doing} in a workspace you have not trusted. Trust this workspace to do it.`, manage)
      .then((choice) => (choice === manage ? vscode.commands.executeCommand('workbench.trust.manage') : undefined));
    return undefined;
  };
}
