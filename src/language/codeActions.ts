import * as vscode from 'vscode';
import { pinImageFix, quickFixes, type QuickFix } from '../dockerfile/quickFixes';
import { DOCKERFILE, toVsRange, type DockerfileDocuments } from './dockerfileDocuments';
import { toDiagnostic } from './diagnostics';
import type { EngineImages } from './engineImages';

/** Quick fixes for the diagnostics under the cursor; pinning FROM asks the engine for the digest. */
export function registerCodeActions(documents: DockerfileDocuments, images: EngineImages): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider(DOCKERFILE, {
    async provideCodeActions(document, range, context) {
      const result = documents.get(document);
      const wanted = new Set(context.diagnostics.map((d) => `${typeof d.code === 'object' ? String(d.code.value) : String(d.code)}@${d.range.start.line}:${d.range.start.character}`));
      const actions: vscode.CodeAction[] = [];
      for (const f of result.findings) {
        if (!wanted.has(`${f.rule}@${f.range.start.line}:${f.range.start.character}`) || !toVsRange(f.range).intersection(range)) continue;
        const diagnostic = context.diagnostics.find((d) => d.range.isEqual(toVsRange(f.range))) ?? toDiagnostic(f);
        const fixes = [...quickFixes(result.model, f)];
        if (f.rule === 'DL3006' || f.rule === 'DL3007') {
          const image = result.model.stages.find((s) => s.from.index === f.instruction)?.image?.value;
          const found = image ? await images.inspect(image) : undefined;
          const digest = found && found !== 'absent' ? found.summary.digests[0]?.split('@')[1] : undefined;
          const pin = digest ? pinImageFix(result.model, f, digest) : undefined;
          if (pin) fixes.unshift(pin);
        }
        for (const fix of fixes) actions.push(toAction(document, fix, diagnostic));
      }
      return actions;
    },
  }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] });
}

function toAction(document: vscode.TextDocument, fix: QuickFix, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  action.edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) action.edit.replace(document.uri, toVsRange(e.range), e.newText);
  action.diagnostics = [diagnostic];
  action.isPreferred = fix.preferred;
  return action;
}
