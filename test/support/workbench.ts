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

const PALETTE_ATTEMPTS = 3;

/**
 * Puts the keyboard in the workbench for F1: a click into the editor area when no editor is open.
 * An open editor is left alone — a click in the middle of it could press one of its buttons (the
 * walkthrough's), and a webview (the layer inspector) over it takes the click — as F1 reaches the
 * palette from wherever the focus is, a webview included.
 */
async function focusEditorArea(page: Page): Promise<void> {
  if (await page.locator('.editor-group-container .tab').count()) return;
  await page.locator('.monaco-workbench .part.editor').click();
}

/**
 * Runs a command from the palette, as a user would (F1, type, pick the command). Something that takes
 * the focus (a webview settling, the workbench restoring its own) closes the palette; the palette is
 * opened again then, up to three times, each time waiting for its input to show and have the focus.
 */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  const focused = page.locator('.quick-input-widget input.input:focus');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const row = rows.filter({ hasText: title }).first();
  // A title that is also the start of another ("View: Close All Editors in Group") picks its own row.
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: exactly(title) }) }).first();
  let failure: unknown;
  for (let attempt = 1; attempt <= PALETTE_ATTEMPTS; attempt++) {
    try {
      await focusEditorArea(page);
      await page.keyboard.press('F1');
      await focused.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ timeout: 15_000 });
      // Still open and still holding the keyboard: the pick goes to the palette, not to what took the focus.
      await focused.waitFor({ state: 'visible', timeout: 5_000 });
      // The row named so, not whichever row the palette ranks first ("Git: Close All Unmodified Editors").
      await ((await exact.count()) ? exact : row).click({ timeout: 5_000 });
      return;
    } catch (err) {
      failure = err;
      console.log(`# the palette lost "${title}" (attempt ${attempt} of ${PALETTE_ATTEMPTS}): ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw failure;
}

export interface ResetOptions {
  /**
   * Leaves the editors open (a test that goes on in an editor the one before opened, and cannot open
   * it itself), and the keyboard where it is: the test's own first click in that editor puts it
   * there (a click on the tab of the walkthrough, or Escape, takes it back to the Welcome overview).
   */
  keepEditors?: boolean;
}

/**
 * Brings the window to a known state, through the UI as a user would, each step waiting until the
 * workbench shows it: no context menu, quick input or dialog open (Escape); no editor open ("View:
 * Close All Editors", unsaved changes not saved); no notification toast ("Notifications: Clear All
 * Notifications"); the panel closed (its Hide Panel button); the keyboard in the editor area (a click
 * there). For the start of each test but the first, so none depends on what the one before left
 * open (a webview that keeps the focus closes the palette the next test opens).
 */
export async function resetWindow(page: Page, options: ResetOptions = {}): Promise<void> {
  const editorPart = page.locator('.monaco-workbench .part.editor');
  await editorPart.waitFor({ timeout: 90_000 });
  await dismissOverlays(page);

  const tabs = page.locator('.editor-group-container .tab');
  if (!options.keepEditors && (await tabs.count())) {
    await runFromPalette(page, 'View: Close All Editors');
    // An editor with unsaved changes asks first: the test's edits are not kept.
    const dontSave = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Don't Save$/ });
    for (let i = 0; i < 5 && ((await tabs.count()) || (await dontSave.isVisible())); i++) {
      await page.locator('.editor-group-container.empty').or(dontSave).first().waitFor({ timeout: 15_000 });
      if (await dontSave.isVisible()) {
        await dontSave.click();
        await dontSave.waitFor({ state: 'hidden', timeout: 5_000 });
      }
    }
    await tabs.first().waitFor({ state: 'detached', timeout: 15_000 });
  }

  const toasts = page.locator('.notifications-toasts .notification-toast').filter({ visible: true });
  const center = page.locator('.notifications-center').filter({ visible: true });
  if ((await toasts.count()) || (await center.count())) {
    await runFromPalette(page, 'Notifications: Clear All Notifications');
    await toasts.first().waitFor({ state: 'detached', timeout: 10_000 });
    await center.first().waitFor({ state: 'detached', timeout: 10_000 });
  }

  const panel = page.locator('.part.panel');
  if (await panel.isVisible()) {
    await panel.locator('.action-label[aria-label^="Hide Panel"]').click();
    await panel.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  if (options.keepEditors) return;
  // The keyboard in the editor area: a click into the empty editor group.
  await editorPart.click();
  await page.locator('.part.editor:focus-within').waitFor({ timeout: 10_000 });
}

/** Closes an open context menu, quick input or dialog with Escape, as a person does, until none shows. */
async function dismissOverlays(page: Page): Promise<void> {
  const quickInput = page.locator('.quick-input-widget');
  const overlays = [page.locator('.context-view .monaco-menu'), quickInput, page.locator('.monaco-dialog-box')];
  for (let i = 0; i < 6; i++) {
    let open: Locator | undefined;
    for (const overlay of overlays) if (!open && (await overlay.isVisible())) open = overlay;
    if (!open) return;
    // A quick input that kept showing after it lost the focus (ignoreFocusOut) gets it back first.
    if (open === quickInput && !(await quickInput.locator('input.input:focus').count())) await quickInput.locator('input.input').click();
    await page.keyboard.press('Escape');
    await open.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  }
  for (const overlay of overlays) await overlay.waitFor({ state: 'hidden', timeout: 5_000 });
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
