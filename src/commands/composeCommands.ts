import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Engine } from '../engine/engine';
import type { ComposeAction } from './compose';
import { engineCommand, type CommandContext } from './engineCommand';
import { whenTrusted } from './workspaceTrust';

const COMPOSE_FILES = '**/{compose,docker-compose}{,.*}.{yaml,yml}';

async function pickComposeFile(uri: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  if (uri?.scheme === 'file') return uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && /(^|[\\/])(docker-)?compose(\.[^\\/]+)?\.ya?ml$/.test(active.fsPath)) return active;
  const files = await vscode.workspace.findFiles(COMPOSE_FILES, '**/node_modules/**', 50);
  if (!files.length) throw new Error('No compose.yaml or docker-compose.yml was found in the workspace.');
  if (files.length === 1) return files[0];
  const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })), { title: 'Which Compose file?' });
  return pick?.uri;
}

/**
 * Compose Up / Down / Restart on a Compose file: offers its services and profiles, then runs
 * `docker compose` in a terminal against the engine Stevedore shows. Compose is a plugin of the
 * docker CLI: when it is missing, that is said plainly instead of a failed command.
 */
export function registerComposeCommands(ctx: CommandContext): vscode.Disposable[] {
  const run = (action: ComposeAction) =>
    engineCommand<[vscode.Uri?]>(ctx, `stevedore.compose.${action}`, undefined, whenTrusted('run Compose (it reads the workspace\'s Compose files, env files and build contexts)', async (engine: Engine, uri?: vscode.Uri) => {
      const file = await pickComposeFile(uri);
      if (!file) return;
      const { composeArgs, composeMissing, readComposeFile } = await import('./compose');
      const project = readComposeFile(await fs.readFile(file.fsPath, 'utf8'), vscode.workspace.asRelativePath(file));
      let services: string[] = [];
      if (action !== 'down' && project.services.length > 1) {
        const picked = await vscode.window.showQuickPick(project.services.map((label) => ({ label, picked: true })), { title: `Compose ${action}: which services?`, canPickMany: true });
        if (!picked?.length) return;
        if (picked.length < project.services.length) services = picked.map((p) => p.label);
      }
      let profiles: string[] = [];
      if (project.profiles.length) {
        const picked = await vscode.window.showQuickPick(project.profiles.map((label) => ({ label })), { title: `Compose ${action}: which profiles? (none: the services without a profile)`, canPickMany: true });
        if (!picked) return;
        profiles = picked.map((p) => p.label);
      }
      const env = { DOCKER_HOST: engine.endpoint };
      const missing = await composeMissing({ ...process.env, ...env });
      if (missing) {
        const choice = await vscode.window.showErrorMessage(missing, 'How to Install Compose');
        if (choice) await vscode.env.openExternal(vscode.Uri.parse('https://docs.docker.com/compose/install/linux/'));
        return;
      }
      const terminal = vscode.window.createTerminal({
        name: `compose ${action}`,
        shellPath: 'docker',
        shellArgs: composeArgs(file.fsPath, action, { services, profiles }),
        cwd: path.dirname(file.fsPath),
        env,
        iconPath: new vscode.ThemeIcon('layers'),
      });
      terminal.show();
    }));
  return [run('up'), run('down'), run('restart')];
}
