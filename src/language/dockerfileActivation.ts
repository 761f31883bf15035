import * as vscode from 'vscode';
import type { EngineConnection } from '../engine/engineConnection';

/**
 * Loads the Dockerfile features (their own bundle, dist/languageFeatures.js) when the first
 * Dockerfile is open, so activating for the views reads none of them.
 */
export function registerDockerfileFeaturesOnDemand(connection: EngineConnection, log: vscode.LogOutputChannel): vscode.Disposable {
  let features: vscode.Disposable[] | undefined;
  let disposed = false;
  let opened: vscode.Disposable | undefined;
  const load = async () => {
    opened?.dispose();
    try {
      const { registerLanguageFeatures } = await import('./languageFeatures');
      if (!disposed) features = registerLanguageFeatures(connection, log);
    } catch (err) {
      log.error(`the Dockerfile features could not start: ${(err as Error).message}`);
    }
  };
  if (vscode.workspace.textDocuments.some((d) => d.languageId === 'dockerfile')) void load();
  else {
    opened = vscode.workspace.onDidOpenTextDocument((d) => {
      if (d.languageId === 'dockerfile') void load();
    });
  }
  return {
    dispose() {
      disposed = true;
      opened?.dispose();
      for (const f of features ?? []) f.dispose();
    },
  };
}
