import { createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import * as vscode from 'vscode';
import type { Engine, ProgressEvent, RunRequest } from '../engine/engine';
import { humanSize } from '../engine/humanize';
import { isEngineError } from '../engine/engine';
import { shortId, type ImageNode } from '../views/imageGroups';
import { openProcessTerminal } from './containerTerminals';
import { engineCommand, reportError, targets, type CommandContext } from './engineCommand';
import { showInspectDocument } from './inspectDocuments';
import { whenTrusted } from './workspaceTrust';
import { parseEnv, parsePorts, parseVolumes } from './runRequestParsing';
import { TransferProgress } from './transferProgress';
import type { RegistryConnections } from '../views/registryConnections';

type ImageItem = Exclude<ImageNode, { kind: 'repository' }>;

/** How the user names the image: its reference when tagged, else its id. */
const refOf = (node: ImageItem) => (node.kind === 'tag' ? node.reference : node.image.id);

function imagesOf(node: ImageNode | undefined, selected: readonly ImageNode[] | undefined): ImageItem[] {
  return targets(node, selected).flatMap((n) => (n.kind === 'repository' ? (n.tags as ImageItem[]) : [n]));
}

/** Asks, step by step, what `docker run` needs; undefined when the user cancels. */
async function askRunRequest(engine: Engine, image: string): Promise<RunRequest | undefined> {
  const exposed = Object.keys(((await engine.inspectImage(image)).raw as { Config?: { ExposedPorts?: Record<string, unknown> } }).Config?.ExposedPorts ?? {});
  const ask = async (step: number, prompt: string, value: string, validate: (text: string) => unknown) =>
    vscode.window.showInputBox({
      title: `Run ${image} (${step}/4)`,
      prompt,
      value,
      ignoreFocusOut: true,
      validateInput: (text) => {
        try {
          validate(text);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
  const name = await ask(1, 'Container name (empty: the engine picks one)', '', (t) => {
    if (t && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(t)) throw new Error('Names are letters, digits, _ . and -, starting with a letter or digit.');
  });
  if (name === undefined) return undefined;
  const ports = await ask(2, 'Publish ports: host:container, e.g. 8080:80 (empty: none)', exposed.map((p) => `${p.split('/')[0]}:${p}`).join(', '), parsePorts);
  if (ports === undefined) return undefined;
  const env = await ask(3, 'Environment: KEY=value, separated by commas (empty: none)', '', parseEnv);
  if (env === undefined) return undefined;
  const volumes = await ask(4, 'Volumes: name-or-path:/container/path[:ro] (empty: none)', '', parseVolumes);
  if (volumes === undefined) return undefined;
  return { image, name: name || undefined, ports: parsePorts(ports), env: parseEnv(env), volumes: parseVolumes(volumes) };
}

/** Runs a pull or push with a cancellable notification summing its per-layer progress. */
export async function transfer(title: string, progress: (signal: AbortSignal) => AsyncIterable<ProgressEvent>): Promise<void> {
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (report, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const summary = new TransferProgress();
    for await (const event of progress(abort.signal)) {
      summary.update(event);
      report.report({ message: summary.describe() });
    }
  });
}

export function registerImageCommands(ctx: CommandContext, registries: RegistryConnections): vscode.Disposable[] {
  const one = (node: ImageNode | undefined): ImageItem | undefined => (node && node.kind !== 'repository' ? node : undefined);
  return [
    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.run', 'runContainer', whenTrusted('run containers', async (engine: Engine, node?: ImageNode) => {
      const item = one(node);
      if (!item) return;
      const request = await askRunRequest(engine, refOf(item));
      if (!request) return;
      const id = await vscode.window.withProgress({ location: { viewId: 'stevedore.images' }, title: `Starting ${refOf(item)}` }, () => engine.runContainer(request));
      void vscode.window.showInformationMessage(`Started ${request.name ?? id.slice(0, 12)} from ${refOf(item)}.`);
    })),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.runInteractive', 'runTerminal', whenTrusted('run containers', (engine: Engine, node?: ImageNode) => {
      const item = one(node);
      if (!item) return;
      openProcessTerminal(`${refOf(item)} (interactive)`, (size) => engine.runTerminal({ image: refOf(item) }, size), (err) => reportError(ctx, 'run interactive', err));
    })),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.inspect', undefined, async (_engine, node) => {
      const item = one(node);
      if (item) await showInspectDocument('image', item.image.id, refOf(item));
    }),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.history', 'imageHistory', async (_engine, node) => {
      const item = one(node);
      if (item) await showInspectDocument('history', item.image.id, `${refOf(item)} history`);
    }),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.tag', 'tagImage', async (engine, node) => {
      const item = one(node);
      if (!item) return;
      const target = await vscode.window.showInputBox({ title: `Tag ${refOf(item)}`, prompt: 'New name: [registry/]repository[:tag]', value: item.kind === 'tag' ? item.reference : '' });
      if (target) await engine.tagImage(item.image.id, target);
    }),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.push', 'pushImage', async (engine, node) => {
      const item = one(node);
      if (item?.kind !== 'tag') return;
      try {
        const credentials = await registries.engineCredentials(item.reference);
        await transfer(`Pushing ${item.reference}`, (signal) => engine.pushImage(item.reference, { credentials, signal }));
        void vscode.window.showInformationMessage(`Pushed ${item.reference}.`);
      } catch (err) {
        if (isEngineError(err) && err.reason === 'auth') throw new Error(`${err.message} Connect the registry in the Registries view (or run docker login for it), then push again.`, { cause: err });
        throw err;
      }
    }),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.pull', 'pullImage', async (engine, node) => {
      const item = one(node);
      if (item?.kind !== 'tag') return;
      const credentials = await registries.engineCredentials(item.reference);
      await transfer(`Pulling ${item.reference}`, (signal) => engine.pullImage(item.reference, { credentials, signal }));
    }),

    engineCommand<[ImageNode?, ImageNode[]?]>(ctx, 'stevedore.image.remove', 'removeImage', async (engine, node, selected) => {
      const items = imagesOf(node, selected);
      if (!items.length) return;
      const label = items.length === 1 ? refOf(items[0]) : `${items.length} images`;
      if (!(await vscode.window.showWarningMessage(`Remove ${label}?`, { modal: true }, 'Remove'))) return;
      const inUse: ImageItem[] = [];
      for (const item of items) {
        try {
          await engine.removeImage(refOf(item));
        } catch (err) {
          if (!isEngineError(err) || err.reason !== 'conflict') throw err;
          inUse.push(item);
        }
      }
      if (!inUse.length) return;
      const force = await vscode.window.showWarningMessage(`${inUse.map(refOf).join(', ')} ${inUse.length === 1 ? 'is' : 'are'} used by containers or other tags. Remove anyway?`, { modal: true }, 'Force Remove');
      if (force) for (const item of inUse) await engine.removeImage(refOf(item), { force: true });
    }),

    engineCommand<[ImageNode?]>(ctx, 'stevedore.image.save', 'saveImage', async (engine, node) => {
      const item = one(node);
      if (!item) return;
      const suggested = `${(item.kind === 'tag' ? item.reference : shortId(item.image.id)).replace(/[/:]/g, '_')}.tar`;
      const target = await vscode.window.showSaveDialog({ title: `Save ${refOf(item)}`, defaultUri: vscode.Uri.file(suggested), filters: { 'Image archive': ['tar'] } });
      if (!target) return;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Saving ${refOf(item)}`, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let written = 0;
        const counted = async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            written += chunk.length;
            progress.report({ message: humanSize(written) });
            yield chunk;
          }
        };
        try {
          await pipeline(Readable.from(counted(await engine.saveImage(refOf(item), abort.signal))), createWriteStream(target.fsPath), { signal: abort.signal });
        } catch (err) {
          await fs.rm(target.fsPath, { force: true });
          if (abort.signal.aborted) return;
          throw err;
        }
        void vscode.window.showInformationMessage(`Saved ${refOf(item)} to ${target.fsPath} (${humanSize(written)}).`);
      });
    }),

    engineCommand(ctx, 'stevedore.image.prune', 'pruneImages', async (engine) => {
      if (!(await vscode.window.showWarningMessage('Remove all dangling (untagged) images?', { modal: true }, 'Remove'))) return;
      const result = await engine.pruneImages();
      void vscode.window.showInformationMessage(`Removed ${result.removed.length} images, freed ${humanSize(result.spaceReclaimed)}.`);
    }),
  ];
}
