import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { baseImage, dockerMissing, skipUnlessAvailable } from '../support/services';
import { chromiumMissing, openBrowser, resetWindow, runFromPalette, screenshotOnFailure } from '../support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');
const missing = dockerMissing() ?? codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);

/** Line 2 has DL3008, DL3014 and DL3015; line 3 has DL3025. */
const DOCKERFILE = `FROM ${baseImage()}\nRUN apt-get install curl=7.88.1-10\nCMD echo hello\n`;

describe('Dockerfile features in a real VS Code', { skip: skipUnlessAvailable(missing) }, () => {
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  let workspace: string | undefined;
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);
  const problems = () => page!.locator('.markers-panel .monaco-list-row');

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-dockerfile-'));
    fs.writeFileSync(path.join(workspace, 'Dockerfile'), DOCKERFILE);
    server = await startCodeServer({ vsix: VSIX, workspace, env: { DOCKER_HOST: process.env.DOCKER_HOST } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await openDockerfile(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    for (const dir of [profile, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the Problems panel lists the Dockerfile\'s findings with their rule ids', () => shot('dockerfile problems', async () => {
    const p = page!;
    await runFromPalette(p, 'View: Focus Problems (Errors, Warnings, Infos)');
    for (const rule of ['DL3014', 'DL3015', 'DL3025']) await problems().filter({ hasText: rule }).first().waitFor({ timeout: 30_000 });
    const dl3014 = await problems().filter({ hasText: 'DL3014' }).first().innerText();
    assert.match(dl3014, /Use the `?-y`? switch/);
    assert.match(dl3014, /Ln 2, Col 5/);
  }));

  test('hovering FROM shows our doc; hovering the image shows what the engine knows of it', () => shot('dockerfile hover', async () => {
    const p = page!;
    await resetWindow(p);
    await openDockerfile(p);
    const firstLine = p.locator('.monaco-editor .view-line').filter({ hasText: 'FROM' }).first();
    await firstLine.locator('span', { hasText: /^FROM$/ }).first().hover();
    const hover = p.locator('.monaco-hover-content');
    await hover.filter({ hasText: 'Starts a build stage' }).waitFor({ timeout: 15_000 });
    assert.match(await hover.first().innerText(), /Common mistake:/);
    await closeHover(p);
    await firstLine.locator('span', { hasText: baseImage().split(':')[0] }).first().hover();
    await hover.filter({ hasText: /In Docker Engine/ }).waitFor({ timeout: 15_000 });
    assert.match(await hover.filter({ hasText: /In Docker Engine/ }).innerText(), /created .* ago/);
    await closeHover(p);
  }));

  test('a quick fix adds -y and its diagnostic goes from the Problems panel', () => shot('dockerfile quick fix', async () => {
    const p = page!;
    await resetWindow(p);
    await openDockerfile(p);
    // The Problems panel, with the finding the fix removes, before the fix.
    await runFromPalette(p, 'View: Focus Problems (Errors, Warnings, Infos)');
    await problems().filter({ hasText: 'DL3014' }).first().waitFor({ timeout: 30_000 });
    await closeHover(p);
    await p.locator('.monaco-editor .view-line', { hasText: 'apt-get install' }).locator('span', { hasText: 'apt-get' }).first().click();
    await p.keyboard.press('Control+.');
    const action = p.locator('.action-widget .monaco-list-row', { hasText: 'Add -y to apt-get install' });
    await action.waitFor({ timeout: 15_000 });
    await action.click();
    await p.locator('.monaco-editor .view-line', { hasText: 'apt-get install -y curl' }).waitFor({ timeout: 10_000 });
    await problems().filter({ hasText: 'DL3014' }).first().waitFor({ state: 'detached', timeout: 10_000 });
    assert.ok(await problems().filter({ hasText: 'DL3015' }).count() > 0, 'the other findings stay');
  }));
});

/** Opens the workspace's Dockerfile from the Explorer, and waits for its text. */
async function openDockerfile(p: Page): Promise<void> {
  await p.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Dockerfile' }).click({ timeout: 60_000 });
  await p.locator('.monaco-editor .view-line', { hasText: 'apt-get install' }).waitFor({ timeout: 30_000 });
}

/** As a person does: Escape and the mouse away from the text, until no hover is shown. */
async function closeHover(p: Page): Promise<void> {
  await p.mouse.move(5, 5);
  await p.keyboard.press('Escape');
  await p.locator('.monaco-hover-content').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}
