import * as vscode from 'vscode';
import { engineCommand, reportError, type CommandContext } from '../commands/engineCommand';
import type { RegistryClient } from '../core/registry/registryClient';
import type { ImageNode } from '../views/imageGroups';
import { imageReferenceOf, type RegistryNode } from '../views/registriesTree';
import type { InspectorHost } from './inspectorHost';

/**
 * The inspector's commands: Inspect Layers on an image of the Images view or a tag of the Registries
 * view, Inspect Image Layers on
 * an archive in the Explorer, and "Inspect Image Layers..." in the palette. The inspector itself
 * (dist/inspectorHost.js) is loaded when one of them first runs, so activation does not pay for it.
 */
export function registerInspectorCommands(ctx: CommandContext, extensionUri: vscode.Uri, registries: { client(): Promise<RegistryClient> }): vscode.Disposable[] {
  let host: InspectorHost | undefined;
  let loading: Promise<InspectorHost> | undefined;
  const load = () => (loading ??= import('./inspectorHost').then((m) => (host = new m.InspectorHost(extensionUri, ctx.log))));
  const guarded = (id: string, run: (...args: never[]) => Promise<void>) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        await run(...args);
      } catch (err) {
        // Cancelled from the progress notification: nothing to report.
        if ((err as Error).name !== 'AbortError') reportError(ctx, id, err);
      }
    });
  return [
    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.inspectLayers', 'saveImage', async (engine, node) => {
      if (!node || node.kind === 'repository') return;
      const state = ctx.connection.state;
      const product = state.status === 'connected' ? state.info.product : engine.endpoint;
      await (await load()).inspectEngineImage(engine, product, node.kind === 'tag' ? node.reference : node.image.id);
    }),
    guarded('stevedore.registry.inspectLayers', async (node?: RegistryNode) => {
      if (node?.kind === 'tag') await (await load()).inspectRegistryImage(await registries.client(), imageReferenceOf(node));
    }),
    guarded('stevedore.archive.inspectLayers', async (uri?: vscode.Uri) => {
      if (uri) await (await load()).inspectArchive(uri);
    }),
    guarded('stevedore.inspectLayers', async () => {
      const state = ctx.connection.state;
      await (await load()).pick(state.status === 'connected' && state.engine.capabilities.has('saveImage') ? { engine: state.engine, product: state.info.product } : undefined, () => registries.client());
    }),
    { dispose: () => host?.dispose() },
  ];
}
