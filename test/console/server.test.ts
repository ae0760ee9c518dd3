// The console's server side over loopback (console.md §1-§4): sign-in starts a session only with a right token;
// the cookie's attributes; sign-out and expiry end it on the server; a read session cannot change anything and a
// write session can; no URL gives data without credentials; the security headers on every answer; the vendor
// and asset allow-lists take no path from the URL; cross-site cookie requests are refused; TLS with a
// certificate made here by openssl; the plain-HTTP warning off loopback; tokens and session ids never logged.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadTlsFiles } from '../../src/cli/config.js';
import { SECURITY_HEADERS } from '../../src/graphql/console/headers.js';
import { MAX_SESSIONS, SESSION_IDLE_MS, SESSION_MAX_MS, SessionStore } from '../../src/graphql/console/sessions.js';
import { SIGN_IN_FAILURES_ALLOWED, SIGN_IN_WINDOW_MS } from '../../src/graphql/console/sign-in-limit.js';
import { startGraphqlServer } from '../../src/graphql/server.js';
import { type LogLine, type Fixture, type TestServer, buildFixture, captureLogger, startTestServer } from '../graphql-fixture.js';
import { type FxAlert, buildAlerts, writeAlertStore } from '../graphql-alerts-fixture.js';
import { type RawAnswer, gqlRaw, login, raw, rawBytes } from './http.js';

const fx: Fixture = buildFixture();
const alerts: FxAlert[] = buildAlerts(fx);
const WRITE = 'console-write-token-9a8b7c6d5e4f';
const COUNT = '{ activities(first: 1) { totalCount } }';
const ACK = 'mutation($id: ID!) { acknowledgeAlert(id: $id, by: "console") { id status } }';
/** Strings of the data that must never show up without credentials. */
const DATA_MARKERS = [fx.activities[0].id, fx.activities[1].id, fx.users[0].email, fx.users[1].email, fx.groups[0].name];

let clock = Date.UTC(2026, 5, 1);
let t: TestServer;
let origin: string;
const sessionIds: string[] = [];

beforeAll(async () => {
  t = await startTestServer({ fixture: fx, writeToken: WRITE, prepare: (dir) => writeAlertStore(dir, fx, alerts), now: () => clock });
  origin = new URL(t.server.consoleUrl).origin;
});

afterAll(async () => {
  await t?.close();
});

async function signedIn(token: string): Promise<string> {
  const { answer, cookie } = await login(origin, token);
  expect(answer.status).toBe(303);
  expect(answer.headers.location).toBe('/');
  expect(cookie).not.toBeNull();
  sessionIds.push(cookie!.split('=')[1]);
  return cookie!;
}

const count = async (headers: Record<string, string>) => {
  const res = await gqlRaw(origin, COUNT, headers);
  return { status: res.status, total: res.status === 200 ? (JSON.parse(res.text) as any).data?.activities?.totalCount : undefined, res };
};

function expectNoData(res: RawAnswer, what: string): void {
  for (const marker of DATA_MARKERS) expect(res.text, `${what} shows ${marker}`).not.toContain(marker);
  if ((res.headers['content-type'] ?? '').includes('json')) expect((JSON.parse(res.text) as any).data ?? null, what).toBeNull();
}

