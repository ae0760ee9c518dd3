// /explorer in Chromium (console.md §1, §3): GraphiQL from the installed packages starts under the CSP (no inline
// script) with no console error, runs a query with the session cookie and shows the answer GraphQL gives; without
// a session it says where to sign in. No request leaves 127.0.0.1.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { type Fixture, type TestServer, buildFixture, startTestServer } from '../graphql-fixture.js';
import { describeBrowser, launchBrowser, openPage, screenshot, signIn } from './browser.js';

describeBrowser('the explorer in Chromium', () => {
  const fx: Fixture = buildFixture();
  let t: TestServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    t = await startTestServer({ fixture: fx });
    origin = new URL(t.server.consoleUrl).origin;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test('without a session it says where to sign in, and shows no data', async () => {
    const p = await openPage(browser);
    try {
      await p.page.goto(`${origin}/explorer`);
      const note = p.page.locator('.explorer-note');
      await note.filter({ hasText: 'Sign in first' }).waitFor();
      expect(await p.page.locator('.explorer-note a').getAttribute('href')).toBe('/#/overview');
      expect(await p.page.locator('.graphiql-container').count()).toBe(0);
      // it asked /session, not a GraphQL question that would be refused: no failed request, no console error
      expect(p.errors).toEqual([]);
      p.assertLocal();
    } finally {
      await p.close();
    }
  });

  test('signed in, GraphiQL starts under the CSP without errors and runs a query with the session', async () => {
    const p = await openPage(browser);
    const violations: string[] = [];
    p.page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    try {
      expect(await signIn(p.page, origin, t.token!)).toBe(true);
      expect(p.errors, 'signing in logs no error (the page asks /session first)').toEqual([]);
      const response = await p.page.goto(`${origin}/explorer`);
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self';/);
      await p.page.locator('.graphiql-container').waitFor();
      // the schema loads through the cookie (introspection), then a query typed into the editor runs
      await p.page.locator('.graphiql-query-editor .CodeMirror').waitFor();
      await p.page.evaluate(() => {
        const cm = (globalThis as any).document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
        cm.setValue('{ activities(first: 1) { totalCount } }');
      });
      const answered = p.page.waitForResponse((r) => new URL(r.url()).pathname === '/graphql' && (r.request().postData() ?? '').includes('totalCount'));
      await p.page.locator('.graphiql-execute-button').click();
      const res = await answered;
      expect(res.status()).toBe(200);
      const result = p.page.locator('.graphiql-response .CodeMirror');
      await result.filter({ hasText: 'totalCount' }).waitFor();
      const shown = await p.page.evaluate(() => (globalThis as any).document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue() as string);
      expect(JSON.parse(shown)).toEqual({ data: { activities: { totalCount: fx.activities.length } } });
      await screenshot(p.page, 'explorer');
      expect(violations).toEqual([]);
      expect(p.errors).toEqual([]);
      p.assertLocal();
      expect(p.requests.some((u) => u.endsWith('/vendor/graphiql/index.umd.js'))).toBe(true);
    } finally {
      await p.close();
    }
  });
});
