import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { coreBaseMissing } from '../support/coreRuntime';
import { baseImage, docker, skipUnlessAvailable } from '../support/services';
import { chromiumMissing, clickMenuItem, openBrowser, resetWindow, runFromPalette, screenshotOnFailure, showStevedore, treeRow } from '../support/workbench';

const ROOT = path.resolve(__dirname, '../..');
const VSIX = path.join(ROOT, 'stevedore.vsix');
const CLI = path.join(ROOT, 'dist/cli.js');
// The default sockets the automatic choice tries after DOCKER_HOST and the docker contexts.
const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/run/podman/podman.sock', `/run/user/${process.getuid?.() ?? 0}/podman/podman.sock`];
const socketsPresent = DEFAULT_SOCKETS.filter((s) => fs.existsSync(s));
const missing = coreBaseMissing() ?? codeServerMissing() ?? chromiumMissing()
  ?? (fs.existsSync(VSIX) && fs.existsSync(CLI) ? undefined : `${VSIX} or ${CLI} is missing (npm run package)`)
  ?? (socketsPresent.length ? `a default engine socket exists (${socketsPresent.join(', ')}): the automatic choice would not fall back to the bundled core` : undefined);

describe('Stevedore in a real VS Code with no daemon at all: the bundled core builds, runs, logs, stops and removes', { skip: skipUnlessAvailable(missing) }, () => {
  const tag = `stevedore-e2e/core-app:${process.pid}`;
  const containerName = `stevedore-e2e-core-${process.pid}`;
  let home: string | undefined;
  let workspace: string | undefined;
  let dockerConfig: string | undefined;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);
  const cli = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args, '--engine', 'core'], { env: { ...process.env, STEVEDORE_HOME: home }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-core-home-'));
    const archive = path.join(home, 'base.tar');
    docker('save', '-o', archive, baseImage());
    cli('load', '-i', archive);
    fs.rmSync(archive);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-core-ws-'));
    fs.mkdirSync(path.join(workspace, 'app'));
    fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), `FROM ${baseImage()}\nRUN echo built-by-core-e2e > /built.txt\nCMD ["sh", "-c", "trap 'exit 0' TERM; cat /built.txt; while :; do sleep 1; done"]\n`);
    // No daemon to find: no DOCKER_HOST, no DOCKER_CONTEXT, an empty docker config (no contexts), no default socket.
    dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-core-docker-config-'));
    server = await startCodeServer({
      vsix: VSIX,
      workspace,
      env: { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_CONFIG: dockerConfig, XDG_RUNTIME_DIR: undefined, STEVEDORE_HOME: home },
      // The DOM renderer, so the terminal's text is in the page as the user reads it.
      settings: { 'terminal.integrated.gpuAcceleration': 'off' },
    });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (home) {
      try {
        cli('rm', '-f', containerName);
      } catch {
        // removed by the test, or never created
      }
    }
    for (const dir of [profile, workspace, dockerConfig, home]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('with "Automatic" and no daemon, the views show the bundled core\'s store', () => shot('core automatic', async () => {
    const p = page!;
    const started = Date.now();
    await showStevedore(p);
    await treeRow(p, baseImage().split(':')[0]).filter({ has: p.locator('.codicon-repo') }).waitFor({ timeout: 30_000 });
    await p.locator('.notifications-toasts', { hasText: 'Stevedore uses its bundled engine' }).waitFor({ timeout: 10_000 });
    await p.locator('.part.statusbar .statusbar-item', { hasText: /Bundled core/ }).waitFor({ timeout: 10_000 });
    console.log(`# base image listed from the core store ${since(started)} after the side bar was asked for`);
    // No container yet: the empty view says what to do with this engine, not with the docker CLI.
    await p.locator('.part.sidebar .welcome-view-content', { hasText: 'The bundled engine has no containers. Run one from the Images view' }).waitFor({ timeout: 10_000 });
    assert.equal(await p.locator('.part.sidebar .welcome-view-content', { hasText: 'docker run' }).count(), 0);
  }));

  test('the walkthrough\'s engine step says the bundled engine is in use', () => shot('core walkthrough', async () => {
    const p = page!;
    await resetWindow(p);
    // The workbench sometimes takes focus back from a palette opened while it settles: runFromPalette opens it again.
    await runFromPalette(p, 'Welcome: Open Walkthrough...');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Stevedore' }).click({ timeout: 15_000 });
    const step = p.locator('.getting-started-step', { has: p.locator('.step-title', { hasText: /^Pick an engine: the bundled engine is in use$/ }) });
    await step.click({ timeout: 15_000 });
    assert.match(await step.innerText(), /Stevedore uses its bundled engine: its own image store and container runner, no daemon needed/);
    assert.equal(await p.locator('.getting-started-step .step-title', { hasText: /none answered yet|Docker is in use|Podman is in use/ }).count(), 0);
    // Closed again, so the Explorer's context menu later opens over the Explorer as the user left it.
    const tab = p.locator('.tabs-container .tab', { hasText: 'Welcome' });
    await tab.click({ button: 'middle' });
    await tab.waitFor({ state: 'detached', timeout: 10_000 });
  }));

  test('the status bar\'s engine picker says the default socket is not running here', () => shot('core engine picker', async () => {
    const p = page!;
    await resetWindow(p);
    await p.locator('.part.statusbar .statusbar-item', { hasText: /Bundled core/ }).click();
    const rows = p.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'Bundled core' }).waitFor({ timeout: 15_000 });
    await rows.filter({ hasText: 'default' }).filter({ hasText: 'Not running here: no socket at /var/run/docker.sock' }).waitFor({ timeout: 5000 });
    await p.keyboard.press('Escape');
    await p.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }));

  test('Build Image from the Explorer\'s context menu: the tag appears in Images', { timeout: 180_000 }, () => shot('core build from explorer', async () => {
    const p = page!;
    await resetWindow(p);
    await p.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
    const folder = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^app$/ });
    await folder.waitFor({ timeout: 15_000 });
    await folder.click();
    const file = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ });
    await file.waitFor({ timeout: 10_000 });
    await file.click();
    await file.click({ button: 'right' });
    await clickMenuItem(p, 'Build Image…');
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(tag);
    const started = Date.now();
    await p.keyboard.press('Enter');
    await showStevedore(p);
    const repo = treeRow(p, tag.split(':')[0]).filter({ has: p.locator('.codicon-repo') });
    await repo.waitFor({ timeout: 150_000 });
    console.log(`# build (FROM + RUN + CMD) to the repository row in Images: ${since(started)}`);
    await repo.click();
    await p.keyboard.press('ArrowRight');
    await treeRow(p, tag.split(':')[1]).waitFor({ timeout: 10_000 });
  }));

  test('Run… with the quick form: the container appears running in Containers', { timeout: 60_000 }, () => shot('core run', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const tagRow = treeRow(p, tag.split(':')[1]);
    await tagRow.click({ button: 'right' });
    await clickMenuItem(p, 'Run…');
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(containerName);
    const started = Date.now();
    await p.keyboard.press('Enter');
    // The remaining steps keep their defaults, as a user in a hurry does.
    for (const step of ['2/4', '3/4', '4/4']) {
      await p.locator('.quick-input-widget .quick-input-title', { hasText: step }).waitFor({ timeout: 10_000 });
      await p.keyboard.press('Enter');
    }
    const row = treeRow(p, containerName);
    await row.locator('.codicon-vm-running').waitFor({ timeout: 30_000 });
    console.log(`# Run… to a running container row: ${since(started)}`);
    assert.match(await row.innerText(), new RegExp(`${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · Up `));
  }));

  test('View Logs shows what the container printed', { timeout: 60_000 }, () => shot('core logs', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const row = treeRow(p, containerName);
    await row.click({ button: 'right' });
    const started = Date.now();
    await clickMenuItem(p, 'View Logs');
    // The build's terminal printed the same words, under its steps: the logs terminal has them alone.
    await p.locator('.part.panel .xterm-rows', { hasText: 'built-by-core-e2e', hasNotText: 'Step 1/3' }).filter({ visible: true }).waitFor({ timeout: 20_000 });
    console.log(`# View Logs to the container's output in the terminal: ${since(started)}`);
  }));

  test('Stop from the context menu: the container is exited', { timeout: 60_000 }, () => shot('core stop', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const row = treeRow(p, containerName);
    await row.click({ button: 'right' });
    const started = Date.now();
    await clickMenuItem(p, 'Stop');
    await row.locator('.codicon-vm-outline').waitFor({ timeout: 20_000 });
    console.log(`# Stop to the exited icon: ${since(started)}`);
    assert.match(await row.innerText(), /Exited \(0\)/);
  }));

  test('Remove… from the context menu: the container is gone', { timeout: 60_000 }, () => shot('core remove', async () => {
    const p = page!;
    await resetWindow(p);
    await showStevedore(p);
    const row = treeRow(p, containerName);
    await row.click({ button: 'right' });
    await clickMenuItem(p, 'Remove…');
    const dialog = p.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    const started = Date.now();
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    console.log(`# Remove to the row gone: ${since(started)}`);
    assert.doesNotMatch(cli('ps', '-a'), new RegExp(containerName));
  }));
});
