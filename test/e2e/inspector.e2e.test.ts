import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { baseImage, docker, dockerMissing, skipUnlessAvailable, uniqueName } from '../support/services';
import { chromiumMissing, clickMenuItem, openBrowser, resetWindow, runFromPalette, screenshotOnFailure, showStevedore, treeRow } from '../support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');
const missing = dockerMissing() ?? codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);
const HOSTILE = '<img src=x onerror=alert(1)>';

describe('The layer inspector in a real VS Code, on an image the daemon built', { skip: skipUnlessAvailable(missing) }, () => {
  const repository = uniqueName('stevedore-e2e/layers');
  const tag = `${repository}:v1`;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  let workspace: string | undefined;
  let cacheDir: string | undefined;
  const dialogs: string[] = [];
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);
  /** The panel's page: the webview's outer iframe, then the frame holding our document. */
  const panel = (p: Page): FrameLocator => p.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');

  /**
   * For a test that starts from a window with no editor open: Inspect Layers on the tag in the Images
   * view, as the first test does, then waits for all the layers to be read.
   */
  async function openInspector(p: Page): Promise<FrameLocator> {
    await showStevedore(p);
    const repoRow = treeRow(p, repository);
    await repoRow.waitFor({ timeout: 15_000 });
    if ((await repoRow.getAttribute('aria-expanded')) !== 'true') await repoRow.click();
    const tagRow = treeRow(p, 'v1');
    await tagRow.waitFor({ timeout: 15_000 });
    await tagRow.click({ button: 'right' });
    await clickMenuItem(p, 'Inspect Layers');
    await p.locator('.tabs-container .tab', { hasText: 'Layers:' }).waitFor({ timeout: 30_000 });
    const view = panel(p);
    await view.locator('#status', { hasText: 'All 3 layers read' }).waitFor({ timeout: 60_000 });
    return view;
  }

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-inspector-'));
    fs.mkdirSync(path.join(workspace, 'app'));
    // Layer 2 adds /app/first.txt; layer 3 deletes it, adds a file with a hostile name and second.txt.
    fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), [
      `FROM ${baseImage()}`,
      'RUN mkdir /app && echo one > /app/first.txt',
      `RUN echo added-by-third > /app/second.txt && touch '/app/${HOSTILE}' && rm /app/first.txt`,
      'CMD ["ls", "/app"]',
      '',
    ].join('\n'));
    execFileSync('docker', ['build', '-q', '-t', tag, path.join(workspace, 'app')], { stdio: 'pipe', timeout: 120_000 });
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-cache-'));
    server = await startCodeServer({ vsix: VSIX, workspace, env: { DOCKER_HOST: process.env.DOCKER_HOST, STEVEDORE_CACHE_DIR: cacheDir } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(server.workbenchUrl);
    await page.locator('.activitybar .action-item a[aria-label^="Stevedore"]').waitFor({ timeout: 90_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    for (const dir of [profile, workspace, cacheDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    docker('rmi', '-f', tag);
  });

  test('Inspect Layers from the Images view: the second layer\'s file is marked added; the filter narrows the tree', { timeout: 120_000 }, () => shot('inspector second layer', async () => {
    const p = page!;
    await showStevedore(p);
    await treeRow(p, repository).click();
    const tagRow = treeRow(p, 'v1');
    await tagRow.waitFor({ timeout: 15_000 });
    await tagRow.click({ button: 'right' });
    await clickMenuItem(p, 'Inspect Layers');
    const view = panel(p);
    // The layer list: three layers, the command of each, the empty CMD step greyed.
    await view.locator('#layers .step').nth(3).waitFor({ timeout: 60_000 });
    const steps = await view.locator('#layers .step .command').allInnerTexts();
    assert.ok(steps.some((s) => s.includes('echo one > /app/first.txt')), steps.join('\n'));
    assert.equal(await view.locator('#layers .step.empty').count(), 1);
    await view.locator('#status', { hasText: 'All 3 layers read' }).waitFor({ timeout: 60_000 });

    await view.locator('#layer-1').click();
    const tree = view.locator('#tree');
    const app = tree.locator('.row', { has: view.locator('.name', { hasText: /^app$/ }) });
    await app.click();
    await p.keyboard.press('ArrowRight');
    const first = tree.locator('.row', { has: view.locator('.name', { hasText: /^first\.txt$/ }) });
    await first.waitFor({ timeout: 10_000 });
    assert.match((await first.getAttribute('class')) ?? '', /mark-added/);
    assert.equal(await first.locator('.mark').innerText(), 'A');
    assert.match((await first.getAttribute('aria-label')) ?? '', /^first\.txt, added, 4 B, -rw-r--r--/);
    // Only changes in this layer: busybox's own files (unchanged here) go, /app stays.
    await view.locator('#only-changes').check();
    await tree.locator('.row', { has: view.locator('.name', { hasText: /^bin$/ }) }).waitFor({ state: 'detached', timeout: 5000 });
    assert.ok(await first.isVisible());
    await view.locator('#only-changes').uncheck();

    // A glob filter keeps the matching files and the directories on their way.
    await view.locator('#filter').fill('*.txt');
    await tree.locator('.row', { has: view.locator('.name', { hasText: /^bin$/ }) }).waitFor({ state: 'detached', timeout: 5000 });
    assert.deepEqual(await tree.locator('.row .name').allInnerTexts(), ['app', 'first.txt']);
    await view.locator('#filter').fill('');
    const log = server!.logFiles('Stevedore.log').map((f) => fs.readFileSync(f, 'utf8')).join('');
    const painted = /layer list painted (\d+) ms after the command/.exec(log)?.[1];
    assert.ok(painted, `no paint time in the extension's log:\n${log}`);
    console.log(`# inspector: layer list painted ${painted} ms after Inspect Layers (a 3-layer image, cold cache; the session's first webview, so VS Code's webview start-up is in it)`);
  }));

  test('a file named like markup shows as text, in the real browser; the layer links to its Dockerfile line', { timeout: 60_000 }, () => shot('inspector hostile name', async () => {
    const p = page!;
    await resetWindow(p);
    const view = await openInspector(p);
    await view.locator('#layer-2').click();
    const tree = view.locator('#tree');
    // /app opened, as in the first test: this layer's files are in it.
    await tree.locator('.row', { has: view.locator('.name', { hasText: /^app$/ }) }).click();
    await p.keyboard.press('ArrowRight');
    const hostile = tree.locator('.row .name', { hasText: HOSTILE });
    await hostile.waitFor({ timeout: 10_000 });
    assert.equal(await hostile.innerText(), HOSTILE);
    assert.equal(await view.locator('img').count(), 0);
    assert.deepEqual(dialogs, []);
    // first.txt, deleted by this layer, is listed as removed.
    const first = tree.locator('.row', { has: view.locator('.name', { hasText: /^first\.txt$/ }) });
    assert.match((await first.getAttribute('class')) ?? '', /mark-removed/);

    const link = view.locator('#layers .step', { hasText: 'added-by-third' }).locator('.dockerfile-link');
    await link.waitFor({ timeout: 15_000 });
    assert.equal(await link.innerText(), 'app/Dockerfile:3');
    await link.click();
    await p.locator('.tabs-container .tab', { hasText: 'Dockerfile' }).waitFor({ timeout: 15_000 });
    await p.locator('.editor-instance .current-line').first().waitFor({ timeout: 10_000 });
    assert.match(await p.locator('.statusbar-item', { hasText: /^Ln \d+/ }).first().innerText(), /^Ln 3, Col 1/);
  }));

  test('the summary counts the deleted file as wasted; clicking it reveals it in the tree', { timeout: 60_000 }, () => shot('inspector summary', async () => {
    const p = page!;
    await resetWindow(p);
    const view = await openInspector(p);
    const summary = view.locator('#summary');
    await summary.locator('.facts').waitFor({ timeout: 15_000 });
    assert.match(await summary.innerText(), /Wasted\s+4 B/);
    await summary.locator('.reveal', { hasText: '/app/first.txt' }).click();
    const focused = view.locator('#tree .row.focused');
    await focused.waitFor({ timeout: 5000 });
    assert.equal(await focused.locator('.name').innerText(), 'first.txt');
    assert.match(await view.locator('#details').innerText(), /\/app\/first\.txt[\s\S]*removed/);
  }));

  test('keyboard: arrows move through the tree and open directories, typing filters, Escape clears', { timeout: 60_000 }, () => shot('inspector keyboard', async () => {
    const p = page!;
    await resetWindow(p);
    const view = await openInspector(p);
    await view.locator('#layer-0').click();
    const tree = view.locator('#tree');
    await tree.focus();
    await p.keyboard.press('Home');
    const focused = tree.locator('.row.focused');
    const firstName = await focused.locator('.name').innerText();
    await p.keyboard.press('ArrowDown');
    assert.notEqual(await focused.locator('.name').innerText(), firstName);
    assert.equal(await tree.getAttribute('aria-activedescendant'), await focused.getAttribute('id'));
    await p.keyboard.press('End');
    await p.keyboard.press('Home');
    await p.keyboard.press('ArrowRight');
    assert.equal(await focused.getAttribute('aria-expanded'), 'true');
    await p.keyboard.press('ArrowLeft');
    assert.equal(await focused.getAttribute('aria-expanded'), 'false');
    await p.keyboard.type('passw');
    assert.equal(await view.locator('#filter').inputValue(), 'passw');
    await tree.locator('.row .name', { hasText: /^passwd$/ }).first().waitFor({ timeout: 5000 });
    await p.keyboard.press('Escape');
    assert.equal(await view.locator('#filter').inputValue(), '');
  }));

  test('an image archive from the Explorer opens in the inspector; the palette offers the engine\'s images', { timeout: 120_000 }, () => shot('inspector archive', async () => {
    const p = page!;
    await resetWindow(p);
    docker('save', '-o', path.join(workspace!, 'image.tar'), tag);
    await p.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
    const file = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^image\.tar$/ });
    await file.waitFor({ timeout: 15_000 });
    await file.click({ button: 'right' });
    await clickMenuItem(p, 'Inspect Image Layers');
    await p.locator('.tabs-container .tab', { hasText: 'Layers: image.tar' }).waitFor({ timeout: 30_000 });
    const view = panel(p);
    await view.locator('#status', { hasText: 'All 3 layers read' }).waitFor({ timeout: 60_000 });
    assert.equal(await view.locator('#title').innerText(), tag);

    await runFromPalette(p, 'Inspect Image Layers…');
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(repository);
    await p.locator('.quick-input-list .monaco-list-row', { hasText: tag }).waitFor({ timeout: 10_000 });
    await p.keyboard.press('Escape');
  }));
});
