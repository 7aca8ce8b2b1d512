/**
 * Headless Chromium for the browser e2e suites: playwright-core driving Debian's
 * /usr/bin/chromium (never a downloaded browser). A missing binary FAILS the suite with the
 * package to install; it never skips.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where failure screenshots go (gitignored). */
export const TEST_OUTPUT_DIR = path.resolve('test-results');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser e2e suite needs the Debian package \`chromium\`: ` +
        'apt-get install -y chromium (or set CHROMIUM_PATH).',
    );
  }
}

export async function launchBrowser(): Promise<Browser> {
  assertChromiumInstalled();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A fresh browser profile (its own cookies: one signed-in user) for `baseURL`. */
export function newUserContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL, viewport: { width: 1280, height: 860 } });
}

/** Signs in through the sign-in page's form and waits for the home page's live connection. */
export async function signInThroughUi(page: Page, username: string, password = 'demo'): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await waitForConnected(page);
}

export function connectionBadge(page: Page) {
  return page.getByTestId('connection-badge');
}

export async function waitForConnected(page: Page, timeout = 20_000): Promise<void> {
  await connectionBadge(page).and(page.locator('[data-status="connected"]')).waitFor({ timeout });
}

/** Saves a full-page PNG of every open page under test-results/ (for a failed test). */
export async function saveScreenshots(pages: Iterable<Page>, name: string): Promise<string[]> {
  mkdirSync(TEST_OUTPUT_DIR, { recursive: true });
  const saved: string[] = [];
  let index = 0;
  for (const page of pages) {
    if (page.isClosed()) continue;
    const file = path.join(TEST_OUTPUT_DIR, `${name.replace(/[^\w.-]+/g, '-')}-${index++}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      saved.push(file);
    } catch {
      // a crashed page: nothing to save
    }
  }
  return saved;
}
