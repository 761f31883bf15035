import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { baseImage, docker, dockerMissing, runService, skipUnlessAvailable, uniqueName } from '../support/services';
import { chromiumMissing, openBrowser, runFromPalette, screenshotOnFailure, treeRow } from '../support/workbench';

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
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);

  before(async () => {
    docker('tag', baseImage(), tag);
    runService(containerName, ['-p', '127.0.0.1::8080']);
    server = await startCodeServer({ vsix: VSIX, env: { DOCKER_HOST: process.env.DOCKER_HOST } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
    await page.locator('.activitybar .action-item a[aria-label^="Stevedore"]').waitFor({ timeout: 90_000 });
    await settle(server);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    docker('rm', '-f', containerName);
    docker('rmi', tag);
  });

  test('the Stevedore view shows the daemon\'s image under its repository, and the running container', () => shot('views show the daemon', async () => {
    const p = page!;
    await p.locator('.activitybar .action-item a[aria-label^="Stevedore"]').click();
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
    const containerRow = treeRow(p, containerName);
    await containerRow.locator('.codicon-vm-running').waitFor({ timeout: 10_000 });
    docker('stop', containerName);
    const stopped = Date.now();
    await containerRow.locator('.codicon-vm-outline').waitFor({ timeout: 2000 });
    const ms = Date.now() - stopped;
    assert.match(await containerRow.innerText(), /Exited \(0\)/);
    console.log(`# icon changed ${ms} ms after docker stop returned`);
  }));

  test('a container started outside appears without a refresh', () => shot('new container appears', async () => {
    const p = page!;
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
    await runFromPalette(p, 'Developer: Show Running Extensions');
    const row = p.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Stevedore' });
    const time = row.locator('.activation-time');
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
