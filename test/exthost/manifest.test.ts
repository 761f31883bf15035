import assert from 'node:assert/strict';
import * as vscode from 'vscode';

interface Manifest {
  contributes: { commands: { command: string }[]; menus: Record<string, { command: string }[]> };
}

suite('the manifest and the code agree (in the real extension host)', () => {
  const extension = () => vscode.extensions.all.find((e) => e.packageJSON && (e.packageJSON as { name?: string }).name === 'stevedore');

  test('the extension activates when its view is opened', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.stevedore');
    const ext = extension();
    assert.ok(ext, 'Stevedore is not loaded');
    for (let i = 0; i < 100 && !ext.isActive; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ext.isActive, true);
  });

  test('every command the manifest contributes is registered, and every menu names one of them', async () => {
    const manifest = extension()!.packageJSON as Manifest;
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
    const inMenus = Object.values(manifest.contributes.menus).flat().map((m) => m.command);
    assert.deepEqual(inMenus.filter((c) => !contributed.includes(c)), []);
  });
});
