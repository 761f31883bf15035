import type * as vscode from 'vscode';
import type { EngineConnection } from '../engine/engineConnection';
import { registerCodeActions } from './codeActions';
import { registerCompletion } from './completion';
import { registerDiagnostics } from './diagnostics';
import { DockerfileDocuments } from './dockerfileDocuments';
import { EngineImages } from './engineImages';
import { registerFormatting } from './formatting';
import { registerHover } from './hover';
import { registerNavigation } from './navigation';

/** Every Dockerfile feature, over one shared parse per document version. */
export function registerLanguageFeatures(connection: EngineConnection, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const documents = new DockerfileDocuments(log);
  const images = new EngineImages(connection);
  return [
    documents,
    images,
    registerDiagnostics(documents),
    registerHover(documents, images),
    registerCompletion(documents, images),
    ...registerNavigation(documents),
    registerCodeActions(documents, images),
    ...registerFormatting(documents),
  ];
}
