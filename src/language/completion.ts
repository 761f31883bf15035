import * as vscode from 'vscode';
import { completionsAt, type CompletionKind } from '../dockerfile/completion';
import { DOCKERFILE, fromVsPosition, toVsRange, type DockerfileDocuments } from './dockerfileDocuments';
import type { EngineImages } from './engineImages';

const KIND: Record<CompletionKind, vscode.CompletionItemKind> = {
  instruction: vscode.CompletionItemKind.Keyword,
  flag: vscode.CompletionItemKind.Property,
  stage: vscode.CompletionItemKind.Module,
  variable: vscode.CompletionItemKind.Variable,
  image: vscode.CompletionItemKind.Reference,
  value: vscode.CompletionItemKind.EnumMember,
  keyword: vscode.CompletionItemKind.Keyword,
};

/** Instructions, flags, stage names, ARG/ENV names and, after FROM, the engine's images. */
export function registerCompletion(documents: DockerfileDocuments, images: EngineImages): vscode.Disposable {
  return vscode.languages.registerCompletionItemProvider(DOCKERFILE, {
    async provideCompletionItems(document, position) {
      const model = documents.get(document).model;
      const line = document.lineAt(position.line).text.slice(0, position.character);
      const wantsImages = /^\s*from\s+(--\S+\s+)*\S*$/i.test(line);
      const items = completionsAt(model, fromVsPosition(position), { images: wantsImages ? await images.names() : [] });
      return items.map((c) => {
        const item = new vscode.CompletionItem(c.label, KIND[c.kind]);
        item.insertText = c.insertText;
        item.range = toVsRange(c.range);
        item.detail = c.detail;
        if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
        if (c.kind === 'flag' && c.insertText.endsWith('=')) item.command = { command: 'editor.action.triggerSuggest', title: 'values' };
        return item;
      });
    },
  }, '$', '{', '-', '=', ' ');
}
