import * as vscode from 'vscode';
import { EngineConnection } from './engine/engineConnection';
import { engineCandidates, mainReason } from './engine/engineSelection';
import { registerContainerCommands } from './commands/containerCommands';
import { ContainersModel } from './views/containersTree';
import { EngineTreeView } from './views/engineTreeView';
import { ImagesModel } from './views/imagesTree';
import { registerDockerfileFeaturesOnDemand } from './language/dockerfileActivation';

/** Builds the engine connection, the views and the commands; the work happens after activation. */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Stevedore', { log: true });
  const connection = new EngineConnection({ candidates: () => engineCandidates() });
  const images = new EngineTreeView('stevedore.images', new ImagesModel(() => vscode.workspace.getConfiguration('stevedore').get('images.showDangling', true)), connection);
  const containers = new EngineTreeView('stevedore.containers', new ContainersModel(), connection);
  let lastProblem = '';

  context.subscriptions.push(
    log,
    { dispose: () => connection.dispose() },
    images,
    containers,
    connection.onDidChangeState((state) => {
      void vscode.commands.executeCommand('setContext', 'stevedore.engineStatus', state.status);
      if (state.status === 'connected') lastProblem = '';
      if (state.status === 'connected') log.info(`connected to ${state.info.product} (API ${state.info.apiVersion}) at ${state.engine.endpoint}`);
      if (state.status === 'unavailable') {
        void vscode.commands.executeCommand('setContext', 'stevedore.engineProblem', mainReason(state.attempts));
        const problem = state.attempts.map((a) => `${a.source}: ${a.error}`).join('\n');
        if (problem !== lastProblem) for (const a of state.attempts) log.warn(`${a.source}: ${a.error}`);
        lastProblem = problem;
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('stevedore.images.showDangling')) images.refresh();
    }),
    vscode.commands.registerCommand('stevedore.refresh', () => {
      if (connection.state.status === 'connected') {
        images.refresh();
        containers.refresh();
      } else void connection.connect();
    }),
    vscode.commands.registerCommand('stevedore.retryConnection', () => connection.connect()),
    vscode.commands.registerCommand('stevedore.showLog', () => log.show()),
    ...registerContainerCommands(connection, log),
    registerDockerfileFeaturesOnDemand(connection, log),
  );
  void connection.connect();
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}
