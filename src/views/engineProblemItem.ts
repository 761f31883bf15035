import * as vscode from 'vscode';
import type { EngineErrorReason } from '../engine/engine';
import type { ConnectionState } from '../engine/engineConnection';
import { mainReason, type Attempt } from '../engine/engineSelection';

/**
 * The one item an engine view shows when an engine exists but cannot be used: why (its label), what
 * to do (description and tooltip), and a click that tries again. With no engine at all (`absent`)
 * the views show their welcome content instead, which explains how to get one.
 */
export class EngineProblem {
  constructor(readonly reason: EngineErrorReason, readonly attempts: readonly Attempt[]) {}
}

export function engineProblem(state: ConnectionState): EngineProblem | undefined {
  if (state.status !== 'unavailable') return undefined;
  const reason = mainReason(state.attempts);
  return reason === 'absent' ? undefined : new EngineProblem(reason, state.attempts);
}

const WORDING: Partial<Record<EngineErrorReason, { why: string; todo: string }>> = {
  permission: {
    why: 'Permission denied by the engine',
    todo: 'Add your user to the docker group (sudo usermod -aG docker $USER) and log in again; for ssh hosts, load your key (ssh-add). Or pick another engine in the Engines view.',
  },
  tls: {
    why: 'The TLS handshake with the engine failed',
    todo: "Check the certificates (ca.pem, cert.pem, key.pem in DOCKER_CERT_PATH or the context's TLS folder) against the daemon's.",
  },
  version: {
    why: 'The engine is too old for Stevedore',
    todo: 'Stevedore needs the Docker Engine API 1.41 (Docker 20.10) or later: upgrade the engine or pick another one.',
  },
  unreachable: {
    why: 'The engine does not answer',
    todo: 'Check that it is running and that the host and port are right. Stevedore tries again by itself.',
  },
  config: {
    why: 'The engine cannot be used as it is configured',
    todo: 'Fix DOCKER_HOST, the docker context, or the stevedore.engine setting; or pick an engine in the Engines view.',
  },
};

export function problemTreeItem(problem: EngineProblem): vscode.TreeItem {
  const wording = WORDING[problem.reason] ?? { why: 'The engine answered with an error', todo: 'See the Stevedore log for what was tried.' };
  const item = new vscode.TreeItem(wording.why, vscode.TreeItemCollapsibleState.None);
  item.id = `engine-problem:${problem.reason}`;
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.description = wording.todo;
  const tooltip = new vscode.MarkdownString();
  for (const a of problem.attempts) tooltip.appendText(`${a.source}: ${a.error}\n\n`);
  tooltip.appendText(`${wording.todo}\n\nClick to try again.`);
  item.tooltip = tooltip;
  item.contextValue = 'engineProblem';
  item.command = { command: 'stevedore.retryConnection', title: 'Try Again' };
  return item;
}