describe('sign-in', () => {
  test('a wrong, missing or malformed token starts no session and reads nothing', async () => {
    const attempts: { headers: Record<string, string>; body: string }[] = [
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: `${t.token}x` }).toString() },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.token!.slice(0, -1) }).toString() },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: '' }).toString() },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password: t.token! }).toString() },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
      // the right token, but not as a form, or in a body past the size limit: refused the same way
      { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: t.token }) },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${t.token}&pad=${'x'.repeat(10_000)}` },
    ];
    for (const a of attempts) {
      const res = await raw(origin, { method: 'POST', path: '/login', ...a });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/?login=failed');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.text).not.toContain(t.token!);
    }
    // a cookie the server never issued reads nothing either
    for (const cookie of ['cl_session=' + 'A'.repeat(43), 'cl_session=', `cl_session=${t.token}`]) {
      expect((await count({ cookie })).status).toBe(401);
    }
  });

  test('the cookie is HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP; the session reads what the bearer token reads', async () => {
    const { answer } = await login(origin, t.token);
    const set = answer.headers['set-cookie']!;
    expect(set).toHaveLength(1);
    const [pair, ...attributes] = set[0].split(';').map((p) => p.trim());
    expect(pair).toMatch(/^cl_session=[A-Za-z0-9_-]{43}$/);
    sessionIds.push(pair.split('=')[1]);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    const bySession = await count({ cookie: pair });
    const byBearer = await count({ authorization: `Bearer ${t.token}` });
    expect(bySession.status).toBe(200);
    expect(bySession.total).toBe(fx.activities.length);
    expect(bySession.total).toBe(byBearer.total);
    // a bearer header is judged alone: a wrong one is refused even next to a good cookie
    expect((await count({ cookie: pair, authorization: `Bearer ${t.token}-wrong` })).status).toBe(401);
  });

  test('sign-out ends the session on the server: the old cookie no longer reads', async () => {
    const cookie = await signedIn(t.token!);
    expect((await count({ cookie })).status).toBe(200);
    const out = await raw(origin, { method: 'POST', path: '/logout', headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/');
    expect(out.headers['set-cookie']?.[0]).toMatch(/^cl_session=; Max-Age=0; HttpOnly; SameSite=Strict; Path=\//);
    const after = await count({ cookie });
    expect(after.status).toBe(401);
    expectNoData(after.res, 'after sign-out');
  });

  test('a session ends 12 h after its last request, and 7 days after sign-in whatever happens', async () => {
    const idle = await signedIn(t.token!);
    clock += SESSION_IDLE_MS - 60_000;
    expect((await count({ cookie: idle })).status).toBe(200);
    clock += SESSION_IDLE_MS - 60_000; // 12 h after the last request, not after sign-in
    expect((await count({ cookie: idle })).status).toBe(200);
    clock += SESSION_IDLE_MS;
    expect((await count({ cookie: idle })).status).toBe(401);

    const busy = await signedIn(t.token!);
    const signedInAt = clock;
    while (clock + SESSION_IDLE_MS / 2 < signedInAt + SESSION_MAX_MS) {
      clock += SESSION_IDLE_MS / 2;
      expect((await count({ cookie: busy })).status).toBe(200);
    }
    clock = signedInAt + SESSION_MAX_MS;
    expect((await count({ cookie: busy })).status).toBe(401);
  });

  test('the store keeps at most MAX_SESSIONS: past it the oldest sign-in ends, the newest stay', () => {
    const store = new SessionStore(() => clock);
    const first = store.create('read');
    const second = store.create('write');
    for (let i = 2; i < MAX_SESSIONS; i++) store.create('read');
    expect(store.size).toBe(MAX_SESSIONS);
    const newest = store.create('read');
    expect(store.size).toBe(MAX_SESSIONS);
    expect(store.touch(first)).toBeNull();
    expect(store.touch(second)?.kind).toBe('write');
    expect(store.touch(newest)?.kind).toBe('read');
  });

  test('a read session cannot acknowledge an alert; a write session can; viewer says which', async () => {
    const [first, second] = alerts.filter((a) => a.status === 'open');
    const reader = await signedIn(t.token!);
    const writer = await signedIn(WRITE);
    const viewer = async (cookie: string) => (JSON.parse((await gqlRaw(origin, '{ viewer { authenticated writable } }', { cookie })).text) as any).data.viewer;
    expect(await viewer(reader)).toEqual({ authenticated: true, writable: false });
    expect(await viewer(writer)).toEqual({ authenticated: true, writable: true });
    const refused = JSON.parse((await gqlRaw(origin, ACK, { cookie: reader }, { id: first.id })).text) as any;
    expect(refused.errors[0].extensions.code).toBe('FORBIDDEN');
    const done = JSON.parse((await gqlRaw(origin, ACK, { cookie: writer }, { id: second.id })).text) as any;
    expect(done).toEqual({ data: { acknowledgeAlert: { id: second.id, status: 'ACKNOWLEDGED' } } });
    const status = async (id: string) => (JSON.parse((await gqlRaw(origin, 'query($id: ID!) { alert(id: $id) { status } }', { cookie: reader }, { id })).text) as any).data.alert.status;
    expect(await status(first.id)).toBe('OPEN');
    expect(await status(second.id)).toBe('ACKNOWLEDGED');
  });

  test('a request with the cookie from another site is refused (403), and starts or ends nothing', async () => {
    const cookie = await signedIn(t.token!);
    for (const headers of <Record<string, string>[]>[{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' }]) {
      const res = await gqlRaw(origin, COUNT, { cookie, ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expectNoData(res, 'cross-site');
      const form = await raw(origin, { method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token: t.token! }).toString() });
      expect(form.status).toBe(403);
      expect(form.headers['set-cookie']).toBeUndefined();
      expect((await raw(origin, { method: 'POST', path: '/logout', headers: { cookie, ...headers } })).status).toBe(403);
    }
    // the page's own requests pass
    expect((await count({ cookie, 'sec-fetch-site': 'same-origin', origin })).status).toBe(200);
  });
});

describe('what every URL answers', () => {
  const urls: { method: string; path: string; status: number; type?: RegExp; cache?: string }[] = [
    { method: 'GET', path: '/', status: 200, type: /^text\/html/, cache: 'no-cache' },
    { method: 'HEAD', path: '/', status: 200, type: /^text\/html/, cache: 'no-cache' },
    { method: 'GET', path: '/explorer', status: 200, type: /^text\/html/, cache: 'no-cache' },
    { method: 'GET', path: '/assets/explorer.js', status: 200, type: /^text\/javascript/, cache: 'no-cache' },
    { method: 'GET', path: '/assets/explorer.css', status: 200, type: /^text\/css/, cache: 'no-cache' },
    { method: 'GET', path: '/vendor/uplot/uPlot.esm.js', status: 200, type: /^text\/javascript/, cache: 'max-age=3600' },
    { method: 'GET', path: '/vendor/uplot/uPlot.min.css', status: 200, type: /^text\/css/, cache: 'max-age=3600' },
    { method: 'GET', path: '/vendor/graphiql/index.umd.js', status: 200, type: /^text\/javascript/, cache: 'max-age=3600' },
    { method: 'GET', path: '/vendor/graphiql/style.css', status: 200, type: /^text\/css/, cache: 'max-age=3600' },
    { method: 'GET', path: '/vendor/react/react.production.min.js', status: 200, type: /^text\/javascript/, cache: 'max-age=3600' },
    { method: 'GET', path: '/vendor/react-dom/react-dom.production.min.js', status: 200, type: /^text\/javascript/, cache: 'max-age=3600' },
    { method: 'GET', path: `/graphql?query=${encodeURIComponent(COUNT)}`, status: 401 },
    { method: 'POST', path: '/graphql', status: 401 },
    { method: 'POST', path: '/', status: 404 },
    { method: 'GET', path: '/login', status: 404 },
    { method: 'GET', path: '/nope', status: 404, type: /^text\/plain/ },
    { method: 'DELETE', path: '/assets/explorer.js', status: 404 },
  ];

  test('without credentials: the shell and static files, never data; /graphql 401; the rest 404 in plain text', async () => {
    for (const u of urls) {
      const res = await raw(origin, { method: u.method, path: u.path, headers: u.method === 'POST' ? { 'content-type': 'application/json' } : {}, body: u.method === 'POST' ? JSON.stringify({ query: COUNT }) : undefined });
      expect(res.status, `${u.method} ${u.path}`).toBe(u.status);
      if (u.type) expect(res.headers['content-type'], u.path).toMatch(u.type);
      if (u.cache) expect(res.headers['cache-control'], u.path).toBe(u.cache);
      expectNoData(res, `${u.method} ${u.path}`);
    }
  });

  test('static files carry an ETag; asking with it gets a 304 without a body, asking with another gets the file', async () => {
    for (const path of ['/', '/assets/explorer.js', '/vendor/uplot/uPlot.min.css']) {
      const first = await raw(origin, { path });
      const etag = first.headers.etag!;
      expect(etag, path).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
      const again = await raw(origin, { path, headers: { 'if-none-match': etag } });
      expect(again.status, path).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers['content-security-policy']).toBe(SECURITY_HEADERS['content-security-policy']);
      const other = await raw(origin, { path, headers: { 'if-none-match': '"0-0"' } });
      expect(other.status).toBe(200);
      expect(other.text).toBe(first.text);
    }
  });

  test('a client that accepts gzip gets large static files gzipped, the same bytes once unpacked', async () => {
    const plain = await rawBytes(origin, '/vendor/graphiql/index.umd.js', {});
    const packed = await rawBytes(origin, '/vendor/graphiql/index.umd.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(packed.headers.vary).toBe('Accept-Encoding');
    expect(packed.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(packed.body).equals(plain.body)).toBe(true);
  });

  test('every answer carries the security headers: static, redirect, 401, 403, 404, 413, GraphQL data and errors', async () => {
    const cookie = await signedIn(t.token!);
    const answers: [string, RawAnswer][] = [];
    for (const u of urls) answers.push([`${u.method} ${u.path}`, await raw(origin, { method: u.method, path: u.path })]);
    answers.push(['login', (await login(origin, t.token)).answer]);
    answers.push(['login failed', (await login(origin, 'wrong')).answer]);
    answers.push(['logout', await raw(origin, { method: 'POST', path: '/logout' })]);
    answers.push(['graphql data', await gqlRaw(origin, COUNT, { cookie })]);
    answers.push(['graphql error', await gqlRaw(origin, '{ nope }', { cookie })]);
    answers.push(['graphql 413', await raw(origin, { method: 'POST', path: '/graphql', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ query: COUNT, pad: 'x'.repeat(2 * 1024 * 1024) }) })]);
    answers.push(['cross-site 403', await gqlRaw(origin, COUNT, { cookie, 'sec-fetch-site': 'cross-site' })]);
    expect(answers.map(([, a]) => a.status)).toEqual(expect.arrayContaining([200, 303, 401, 403, 404, 413]));
    for (const [what, res] of answers) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name], `${what}: ${name}`).toBe(value);
    }
    expect(SECURITY_HEADERS['content-security-policy']).toMatch(/script-src 'self';/);
    expect(SECURITY_HEADERS['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(SECURITY_HEADERS['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const data = answers.find(([w]) => w === 'graphql data')![1];
    expect(data.headers['cache-control']).toBe('no-store');
  });

  test('the allow-lists take no path from the URL: traversal, encodings, maps, dot files and unlisted files are 404', async () => {
    for (const path of [
      '/vendor/../package.json',
      '/vendor/uplot/../../package.json',
      '/vendor/uplot/..%2F..%2Fpackage.json',
      '/vendor/uplot%2F..%2F..%2Fpackage.json',
      '/vendor/uplot/package.json',
      '/vendor/uplot/dist/uPlot.esm.js',
      '/vendor/graphiql/index.umd.js.map',
      '/vendor/react/umd/react.production.min.js',
      '/vendor/%2e%2e/%2e%2e/package.json',
      '/vendor/',
      '/assets/../package.json',
      '/assets/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/index.html',
      '/assets/explorer.html',
      '/assets/%',
      '/assets/',
      '/assets//etc/passwd',
      '/assets/../../src/graphql/server.ts',
    ]) {
      const res = await raw(origin, { path });
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toMatch(/^text\/plain/);
      expect(res.text, path).not.toMatch(/"name": "compliance-lake"|startGraphqlServer/);
    }
  });

  test('tokens and session ids never reach the logs', () => {
    expect(t.logs.length).toBeGreaterThan(0);
    const text = JSON.stringify(t.logs);
    expect(sessionIds.length).toBeGreaterThan(3);
    for (const secret of [t.token!, WRITE, ...sessionIds]) expect(text).not.toContain(secret);
    expect(t.logs.some((l) => l.msg === 'console: signed in')).toBe(true);
    expect(t.logs.some((l) => /sign-in refused/.test(l.msg ?? ''))).toBe(true);
  });
});

describe('sign-in: failures per address, the route it returns to, /session, a Secure cookie behind a TLS proxy', () => {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    path: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  test(`after ${SIGN_IN_FAILURES_ALLOWED} wrong tokens in 10 minutes an address is refused, even with the right token, until the window passes`, async () => {
    let now = Date.UTC(2026, 6, 1);
    const s = await startTestServer({ fixture: fx, now: () => now });
    try {
      const o = new URL(s.server.consoleUrl).origin;
      for (let i = 0; i < SIGN_IN_FAILURES_ALLOWED; i++) {
        const res = await raw(o, form({ token: `wrong-${i}-0123456789abcdef` }));
        expect(res.headers.location).toBe('/?login=failed');
        now += 1_000;
      }
      const refused = await raw(o, form({ token: s.token!, next: '#/alerts' }));
      expect(refused.status).toBe(303);
      expect(refused.headers.location).toBe('/?login=limited#/alerts');
      expect(refused.headers['set-cookie']).toBeUndefined();
      // the first failure leaves the window: one more try is allowed, and the right token signs in
      now += SIGN_IN_WINDOW_MS - SIGN_IN_FAILURES_ALLOWED * 1_000 + 1;
      const ok = await raw(o, form({ token: s.token!, next: '#/alerts' }));
      expect(ok.headers.location).toBe('/#/alerts');
      expect(String(ok.headers['set-cookie'])).toMatch(/^cl_session=/);
      // a success clears the count: ten more failures are needed before the next refusal
      for (let i = 0; i < SIGN_IN_FAILURES_ALLOWED - 1; i++) expect((await raw(o, form({ token: 'wrong-again-0123456789' }))).headers.location).toBe('/?login=failed');
      expect((await raw(o, form({ token: s.token! }))).headers.location).toBe('/');
      const warnings = s.logs.filter((l) => /too many failed sign-ins/.test(l.msg ?? ''));
      expect(warnings).toHaveLength(1);
      expect(JSON.stringify(s.logs)).not.toContain(s.token!);
    } finally {
      await s.close();
    }
  });

  test('the sign-in returns to the route the visitor asked for, and only to a route of the page', async () => {
    const s = await startTestServer({ fixture: fx });
    try {
      const o = new URL(s.server.consoleUrl).origin;
      const cases: [string, string][] = [
        ['#/alerts', '/#/alerts'],
        ['#/user/u%2F1?days=30&from=2026-01-01', '/#/user/u%2F1?days=30&from=2026-01-01'],
        ['https://evil.example/', '/'],
        ['//evil.example', '/'],
        ['javascript:alert(1)', '/'],
        ['#/x\r\nSet-Cookie: a=b', '/'],
        [`#/${'a'.repeat(600)}`, '/'],
      ];
      for (const [next, location] of cases) {
        const res = await raw(o, form({ token: s.token!, next }));
        expect(res.headers.location, next).toBe(location);
      }
      expect((await raw(o, form({ token: 'wrong-0123456789abcdef', next: '#/people' }))).headers.location).toBe('/?login=failed#/people');
    } finally {
      await s.close();
    }
  });

  test('/session says whether sign-in is needed and whether this cookie is signed in, and nothing else', async () => {
    const signedOut = await raw(origin, { path: '/session' });
    expect(signedOut.status).toBe(200);
    expect(signedOut.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(signedOut.text)).toEqual({ signInRequired: true, authenticated: false, writable: false });
    const read = await signedIn(t.token!);
    expect(JSON.parse((await raw(origin, { path: '/session', headers: { cookie: read } })).text)).toEqual({ signInRequired: true, authenticated: true, writable: false });
    const write = await signedIn(WRITE);
    expect(JSON.parse((await raw(origin, { path: '/session', headers: { cookie: write } })).text)).toEqual({ signInRequired: true, authenticated: true, writable: true });
    expectNoData(signedOut, '/session');
    const open = await startTestServer({ fixture: fx, token: null });
    try {
      expect(JSON.parse((await raw(new URL(open.server.consoleUrl).origin, { path: '/session' })).text)).toEqual({ signInRequired: false, authenticated: false, writable: false });
    } finally {
      await open.close();
    }
  });

  test('--secure-cookie marks the cookie Secure on a plain-HTTP port (a TLS proxy in front); the URL stays http', async () => {
    const s = await startTestServer({ fixture: fx, secureCookie: true });
    try {
      expect(s.server.url).toMatch(/^http:\/\//);
      const { answer } = await login(new URL(s.server.consoleUrl).origin, s.token);
      expect(String(answer.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await s.close();
    }
    const { answer } = await login(origin, t.token);
    expect(String(answer.headers['set-cookie'])).not.toMatch(/Secure/);
  });
});

describe('a server without a token (loopback only)', () => {
  test('the page and /graphql need no sign-in; viewer says not authenticated; a sign-in starts nothing', async () => {
    const open = await startTestServer({ fixture: fx, token: null });
    try {
      const o = new URL(open.server.consoleUrl).origin;
      expect((await raw(o, { path: '/' })).status).toBe(200);
      const res = await gqlRaw(o, '{ viewer { authenticated writable } activities(first: 1) { totalCount } }');
      expect(JSON.parse(res.text)).toEqual({ data: { viewer: { authenticated: false, writable: false }, activities: { totalCount: fx.activities.length } } });
      const { answer, cookie } = await login(o, 'anything-at-all-0123456789');
      expect(answer.headers.location).toBe('/?login=failed');
      expect(cookie).toBeNull();
    } finally {
      await open.close();
    }
  });
});

describe('TLS and the plain-HTTP warning', () => {
  let dir: string;
  let cert: string;
  let key: string;
  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-tls-'));
    if (!openssl) return;
    const make = (name: string) =>
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    make('a');
    make('b');
    cert = join(dir, 'a.crt');
    key = join(dir, 'a.key');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.skipIf(!openssl)('with --tls-cert/--tls-key the port speaks HTTPS, the cookie is Secure and the session reads (openssl makes the certificate)', async () => {
    const tls = loadTlsFiles({ tlsCert: cert, tlsKey: key })!;
    const logs: LogLine[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'console-tls-data-'));
    const server = await startGraphqlServer({ dataDir, port: 0, host: '127.0.0.1', token: t.token, tls, logger: captureLogger(logs) });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
      expect(server.consoleUrl).toMatch(/^https:\/\//);
      const o = new URL(server.consoleUrl).origin;
      const ca = tls.cert.toString();
      const { answer, cookie } = await login(o, t.token, ca);
      expect(answer.headers['set-cookie']![0].split(';').map((p) => p.trim()).slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict', 'Secure']);
      const res = await gqlRaw(o, '{ viewer { authenticated writable } }', { cookie: cookie! }, {}, ca);
      expect(JSON.parse(res.text)).toEqual({ data: { viewer: { authenticated: true, writable: false } } });
      expect(res.headers['content-security-policy']).toBe(SECURITY_HEADERS['content-security-policy']);
      // plain HTTP on the HTTPS port gets no answer with data
      const plain = await raw(o.replace('https:', 'http:'), { path: '/graphql' }).then((r) => r.status, () => 'connection closed');
      expect(plain).not.toBe(200);
      expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test.skipIf(!openssl)('bad TLS settings are refused before anything starts, naming the flag and the path, never the key', () => {
    const keyText = execFileSync('cat', [key]).toString();
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const cases: [Parameters<typeof loadTlsFiles>[0], RegExp][] = [
      [{ tlsCert: cert }, /--tls-key is missing/],
      [{ tlsKey: key }, /--tls-cert is missing/],
      [{ tlsCert: join(dir, 'nope.crt'), tlsKey: key }, new RegExp(`--tls-cert: cannot read ${join(dir, 'nope.crt')} \\(ENOENT\\)`)],
      [{ tlsCert: cert, tlsKey: join(dir, 'nope.key') }, new RegExp(`--tls-key: cannot read ${join(dir, 'nope.key')}`)],
      [{ tlsCert: notPem, tlsKey: key }, /--tls-cert: .*not\.pem holds no PEM certificate/],
      [{ tlsCert: cert, tlsKey: cert }, /--tls-key: .*a\.crt holds no PEM private key/],
      [{ tlsCert: cert, tlsKey: join(dir, 'b.key') }, /the key does not belong to the certificate/],
    ];
    for (const [flags, message] of cases) {
      let error: unknown;
      try {
        loadTlsFiles(flags);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(flags)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(keyText.split('\n')[1]);
    }
    expect(loadTlsFiles({})).toBeNull();
  });

  test('serve, run and demo exit 2 on a missing TLS file, naming the flag and the path, before starting anything', () => {
    // `npm test` builds dist/ first
    const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
    const data = mkdtempSync(join(tmpdir(), 'console-tls-cli-'));
    const missing = join(dir, 'missing.crt');
    const env = { ...process.env, ANTHROPIC_COMPLIANCE_API_KEY: 'sk-ant-api01-console-test-key', COMPLIANCE_API_BASE_URL: 'http://127.0.0.1:9' };
    try {
      for (const args of [['serve'], ['run'], ['demo', '--once']]) {
        const r = spawnSync(process.execPath, [cli, ...args, '--data-dir', data, '--port', '0', '--tls-cert', missing, '--tls-key', join(dir, 'missing.key')], { env, encoding: 'utf8', timeout: 120_000 });
        expect(r.status, `${args[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`--tls-cert: cannot read ${missing} (ENOENT)`);
        const half = spawnSync(process.execPath, [cli, ...args, '--data-dir', data, '--port', '0', '--tls-key', missing], { env, encoding: 'utf8', timeout: 120_000 });
        expect(half.status, `${args[0]}: ${half.stderr}`).toBe(2);
        expect(half.stderr).toContain('--tls-cert is missing');
      }
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  test('plain HTTP off loopback warns that the token and cookie travel in clear; loopback does not', async () => {
    for (const [host, warned] of [['0.0.0.0', true], ['127.0.0.1', false]] as const) {
      const logs: LogLine[] = [];
      const dataDir = mkdtempSync(join(tmpdir(), 'console-warn-'));
      const server = await startGraphqlServer({ dataDir, port: 0, host, token: t.token, logger: captureLogger(logs) });
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      const warnings = logs.filter((l) => l.level === 'warn').map((l) => l.msg ?? '');
      if (warned) {
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/plain HTTP: the token and the console's session cookie travel in clear.*--tls-cert FILE and --tls-key FILE/);
      } else expect(warnings).toEqual([]);
      expect(JSON.stringify(logs)).not.toContain(t.token!);
    }
  });
});
