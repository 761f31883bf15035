import * as vscode from 'vscode';
import type { Engine, Operation } from '../engine/engine';
import type { EngineConnection } from '../engine/engineConnection';
import { printable } from '../engine/humanize';

/** What every command handler needs: the engine connection and the log. */
export interface CommandContext {
  readonly connection: EngineConnection;
  readonly log: vscode.LogOutputChannel;
}

/**
 * Registers a command that works on the connected engine. It says so when no engine is connected
 * or the engine cannot do `operation`; a failure becomes one error message (and a log line), never
 * an unhandled error or a stack trace.
 */
export function engineCommand<A extends unknown[]>(
  ctx: CommandContext,
  id: string,
  operation: Operation | undefined,
  run: (engine: Engine, ...args: A) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    const state = ctx.connection.state;
    if (state.status !== 'connected') {
      void vscode.window.showErrorMessage('No container engine is connected. See the Stevedore view for what was tried.');
      return;
    }
    if (operation && !state.engine.capabilities.has(operation)) {
      void vscode.window.showInformationMessage(`${state.info.product} cannot do this (${operation}).`);
      return;
    }
    try {
      return await run(state.engine, ...(args as A));
    } catch (err) {
      reportError(ctx, id, err);
      return undefined;
    }
  });
}

export function reportError(ctx: CommandContext, what: string, err: unknown): void {
  const message = printable(err instanceof Error ? err.message : String(err));
  ctx.log.error(`${what}: ${message}`);
  void vscode.window.showErrorMessage(message);
}

/** The nodes a tree command acts on: the selection when the clicked node is part of it. */
export function targets<N>(node: N | undefined, selected: readonly N[] | undefined): N[] {
  if (selected?.length && node !== undefined && selected.includes(node)) return [...selected];
  return node === undefined ? [] : [node];
}

/** Runs `work` with a progress notification that can be cancelled. */
export function withProgress<T>(title: string, work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    return work(abort.signal, (message) => progress.report({ message }));
  });
}
