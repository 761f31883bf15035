import * as vscode from 'vscode';
import type { Engine } from '../engine/engine';
import type { EngineConnection } from '../engine/engineConnection';
import { humanDuration, humanSize } from '../engine/humanize';

export const INSPECT_SCHEME = 'stevedore-inspect';

type Kind = 'container' | 'image' | 'network' | 'volume' | 'history';

/**
 * Read-only documents of what the engine says about an object: the inspect JSON, or an image's
 * history as `docker history` prints it. Reopening a document reads the engine again.
 */
export class InspectDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly connection: EngineConnection) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const state = this.connection.state;
    if (state.status !== 'connected') return '// No container engine is connected.';
    // /<kind>/<id>/<label>.<ext>: the label only names the tab.
    const [kind, id] = uri.path.replace(/^\//, '').split('/');
    try {
      return await render(state.engine, kind as Kind, decodeURIComponent(id));
    } catch (err) {
      return `// ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }
}

async function render(engine: Engine, kind: Kind, id: string): Promise<string> {
  switch (kind) {
    case 'container': return json((await engine.inspectContainer(id)).raw);
    case 'image': return json((await engine.inspectImage(id)).raw);
    case 'network': return json((await engine.inspectNetwork(id)).raw);
    case 'volume': return json((await engine.inspectVolume(id)).raw);
    case 'history': {
      const rows = (await engine.imageHistory(id)).map((h) => [
        h.id ? h.id.replace(/^sha256:/, '').slice(0, 12) : '<missing>',
        `${humanDuration(Date.now() - h.created)} ago`,
        h.createdBy.replace(/\s+/g, ' '),
        humanSize(h.size),
      ]);
      const header = ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE'];
      const widths = header.map((t, i) => Math.max(t.length, ...rows.map((r) => (i === 2 ? Math.min(r[i].length, 80) : r[i].length))));
      return [header, ...rows].map((r) => r.map((c, i) => (i === 2 && c.length > 80 ? `${c.slice(0, 79)}…` : c).padEnd(widths[i])).join('   ').trimEnd()).join('\n') + '\n';
    }
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Opens the read-only document for an object, named so its tab says what it is. */
export async function showInspectDocument(kind: Kind, id: string, label: string): Promise<void> {
  const extension = kind === 'history' ? 'txt' : 'json';
  const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${kind}/${encodeURIComponent(id)}/${label.replace(/[/\\]/g, '_')}.${extension}` });
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preview: true });
}
