import * as vscode from 'vscode';
import { registerBuildCommands } from './commands/buildCommands';
import { registerComposeCommands } from './commands/composeCommands';
import { registerContainerCommands } from './commands/containerCommands';
import { registerEngineChoiceCommands } from './commands/engineChoiceCommands';
import type { CommandContext } from './commands/engineCommand';
import { registerImageCommands } from './commands/imageCommands';
import { INSPECT_SCHEME, InspectDocuments } from './commands/inspectDocuments';
import { registerNetworkVolumeCommands } from './commands/networkVolumeCommands';
import { REGISTRY_DOCUMENT_SCHEME, RegistryDocuments } from './commands/registryDocuments';
import { registerRegistryCommands } from './commands/registryCommands';
import { registerViewCommands } from './commands/viewCommands';
import { currentEnvironment } from './engine/daemon/endpoint';
import { AUTO } from './engine/daemon/endpointChoice';
import { registerInspectorCommands } from './inspector/inspectorCommands';
import { EngineConnection } from './engine/engineConnection';
import { requestLine, type EngineRequest } from './engine/engineRequests';
import { candidatesWithCoreFallback, mainReason } from './engine/engineSelection';
import { registerDockerfileFeaturesOnDemand } from './language/dockerfileActivation';
import type { ContainerGrouping } from './views/containerGroups';
import { CONTAINER_FILES_SCHEME, ContainerFileSystem } from './views/containerFileSystem';
import { ContainersModel } from './views/containersTree';
import { EngineStatusBar } from './views/engineStatusBar';
import { EnginesTree } from './views/enginesTree';
import { EngineTreeView } from './views/engineTreeView';
import { ImagesModel } from './views/imagesTree';
import { NetworksModel } from './views/networksTree';
import { RegistriesTree } from './views/registriesTree';
import { RegistryConnections } from './views/registryConnections';
import { VolumesModel } from './views/volumesTree';

/** globalState key: the user was told, once, that no daemon answered and the bundled core is in use. */
const CORE_FALLBACK_TOLD = 'stevedore.coreFallbackTold';

