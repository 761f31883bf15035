import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Engine } from '../engine/engine';
import { printable } from '../engine/humanize';
import { instructionLines, stageNames } from './buildSteps';
import { openOutputTerminal } from './containerTerminals';
import { engineCommand, type CommandContext } from './engineCommand';
import { whenTrusted } from './workspaceTrust';

const DOCKERFILE_NAMES = /^(Dockerfile|Containerfile)(\..+)?$|\.(Dockerfile|containerfile)$/i;

/** The Dockerfile to build for what was clicked: the file itself, or the one in the folder. */
async function pickDockerfile(uri: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (target?.scheme === 'file') {
    const stat = await fs.stat(target.fsPath).catch(() => undefined);
    if (stat?.isFile()) return target;
    if (stat?.isDirectory()) {
      const found = (await fs.readdir(target.fsPath)).filter((f) => DOCKERFILE_NAMES.test(f)).sort();
      if (found.length === 1) return vscode.Uri.file(path.join(target.fsPath, found[0]));
      if (!found.length) throw new Error(`There is no Dockerfile or Containerfile in ${target.fsPath}.`);
      const pick = await vscode.window.showQuickPick(found, { title: 'Build which Dockerfile?', ignoreFocusOut: true });
      return pick ? vscode.Uri.file(path.join(target.fsPath, pick)) : undefined;
    }
  }
  const files = await vscode.workspace.findFiles('**/{Dockerfile,Containerfile,*.Dockerfile,*.containerfile,Dockerfile.*}', '**/node_modules/**', 50);
  if (!files.length) throw new Error('No Dockerfile was found in the workspace.');
  const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })), { title: 'Build which Dockerfile?', ignoreFocusOut: true });
  return pick?.uri;
}

/**
 * Build Image: asks for the tag (remembering the last one per Dockerfile) and, for a multi-stage
 * Dockerfile, the target stage; streams the build log into a terminal with a cancellable progress
 * notification; a failed step is marked on its Dockerfile line. Build args and platform come from
 * the `stevedore.build.*` settings. The Images view follows by itself (the engine reports the tag).
 */
export function registerBuildCommands(ctx: CommandContext, memory: vscode.Memento): vscode.Disposable[] {
  const problems = vscode.languages.createDiagnosticCollection('stevedore-build');
  return [
    problems,
    engineCommand<[vscode.Uri?]>(ctx, 'stevedore.image.build', 'buildImage', whenTrusted('build images (a build runs the Dockerfile\'s instructions)', async (engine: Engine, uri?: vscode.Uri) => {
      const dockerfile = await pickDockerfile(uri);
      if (!dockerfile) return;
      const text = await fs.readFile(dockerfile.fsPath, 'utf8');
      const contextDir = path.dirname(dockerfile.fsPath);
      const key = `build.tag:${dockerfile.fsPath}`;
      const fallback = `${path.basename(contextDir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:latest`;
      const tag = await vscode.window.showInputBox({ title: `Build ${vscode.workspace.asRelativePath(dockerfile)}`, prompt: 'Tag the image as [registry/]repository[:tag]', value: memory.get<string>(key, fallback), ignoreFocusOut: true });
      if (!tag) return;
      await memory.update(key, tag);
      const stages = stageNames(text);
      let target: string | undefined;
      if (stages.length > 1) {
        const pick = await vscode.window.showQuickPick(['(the last stage)', ...stages], { title: 'Build up to which stage?', ignoreFocusOut: true });
        if (!pick) return;
        target = pick === '(the last stage)' ? undefined : pick;
      }
      const settings = vscode.workspace.getConfiguration('stevedore.build');
      problems.delete(dockerfile);
      await runBuild(engine, {
        dockerfile, text, contextDir, tag, target,
        buildArgs: settings.get<Record<string, string>>('buildArgs', {}),
        platform: settings.get<string>('platform', '') || undefined,
        noCache: settings.get<boolean>('noCache', false),
      }, problems);
    })),
  ];
}

interface BuildPlan {
  dockerfile: vscode.Uri;
  text: string;
  contextDir: string;
  tag: string;
  target?: string;
  buildArgs: Record<string, string>;
  platform?: string;
  noCache: boolean;
}

async function runBuild(engine: Engine, plan: BuildPlan, problems: vscode.DiagnosticCollection): Promise<void> {
  const out = openOutputTerminal(`Build ${plan.tag}`, 'package');
  let step = 0;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Building ${plan.tag}`, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      for await (const event of engine.buildImage({
        context: plan.contextDir, dockerfile: path.basename(plan.dockerfile.fsPath), tag: plan.tag, target: plan.target,
        buildArgs: plan.buildArgs, platform: plan.platform, noCache: plan.noCache, signal: abort.signal,
      })) {
        if (event.kind === 'step') {
          step = event.step;
          progress.report({ message: `step ${event.step}/${event.total}: ${printable(event.instruction, true)}` });
          out(`\x1b[1mStep ${event.step}/${event.total}: ${printable(event.instruction)}\x1b[0m\n`);
        } else if (event.kind === 'output') out(event.text);
        else out(`\x1b[32mBuilt ${plan.tag} (${event.imageId.replace(/^sha256:/, '').slice(0, 12)})\x1b[0m\n`);
      }
      // Completes the walkthrough's "Build an image" step.
      void vscode.commands.executeCommand('setContext', 'stevedore.walkthrough.imageBuilt', true);
    } catch (err) {
      const message = printable(err instanceof Error ? err.message : String(err));
      out(`\x1b[31m${message}\x1b[0m\n`);
      const line = step ? instructionLines(plan.text)[step - 1] : undefined;
      if (line !== undefined && !abort.signal.aborted) {
        const range = new vscode.Range(line, 0, line, plan.text.split(/\r?\n/)[line].length);
        problems.set(plan.dockerfile, [Object.assign(new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error), { source: 'build' })]);
        await vscode.window.showTextDocument(plan.dockerfile, { selection: range, preserveFocus: true });
      }
      throw err;
    }
  });
}
