import * as vscode from 'vscode';
import { currentEnvironment } from '../engine/daemon/endpoint';
import { CORE_CHOICE } from '../engine/core/coreCandidate';
import { AUTO } from '../engine/daemon/endpointChoice';
import { knownEngines } from '../engine/knownEngines';
import type { EnginesTree } from '../views/enginesTree';

/**
 * Choosing the engine: a click in the Engines view, or the status-bar item's quick pick. The choice
 * is the `stevedore.engine` setting, written to the user's settings (the setting is machine-scoped:
 * an engine belongs to this machine, like `docker context use`, and is not synced to others); the
 * connection follows the setting's change at once, without a reload.
 */
export function registerEngineChoiceCommands(engines: EnginesTree): vscode.Disposable[] {
  const use = (choice: string) => vscode.workspace.getConfiguration('stevedore').update('engine', choice, vscode.ConfigurationTarget.Global);
  return [
    vscode.commands.registerCommand('stevedore.engines.use', (choice: unknown) => (typeof choice === 'string' && choice ? use(choice) : undefined)),
    vscode.commands.registerCommand('stevedore.engines.refresh', () => engines.refresh()),
    vscode.commands.registerCommand('stevedore.engines.pick', async () => {
      const chosen = vscode.workspace.getConfiguration('stevedore').get<string>('engine', AUTO);
      const items = [
        { label: 'Automatic', description: 'as the docker CLI: DOCKER_HOST, the current context, the default socket, Podman', choice: AUTO },
        ...knownEngines(currentEnvironment()).filter((e) => e.choice).map((e) => ({
          label: e.label,
          description: [e.endpoints[0]?.url, e.kind === 'context' ? e.detail : undefined].filter(Boolean).join(' · '),
          detail: e.problem ?? (e.absent ? `Not running here: ${e.absent}` : undefined),
          choice: e.choice,
        })),
        { label: 'Bundled core', description: 'no daemon: Stevedore\'s own image store and container runner', choice: CORE_CHOICE },
      ].map((i) => ({ ...i, picked: i.choice === chosen, label: i.choice === chosen ? `$(check) ${i.label}` : i.label }));
      const pick = await vscode.window.showQuickPick(items, { title: 'Choose the container engine', placeHolder: 'Docker contexts and sockets found on this machine' });
      if (pick) await use(pick.choice);
    }),
  ];
}
