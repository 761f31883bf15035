import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { plainRegistry, registriesMissing, registryPassword, registryTags, registryUser, secureRegistry } from '../support/registry';
import { baseImage, docker, dockerMissing, skipUnlessAvailable, uniqueName } from '../support/services';
import { chromiumMissing, clickMenuItem, openBrowser, resetWindow, runFromPalette, screenshotOnFailure, showStevedore, treeRow } from '../support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');
const missing = dockerMissing() ?? registriesMissing() ?? codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);

describe('The Registries view in a real VS Code: the TLS registry with a password', { skip: skipUnlessAvailable(missing) }, () => {
  const repository = uniqueName('stevedore-e2e/regview');
  let host: string;
  let reference: string;
  let plainReference: string;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  let workspace: string | undefined;
  let dockerConfig: string | undefined;
  let cacheDir: string | undefined;
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);
  /** Opens or folds a view of the Stevedore container. */
  async function setPane(p: Page, name: string, open: boolean): Promise<void> {
    const header = p.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^${name}`) }).first();
    await header.waitFor({ timeout: 15_000 });
    // On the title: the rest of the header holds the view's actions.
    if (((await header.getAttribute('aria-expanded')) === 'true') !== open) await header.locator('.title').click();
  }

  const registriesPane = (p: Page) => p.locator('.part.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Registries' }) });

  /** Scrolls the Registries view down (it renders only the rows in sight), loading more catalog pages, until `target` shows. */
  async function scrollTo(p: Page, target: ReturnType<Page['locator']>): Promise<void> {
    const list = registriesPane(p).locator('.monaco-list').first();
    for (let i = 0; i < 100 && !(await target.isVisible()); i++) {
      const more = row(p, 'Load more…');
      if (await more.isVisible()) {
        await more.click();
        // The next page of repositories takes its place (and pushes the next "Load more…" out of sight).
        await more.waitFor({ state: 'hidden', timeout: 15_000 });
        continue;
      }
      // The last row is drawn: there is nothing further down to scroll to.
      if (await list.locator('.monaco-list-row[data-last-element="true"]').isVisible()) break;
      const drawn = await list.locator('.monaco-list-rows').getAttribute('style');
      await list.hover();
      await p.mouse.wheel(0, 110);
      // The list has moved and drawn the rows now in sight.
      await list.locator(`.monaco-list-rows:not([style="${drawn}"])`).waitFor({ timeout: 5000 });
    }
    await target.waitFor({ timeout: 5000 });
  }

  /** A row of the Registries view (the Images view has rows of the same names). */
  const row = (p: Page, label: string) => {
    const pane = p.locator('.part.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Registries' }) });
    return pane.locator('.monaco-list-row[role="treeitem"]', { has: p.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  };
  const panel = (p: Page): FrameLocator => p.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');

  /** Waits for the quick input showing `expect`, types `value` and presses Enter, as a user would. */
  async function answer(p: Page, expect: string | RegExp, value: string): Promise<void> {
    await p.locator('.quick-input-widget', { hasText: expect }).waitFor({ state: 'visible', timeout: 15_000 });
    const input = p.locator('.quick-input-widget input.input');
    await input.fill(value);
    // Enter goes to the box only while it has the keyboard.
    await p.locator('.quick-input-widget input.input:focus').waitFor({ timeout: 5000 });
    await p.keyboard.press('Enter');
  }

  /** Picks the quick pick row holding `label`, typing it first (the list renders only the rows in sight). */
  async function choose(p: Page, label: string): Promise<void> {
    await p.locator('.quick-input-widget input.input').waitFor({ state: 'visible', timeout: 15_000 });
    await p.locator('.quick-input-widget input.input').fill(label);
    const row = p.locator('.quick-input-list .monaco-list-row', { hasText: label });
    await row.first().waitFor({ timeout: 15_000 });
    await row.first().click();
  }

  before(async () => {
    host = secureRegistry();
    reference = `${host}/${repository}:v1`;
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-registries-'));
    fs.writeFileSync(path.join(workspace, 'Dockerfile'), `FROM ${baseImage()}\nRUN echo pushed-for-e2e > /from-registry.txt\n`);
    execFileSync('docker', ['build', '-q', '-t', reference, workspace], { stdio: 'pipe', timeout: 120_000 });
    // The docker CLI pushes with a login of its own, in a config folder of the test's.
    dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-docker-config-'));
    execFileSync('docker', ['--config', dockerConfig, 'login', host, '-u', registryUser(), '--password-stdin'], { input: registryPassword(), stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    execFileSync('docker', ['--config', dockerConfig, 'push', reference], { stdio: 'pipe', timeout: 120_000 });
    // Another image (another digest: the registry deletes by digest) under a tag the test deletes.
    fs.writeFileSync(path.join(workspace, 'Dockerfile.gone'), `FROM ${baseImage()}\nRUN echo to-be-deleted > /gone.txt\n`);
    execFileSync('docker', ['build', '-q', '-f', path.join(workspace, 'Dockerfile.gone'), '-t', `${host}/${repository}:gone`, workspace], { stdio: 'pipe', timeout: 120_000 });
    execFileSync('docker', ['--config', dockerConfig, 'push', `${host}/${repository}:gone`], { stdio: 'pipe', timeout: 120_000 });
    docker('rmi', `${host}/${repository}:gone`);
    // The same image on the plain registry, for the palette's "an image in a registry".
    plainReference = `${plainRegistry()}/${repository}:v1`;
    docker('tag', reference, plainReference);
    docker('push', plainReference);
    docker('rmi', plainReference);
    // Gone from the daemon: the pull from the view must bring it back.
    docker('rmi', reference);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-cache-'));
    server = await startCodeServer({
      vsix: VSIX,
      workspace,
      // No Docker credentials to fall back on: the password typed in is what logs in.
      env: { DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONFIG: fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-empty-docker-')), STEVEDORE_CACHE_DIR: cacheDir },
      settings: { 'stevedore.registries.caFiles': [process.env.STEVEDORE_TEST_REGISTRY_CA] },
    });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
    await page.locator('.activitybar .action-item a[aria-label^="Stevedore"]').waitFor({ timeout: 90_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    for (const dir of [profile, workspace, dockerConfig, cacheDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    try {
      docker('rmi', reference);
    } catch {
      // not pulled
    }
  });

  test('connect with the password typed in, browse to the tag, pull it: it shows in Images', { timeout: 180_000 }, () => shot('registries connect and pull', async () => {
    const p = page!;
    await showStevedore(p);
    // Room for the registry's rows: Images and Containers folded, Registries open.
    await setPane(p, 'Images', false);
    await setPane(p, 'Containers', false);
    await setPane(p, 'Registries', true);
    await p.locator('.part.sidebar .welcome-view-content', { hasText: 'No registry is connected' }).waitFor({ timeout: 15_000 });

    await runFromPalette(p, 'Stevedore: Connect Registry');
    await choose(p, 'Other registry');
    await answer(p, 'Registry host[:port]', host);
    await choose(p, 'Log in with a user name');
    await answer(p, 'User name', registryUser());
    await answer(p, 'secret storage', registryPassword());

    const registryRow = row(p, host);
    await registryRow.waitFor({ timeout: 30_000 });
    assert.match(await registryRow.innerText(), new RegExp(registryUser()));
    await registryRow.click();
    const repoRow = row(p, repository);
    // The catalog is shared with other tests and runs: scroll (the view renders only the rows in
    // sight) and load more pages until the repository shows.
    await registriesPane(p).locator('.monaco-list-row .codicon-repo').first().waitFor({ timeout: 30_000 });
    await scrollTo(p, repoRow);
    await repoRow.click();
    const tagRow = row(p, 'v1');
    await row(p, 'gone').or(tagRow).first().waitFor({ state: 'attached', timeout: 15_000 }).catch(() => undefined);
    await scrollTo(p, tagRow);
    // Size, age and platform, read from the manifest and config.
    const described = /B · .* ago · linux\/\w+/;
    await tagRow.filter({ hasText: described }).waitFor({ timeout: 20_000 });
    assert.match(await tagRow.innerText(), described);

    await tagRow.click({ button: 'right' });
    await clickMenuItem(p, 'Pull');
    const pulled = p.locator('.notifications-toasts .notification-toast', { hasText: `Pulled ${reference}` });
    await pulled.waitFor({ timeout: 90_000 });
    assert.ok(docker('image', 'inspect', '--format', '{{.Id}}', reference).startsWith('sha256:'));
    // The Images view lists it under its repository.
    await setPane(p, 'Images', true);
    await treeRow(p, `${host}/${repository}`).waitFor({ timeout: 15_000 });
    await setPane(p, 'Images', false);
  }));

  test('Open in Layer Inspector on the tag: its layers, streamed from the registry', { timeout: 120_000 }, () => shot('registries layer inspector', async () => {
    const p = page!;
    await resetWindow(p);
    const tagRow = row(p, 'v1');
    await scrollTo(p, tagRow);
    await tagRow.click({ button: 'right' });
    await clickMenuItem(p, 'Open in Layer Inspector');
    await p.locator('.tabs-container .tab', { hasText: `Layers: ${reference}` }).waitFor({ timeout: 30_000 });
    const view = panel(p);
    await view.locator('#status', { hasText: 'All 2 layers read' }).waitFor({ timeout: 60_000 });
    const steps = await view.locator('#layers .step .command').allInnerTexts();
    assert.ok(steps.some((s) => s.includes('echo pushed-for-e2e > /from-registry.txt')), steps.join('\n'));
  }));

  test('Inspect Image Layers… in the palette, with a reference on a registry not connected: its layers', { timeout: 90_000 }, () => shot('registries palette inspector', async () => {
    const p = page!;
    // The inspector the test before opened is closed: its webview no longer takes the palette's focus.
    await resetWindow(p);
    await runFromPalette(p, 'Stevedore: Inspect Image Layers');
    await p.locator('.quick-input-widget', { hasText: 'Inspect image layers' }).waitFor({ state: 'visible', timeout: 30_000 });
    await choose(p, 'An image in a registry');
    await answer(p, 'Reference, e.g.', plainReference);
    await p.locator('.tabs-container .tab', { hasText: `Layers: ${plainReference}` }).waitFor({ timeout: 30_000 });
    const view = panel(p);
    await view.locator('#status', { hasText: 'All 2 layers read' }).waitFor({ timeout: 60_000 });
  }));

  test('Inspect Manifest opens it read-only; re-entering a wrong password is refused with why, the saved one kept', { timeout: 90_000 }, () => shot('registries manifest and wrong password', async () => {
    const p = page!;
    await resetWindow(p);
    const tagRow = row(p, 'v1');
    await scrollTo(p, tagRow);
    await tagRow.click({ button: 'right' });
    await clickMenuItem(p, 'Inspect Manifest');
    await p.locator('.tabs-container .tab', { hasText: 'manifest.json' }).waitFor({ timeout: 15_000 });
    await p.locator('.editor-instance .view-lines', { hasText: '"schemaVersion": 2' }).waitFor({ timeout: 15_000 });

    await row(p, host).click({ button: 'right' });
    await clickMenuItem(p, 'Re-enter Credentials…');
    await answer(p, 'User name', registryUser());
    await answer(p, 'secret storage', 'not-the-password');
    await p.locator('.notifications-toasts .notification-toast', { hasText: `${host} refused the credentials` }).waitFor({ timeout: 30_000 });
    // The password saved before still logs in: the tags are read again after a refresh.
    await p.locator('.part.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Registries' }) }).locator('.pane-header').hover();
    await p.locator('.part.sidebar .pane-header .action-label[aria-label^="Refresh"]').last().click();
    const described = /B · .* ago · linux\/\w+/;
    await tagRow.filter({ hasText: described }).waitFor({ timeout: 20_000 });
    assert.match(await tagRow.innerText(), described);
  }));

  test('Delete Tag…, confirmed: the tag leaves the view and the registry', { timeout: 60_000 }, () => shot('registries delete tag', async () => {
    const p = page!;
    await resetWindow(p);
    const gone = row(p, 'gone');
    await scrollTo(p, gone);
    await gone.click({ button: 'right' });
    await clickMenuItem(p, 'Delete Tag…');
    const dialog = p.locator('.monaco-dialog-box', { hasText: `Delete ${host}/${repository}:gone` });
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: /^Delete$/ }).click();
    await gone.waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(await registryTags(host, repository, true), ['v1']);
  }));

  test('Push from the Images view to the connected registry: the password saved for it reaches the engine', { timeout: 120_000 }, () => shot('registries push from images', async () => {
    const p = page!;
    await resetWindow(p);
    const pushed = `${host}/${repository}:pushed`;
    docker('tag', baseImage(), pushed);
    try {
      await setPane(p, 'Registries', false);
      await setPane(p, 'Images', true);
      const repoRow = treeRow(p, `${host}/${repository}`);
      await repoRow.waitFor({ timeout: 15_000 });
      if ((await repoRow.getAttribute('aria-expanded')) !== 'true') await repoRow.click();
      const tagRow = treeRow(p, 'pushed');
      await tagRow.waitFor({ timeout: 15_000 });
      await tagRow.click({ button: 'right' });
      await clickMenuItem(p, 'Push');
      // The daemon has no login and DOCKER_CONFIG is empty: only the Registries view's password can do it.
      await p.locator('.notifications-toasts .notification-toast', { hasText: `Pushed ${pushed}` }).waitFor({ timeout: 60_000 });
      assert.ok((await registryTags(host, repository, true)).includes('pushed'));
    } finally {
      docker('rmi', pushed);
    }
  }));
});
