import path from 'node:path';
import * as vscode from 'vscode';
import { openArchive } from '../core/layers/archiveSource';
import type { ImageSource } from '../core/layers/imageSource';
import { LayerIndexCache } from '../core/layers/layerCache';
import { LayerIndexPool } from '../core/layers/layerIndexPool';
import { RegistryImageSource } from '../core/layers/registrySource';
import { formatReference, parseReference, withDefaultTag, type ImageReference } from '../core/registry/imageReference';
import type { RegistryClient } from '../core/registry/registryClient';
import type { Engine } from '../engine/engine';
import { EngineImageSource } from '../engine/engineImageSource';
import { withProgress } from '../commands/engineCommand';
import { InspectorPanel } from './inspectorPanel';

/**
 * The layer inspector's host side, loaded (dist/inspectorHost.js) the first time an inspector is
 * opened: its panels, one per image, and the worker pool and cache they share.
 */
export class InspectorHost implements vscode.Disposable {
  private readonly panels = new Map<string, InspectorPanel>();
  private pool: LayerIndexPool | undefined;
  private readonly cache = new LayerIndexCache();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** An engine's image, by reference or id. */
  async inspectEngineImage(engine: Engine, product: string, reference: string): Promise<void> {
    const requested = Date.now();
    const id = (await engine.inspectImage(reference)).summary.id;
    await this.open(`engine:${engine.endpoint}:${id}`, `Layers: ${reference}`, requested, () => new EngineImageSource(engine, reference, product, this.cache));
  }

  /** An image in a registry, read without a pull: the layers stream from the registry into the indexer. */
  async inspectRegistryImage(client: RegistryClient, reference: ImageReference): Promise<void> {
    const requested = Date.now();
    const name = formatReference(reference);
    await this.open(`registry:${name}`, `Layers: ${name}`, requested, () => new RegistryImageSource(client, reference, { cache: this.cache }));
  }

  /** A `docker save` or OCI archive file; when it holds several images, the user picks one. */
  async inspectArchive(file: vscode.Uri): Promise<void> {
    const requested = Date.now();
    const name = path.basename(file.fsPath);
    const archive = await withProgress(`Opening ${name}`, (signal) => openArchive(file.fsPath, signal));
    let at = 0;
    if (archive.images.length > 1) {
      const pick = await vscode.window.showQuickPick(
        archive.images.map((image, i) => ({ label: image.tags[0] ?? image.id ?? `image ${i + 1}`, description: `${image.config.diffIds.length} layers`, i })),
        { title: `${name} holds ${archive.images.length} images: inspect which?` },
      );
      if (!pick) return void (await archive.dispose());
      at = pick.i;
    }
    const inner = archive.source(at);
    const source: ImageSource = {
      describe: (signal) => inner.describe(signal),
      fetchLayers: (layers, deliver, signal) => inner.fetchLayers(layers, deliver, signal),
      dispose: () => archive.dispose(),
    };
    const key = `archive:${file.fsPath}:${at}`;
    if (this.panels.has(key)) await archive.dispose();
    await this.open(key, `Layers: ${name}${archive.images.length > 1 ? ` (${archive.images[at].tags[0] ?? at + 1})` : ''}`, requested, () => source);
  }

  /** The palette's flow: an image of the connected engine, an image in a registry, or an archive file. */
  async pick(engine: { engine: Engine; product: string } | undefined, registry: () => Promise<RegistryClient>): Promise<void> {
    type Item = vscode.QuickPickItem & { reference?: string; archive?: boolean; registry?: boolean };
    const items: Item[] = [];
    if (engine) {
      for (const image of await engine.engine.listImages()) {
        const short = image.id.replace(/^sha256:/, '').slice(0, 12);
        if (image.tags.length) for (const tag of image.tags) items.push({ label: tag, description: short, reference: tag });
        else items.push({ label: short, description: '<none>', reference: image.id });
      }
    }
    items.push({ label: '$(cloud) An image in a registry…', description: 'read without a pull', registry: true });
    items.push({ label: '$(file-zip) Open an image archive (.tar)…', description: 'docker save or OCI layout', archive: true });
    const pick = await vscode.window.showQuickPick(items, { title: 'Inspect image layers', placeHolder: engine ? 'An image, or an archive file' : 'No engine is connected: an archive file' });
    if (!pick) return;
    if (pick.reference && engine) return this.inspectEngineImage(engine.engine, engine.product, pick.reference);
    if (pick.registry) {
      const typed = await vscode.window.showInputBox({
        title: 'Inspect an image in a registry',
        prompt: 'Reference, e.g. ghcr.io/org/app:1.2 (a connected registry\'s credentials are used)',
        validateInput: (t) => {
          try {
            parseReference(t.trim());
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
      if (typed) await this.inspectRegistryImage(await registry(), withDefaultTag(parseReference(typed.trim())));
      return;
    }
    const files = await vscode.window.showOpenDialog({ title: 'Inspect an image archive', canSelectMany: false, filters: { 'Image archives': ['tar', 'gz', 'tgz'] } });
    if (files?.[0]) await this.inspectArchive(files[0]);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.pool?.dispose();
  }

  private async open(key: string, title: string, requested: number, makeSource: () => ImageSource): Promise<void> {
    const existing = this.panels.get(key);
    if (existing) return existing.reveal();
    this.pool ??= new LayerIndexPool();
    const source = makeSource();
    // The layer list goes in the page itself when the source has it at once (an archive: always);
    // a source that cannot describe the image says why in the panel.
    const image = await source.describe().catch(() => undefined);
    if (this.panels.has(key)) return this.panels.get(key)!.reveal();
    const panel = new InspectorPanel(title, source, { extensionUri: this.extensionUri, pool: this.pool, cache: this.cache, log: this.log }, requested, () => this.panels.delete(key), image);
    this.panels.set(key, panel);
  }
}
