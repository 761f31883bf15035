import * as vscode from 'vscode';
import { definitionAt, documentSymbols, foldingRanges, prepareRename, referencesAt, renameAt, type DocumentSymbol } from '../dockerfile/navigation';
import { DOCKERFILE, fromVsPosition, toVsRange, type DockerfileDocuments } from './dockerfileDocuments';

const SYMBOL_KIND: Record<DocumentSymbol['kind'], vscode.SymbolKind> = {
  stage: vscode.SymbolKind.Module,
  instruction: vscode.SymbolKind.Function,
  variable: vscode.SymbolKind.Variable,
};

function toSymbol(s: DocumentSymbol): vscode.DocumentSymbol {
  const symbol = new vscode.DocumentSymbol(s.name, s.detail, SYMBOL_KIND[s.kind], toVsRange(s.range), toVsRange(s.selectionRange));
  symbol.children = s.children.map(toSymbol);
  return symbol;
}

/** Outline and breadcrumbs, go to definition, references, stage rename, folding. */
export function registerNavigation(documents: DockerfileDocuments): vscode.Disposable[] {
  const model = (d: vscode.TextDocument) => documents.get(d).model;
  return [
    vscode.languages.registerDocumentSymbolProvider(DOCKERFILE, { provideDocumentSymbols: (d) => documentSymbols(model(d)).map(toSymbol) }, { label: 'Dockerfile' }),
    vscode.languages.registerDefinitionProvider(DOCKERFILE, {
      provideDefinition(d, p) {
        const range = definitionAt(model(d), fromVsPosition(p));
        return range && new vscode.Location(d.uri, toVsRange(range));
      },
    }),
    vscode.languages.registerReferenceProvider(DOCKERFILE, {
      provideReferences: (d, p, context) => referencesAt(model(d), fromVsPosition(p), context.includeDeclaration).map((r) => new vscode.Location(d.uri, toVsRange(r))),
    }),
    vscode.languages.registerRenameProvider(DOCKERFILE, {
      prepareRename(d, p) {
        const prepared = prepareRename(model(d), fromVsPosition(p));
        if (!prepared) throw new Error('Only a stage name (FROM … AS <name>, COPY --from=<name>) can be renamed.');
        return { range: toVsRange(prepared.range), placeholder: prepared.placeholder };
      },
      provideRenameEdits(d, p, newName) {
        const edit = new vscode.WorkspaceEdit();
        for (const e of renameAt(model(d), fromVsPosition(p), newName)) edit.replace(d.uri, toVsRange(e.range), e.newText);
        return edit;
      },
    }),
    vscode.languages.registerFoldingRangeProvider(DOCKERFILE, {
      provideFoldingRanges: (d) => foldingRanges(model(d)).map((f) => new vscode.FoldingRange(f.startLine, f.endLine, f.kind === 'comment' ? vscode.FoldingRangeKind.Comment : undefined)),
    }),
  ];
}
