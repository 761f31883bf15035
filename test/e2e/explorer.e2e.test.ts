import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { baseImage, docker, dockerMissing, runService, skipUnlessAvailable, uniqueName } from '../support/services';
import { chromiumMissing, clickMenuItem, openBrowser, resetWindow, runFromPalette, screenshotOnFailure, showStevedore, treeRow } from '../support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');
const missing = dockerMissing() ?? codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);

describe('Stevedore in a real VS Code against the real daemon', { skip: skipUnlessAvailable(missing) }, () => {
  const repository = uniqueName('stevedore-e2e/app');
  const tag = `${repository}:v1`;
  const containerName = uniqueName('stevedore-e2e-web');
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  let workspace: string | undefined;
  const builtTag = `${uniqueName('stevedore-e2e/built')}:e2e`;
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);

  before(async () => {
    docker('tag', baseImage(), tag);
    runService(containerName, ['-p', '127.0.0.1::8080']);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-ws-'));
    fs.mkdirSync(path.join(workspace, 'app'));
    fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), `FROM ${baseImage()}\nRUN echo built-by-e2e > /built.txt\nCMD ["cat", "/built.txt"]\n`);
    server = await startCodeServer({ vsix: VSIX, workspace, env: { DOCKER_HOST: process.env.DOCKER_HOST } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
    await page.locator('.activitybar .action-item a[aria-label^="Stevedore"]').waitFor({ timeout: 90_000 });
    await settle(server);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    for (const dir of [profile, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    docker('rm', '-f', containerName);
    docker('rmi', tag);
    try {
      docker('rmi', builtTag);
    } catch {
      // the build test did not get that far
    }
  });

  test('the Stevedore view shows the daemon\'s image under its repository, and the running container', () => shot('views show the daemon', async () => {
    const p = page!;
    await showStevedore(p);
    const repoRow = treeRow(p, repository);
    await repoRow.waitFor({ timeout: 30_000 });
    assert.match(await repoRow.innerText(), /1 image/);
    await repoRow.click();
    const tagRow = treeRow(p, 'v1');
    await tagRow.waitFor({ timeout: 10_000 });
    assert.match(await tagRow.innerText(), /\d(\.\d+)?[kMG]?B · .* ago/);
    const containerRow = treeRow(p, containerName);
    await containerRow.locator('.codicon-vm-running').waitFor({ timeout: 10_000 });
    assert.match(await containerRow.innerText(), new RegExp(`${baseImage()} · Up .* · 127\\.0\\.0\\.1:\\d+→8080/tcp`));
  }));

  test('a container stopped with `docker stop` outside VS Code changes its icon within 2 s', () => shot('icon follows docker stop', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const containerRow = treeRow(p, containerName);
    await containerRow.locator('.codicon-vm-running').waitFor({ timeout: 10_000 });
    docker('stop', containerName);
    const stopped = Date.now();
    await containerRow.locator('.codicon-vm-outline').waitFor({ timeout: 2000 });
    const ms = Date.now() - stopped;
    assert.match(await containerRow.innerText(), /Exited \(0\)/);
    console.log(`# icon changed ${ms} ms after docker stop returned`);
  }));

  test('Stop from the context menu: the container stops and its icon changes', () => shot('stop from context menu', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const containerRow = treeRow(p, containerName);
    docker('start', containerName);
    await containerRow.locator('.codicon-vm-running').waitFor({ timeout: 5000 });
    await containerRow.click({ button: 'right' });
    await clickMenuItem(p, 'Stop');
    await containerRow.locator('.codicon-vm-outline').waitFor({ timeout: 15_000 });
    assert.equal(docker('inspect', '--format', '{{.State.Status}}', containerName), 'exited');
  }));

  test('Build Image from the Explorer\'s context menu on a Dockerfile: the image appears in Images', { timeout: 120_000 }, () => shot('build from explorer', async () => {
    const p = page!;
    await resetWindow(p);
    await p.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
    const folder = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^app$/ });
    await folder.waitFor({ timeout: 15_000 });
    await folder.click();
    const file = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ });
    await file.waitFor({ timeout: 10_000 });
    await file.click({ button: 'right' });
    await clickMenuItem(p, 'Build Image…');
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(builtTag);
    await p.keyboard.press('Enter');
    await showStevedore(p);
    const repo = treeRow(p, builtTag.split(':')[0]).filter({ has: p.locator('.codicon-repo') });
    await repo.waitFor({ timeout: 90_000 });
    assert.equal(docker('run', '--rm', builtTag), 'built-by-e2e');
  }));

  test('Filter the Images view: only matching repositories stay, clearing brings all back', () => shot('filter images', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const imagesPane = p.locator('.part.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Images' }) });
    await imagesPane.locator('.pane-header').hover();
    await imagesPane.locator('.pane-header .action-label[aria-label^="Filter Images"]').click();
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.pressSequentially(repository.split('/')[1].slice(0, 18));
    await treeRow(p, baseImage().split(':')[0]).filter({ has: p.locator('.codicon-repo') }).waitFor({ state: 'detached', timeout: 5000 });
    assert.ok(await treeRow(p, repository).isVisible());
    await p.keyboard.press('Enter');
    await imagesPane.locator('.pane-header .action-label[aria-label^="Clear Images Filter"]').click();
    await treeRow(p, baseImage().split(':')[0]).filter({ has: p.locator('.codicon-repo') }).waitFor({ timeout: 5000 });
  }));

  test("Browse a container's files: Files → etc → passwd opens read-only", () => shot('browse files', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    // The Images pane folded: the Containers pane gets the room for the file tree.
    const imagesHeader = p.locator('.part.sidebar .pane-header', { hasText: /^Images/ }).first();
    if ((await imagesHeader.getAttribute('aria-expanded')) === 'true') await imagesHeader.locator('.title').click();
    const containerRow = treeRow(p, containerName);
    await containerRow.click();
    await p.keyboard.press('ArrowRight');
    const files = p.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { has: p.locator('.codicon-files') });
    await files.waitFor({ timeout: 10_000 });
    await files.click();
    await p.keyboard.press('ArrowRight');
    const etc = p.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^etc$/ });
    await etc.waitFor({ timeout: 15_000 });
    await etc.click();
    await p.keyboard.press('ArrowRight');
    // The list only renders the rows in sight: walk down to passwd with the keyboard, as a user would.
    const passwd = p.locator('.part.sidebar .monaco-list-row[role="treeitem"].focused', { hasText: /^passwd$/ });
    await p.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { hasText: /^group$/ }).waitFor({ timeout: 15_000 });
    for (let i = 0; i < 12 && !(await passwd.isVisible()); i++) await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    const editor = p.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: 'root:x:0:0:root:/root:/bin/sh' }).waitFor({ timeout: 15_000 });
    await p.locator('.tabs-container .tab', { hasText: 'passwd' }).waitFor();
    // Collapse again so later tests see the container rows.
    await containerRow.click();
    await p.keyboard.press('ArrowLeft');
  }));

  test('a container started outside appears without a refresh', () => shot('new container appears', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const name = uniqueName('stevedore-e2e-new');
    try {
      runService(name);
      await treeRow(p, name).locator('.codicon-vm-running').waitFor({ timeout: 2000 });
    } finally {
      docker('rm', '-f', name);
    }
    await treeRow(p, name).waitFor({ state: 'detached', timeout: 2000 });
  }));

  test('activation time, as VS Code measured it (Developer: Show Running Extensions)', () => shot('activation time', async () => {
    const p = page!;
    await resetWindow(p);
    await runFromPalette(p, 'Developer: Show Running Extensions');
    const row = p.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Stevedore' });
    const time = row.locator('.activation-time');
    // The list is virtualized and sorted by activation time: page down until Stevedore's row exists.
    await p.locator('.runtime-extensions-editor .monaco-list-row').first().click();
    const focused = p.locator('.runtime-extensions-editor .monaco-list-row.focused');
    for (let i = 0; i < 20 && !(await time.isVisible()) && (await focused.getAttribute('data-last-element')) !== 'true'; i++) {
      const at = await focused.getAttribute('data-index');
      await p.keyboard.press('PageDown');
      // The focus has moved a page down, and the rows there are drawn.
      await p.locator(`.runtime-extensions-editor .monaco-list-row.focused:not([data-index="${at}"])`).waitFor({ timeout: 5000 });
    }
    await time.waitFor({ timeout: 15_000 });
    const text = await time.innerText();
    const ms = Number(/Activation: (\d+)ms/.exec(text)?.[1]);
    assert.ok(Number.isFinite(ms), `no activation time in "${text}"`);
    const ownLog = server!.logFiles('Stevedore.log').map((f) => fs.readFileSync(f, 'utf8')).join('');
    const activate = /activated in ([\d.]+) ms/.exec(ownLog)?.[1];
    assert.ok(activate, `no activation line in the extension's log:\n${ownLog}`);
    console.log(`# activation: ${ms} ms as VS Code measured it (loading + activate()); activate() itself ${activate} ms (extension host log)`);
  }));
});

/**
 * Waits until the extension host has finished its own start-up activations (its log stops growing
 * for a second), so the activation measured for Stevedore is Stevedore's and not the other
 * extensions' that load at the same moment.
 */
async function settle(server: CodeServer): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const size = server.logFiles('remoteexthost.log').reduce((n, f) => n + fs.statSync(f).size, 0);
    if (size === last && size > 0) return;
    last = size;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
