import * as vscode from 'vscode';
import type { HistoryStep } from '../core/layers/imageSource';
import { dockerfileLines } from './dockerfileLinks';

export interface FoundDockerfile {
  readonly uri: vscode.Uri;
  /** The name shown in the panel: the path relative to the workspace. */
  readonly label: string;
  /** Per history step, the line (0-based) that made it. */
  readonly lines: readonly (number | undefined)[];
}

const PATTERN = '**/{Dockerfile,Containerfile,Dockerfile.*,Containerfile.*,*.Dockerfile,*.dockerfile,*.containerfile}';

/**
 * The workspace Dockerfile (open editors first, with their unsaved text) whose final stage made
 * the most of these steps, or undefined when none made any RUN, COPY or ADD of them.
 */
export async function findDockerfile(steps: readonly HistoryStep[]): Promise<FoundDockerfile | undefined> {
  const texts = new Map<string, { uri: vscode.Uri; text: string }>();
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.languageId === 'dockerfile' || /(^|[/.])(Dockerfile|Containerfile)([.][^/]*)?$/i.test(doc.uri.path)) texts.set(doc.uri.toString(), { uri: doc.uri, text: doc.getText() });
  }
  for (const uri of await vscode.workspace.findFiles(PATTERN, '**/node_modules/**', 50)) {
    if (texts.has(uri.toString())) continue;
    const bytes = await vscode.workspace.fs.readFile(uri).then((b) => b, () => undefined);
    if (bytes && bytes.length < 1 << 20) texts.set(uri.toString(), { uri, text: new TextDecoder().decode(bytes) });
  }
  let best: FoundDockerfile | undefined;
  let bestCount = 0;
  for (const { uri, text } of texts.values()) {
    const lines = dockerfileLines(steps, text);
    const count = lines?.filter((l) => l !== undefined).length ?? 0;
    if (lines && count > bestCount) {
      best = { uri, label: vscode.workspace.asRelativePath(uri), lines };
      bestCount = count;
    }
  }
  return best;
}
