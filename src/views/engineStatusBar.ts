import * as vscode from 'vscode';
import { currentEnvironment } from '../engine/daemon/endpoint';
import type { EngineKind } from '../engine/engine';
import type { ConnectionState, EngineConnection } from '../engine/engineConnection';
import { knownEngines } from '../engine/knownEngines';
import { activeEngine } from './enginesTree';

const KIND_NAMES: Record<EngineKind, string> = { docker: 'Docker', podman: 'Podman', core: 'Bundled' };

/** The engine in use and its state, in the status bar; a click offers the engines to switch to. */
export class EngineStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stevedore.engine', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(connection: EngineConnection) {
    this.item.name = 'Stevedore Engine';
    this.item.command = 'stevedore.engines.pick';
    this.subscription = connection.onDidChangeState((state) => this.show(state));
    this.show(connection.state);
    this.item.show();
  }

  private show(state: ConnectionState): void {
    const tooltip = new vscode.MarkdownString();
    this.item.backgroundColor = undefined;
    switch (state.status) {
      case 'connecting':
        this.item.text = '$(loading~spin) Engine';
        tooltip.appendText('Connecting to the container engine…');
        break;
      case 'connected': {
        // The bundled core's endpoint is just "bundled": name it as the Engines view does instead.
        const label = state.info.kind === 'core' ? 'Bundled core' : `${KIND_NAMES[state.info.kind]}: ${engineName(state.engine.endpoint)}`;
        this.item.text = `$(vm-running) ${label}`;
        tooltip.appendText(`${state.info.product} (API ${state.info.apiVersion}), connected\n\n${state.engine.endpoint}`);
        break;
      }
      case 'unavailable': {
        const first = state.attempts[0];
        this.item.text = `$(vm-outline) ${first ? engineName(first.endpoint) : 'Engine'}: unreachable`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        for (const a of state.attempts) tooltip.appendText(`${a.source}: ${a.error}\n\n`);
        break;
      }
    }
    tooltip.appendText('\n\nClick to choose another engine.');
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

/** The context or socket name the user knows an endpoint by, else the endpoint itself. */
function engineName(endpoint: string): string {
  return activeEngine(knownEngines(currentEnvironment()), endpoint)?.label ?? endpoint;
}
