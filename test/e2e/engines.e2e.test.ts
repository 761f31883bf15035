import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { codeServerMissing, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { DaemonProxy } from '../support/daemonProxy';
import { testEngines } from '../support/engines';
import { freePort } from '../support/tlsDaemon';
import { baseImage, skipUnlessAvailable, uniqueName } from '../support/services';
import { chromiumMissing, openBrowser, resetWindow, screenshotOnFailure, showStevedore, treeRow } from '../support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');
const [dockerEngine, podmanEngine] = testEngines();
const missing = dockerEngine.missing() ?? podmanEngine.missing() ?? codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);

/**
 * Two engines on one machine, as a user has them: Docker (DOCKER_HOST, the `default` context) and
 * Podman, made a docker context with `docker context create`'s layout. The Engines view lists both
 * and switches between them with a click; the Images view and the status bar follow, no reload.
 */
describe('the Engines view in a real VS Code with Docker and Podman', { skip: skipUnlessAvailable(missing) }, () => {
  const dockerRepo = uniqueName('stevedore-e2e-on-docker/app');
  // Podman lists it as docker.io/<this>: the Images view shows the engine's own names.
  const podmanRepo = uniqueName('stevedore-e2e-on-podman/app');
  const context = 'podman-e2e';
  const flaky = 'flaky-tcp';
  let proxy: DaemonProxy | undefined;
  let proxyPort = 0;
  let config: string | undefined;
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  const shot = (name: string, body: () => Promise<void>) => screenshotOnFailure(() => page, name, body);

  before(async () => {
    dockerEngine.cli('tag', baseImage(), `${dockerRepo}:v1`);
    podmanEngine.cli('tag', baseImage(), `${podmanRepo}:v1`);
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-e2e-docker-config-'));
    const addContext = (name: string, description: string, host: string) => {
      const meta = path.join(config!, 'contexts/meta', createHash('sha256').update(name).digest('hex'));
      fs.mkdirSync(meta, { recursive: true });
      fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: { Description: description }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
    };
    addContext(context, 'Podman of the test services', podmanEngine.host!);
    // Docker again, through a TCP proxy the last test cuts and restores, like a remote engine that goes away.
    proxyPort = await freePort();
    const target = dockerEngine.endpoint().transport;
    proxy = new DaemonProxy('', target.kind === 'socket' ? { path: target.path } : { host: '127.0.0.1', port: 0 });
    await proxy.listen({ host: '127.0.0.1', port: proxyPort });
    addContext(flaky, 'Docker through a proxy', `tcp://127.0.0.1:${proxyPort}`);
    server = await startCodeServer({ vsix: VSIX, env: { DOCKER_HOST: dockerEngine.host, DOCKER_CONFIG: config } });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-chromium-'));
    ({ context: browser, page } = await openBrowser(profile));
    await page.goto(server.workbenchUrl);
    await showStevedore(page);
  });

  after(async () => {
    await proxy?.cut();
    await browser?.close();
    await server?.stop();
    for (const dir of [profile, config]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dockerEngine.cli('rmi', `${dockerRepo}:v1`);
    podmanEngine.cli('rmi', `${podmanRepo}:v1`);
  });

  const statusBar = (p: Page, text: string) => p.locator('.part.statusbar .statusbar-item', { hasText: text });

  test('Docker first: its image in Images, "Docker: default" in the status bar', () => shot('engines docker first', async () => {
    const p = page!;
    await treeRow(p, dockerRepo).waitFor({ timeout: 30_000 });
    await statusBar(p, 'Docker: default').waitFor({ timeout: 10_000 });
    assert.equal(await treeRow(p, podmanEngine.listedName(podmanRepo)).count(), 0);
  }));

  test('the Engines view lists the default context and the Podman context, each reachable, the one in use marked', () => shot('engines listed', async () => {
    const p = page!;
    await resetWindow(p);
    await p.locator('.part.sidebar .pane-header', { hasText: 'Engines' }).click();
    const defaultRow = treeRow(p, 'default');
    await defaultRow.filter({ hasText: 'in use' }).waitFor({ timeout: 15_000 });
    assert.match(await defaultRow.innerText(), new RegExp(`in use · Docker Engine ${dockerEngine.cli('version', '--format', '{{.Server.Version}}').replace(/[.+]/g, '\\$&')}`));
    const podmanRow = treeRow(p, context);
    await podmanRow.filter({ hasText: `Podman ${podmanEngine.cli('version', '--format', '{{.Server.Version}}')}` }).waitFor({ timeout: 15_000 });
    assert.match(await podmanRow.innerText(), /Podman of the test services/);
    assert.doesNotMatch(await podmanRow.innerText(), /in use/);
    await p.screenshot({ path: path.resolve(__dirname, '../../test-results/e2e/engines.png') }).catch(() => undefined);
  }));

  test('a click on the Podman context switches: Images shows Podman\'s image, the status bar says Podman', () => shot('engines switch to podman', async () => {
    const p = page!;
    await resetWindow(p);
    const clicked = Date.now();
    await treeRow(p, context).click();
    await treeRow(p, podmanEngine.listedName(podmanRepo)).waitFor({ timeout: 15_000 });
    console.log(`# Images view showed Podman's image ${Date.now() - clicked} ms after the click`);
    await treeRow(p, dockerRepo).waitFor({ state: 'detached', timeout: 5000 });
    await statusBar(p, `Podman: ${context}`).waitFor({ timeout: 5000 });
    await treeRow(p, context).filter({ hasText: 'in use' }).waitFor({ timeout: 5000 });
  }));

  test('and back to Docker with a click on default', () => shot('engines switch back', async () => {
    const p = page!;
    await resetWindow(p);
    await treeRow(p, 'default').click();
    await treeRow(p, dockerRepo).waitFor({ timeout: 15_000 });
    await treeRow(p, podmanEngine.listedName(podmanRepo)).waitFor({ state: 'detached', timeout: 5000 });
    await statusBar(p, 'Docker: default').waitFor({ timeout: 5000 });
  }));

  test('an engine that stops answering: one item in Images and Containers says why and what to do; the views come back by themselves', () => shot('engines unreachable and back', async () => {
    const p = page!;
    await resetWindow(p);
    await treeRow(p, flaky).click();
    await treeRow(p, dockerRepo).waitFor({ timeout: 15_000 });
    await statusBar(p, `Docker: ${flaky}`).waitFor({ timeout: 5000 });
    await proxy!.cut();
    const problem = treeRow(p, 'The engine does not answer');
    await problem.first().waitFor({ timeout: 10_000 });
    assert.equal(await problem.count(), 2, 'one item in Images and one in Containers');
    assert.match(await problem.first().innerText(), /Check that it is running and that the host and port are right/);
    await p.screenshot({ path: path.resolve(__dirname, '../../test-results/e2e/engine-unreachable.png') }).catch(() => undefined);
    await treeRow(p, dockerRepo).waitFor({ state: 'detached', timeout: 5000 });
    await statusBar(p, `${flaky}: unreachable`).waitFor({ timeout: 5000 });
    await proxy!.listen({ host: '127.0.0.1', port: proxyPort });
    const back = Date.now();
    await treeRow(p, dockerRepo).waitFor({ timeout: 20_000 });
    console.log(`# views recovered ${Date.now() - back} ms after the engine came back (retry with backoff, no click)`);
    assert.equal(await problem.count(), 0);
    await statusBar(p, `Docker: ${flaky}`).waitFor({ timeout: 5000 });
  }));
});
