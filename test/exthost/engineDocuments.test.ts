import assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** The runner makes a stopped container and passes its id; these read it through VS Code's own APIs. */
suite("inspect documents and a container's files, through the workspace API", () => {
  const id = process.env.STEVEDORE_EXTHOST_CONTAINER ?? '';

  suiteSetup(async () => {
    assert.ok(id, 'the runner did not pass STEVEDORE_EXTHOST_CONTAINER');
    await vscode.extensions.getExtension('stevedore.stevedore')!.activate();
    // Connecting happens just after activation: wait until the engine answers the provider.
    let text = '';
    for (let i = 0; i < 300; i++) {
      text = (await vscode.workspace.openTextDocument(vscode.Uri.parse(`stevedore-inspect:/container/${id}/probe-${i}.json`))).getText();
      if (!text.startsWith('//')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`the engine did not answer within 30 s: ${text}`);
  });

  test('the inspect document of a container is its engine JSON', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`stevedore-inspect:/container/${id}/c.json`));
    const json = JSON.parse(doc.getText()) as { Id: string; State: { Status: string } };
    assert.equal(json.Id, id);
    assert.equal(json.State.Status, 'created');
  });

  test("a stopped container's folder lists, its file reads, writing is refused", async () => {
    const etc = vscode.Uri.from({ scheme: 'stevedore-container', authority: id, path: '/etc' });
    const entries = await vscode.workspace.fs.readDirectory(etc);
    assert.ok(entries.some(([name, type]) => name === 'passwd' && type === vscode.FileType.File));
    const passwd = await vscode.workspace.fs.readFile(etc.with({ path: '/etc/passwd' }));
    // What the base image's /etc/passwd holds (test-services.sh makes it from scripts/busybox-rootfs.sh).
    assert.equal(Buffer.from(passwd).toString(), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    assert.equal((await vscode.workspace.fs.stat(etc)).type, vscode.FileType.Directory);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(etc.with({ path: '/etc/new' }), Buffer.from('x'))), /NoPermissions|permission/i);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(etc.with({ path: '/no/such' }))), /EntryNotFound/);
  });
});
