import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

/** Debian's Chromium, headless, with the flags that keep it off this machine's closed network. */
export async function openBrowser(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/**
 * A tree row in the side bar by its label, exactly: other images and containers on a shared daemon
 * ("smoke/busybox" next to "busybox") must not match.
 */
export function treeRow(page: Page, label: string): Locator {
  return page.locator('.part.sidebar .monaco-list-row[role="treeitem"]', { has: page.locator('.label-name', { hasText: exactly(label) }) });
}

/** Shows the Stevedore side bar (the activity-bar item toggles it, so only click when it is not shown). */
export async function showStevedore(page: Page): Promise<void> {
  const icon = page.locator('.activitybar .action-item a[aria-label^="Stevedore"]');
  await icon.waitFor({ timeout: 90_000 });
  if (!(await page.locator('.part.sidebar .pane-header', { hasText: 'Containers' }).isVisible())) await icon.click();
  await page.locator('.part.sidebar .pane-header', { hasText: 'Containers' }).waitFor({ timeout: 15_000 });
}

/** Clicks an entry of the open context menu by its label. */
export async function clickMenuItem(page: Page, label: string): Promise<void> {
  const item = page.locator('.monaco-menu .action-menu-item', { has: page.locator('.action-label', { hasText: exactly(label) }) });
  // VS Code's menus ignore a click that comes too quickly after they open, as a person's would not.
  await item.hover();
  await page.waitForTimeout(300);
  await item.click();
  await page.locator('.context-view .monaco-menu').waitFor({ state: 'detached', timeout: 5000 });
}

/** Runs a command from the palette, as a user would (F1, type, Enter). */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.locator('.monaco-workbench .part.editor').click();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** Runs `body`; on failure saves a screenshot named after the test into test-results/e2e, then fails. */
export async function screenshotOnFailure(page: () => Page | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const dir = path.resolve(__dirname, '../../test-results/e2e');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page()?.screenshot({ path: file }).catch(() => undefined);
    console.log(`# screenshot of the failure: ${file}`);
    throw err;
  }
}