/** Builds the engine connection, the views and the commands; the work happens after activation. */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Stevedore', { log: true });
  const settings = () => vscode.workspace.getConfiguration('stevedore');
  const engineChoice = () => settings().get<string>('engine', 'auto').trim() || 'auto';
  const logRequest = (r: EngineRequest) => (r.error === undefined ? log.info(requestLine(r)) : log.warn(requestLine(r)));
  const candidates = () => candidatesWithCoreFallback(currentEnvironment(), engineChoice(), 'the stevedore.engine setting', logRequest);
  const connection = new EngineConnection({ candidates });
  const engines = new EnginesTree(connection, engineChoice, logRequest);
  const views = {
    images: new EngineTreeView('stevedore.images', new ImagesModel(() => settings().get('images.showDangling', true)), connection),
    containers: new EngineTreeView('stevedore.containers', new ContainersModel(() => settings().get<ContainerGrouping>('containers.groupBy', 'composeProject'), connection), connection),
    networks: new EngineTreeView('stevedore.networks', new NetworksModel(), connection),
    volumes: new EngineTreeView('stevedore.volumes', new VolumesModel(), connection),
  };
  const ctx: CommandContext = { connection, log };
  const registries = new RegistryConnections(context.globalState, context.secrets);
  const registriesTree = new RegistriesTree(registries);
  let lastProblem = '';
  // The walkthrough's first step: VS Code drops an onView that came before it registered the walkthrough (a layout restored with the view open).
  const explorerShown = () => {
    if (views.images.view.visible || views.containers.view.visible) void vscode.commands.executeCommand('setContext', 'stevedore.walkthrough.explorerOpened', true);
  };
  explorerShown();

  context.subscriptions.push(
    log,
    { dispose: () => connection.dispose() },
    ...Object.values(views),
    engines,
    new EngineStatusBar(connection),
    views.images.view.onDidChangeVisibility(explorerShown),
    views.containers.view.onDidChangeVisibility(explorerShown),
    ...registerEngineChoiceCommands(engines),
    connection.onDidChangeState((state) => {
      void vscode.commands.executeCommand('setContext', 'stevedore.engineStatus', state.status);
      if (state.status === 'connected') {
        lastProblem = '';
        // Which "Pick an engine" step the walkthrough shows.
        void vscode.commands.executeCommand('setContext', 'stevedore.engineKind', state.info.kind);
        log.info(`connected to ${state.info.product} (API ${state.info.apiVersion}) at ${state.engine.endpoint}`);
        if (state.info.kind === 'core' && engineChoice() === AUTO && !context.globalState.get<boolean>(CORE_FALLBACK_TOLD)) {
          void context.globalState.update(CORE_FALLBACK_TOLD, true);
          void vscode.window.showInformationMessage('No Docker or Podman engine answered, so Stevedore uses its bundled engine: images and containers of its own, no daemon needed. Choose another engine from the status bar at any time.');
        }
      }
      if (state.status === 'unavailable') {
        void vscode.commands.executeCommand('setContext', 'stevedore.engineProblem', mainReason(state.attempts));
        const problem = state.attempts.map((a) => `${a.source}: ${a.error}`).join('\n');
        if (problem !== lastProblem) for (const a of state.attempts) log.warn(`${a.source}: ${a.error}`);
        lastProblem = problem;
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('stevedore.engine')) {
        log.info(`engine choice: ${engineChoice()}`);
        void connection.connect();
        engines.refresh();
      }
      if (e.affectsConfiguration('stevedore.images.showDangling')) views.images.setOptions({});
      if (e.affectsConfiguration('stevedore.containers.groupBy')) views.containers.setOptions({});
    }),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, new InspectDocuments(connection)),
    vscode.workspace.registerFileSystemProvider(CONTAINER_FILES_SCHEME, new ContainerFileSystem(connection), { isReadonly: true, isCaseSensitive: true }),
    vscode.commands.registerCommand('stevedore.refresh', () => {
      if (connection.state.status !== 'connected') return connection.connect();
      for (const view of Object.values(views)) view.refresh();
      return undefined;
    }),
    vscode.commands.registerCommand('stevedore.retryConnection', () => connection.connect()),
    vscode.commands.registerCommand('stevedore.showLog', () => log.show()),
    vscode.commands.registerCommand('stevedore.containers.groupBy', async () => {
      const options: { label: string; value: ContainerGrouping }[] = [
        { label: 'Compose project', value: 'composeProject' }, { label: 'State', value: 'state' },
        { label: 'Image', value: 'image' }, { label: 'Network', value: 'network' }, { label: 'None', value: 'none' },
      ];
      const pick = await vscode.window.showQuickPick(options, { title: 'Group containers by' });
      if (pick) await settings().update('containers.groupBy', pick.value, vscode.ConfigurationTarget.Global);
    }),
    ...Object.entries(views).flatMap(([name, view]) => registerViewCommands(name, view as EngineTreeView<unknown>)),
    ...registerContainerCommands(ctx),
    ...registerImageCommands(ctx, registries),
    ...registerNetworkVolumeCommands(ctx),
    ...registerBuildCommands(ctx, context.workspaceState),
    ...registerComposeCommands(ctx),
    registerDockerfileFeaturesOnDemand(connection, log),
    ...registerInspectorCommands(ctx, context.extensionUri, registries),
    registries,
    registriesTree,
    vscode.workspace.registerTextDocumentContentProvider(REGISTRY_DOCUMENT_SCHEME, new RegistryDocuments(registries)),
    ...registerRegistryCommands(ctx, registries, registriesTree, () => views.images.refresh()),
  );
  // Connecting loads the daemon engine's bundle (~40 ms to compile): after activation, not inside it.
  const connecting = setImmediate(() => void connection.connect());
  context.subscriptions.push({ dispose: () => clearImmediate(connecting) });
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}
