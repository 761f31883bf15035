import * as vscode from 'vscode';
import type { Engine, Operation } from '../engine/engine';
import type { EngineConnection } from '../engine/engineConnection';
import type { ContainerNode } from '../views/containersTree';

type ContainerAction = (engine: Engine, node: ContainerNode) => Promise<void>;

const ACTIONS: Record<string, { operation: Operation; doing: string; run: ContainerAction }> = {
  'stevedore.container.start': { operation: 'startContainer', doing: 'Starting', run: (e, n) => e.startContainer(n.container.id) },
  'stevedore.container.stop': { operation: 'stopContainer', doing: 'Stopping', run: (e, n) => e.stopContainer(n.container.id) },
  'stevedore.container.restart': { operation: 'restartContainer', doing: 'Restarting', run: (e, n) => e.restartContainer(n.container.id) },
  'stevedore.container.remove': { operation: 'removeContainer', doing: 'Removing', run: removeWithConfirmation },
};

async function removeWithConfirmation(engine: Engine, { container }: ContainerNode): Promise<void> {
  const running = container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
  const answer = await vscode.window.showWarningMessage(
    running ? `Container ${container.name} is running. Stop and remove it?` : `Remove container ${container.name}?`,
    { modal: true },
    running ? 'Force Remove' : 'Remove',
  );
  if (answer) await engine.removeContainer(container.id, { force: running });
}

/** Container lifecycle commands for the Containers view's context menu. */
export function registerContainerCommands(connection: EngineConnection, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return Object.entries(ACTIONS).map(([command, action]) =>
    vscode.commands.registerCommand(command, async (node?: ContainerNode) => {
      const state = connection.state;
      if (!node) return;
      if (state.status !== 'connected') {
        void vscode.window.showErrorMessage('No container engine is connected.');
        return;
      }
      if (!state.engine.capabilities.has(action.operation)) {
        void vscode.window.showInformationMessage(`${state.info.product} cannot do this.`);
        return;
      }
      try {
        await vscode.window.withProgress(
          { location: { viewId: 'stevedore.containers' }, title: `${action.doing} ${node.container.name}` },
          () => action.run(state.engine, node),
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${command} ${node.container.name} on ${state.engine.endpoint}: ${message}`);
        void vscode.window.showErrorMessage(message);
      }
    }),
  );
}
