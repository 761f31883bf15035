import * as vscode from 'vscode';
import { ruleInfo } from '../dockerfile/rules/ruleCatalog';
import type { Finding, Severity } from '../dockerfile/rules/ruleTypes';
import { toVsRange, type DockerfileDocuments } from './dockerfileDocuments';

const SEVERITY: Record<Exclude<Severity, 'ignore'>, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  style: vscode.DiagnosticSeverity.Hint,
};
const DEBOUNCE_MS = 250;

export function toDiagnostic(f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(f.range), f.message, SEVERITY[f.severity as Exclude<Severity, 'ignore'>] ?? vscode.DiagnosticSeverity.Warning);
  d.source = 'stevedore';
  const url = ruleInfo(f.rule)?.url;
  d.code = url ? { value: f.rule, target: vscode.Uri.parse(url) } : f.rule;
  return d;
}

/** Lints Dockerfiles as they open and change (debounced) into the Problems panel. */
export function registerDiagnostics(documents: DockerfileDocuments): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('dockerfile');
  const timers = new Map<string, NodeJS.Timeout>();
  const enabled = (doc: vscode.TextDocument) => vscode.workspace.getConfiguration('stevedore.lint', doc.uri).get('enable', true);
  let linted = false;
  const lint = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'dockerfile' || doc.isClosed) return;
    if (!enabled(doc)) {
      collection.delete(doc.uri);
      return;
    }
    collection.set(doc.uri, documents.get(doc).findings.map(toDiagnostic));
    // Completes the walkthrough's "Lint a Dockerfile" step.
    if (!linted) void vscode.commands.executeCommand('setContext', 'stevedore.walkthrough.dockerfileLinted', (linted = true));
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      lint(doc);
    }, DEBOUNCE_MS));
  };
  const lintAll = () => vscode.workspace.textDocuments.forEach(lint);
  lintAll();
  const subscriptions = [
    collection,
    vscode.workspace.onDidOpenTextDocument(lint),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.languageId === 'dockerfile') schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      timers.delete(doc.uri.toString());
      collection.delete(doc.uri);
    }),
    documents.onDidChangeConfiguration(lintAll),
  ];
  return {
    dispose() {
      for (const t of timers.values()) clearTimeout(t);
      for (const s of subscriptions) s.dispose();
    },
  };
}
