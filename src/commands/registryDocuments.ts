import * as vscode from 'vscode';
import type { ImageReference } from '../core/registry/imageReference';
import type { RegistryConnections } from '../views/registryConnections';

export const REGISTRY_DOCUMENT_SCHEME = 'stevedore-registry';

type Kind = 'manifest' | 'config';

/**
 * Read-only documents of a tag in a registry: its manifest (or multi-platform index) as the
 * registry sends it, and its image config (the host's platform's, for an index), pretty-printed.
 * Reopening one reads the registry again.
 */
export class RegistryDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly connections: RegistryConnections) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    // /<kind>/<host>/<repository>/<tag>/<label>.json; each part URI-encoded.
    const [kind, host, repository, tag] = uri.path.replace(/^\//, '').split('/').map(decodeURIComponent);
    const ref: ImageReference = { domain: host, path: repository, tag };
    try {
      const [runtime, client] = await Promise.all([this.connections.runtime(), this.connections.client()]);
      if ((kind as Kind) === 'manifest') return pretty((await client.getManifest(ref)).bytes);
      const { manifest } = await client.resolvePlatformManifest(ref);
      return pretty(await runtime.readSmallBlob(client, ref, manifest.config));
    } catch (err) {
      return `// ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }
}

function pretty(bytes: Buffer): string {
  try {
    return `${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n`;
  } catch {
    return bytes.toString('utf8');
  }
}

export async function showRegistryDocument(kind: Kind, ref: { host: string; repository: string; tag: string }, label: string): Promise<void> {
  const parts = [kind, ref.host, ref.repository, ref.tag].map(encodeURIComponent).join('/');
  const uri = vscode.Uri.from({ scheme: REGISTRY_DOCUMENT_SCHEME, path: `/${parts}/${label.replace(/[/\\:]/g, '_')}.json` });
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
}
