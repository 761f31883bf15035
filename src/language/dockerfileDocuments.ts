import path from 'node:path';
import * as vscode from 'vscode';
import { LintConfigError, type LintConfig } from '../dockerfile/lintConfig';
import { findLintConfigFile, readLintConfigFile } from '../dockerfile/lintConfigFile';
import { lintDockerfileSafely, type LintResult, type SeverityOverride } from '../dockerfile/linter';
import type { Position, Range } from '../dockerfile/syntax';

/**
 * The parsed and linted state of each open Dockerfile, by version, shared by every feature so a
 * hover or a completion never parses again; plus the .hadolint.yaml that applies to it.
 */
export class DockerfileDocuments implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; result: LintResult }>();
  private readonly configs = new Map<string, LintConfig | undefined>();
  private readonly reportedConfigErrors = new Set<string>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires when a .hadolint.yaml or the lint settings change: everything must be linted again. */
  readonly onDidChangeConfiguration = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.hadolint.{yaml,yml}');
    const reset = () => {
      this.configs.clear();
      this.cache.clear();
      this.reportedConfigErrors.clear();
      this.changeEmitter.fire();
    };
    this.disposables.push(
      watcher, watcher.onDidChange(reset), watcher.onDidCreate(reset), watcher.onDidDelete(reset),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('stevedore.lint')) reset();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.cache.delete(d.uri.toString())),
      this.changeEmitter,
    );
  }

  get(document: vscode.TextDocument): LintResult {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached.result;
    const settings = vscode.workspace.getConfiguration('stevedore.lint', document.uri);
    const result = lintDockerfileSafely(document.getText(), { config: this.configFor(document), severities: settings.get<Record<string, SeverityOverride>>('rules', {}) });
    this.cache.set(key, { version: document.version, result });
    return result;
  }

  private configFor(document: vscode.TextDocument): LintConfig | undefined {
    if (document.uri.scheme !== 'file') return undefined;
    const dir = path.dirname(document.uri.fsPath);
    if (this.configs.has(dir)) return this.configs.get(dir);
    const folder = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath;
    let config: LintConfig | undefined;
    const file = findLintConfigFile(dir, folder);
    if (file) {
      try {
        config = readLintConfigFile(file);
        this.log.info(`lint configuration for ${dir}: ${file}`);
      } catch (err) {
        const message = err instanceof LintConfigError ? err.message : `Cannot read ${file}: ${(err as Error).message}`;
        this.log.warn(message);
        if (!this.reportedConfigErrors.has(file)) {
          this.reportedConfigErrors.add(file);
          void vscode.window.showWarningMessage(`${message} Dockerfiles are linted with the default rules until it is fixed.`);
        }
      }
    }
    this.configs.set(dir, config);
    return config;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function toVsRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function fromVsPosition(p: vscode.Position): Position {
  return { line: p.line, character: p.character };
}

export const DOCKERFILE: vscode.DocumentSelector = { language: 'dockerfile' };
