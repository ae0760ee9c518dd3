// Signing in and out of the console in Chromium (console.md §2): a wrong token starts nothing and reads nothing;
// the right one sets an HttpOnly, SameSite=Strict cookie the page's own requests carry; signing out ends the
// session on the server; a write session changes an alert, a read one cannot; over HTTPS the cookie is Secure. No
// request leaves 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startGraphqlServer } from '../../src/graphql/server.js';
import type { Browser } from 'playwright-core';
import { type Fixture, type TestServer, buildFixture, startTestServer } from '../graphql-fixture.js';
import { type FxAlert, buildAlerts, writeAlertStore } from '../graphql-alerts-fixture.js';
import { describeBrowser, launchBrowser, openPage, pageGql, signIn, signOut } from './browser.js';

const WRITE = 'console-write-token-5e4d3c2b1a09';
const COUNT = '{ viewer { authenticated writable } activities(first: 1) { totalCount } }';
const ACK = 'mutation($id: ID!) { acknowledgeAlert(id: $id, by: "console") { id status } }';
const ALERT = 'query($id: ID!) { alert(id: $id) { status } }';

describeBrowser('console sign-in in Chromium', () => {
  const fx: Fixture = buildFixture();
  const alerts: FxAlert[] = buildAlerts(fx);
  let t: TestServer;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    t = await startTestServer({ fixture: fx, writeToken: WRITE, prepare: (dir) => writeAlertStore(dir, fx, alerts) });
    origin = new URL(t.server.consoleUrl).origin;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test('a wrong token starts no session and reads nothing; the right one reads what GraphQL answers; sign-out ends it', async () => {
    const p = await openPage(browser);
    try {
      expect(await signIn(p.page, origin, `${t.token}-wrong`)).toBe(false);
      expect(new URL(p.page.url()).search).toBe('?login=failed');
      expect(await p.context.cookies()).toEqual([]);
      const refused = await pageGql(p.page, COUNT);
      expect(refused.status).toBe(401);
      expect(refused.body.data).toBeUndefined();

      expect(await signIn(p.page, origin, t.token!)).toBe(true);
      const [cookie] = await p.context.cookies();
      expect(cookie).toMatchObject({ name: 'cl_session', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
      expect(await p.page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie), 'HttpOnly: no script reads the session').toBe('');
      const answer = await pageGql(p.page, COUNT);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ viewer: { authenticated: true, writable: false }, activities: { totalCount: fx.activities.length } });

      await signOut(p.page);
      expect(await p.context.cookies()).toEqual([]);
      // the old cookie, put back by hand, no longer reads: the session ended on the server
      await p.context.addCookies([cookie]);
      const after = await pageGql(p.page, COUNT);
      expect(after.status).toBe(401);
      expect(after.body.data).toBeUndefined();
      expect(p.errors.filter((e) => !/401/.test(e))).toEqual([]);
      p.assertLocal();
    } finally {
      await p.close();
    }
  });

  test('a signed-out visit to a route shows the form without a refused request; signing in returns to that route', async () => {
    const p = await openPage(browser);
    const failed: string[] = [];
    p.page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    try {
      await p.page.goto(`${origin}/#/alerts`);
      await p.page.locator('#signin:not([hidden]) input[name="token"]').waitFor();
      expect(failed).toEqual([]);
      await p.page.locator('form[action="/login"] input[name="token"]').fill(t.token!);
      await Promise.all([
        p.page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'),
        p.page.waitForEvent('framenavigated', (frame) => frame === p.page.mainFrame()),
        p.page.locator('form[action="/login"] [type="submit"]').click(),
      ]);
      await p.page.locator('#page-alerts[data-ready="true"]').waitFor();
      expect(new URL(p.page.url()).hash).toBe('#/alerts');
      expect(failed).toEqual([]);
      expect(p.errors).toEqual([]);
      p.assertLocal();
    } finally {
      await p.close();
    }
  });

  test('a session signed in with the write token may acknowledge an alert; a read session may not', async () => {
    const [first, second] = alerts.filter((a) => a.status === 'open');
    const reader = await openPage(browser);
    const writer = await openPage(browser);
    try {
      expect(await signIn(reader.page, origin, t.token!)).toBe(true);
      const refused = await pageGql(reader.page, ACK, { id: first.id });
      expect(refused.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(refused.body.errors?.[0].message).toMatch(/needs the write token/);
      expect((await pageGql(reader.page, ALERT, { id: first.id })).body.data.alert.status).toBe('OPEN');

      expect(await signIn(writer.page, origin, WRITE)).toBe(true);
      expect((await pageGql(writer.page, '{ viewer { authenticated writable } }')).body.data.viewer).toEqual({ authenticated: true, writable: true });
      const done = await pageGql(writer.page, ACK, { id: second.id });
      expect(done.body).toEqual({ data: { acknowledgeAlert: { id: second.id, status: 'ACKNOWLEDGED' } } });
      // the reader sees the change: one store behind both sessions
      expect((await pageGql(reader.page, ALERT, { id: second.id })).body.data.alert.status).toBe('ACKNOWLEDGED');
      reader.assertLocal();
      writer.assertLocal();
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  test('over HTTPS (a certificate openssl makes here) the cookie is Secure and the session reads', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'console-tls-browser-'));
    try {
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      } catch {
        ctx.skip('openssl is not installed (apt-get install openssl): cannot make a certificate for the HTTPS test');
      }
      const server = await startGraphqlServer({ dataDir: t.dataDir, port: 0, host: '127.0.0.1', token: t.token, tls: { cert: readFileSync(join(dir, 'c.pem')), key: readFileSync(join(dir, 'k.pem')) } });
      const p = await openPage(browser, { selfSignedTls: true });
      try {
        const secureOrigin = new URL(server.consoleUrl).origin;
        expect(secureOrigin).toMatch(/^https:/);
        expect(await signIn(p.page, secureOrigin, t.token!)).toBe(true);
        const [cookie] = await p.context.cookies();
        expect(cookie).toMatchObject({ name: 'cl_session', httpOnly: true, sameSite: 'Strict', secure: true });
        const answer = await pageGql(p.page, COUNT);
        expect(answer.body.data).toEqual({ viewer: { authenticated: true, writable: false }, activities: { totalCount: fx.activities.length } });
        p.assertLocal();
      } finally {
        await p.close();
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
