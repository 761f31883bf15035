import * as vscode from 'vscode';
import { formatDockerfile } from '../dockerfile/formatter';
import { DOCKERFILE, toVsRange, type DockerfileDocuments } from './dockerfileDocuments';

/** Document and range formatting; neither changes what a build does. */
export function registerFormatting(documents: DockerfileDocuments): vscode.Disposable[] {
  const edits = (d: vscode.TextDocument, lines?: { start: number; end: number }) =>
    formatDockerfile(documents.get(d).doc, lines).map((e) => vscode.TextEdit.replace(toVsRange(e.range), e.newText));
  return [
    vscode.languages.registerDocumentFormattingEditProvider(DOCKERFILE, { provideDocumentFormattingEdits: (d) => edits(d) }),
    vscode.languages.registerDocumentRangeFormattingEditProvider(DOCKERFILE, { provideDocumentRangeFormattingEdits: (d, r) => edits(d, { start: r.start.line, end: r.end.line }) }),
  ];
}
