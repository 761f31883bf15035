import crypto from 'node:crypto';
import * as vscode from 'vscode';
import { inspectImage } from '../core/layers/imageInspection';
import type { ImageDescription, ImageSource } from '../core/layers/imageSource';
import type { LayerIndexCache } from '../core/layers/layerCache';
import type { LayerIndexPool } from '../core/layers/layerIndexPool';
import { findDockerfile, type FoundDockerfile } from './dockerfileSearch';
import { inspectorHtml } from './inspectorHtml';
import type { HostMessage, ViewMessage } from './messages';

export interface PanelServices {
  readonly extensionUri: vscode.Uri;
  readonly pool: LayerIndexPool;
  readonly cache: LayerIndexCache;
  readonly log: vscode.LogOutputChannel;
}

/**
 * One inspected image in a webview panel: the layer list in the page when known, then, once the
 * webview's script is ready, reads the image (inspectImage) and sends the layer list and each
 * layer's index as it arrives. Closing the panel cancels the reading and removes what the source spooled.
 */
export class InspectorPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly abort = new AbortController();
  private readonly disposables: vscode.Disposable[] = [];
  private dockerfile: FoundDockerfile | undefined;
  private started = false;

  constructor(
    title: string,
    private readonly source: ImageSource,
    private readonly services: PanelServices,
    /** When the user asked (Date.now()), for the figures in the log. */
    private readonly requested: number,
    onDispose: () => void,
    /** The layer list, when the source gave it before the panel opened. */
    image?: ImageDescription,
  ) {
    const { extensionUri } = services;
    this.panel = vscode.window.createWebviewPanel('stevedore.layerInspector', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
    });
    const webview = this.panel.webview;
    webview.html = inspectorHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'inspectorView.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'inspector.css')).toString(),
      nonce: crypto.randomBytes(18).toString('base64'),
      image,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: ViewMessage) => this.onMessage(message)),
      this.panel.onDidDispose(() => {
        this.abort.abort();
        for (const d of this.disposables) d.dispose();
        onDispose();
      }),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    this.panel.dispose();
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: ViewMessage): void {
    if (message.type === 'ready' && !this.started) {
      // Reading starts once the page is up: started earlier, the workers would take the cores the
      // webview needs to show the layer list (already in the page) in time.
      this.started = true;
      void this.run();
    } else if (message.type === 'openDockerfile') {
      void this.openDockerfile(message.step);
    } else if (message.type === 'painted') {
      this.services.log.info(`layer inspector: ${message.what === 'layers' ? 'layer list painted' : 'complete index painted'} ${message.at - this.requested} ms after the command (${this.panel.title})${message.detail ? `; ${message.detail}` : ''}`);
    }
  }

  private async run(): Promise<void> {
    const { pool, cache, log } = this.services;
    const signal = this.abort.signal;
    const described = (description: ImageDescription) => {
      this.post({ type: 'image', description });
      // The Dockerfile search reads workspace files: the layer list does not wait for it.
      void findDockerfile(description.history).then((found) => {
        this.dockerfile = found;
        if (found && !signal.aborted) this.post({ type: 'image', description, dockerfile: { label: found.label, lines: found.lines.map((l) => l ?? null) } });
      }, (err: unknown) => log.warn(`layer inspector: looking for the Dockerfile failed: ${String(err)}`));
    };
    try {
      const inspection = await inspectImage(this.source, {
        pool,
        cache,
        signal,
        listener: {
          description: described,
          progress: (layer, storedBytes) => this.post({ type: 'progress', layer, storedBytes }),
          // A plain Uint8Array crosses to the webview as bytes (a Buffer would not).
          layer: (layer, encoded, cached) => this.post({ type: 'layer', layer, data: new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength), cached }),
          layerFailed: (layer, message) => {
            log.warn(`layer inspector: ${this.panel.title}: ${message}`);
            this.post({ type: 'layerFailed', layer, message });
          },
        },
      });
      const read = inspection.layers.filter((l) => 'encoded' in l && !l.cached).length;
      log.info(`layer inspector: ${this.panel.title}: ${inspection.layers.length} layers (${read} read, ${inspection.layers.length - read} from the cache) in ${Date.now() - this.requested} ms`);
      this.post({ type: 'done' });
    } catch (err) {
      if (signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      log.error(`layer inspector: ${this.panel.title}: ${message}`);
      this.post({ type: 'failed', message: `The image could not be read: ${message}` });
    } finally {
      await this.source.dispose().catch(() => undefined);
    }
  }

  private async openDockerfile(step: number): Promise<void> {
    const line = this.dockerfile?.lines[step];
    if (!this.dockerfile || line === undefined) return;
    const position = new vscode.Position(line, 0);
    await vscode.window.showTextDocument(this.dockerfile.uri, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(position, position) });
  }
}
