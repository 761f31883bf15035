// The README's first command exactly as written, as a newcomer runs it: a fresh clone of this
// repository's committed HEAD, a fresh HOME (so no code-server cache, no npm cache, no store), no
// engine named, `npm ci && npm start`; then its URL in Chromium: the Stevedore view, the bundled
// engine, the first example's findings, a build from the Explorer's context menu; then Ctrl-C.
// Run by `npm test` under STEVEDORE_TEST_README=1 (CI), beside the layers that need no VS Code, with
// STEVEDORE_README_HOME kept so the later layers reuse its code-server; alone: node scripts/test.mjs readme
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { skipUnlessAvailable } from '../support/services';
import { chromiumMissing, clickMenuItem, openBrowser, resetWindow, runFromPalette, screenshotOnFailure, showStevedore, treeRow } from '../support/workbench';

const ROOT = path.resolve(__dirname, '../..');
const FIRST_COMMAND = 'npm ci && npm start';
const TAG = 'hello:first-minute';
// The automatic choice falls back to the bundled engine only when no default socket exists.
const socketsPresent = ['/var/run/docker.sock', '/run/podman/podman.sock'].filter((s) => fs.existsSync(s));
const missing = chromiumMissing() ?? (socketsPresent.length ? `a default engine socket exists (${socketsPresent.join(', ')}): npm start would use it, not the bundled engine` : undefined);

/** A newcomer's environment: the machine's, less anything that names an engine, a store, a cache or an npm run. */
function newcomerEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|DOCKER_|STEVEDORE_|XDG_|NODE_OPTIONS$|INIT_CWD$)/.test(k)) continue;
    env[k] = v;
  }
  const pathDirs = (env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules/.bin'));
  return { ...env, HOME: home, PATH: pathDirs.join(':') };
}

describe(`the README's first command on a fresh clone with a fresh HOME: ${FIRST_COMMAND}`, { skip: skipUnlessAvailable(missing) }, () => {
  const keepHome = process.env.STEVEDORE_README_HOME;
  const home = keepHome ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-newcomer-'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-first-command-'));
  const clone = path.join(scratch, 'stevedore');
  let start: ChildProcess | undefined;
  let output = '';
  let url = '';
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);
  const cli = (...args: string[]) => execFileSync(process.execPath, [path.join(clone, 'dist/cli.js'), ...args], { cwd: clone, env: newcomerEnv(home), encoding: 'utf8' });

  before(async () => {
    fs.mkdirSync(home, { recursive: true });
    execFileSync('git', ['clone', '-q', ROOT, clone]);
    // Its own process group, so Ctrl-C reaches npm, and what is left can be ended by that group alone.
    start = spawn('bash', ['-c', FIRST_COMMAND], { cwd: clone, env: newcomerEnv(home), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = Date.now();
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL after 15 minutes:\n${output.slice(-4000)}`)), 15 * 60_000);
      const seen = (b: Buffer) => {
        output += b.toString();
        const m = /Stevedore is running in VS Code at (http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      start!.stdout!.on('data', seen);
      start!.stderr!.on('data', seen);
      start!.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${FIRST_COMMAND} exited with ${code} before printing a URL:\n${output.slice(-4000)}`));
      });
    });
    console.log(`# ${FIRST_COMMAND} printed its URL after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    ({ context: browser, page } = await openBrowser(path.join(scratch, 'chromium')));
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    if (start?.pid && start.exitCode === null) {
      try {
        process.kill(-start.pid, 'SIGKILL');
      } catch {
        // ended already
      }
    }
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!keepHome) fs.rmSync(home, { recursive: true, force: true });
  });

  test('it says which engine it uses and that it made the examples\' base image; the CLI sees the same store', () => {
    assert.match(output, /Engine: the bundled engine \(no Docker or Podman engine answered\); its images are in \S+\/\.local\/share\/stevedore/);
    assert.match(output, /Base image busybox:local: imported into the engine from Debian's busybox-static/);
    assert.doesNotMatch(output, /requires node v24|Command failed/);
    assert.match(cli('images', '--engine', 'core'), /^busybox:local\s/m);
  });

  test('the Stevedore view shows the bundled engine and its base image', () => shot('readme stevedore view', async () => {
    const p = page!;
    await showStevedore(p);
    await p.locator('.part.statusbar .statusbar-item', { hasText: /Bundled core/ }).waitFor({ timeout: 60_000 });
    await treeRow(p, 'busybox').waitFor({ timeout: 30_000 });
    // The examples sit inside this repository's clone: VS Code's Git must not ask to open it.
    assert.equal(await p.locator('.notifications-toasts', { hasText: /git repository/i }).count(), 0);
  }));

  test('the walkthrough, opened after the Stevedore view, has its first step done', () => shot('readme walkthrough', async () => {
    const p = page!;
    await runFromPalette(p, 'Welcome: Open Walkthrough...');
    await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with Stevedore' }).click({ timeout: 15_000 });
    await p.locator('[data-done-step-id="stevedore.stevedore#gettingStarted#openExplorer"][aria-checked="true"]').waitFor({ timeout: 15_000 });
    await resetWindow(p);
  }));

  test('the first example\'s Dockerfile shows its findings', () => shot('readme diagnostics', async () => {
    const p = page!;
    await p.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
    await p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^hello$/ }).click({ timeout: 30_000 });
    const file = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ }).first();
    await file.click({ timeout: 10_000 });
    await p.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    await p.keyboard.press('Control+Shift+M');
    const problems = p.locator('.markers-panel');
    for (const rule of ['DL3020', 'DL3025', 'DL3059']) await problems.getByText(rule).first().waitFor({ timeout: 15_000 });
    await p.keyboard.press('Control+Shift+M');
  }));

  test('Build Image from the Explorer\'s context menu builds the first example', { timeout: 240_000 }, () => shot('readme build', async () => {
    const p = page!;
    const file = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ }).first();
    await file.click({ button: 'right' });
    await clickMenuItem(p, 'Build Image…');
    const input = p.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(TAG);
    await p.keyboard.press('Enter');
    await showStevedore(p);
    await treeRow(p, 'hello').waitFor({ timeout: 180_000 });
    assert.match(cli('images', '--engine', 'core'), /^hello:first-minute\s/m);
  }));

  test('Ctrl-C stops the server and everything it started; the store stays', async () => {
    process.kill(-start!.pid!, 'SIGINT');
    const code = await new Promise<number | null>((resolve) => (start!.exitCode !== null ? resolve(start!.exitCode) : start!.once('exit', resolve)));
    console.log(`# ${FIRST_COMMAND} exited with ${code} on Ctrl-C`);
    assert.equal(await fetch(url).then(() => 'answered', () => 'gone'), 'gone', 'code-server still answers after Ctrl-C');
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(-start!.pid!, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.throws(() => process.kill(-start!.pid!, 0), 'a process of npm start\'s group is still running');
    assert.match(cli('images', '--engine', 'core'), /^hello:first-minute\s/m);
  });
});
