import * as vscode from 'vscode';
import { humanSize } from '../engine/humanize';
import type { NetworkNode } from '../views/networksTree';
import type { VolumeNode } from '../views/volumesTree';
import { engineCommand, targets, type CommandContext } from './engineCommand';
import { showInspectDocument } from './inspectDocuments';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const validName = (text: string) => (NAME.test(text) ? undefined : 'Names are letters, digits, _ . and -, starting with a letter or digit.');

export function registerNetworkVolumeCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    engineCommand<[NetworkNode?]>(ctx, 'stevedore.network.inspect', undefined, async (_engine, node) => {
      if (node?.kind === 'network') await showInspectDocument('network', node.network.id, node.network.name);
    }),
    engineCommand(ctx, 'stevedore.network.create', 'createNetwork', async (engine) => {
      const name = await vscode.window.showInputBox({ title: 'Create Network', prompt: 'Network name', validateInput: validName });
      if (!name) return;
      const driver = await vscode.window.showQuickPick(['bridge', 'macvlan', 'ipvlan', 'overlay'], { title: `Driver for ${name}` });
      if (driver) await engine.createNetwork(name, { driver });
    }),
    engineCommand<[NetworkNode?, NetworkNode[]?]>(ctx, 'stevedore.network.remove', 'removeNetwork', async (engine, node, selected) => {
      const networks = targets(node, selected).flatMap((n) => (n.kind === 'network' ? [n] : []));
      if (!networks.length) return;
      const used = networks.filter((n) => n.containers.length);
      if (used.length) throw new Error(`${used.map((n) => n.network.name).join(', ')} still ${used.length === 1 ? 'has' : 'have'} containers attached; stop or disconnect them first.`);
      const label = networks.length === 1 ? networks[0].network.name : `${networks.length} networks`;
      if (!(await vscode.window.showWarningMessage(`Remove ${label}?`, { modal: true }, 'Remove'))) return;
      for (const n of networks) await engine.removeNetwork(n.network.id);
    }),
    engineCommand(ctx, 'stevedore.network.prune', 'pruneNetworks', async (engine) => {
      if (!(await vscode.window.showWarningMessage('Remove all networks no container uses?', { modal: true }, 'Remove'))) return;
      const result = await engine.pruneNetworks();
      void vscode.window.showInformationMessage(`Removed ${result.removed.length} networks.`);
    }),

    engineCommand<[VolumeNode?]>(ctx, 'stevedore.volume.inspect', undefined, async (_engine, node) => {
      if (node?.kind === 'volume') await showInspectDocument('volume', node.volume.name, node.volume.name.slice(0, 24));
    }),
    engineCommand(ctx, 'stevedore.volume.create', 'createVolume', async (engine) => {
      const name = await vscode.window.showInputBox({ title: 'Create Volume', prompt: 'Volume name', validateInput: validName });
      if (name) await engine.createVolume(name);
    }),
    engineCommand<[VolumeNode?, VolumeNode[]?]>(ctx, 'stevedore.volume.remove', 'removeVolume', async (engine, node, selected) => {
      const volumes = targets(node, selected).flatMap((n) => (n.kind === 'volume' ? [n] : []));
      if (!volumes.length) return;
      const used = volumes.filter((v) => v.containers.length);
      if (used.length) throw new Error(`${used.map((v) => v.volume.name).join(', ')} ${used.length === 1 ? 'is' : 'are'} used by containers; remove them first.`);
      const label = volumes.length === 1 ? volumes[0].volume.name : `${volumes.length} volumes`;
      if (!(await vscode.window.showWarningMessage(`Remove ${label} and all its data?`, { modal: true }, 'Remove'))) return;
      for (const v of volumes) await engine.removeVolume(v.volume.name);
    }),
    engineCommand(ctx, 'stevedore.volume.prune', 'pruneVolumes', async (engine) => {
      if (!(await vscode.window.showWarningMessage('Remove all volumes no container uses, and their data?', { modal: true }, 'Remove'))) return;
      const result = await engine.pruneVolumes();
      void vscode.window.showInformationMessage(`Removed ${result.removed.length} volumes, freed ${humanSize(result.spaceReclaimed)}.`);
    }),
  ];
}
