// The browser-test harness (console.md §6): Debian's Chromium driven by playwright-core. Without Chromium the
// tests are skipped, saying why and how to install it; with CL_REQUIRE_BROWSER=1 (CI) a missing browser fails
// them. Every request a page makes is recorded, anything not for 127.0.0.1 is refused, and assertLocal() fails
// a test whose page tried to reach elsewhere. screenshot() writes docs/screenshots/<name>.png.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, expect } from 'vitest';

export const CHROMIUM_PATH = process.env.CL_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install chromium';
export const BROWSER_REQUIRED = process.env.CL_REQUIRE_BROWSER === '1';
/** Generous: the machine running the suite may be loaded (no timed assertion depends on these). */
export const BROWSER_TIMEOUT_MS = 60_000;
export const BROWSER_TEST_TIMEOUT_MS = 180_000;
/** docs/screenshots/ (the README shows them) when CL_UPDATE_SCREENSHOTS=1; otherwise a temporary folder, so a
 * test run leaves the checkout as it found it (the pages show times, so every run's pictures differ). */
export const SCREENSHOT_DIR =
  process.env.CL_UPDATE_SCREENSHOTS === '1' ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots') : join(tmpdir(), 'compliance-lake-screenshots');

/** Why the browser tests cannot run here; null when they can (or must: CL_REQUIRE_BROWSER=1). */
export function browserSkipReason(): string | null {
  if (BROWSER_REQUIRED || existsSync(CHROMIUM_PATH)) return null;
  return `Chromium not found at ${CHROMIUM_PATH}: the browser tests are skipped. Install it with \`${CHROMIUM_INSTALL}\` (or set CL_CHROMIUM to a Chromium binary)`;
}

/** describe() for browser tests: skipped, with the reason printed, when there is no Chromium. */
export function describeBrowser(name: string, body: () => void): void {
  const reason = browserSkipReason();
  if (reason) {
    console.warn(`[skipped] ${name}: ${reason}`);
    describe.skip(`${name} (skipped: ${reason})`, body);
    return;
  }
  describe(name, { timeout: BROWSER_TEST_TIMEOUT_MS }, body);
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`CL_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}: install it with \`${CHROMIUM_INSTALL}\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: BROWSER_TIMEOUT_MS,
    // root in a container: no sandbox; nothing of Chromium's own phones home during a test
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-domain-reliability'],
  });
}

export interface RecordedPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for, in order (including the refused ones). */
  requests: string[];
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Fails unless every request went to 127.0.0.1 (data: and blob: URLs stay in the page). */
  assertLocal(): void;
  close(): Promise<void>;
}

export function isLocalUrl(url: string): boolean {
  if (/^(data|blob|about):/.test(url)) return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

/** A fresh context (no cookies) and page; requests are recorded and only 127.0.0.1 is reachable. */
export async function openPage(browser: Browser, options: { width?: number; height?: number; selfSignedTls?: boolean } = {}): Promise<RecordedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    serviceWorkers: 'block',
    // a test's own throw-away certificate (made by openssl in the test) is trusted; nothing else is reachable anyway
    ignoreHTTPSErrors: options.selfSignedTls ?? false,
  });
  context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
  const page = await context.newPage();
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return {
    context,
    page,
    requests,
    errors,
    assertLocal() {
      expect(requests.length, 'the page made no request at all').toBeGreaterThan(0);
      expect(requests.filter((url) => !isLocalUrl(url)), 'requests that left 127.0.0.1').toEqual([]);
    },
    close: () => context.close(),
  };
}

/** Signs in through the page's form (console.md §5: a plain form posting to /login); true when the server took
 * the token (it answers 303 to / then, to /?login=failed otherwise). */
export async function signIn(page: Page, origin: string, token: string): Promise<boolean> {
  await page.goto(new URL('/', origin).href);
  await page.locator('form[action="/login"] input[name="token"]').fill(token);
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'),
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    page.locator('form[action="/login"] [type="submit"]').click(),
  ]);
  await page.waitForLoadState('load');
  const at = new URL(page.url());
  return at.pathname === '/' && !at.searchParams.has('login');
}

/** Signs out through the page's form posting to /logout. */
export async function signOut(page: Page): Promise<void> {
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/logout' && r.request().method() === 'POST'),
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    page.locator('form[action="/logout"] [type="submit"]').click(),
  ]);
  await page.waitForLoadState('load');
}

/** POSTs a GraphQL request from inside the page (same origin, so the session cookie goes along). */
export function pageGql(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ([q, v]) => {
      const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q, variables: v }) });
      return { status: res.status, body: await res.json() };
    },
    [query, variables] as const,
  );
}

/** Writes <SCREENSHOT_DIR>/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name "${name}": use lowercase letters, digits and dashes`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
