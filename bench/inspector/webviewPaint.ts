// The inspector's own figures in a real VS Code: code-server with the packaged extension, Chromium
// right-clicking each archive in the Explorer, and the times the webview reports back to the
// extension's log (layer list painted, complete index painted, after the command).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeServerMissing, startCodeServer } from '../../scripts/codeServer';
import { makeImageArchive, makeTar } from '../../test/support/tarBuilder';
import { chromiumMissing, clickMenuItem, openBrowser } from '../../test/support/workbench';

const VSIX = path.resolve(__dirname, '../../stevedore.vsix');

export interface PaintTimes {
  readonly archive: string;
  readonly layersMs: number;
  readonly indexMs: number;
}

/**
 * The paint times per archive, or why they could not be measured. A small archive is opened first
 * (its times come first): the first webview of a session also pays for VS Code's webview start-up.
 */
export async function measureWebview(archives: readonly string[], dir: string): Promise<PaintTimes[] | string> {
  const missing = codeServerMissing() ?? chromiumMissing() ?? (fs.existsSync(VSIX) ? undefined : `${VSIX} is missing (npm run package)`);
  if (missing) return missing;
  const workspace = fs.mkdtempSync(path.join(dir, 'ui-'));
  const cache = fs.mkdtempSync(path.join(dir, 'ui-cache-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-chromium-'));
  const warmup = path.join(workspace, 'first-webview.tar');
  fs.writeFileSync(warmup, makeImageArchive([makeTar([{ path: 'hello.txt', content: 'hello' }])], { tag: 'first/webview:1' }));
  for (const archive of archives) fs.symlinkSync(archive, path.join(workspace, path.basename(archive)));
  const server = await startCodeServer({ vsix: VSIX, workspace, env: { STEVEDORE_CACHE_DIR: cache } });
  const { context, page } = await openBrowser(profile);
  try {
    await page.goto(server.workbenchUrl);
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });
    // The extension's menu entries exist once its contributions are read (its icon shows then).
    await page.locator('.activitybar .action-item a[aria-label^="Stevedore"]').waitFor({ timeout: 90_000 });
    const times: PaintTimes[] = [];
    for (const archive of [warmup, ...archives]) {
      // Both archives hold the same layers: each starts from an empty cache.
      for (const entry of fs.readdirSync(cache)) fs.rmSync(path.join(cache, entry), { recursive: true, force: true });
      const name = path.basename(archive);
      const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) });
      await row.click({ button: 'right' });
      await clickMenuItem(page, 'Inspect Image Layers');
      const log = () => server.logFiles('Stevedore.log').map((f) => fs.readFileSync(f, 'utf8')).join('');
      const pattern = (what: string) => new RegExp(`${what} painted (\\d+) ms after the command \\(Layers: ${name.replace(/\./g, '\\.')}\\)`);
      const deadline = Date.now() + 180_000;
      while (!pattern('complete index').test(log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const text = log();
      times.push({ archive, layersMs: Number(pattern('layer list').exec(text)?.[1] ?? NaN), indexMs: Number(pattern('complete index').exec(text)?.[1] ?? NaN) });
    }
    return times;
  } catch (err) {
    const shot = path.join(dir, 'webview-failure.png');
    await page.screenshot({ path: shot }).catch(() => undefined);
    return `${(err as Error).message.split('\n')[0]} (screenshot: ${shot})`;
  } finally {
    await context.close();
    await server.stop();
    for (const d of [workspace, cache, profile]) fs.rmSync(d, { recursive: true, force: true });
  }
}
