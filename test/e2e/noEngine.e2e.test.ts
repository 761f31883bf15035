import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { DaemonProxy, daemonTarget } from '../support/daemonProxy';
import { baseImage, dockerMissing, skipUnlessAvailable } from '../support/services';
import { chromiumMissing, openBrowser, resetWindow, runFromPalette, screenshotOnFailure, treeRow } from '../support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');
const missing = dockerMissing() ?? codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);

describe('Stevedore in a real VS Code with no engine to reach, then one', { skip: skipUnlessAvailable(missing) }, () => {
  const nowhere = path.join(os.tmpdir(), `stevedore-e2e-no-daemon-${process.pid}.sock`);
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;

  before(async () => {
    server = await startCodeServer({ vsix: VSIX, env: { DOCKER_HOST: `unix://${nowhere}` } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  test('the views say what was tried, why it failed, and what to do next', () => screenshotOnFailure(() => page, 'no engine welcome', async () => {
    const p = page!;
    const icon = p.locator('.activitybar .action-item a[aria-label^="Stevedore"]');
    await icon.waitFor({ timeout: 90_000 });
    await icon.click();
    const images = p.locator('.part.sidebar .pane', { has: p.locator('.pane-header', { hasText: 'Images' }) });
    const welcome = images.locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 30_000 });
    assert.match(await welcome.innerText(), /No container engine is running here\. Stevedore looks where the docker CLI looks: DOCKER_HOST when it is set/);
    assert.match(await welcome.innerText(), /Start Docker/);
    // What was tried, with the exact endpoint and answer, is one click away in the log.
    await welcome.getByRole('button', { name: 'Show What Was Tried' }).click();
    const output = p.locator('.part.panel .view-lines');
    await output.filter({ hasText: 'DOCKER_HOST: Cannot reach the container engine at' }).waitFor({ timeout: 15_000 });
    // The output view wraps long lines: compare without whitespace.
    const squeeze = (t: string) => t.replace(/\s+/g, '');
    assert.ok(squeeze(await output.innerText()).includes(squeeze(`DOCKER_HOST: Cannot reach the container engine at unix://${nowhere}: there is no socket there.`)));
    assert.ok(await welcome.getByRole('button', { name: 'Try Again' }).isVisible());
    await p.screenshot({ path: path.resolve(__dirname, '../../test-results/e2e/no-engine.png') }).catch(() => undefined);
  }));

  test('the walkthrough\'s engine step says the named engine did not answer, what to do, and that the bundled engine needs none', () => screenshotOnFailure(() => page, 'no engine walkthrough', async () => {
    const p = page!;
    await resetWindow(p);
    await runFromPalette(p, 'Welcome: Open Walkthrough...');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Stevedore' }).click({ timeout: 15_000 });
    const step = p.locator('.getting-started-step', { has: p.locator('.step-title', { hasText: /^Pick an engine: none answered yet$/ }) });
    await step.click({ timeout: 15_000 });
    assert.match(await step.innerText(), /The engine named by DOCKER_HOST, a docker context or the stevedore\.engine setting did not answer\./);
    assert.match(await step.innerText(), /Or pick the bundled engine, which needs no daemon/);
    assert.equal(await p.locator('.getting-started-step .step-title', { hasText: /Docker is in use|Podman is in use/ }).count(), 0);
  }));

  test('when the engine appears, Try Again fills the views', () => screenshotOnFailure(() => page, 'engine appears', async () => {
    const p = page!;
    await resetWindow(p);
    const proxy = new DaemonProxy(nowhere, daemonTarget());
    await proxy.open();
    try {
      await p.locator('.part.sidebar .welcome-view-content').first().getByRole('button', { name: 'Try Again' }).click();
      await treeRow(p, baseImage().split(':')[0]).filter({ has: p.locator('.codicon-repo') }).waitFor({ timeout: 10_000 });
    } finally {
      await proxy.cut();
    }
  }));
});
