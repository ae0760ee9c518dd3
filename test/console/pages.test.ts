// The console's pages in Chromium against a real lake (console-lake.ts: simulator -> sync -> models build ->
// detections -> the GraphQL server on 127.0.0.1): each page shows the numbers GraphQL answers for the same
// question; the correlation page equals a brute force over the simulator's truth; strings made of markup and
// script are shown as text and run nothing; the page is usable from the keyboard and at 400 px; no request
// leaves 127.0.0.1. Screenshots of each page go to docs/screenshots/ (the README shows them).
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startGraphqlServer } from '../../src/graphql/server.js';
import { bruteForceRecentMembers, isoOf, truthActivities, truthMemberships } from '../support/e2e-harness.js';
import { type RecordedPage, describeBrowser, launchBrowser, openPage, screenshot, signIn } from './browser.js';
import { type ConsoleLake, HOSTILE, PAYLOAD_IDS, PWN_FLAGS, READ_TOKEN, WRITE_TOKEN, buildConsoleLake } from './console-lake.js';

const DAY_MS = 86_400_000;
/** Reads a number as the page writes it (en-US grouping). */
const n = (text: string) => Number(text.replaceAll(',', ''));

/** Shows a route and waits until the page has rendered everything it loads. */
async function show(page: Page, route: string, name: string): Promise<void> {
  const same = await page.evaluate((r) => {
    const g = globalThis as any;
    for (const el of g.document.querySelectorAll('.page')) el.removeAttribute('data-ready');
    if (g.location.hash === r) return true;
    g.location.hash = r;
    return false;
  }, route);
  if (same) await page.reload();
  await page.waitForSelector(`#page-${name}[data-ready="true"]`);
}

/** The cells' text of a table's body rows. */
function cells(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows: any[]) => rows.map((tr) => [...tr.cells].map((td: any) => td.textContent.trim())));
}

/** Clicks "Load more" until the list is complete. */
async function loadAll(page: Page, container: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const more = page.locator(`${container} button.more:not([hidden])`);
    if ((await more.count()) === 0) return;
    const before = await page.locator(`${container} tbody tr`).count();
    await more.click();
    await page.waitForFunction(([sel, b]) => (globalThis as any).document.querySelectorAll(`${sel} tbody tr`).length > (b as number), [container, before] as const);
  }
}

/** Activity ids of the rows of a table whose first cell links to #/activity/<id>. */
function rowActivityIds(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(`${selector} tbody tr td:first-child a`, (links: any[]) =>
    links.map((a) => decodeURIComponent(a.getAttribute('href').replace(/^#\/activity\//, '').replace(/\?.*$/, ''))),
  );
}

/** Nothing of the payload ran or became an element. */
async function expectInert(page: Page): Promise<void> {
  const state = await page.evaluate(
    ([flags, ids]) => {
      const g = globalThis as any;
      return { flags: (flags as string[]).map((f) => g[f]), elements: (ids as string[]).filter((id) => g.document.getElementById(id) !== null) };
    },
    [PWN_FLAGS as readonly string[], PAYLOAD_IDS] as const,
  );
  expect(state.flags).toEqual(PWN_FLAGS.map(() => undefined));
  expect(state.elements).toEqual([]);
}

describeBrowser('the console in Chromium', () => {
  let lake: ConsoleLake;
  let browser: Browser;
  let reader: RecordedPage;
  let from: string;
  let to: string;

  beforeAll(async () => {
    [lake, browser] = await Promise.all([buildConsoleLake(), launchBrowser()]);
    from = isoOf(lake.tenant.epochStartMs * 1000).slice(0, 10);
    to = isoOf(lake.coveredUs).slice(0, 10);
    reader = await openPage(browser);
    expect(await signIn(reader.page, lake.origin, READ_TOKEN)).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await reader?.close();
    await browser?.close();
    await lake?.close();
  });

  test('signed out, the page is the sign-in form and nothing else; a wrong token says so; signing in shows the overview', async () => {
    const p = await openPage(browser);
    try {
      await p.page.goto(`${lake.origin}/#/overview?from=${from}&to=${to}`);
      await p.page.waitForSelector('#signin:not([hidden])');
      expect(await p.page.locator('#app').isHidden()).toBe(true);
      expect(await p.page.locator('#page').textContent()).toBe('');
      expect(await signIn(p.page, lake.origin, `${READ_TOKEN}-wrong`)).toBe(false);
      await p.page.waitForSelector('#signin-status [role="alert"]');
      expect(await p.page.locator('#signin-status').textContent()).toMatch(/not accepted/);
      expect(await p.page.locator('#page').textContent()).toBe('');
      expect(await signIn(p.page, lake.origin, READ_TOKEN)).toBe(true);
      await p.page.waitForSelector('#page-overview[data-ready="true"]');
      expect(await p.page.locator('#who').textContent()).toBe('Signed in with the read token');
      // the session goes (here: the cookie is dropped): the next page asks to sign in again, and shows no data
      await p.context.clearCookies();
      await p.page.evaluate(() => ((globalThis as any).location.hash = '#/alerts'));
      await p.page.waitForSelector('#signin:not([hidden])');
      expect(await p.page.locator('#signin-status').textContent()).toMatch(/session has ended.*sign in again/);
      expect(await p.page.locator('#app').isHidden()).toBe(true);
      p.assertLocal();
    } finally {
      await p.close();
    }
  });

  test('overview: activity per day by category, sync status, open alerts by level and the top types and actors are what GraphQL answers', async () => {
    const page = reader.page;
    await show(page, `#/overview?from=${from}&to=${to}`, 'overview');
    const filter = { since: `${from}T00:00:00Z`, until: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString() };
    const d = await lake.gql(
      `query($f: ActivityFilter) {
        activityCountsByCategory(by: DAY, filter: $f) { bucket category count }
        topActivityTypes(first: 10, filter: $f) { type count }
        topActors(first: 10, filter: $f) { count }
        syncStatus { streams { stream records coverageEvents } }
        critical: alerts(filter: { status: [OPEN], levels: [CRITICAL] }) { totalCount } high: alerts(filter: { status: [OPEN], levels: [HIGH] }) { totalCount }
        medium: alerts(filter: { status: [OPEN], levels: [MEDIUM] }) { totalCount } low: alerts(filter: { status: [OPEN], levels: [LOW] }) { totalCount }
        info: alerts(filter: { status: [OPEN], levels: [INFO] }) { totalCount }
      }`,
      { f: filter },
    );
    const totals = new Map<string, number>();
    for (const r of d.activityCountsByCategory) totals.set(r.category, (totals.get(r.category) ?? 0) + r.count);
    const categories = [...totals.keys()].sort();
    const all = [...totals.values()].reduce((a, b) => a + b, 0);
    expect(all).toBeGreaterThan(1000);
    expect(await cells(page, '#category-totals')).toEqual([...categories.map((c) => [c, totals.get(c)!.toLocaleString('en-US')]), ['All', all.toLocaleString('en-US')]]);
    // per day: every (day, category) of GraphQL in the table, and zero where GraphQL has no row
    const perDay = await cells(page, '#per-day');
    const header = await page.$$eval('#per-day thead th', (ths: any[]) => ths.map((th) => th.textContent.trim()));
    const shown = new Map<string, number>();
    for (const row of perDay) row.slice(1).forEach((v, i) => shown.set(`${row[0]}|${header[i + 1]}`, n(v)));
    const expected = new Map<string, number>();
    for (const [key] of shown) expected.set(key, 0);
    for (const r of d.activityCountsByCategory) expected.set(`${r.bucket.slice(0, 10)}|${r.category}`, r.count);
    expect(shown).toEqual(expected);
    expect(perDay.length).toBe(Math.round((Date.parse(filter.until) - Date.parse(filter.since)) / DAY_MS));

    expect((await cells(page, '#open-alerts-table')).map(([level, count]) => [level, n(count)])).toEqual(
      ['critical', 'high', 'medium', 'low', 'info'].map((l) => [l, d[l].totalCount]),
    );
    expect(d.high.totalCount + d.info.totalCount).toBeGreaterThan(0);
    expect((await cells(page, '#top-types')).map((r) => [r[0], n(r[2])])).toEqual(d.topActivityTypes.map((t: any) => [t.type, t.count]));
    expect((await cells(page, '#top-actors')).map((r) => n(r[1]))).toEqual(d.topActors.map((a: any) => a.count));
    expect((await cells(page, '#sync-streams')).map((r) => [r[0], n(r[3])])).toEqual(d.syncStatus.streams.map((s: any) => [s.stream, s.records]));
    await page.waitForSelector('#activity-by-category .uplot canvas');
    await screenshot(page, 'overview');
    reader.assertLocal();
  });

  test('correlation: the rows equal a brute force over the simulator truth, and Save CSV writes them quoted and formula-safe', async () => {
    const page = reader.page;
    const feed = truthActivities(lake.sim, lake.coveredUs);
    const truth = await truthMemberships(lake.transport);
    // from two days into the history: a membership within `days` of an action then began inside the history,
    // where the feed's group_member_added events bound it exactly
    const since = isoOf((lake.tenant.epochStartMs + 2 * DAY_MS) * 1000).slice(0, 10);
    let found = 0;
    for (const days of [1, 2]) {
      const expected = bruteForceRecentMembers(feed, truth, {
        groupId: lake.probeGroupId,
        addedWithinDays: days,
        sinceUs: Date.parse(`${since}T00:00:00Z`) * 1000,
        untilUs: Math.min(lake.coveredUs, (Date.parse(`${to}T00:00:00Z`) + DAY_MS) * 1000),
      });
      await show(page, `#/correlation?group=${encodeURIComponent(lake.probeGroupId)}&addedWithin=${days}&from=${since}&to=${to}`, 'correlation');
      await loadAll(page, '#page-correlation');
      expect(await rowActivityIds(page, '#correlation-rows')).toEqual(expected.map((e) => e.activity.id));
      // the actor as of the event, as the truth's feed names them
      const rows = await cells(page, '#correlation-rows');
      expect(rows.map((r) => r[2].split(' ')[0])).toEqual(expected.map((e) => e.activity.actorEmail));
      // the membership it came through: its start, to the second the page shows
      expect(rows.map((r) => r[3].replace(/^.* since (\S+ \S+Z) .*$/, '$1'))).toEqual(expected.map((e) => `${isoOf(e.membership.fromUs).slice(0, 10)} ${isoOf(e.membership.fromUs).slice(11, 19)}Z`));
      // days since added, as the page rounds them
      expect(rows.map((r) => r[4])).toEqual(expected.map((e) => ((e.activity.us - e.membership.fromUs) / (DAY_MS * 1000)).toFixed(2)));
      found += expected.length;
    }
    expect(found, 'the probes give the correlation something to find').toBeGreaterThan(4);
    await screenshot(page, 'correlation');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#save-csv').click()]);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('"activity_id","created_at","type","actor_user_id","actor_email","actor_name","actor_role","actor_ip","group_id","member_since","member_since_source","member_until","days_since_added"');
    expect(lines.slice(1).map((l) => l.split(',')[0].replaceAll('"', ''))).toEqual(await rowActivityIds(page, '#correlation-rows'));
    // the page's own CSV writer, in the page: quotes doubled, formulas turned to text
    // (a string: the test runner would rewrite an import() written in this file)
    const quoted = await page.evaluate(
      `import('/assets/format.js').then((f) => ['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', 'plain "q"', null].map((v) => f.csvField(v)))`,
    );
    expect(quoted).toEqual([`"'=HYPERLINK(""http://x"")"`, `"'+1"`, `"'-2"`, `"'@SUM(A1)"`, '"plain ""q"""', '""']);
    reader.assertLocal();
  });

  test('people: a user page and a group page show what GraphQL answers', async () => {
    const page = reader.page;
    await show(page, '#/people', 'people');
    const search = await lake.gql('{ users(first: 50) { totalCount } groups(first: 100) { totalCount } }');
    expect(await page.locator('#users-title').textContent()).toBe(`Users (${search.users.totalCount})`);
    expect(await page.locator('#groups-title').textContent()).toBe(`Groups (${search.groups.totalCount})`);
    await screenshot(page, 'people');

    // the most active person (the markup-named one is visited by the markup test)
    const user = (await lake.gql('{ topActors(first: 5) { userId } }')).topActors.find((a: any) => a.userId !== null).userId as string;
    const u = await lake.gql(
      `query($id: ID!) { user(id: $id) { versions { email } membershipHistory { groupId } activities(first: 25) { totalCount edges { node { id } } } } chats(filter: { userIds: [$id] }) { totalCount } projects(filter: { userIds: [$id] }) { totalCount } }`,
      { id: user },
    );
    await show(page, `#/user/${encodeURIComponent(user)}`, 'user');
    expect((await cells(page, '#versions')).map((r) => r[2])).toEqual(u.user.versions.map((v: any) => v.email));
    expect(await page.locator('#membership-timeline .lane').count()).toBe(u.user.membershipHistory.length);
    expect(u.user.membershipHistory.length).toBeGreaterThan(0);
    expect(await rowActivityIds(page, '#user-activities')).toEqual(u.user.activities.edges.map((e: any) => e.node.id));
    expect(await page.locator('#user-content h3').allTextContents()).toEqual([`Chats (${u.chats.totalCount})`, `Projects (${u.projects.totalCount})`]);
    // activity per day over the 30 days up to their latest activity
    const newest = await lake.gql(`query($id: ID!) { user(id: $id) { activities(first: 1) { edges { node { createdAt } } } } }`, { id: user });
    const end = Date.parse(newest.user.activities.edges[0].node.createdAt.slice(0, 10)) + DAY_MS;
    const perDay = await lake.gql(`query($f: ActivityFilter) { activityCounts(by: DAY, filter: $f) { count } }`, {
      f: { actorUserIds: [user], since: new Date(end - 30 * DAY_MS).toISOString(), until: new Date(end).toISOString() },
    });
    const total = perDay.activityCounts.reduce((a: number, r: any) => a + r.count, 0);
    expect(await page.locator('#user-activity-total').textContent()).toBe(`${total.toLocaleString('en-US')} activities in the window.`);
    await screenshot(page, 'user');

    const group = lake.probeGroupId;
    const asOf = to;
    const g = await lake.gql(`query($id: ID!, $at: DateTime) { group(id: $id) { members(first: 500, asOf: $at) { totalCount edges { node { id } } } membershipChanges(first: 50) { totalCount } } }`, {
      id: group,
      at: new Date(Date.parse(`${asOf}T00:00:00Z`) + DAY_MS).toISOString(),
    });
    await show(page, `#/group/${encodeURIComponent(group)}?asOf=${asOf}`, 'group');
    const memberIds = await page.$$eval('#members tbody tr td:first-child a', (links: any[]) => links.map((a) => decodeURIComponent(a.getAttribute('href').replace('#/user/', ''))));
    expect(memberIds).toEqual(g.group.members.edges.map((e: any) => e.node.id));
    expect(await page.locator('#membership-changes').getAttribute('data-total')).toBe(String(g.group.membershipChanges.totalCount));
    await screenshot(page, 'group');
    reader.assertLocal();
  });

  test('activities: filters and cursor paging give what GraphQL gives; a row opens the activity as the API returned it', async () => {
    const page = reader.page;
    const filter = { since: `${from}T00:00:00Z`, until: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString(), categories: ['admin'] };
    const q = `query($f: ActivityFilter, $after: String) { activities(first: 50, after: $after, filter: $f) { totalCount pageInfo { endCursor } edges { node { id createdAt type category organizationId organizationUuid isOwnRequest actor { type userId email ip userAgent apiKeyId } details } } } }`;
    const first = await lake.gql(q, { f: filter });
    const second = await lake.gql(q, { f: filter, after: first.activities.pageInfo.endCursor });
    await show(page, `#/activities?from=${from}&to=${to}&category=admin`, 'activities');
    expect(await page.locator('#activities').getAttribute('data-total')).toBe(String(first.activities.totalCount));
    expect(await rowActivityIds(page, '#activities')).toEqual(first.activities.edges.map((e: any) => e.node.id));
    await screenshot(page, 'activities');
    await page.locator('#page-activities button.more').click();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#activities tbody tr').length > 50);
    expect(await rowActivityIds(page, '#activities')).toEqual([...first.activities.edges, ...second.activities.edges].map((e: any) => e.node.id));

    // group membership as of the event
    const inGroup = { ...filter, categories: undefined, actorInGroup: { groupId: lake.probeGroupId, asOfEventTime: true } };
    const grouped = await lake.gql(q, { f: inGroup });
    await show(page, `#/activities?from=${from}&to=${to}&group=${encodeURIComponent(lake.probeGroupId)}&groupWhen=event`, 'activities');
    expect(await page.locator('#activities').getAttribute('data-total')).toBe(String(grouped.activities.totalCount));
    expect(await rowActivityIds(page, '#activities')).toEqual(grouped.activities.edges.map((e: any) => e.node.id));

    // a row opens the activity: its JSON, as text
    await page.locator('#activities tbody tr td:first-child a').first().click();
    await page.waitForSelector('#page-activity[data-ready="true"]');
    const raw = JSON.parse((await page.locator('#activity-json').textContent())!);
    expect(raw).toEqual(grouped.activities.edges[0].node);
    await screenshot(page, 'activity');
    reader.assertLocal();
  });

  test('alerts: the list and a detail with its evidence are what GraphQL answers; a read session cannot act, a write session acknowledges', async () => {
    const page = reader.page;
    const d = await lake.gql(`{ alerts(first: 50, filter: { levels: [HIGH] }) { totalCount edges { node { id activities { totalCount edges { activityId } } } } } all: alerts { totalCount } }`);
    await show(page, '#/alerts', 'alerts');
    expect(await page.locator('#alerts').getAttribute('data-total')).toBe(String(d.all.totalCount));
    await screenshot(page, 'alerts');
    await show(page, '#/alerts?level=HIGH', 'alerts');
    const ids = await page.$$eval('#alerts tbody tr td:first-child a', (links: any[]) => links.map((a) => decodeURIComponent(a.getAttribute('href').replace('#/alert/', ''))));
    expect(ids).toEqual(d.alerts.edges.map((e: any) => e.node.id));

    const alert = d.alerts.edges.find((e: any) => e.node.activities.totalCount > 1)?.node ?? d.alerts.edges[0].node;
    await show(page, `#/alert/${alert.id}`, 'alert');
    const evidence = await page.$$eval('#evidence li a', (links: any[]) => links.map((a) => decodeURIComponent(a.getAttribute('href').replace('#/activity/', '').replace(/\?.*$/, ''))));
    expect(evidence).toEqual(alert.activities.edges.map((e: any) => e.activityId));
    expect(await page.locator('#alert-acknowledge').count()).toBe(0);
    expect(await page.locator('#page-alert').textContent()).toContain('sign in with the write token');
    await screenshot(page, 'alert');

    const writer = await openPage(browser);
    try {
      expect(await signIn(writer.page, lake.origin, WRITE_TOKEN)).toBe(true);
      await show(writer.page, `#/alert/${alert.id}`, 'alert');
      await writer.page.locator('#f-by').fill('Ana <b>Analyst</b>');
      await writer.page.locator('#f-note').fill('looking into it');
      await writer.page.locator('#alert-acknowledge').click();
      await writer.page.waitForFunction(() => (globalThis as any).document.querySelector('#alert-status')?.textContent === 'acknowledged');
      const after = await lake.gql(`query($id: ID!) { alert(id: $id) { status statusChanges { by note } } }`, { id: alert.id });
      expect(after.alert).toEqual({ status: 'ACKNOWLEDGED', statusChanges: [{ by: 'write-token:Ana <b>Analyst</b>', note: 'looking into it' }] });
      expect(await writer.page.locator('#status-changes').textContent()).toContain('by write-token:Ana <b>Analyst</b> (looking into it)');
      writer.assertLocal();
    } finally {
      await writer.close();
    }
    reader.assertLocal();
  });

  test('strings made of markup and script are shown as text on every page and run nothing', async () => {
    const page = reader.page;
    const { userId, groupId, activityId, activityCreatedAt, oddTypeId, oddCreatedAt } = lake.hostile;
    const visits: [string, string][] = [
      [`#/user/${encodeURIComponent(userId)}`, 'user'],
      [`#/group/${encodeURIComponent(groupId)}`, 'group'],
      [`#/people?q=${encodeURIComponent('<img')}`, 'people'],
      [`#/correlation?group=${encodeURIComponent(groupId)}&addedWithin=3650&from=${from}&to=${to}`, 'correlation'],
      [`#/activities?from=${from}&to=${to}&actor=${encodeURIComponent(userId)}`, 'activities'],
      [`#/activity/${encodeURIComponent(activityId)}?at=${encodeURIComponent(activityCreatedAt)}`, 'activity'],
      [`#/activity/${encodeURIComponent(oddTypeId)}?at=${encodeURIComponent(oddCreatedAt)}`, 'activity'],
    ];
    for (const [route, name] of visits) {
      await show(page, route, name);
      await expectInert(page);
      expect(await page.locator(`#page-${name}`).textContent(), route).toContain(HOSTILE);
    }
    // the activities list shows the injected activity's actor email, IP and its JSON the details, literally
    await show(page, `#/activities?from=${from}&to=${to}&actor=${encodeURIComponent(userId)}&type=${encodeURIComponent('org_sso_toggled')}`, 'activities');
    expect(await page.locator('#activities').textContent()).toContain(`${HOSTILE}@example.com`);
    // no link on any page points anywhere but a route of the page, /explorer or a blob the page made
    const hrefs = await page.$$eval('a[href]', (links: any[]) => links.map((a) => a.getAttribute('href')));
    expect(hrefs.filter((h: string) => !h.startsWith('#/') && h !== '/explorer')).toEqual([]);
    await expectInert(page);
    reader.assertLocal();
  });

  test('a server without a token (loopback only) shows the data without sign-in, and no sign-out', async () => {
    const open = await startGraphqlServer({ dataDir: lake.dir, port: 0, host: '127.0.0.1', token: null, warehouse: { threads: 1, memoryLimit: '256MB' } });
    const p = await openPage(browser);
    try {
      await p.page.goto(`${new URL(open.url).origin}/#/alerts`);
      await p.page.waitForSelector('#page-alerts[data-ready="true"]');
      expect(await p.page.locator('#signin').isHidden()).toBe(true);
      expect(await p.page.locator('#signed-in').isHidden()).toBe(true);
      const all = await lake.gql('{ alerts { totalCount } }');
      expect(await p.page.locator('#alerts').getAttribute('data-total')).toBe(String(all.alerts.totalCount));
      expect(await p.page.locator('#page-alerts').textContent()).not.toContain('sign in');
      p.assertLocal();
    } finally {
      await p.close();
      await open.close();
    }
  });

  test('keyboard: the pages are reached with Tab and Enter; at 400 px wide nothing scrolls sideways', async () => {
    const page = reader.page;
    await show(page, `#/overview?from=${from}&to=${to}`, 'overview');
    await page.locator('a.brand').focus();
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('href') === '#/activities');
    }
    expect(reached, 'Tab reaches the Activities link').toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page-activities[data-ready="true"]');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.tagName)).toBe('H1');

    const narrow = await openPage(browser, { width: 400, height: 800 });
    try {
      expect(await signIn(narrow.page, lake.origin, READ_TOKEN)).toBe(true);
      for (const [route, name] of [[`#/overview?from=${from}&to=${to}`, 'overview'], ['#/alerts', 'alerts'], [`#/correlation?group=${encodeURIComponent(lake.probeGroupId)}&addedWithin=2&from=${from}&to=${to}`, 'correlation']] as const) {
        await show(narrow.page, route, name);
        const widths = await narrow.page.evaluate(() => ({ page: (globalThis as any).document.documentElement.scrollWidth, view: (globalThis as any).innerWidth }));
        expect(widths.page, route).toBeLessThanOrEqual(widths.view);
      }
      await show(narrow.page, `#/overview?from=${from}&to=${to}`, 'overview');
      await screenshot(narrow.page, 'overview-narrow');
      narrow.assertLocal();
    } finally {
      await narrow.close();
    }
  });
});
