// The activity sync's two ways into Parquet give the same rows: pages handed to DuckDB as received and split
// in SQL (activityPageSelect, the fast path) against the per-record path (activityRow, what every row went
// through before). Same simulator pages, same writer, same provenance; every column compared, `rest` and
// `actor_rest` as text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, PageOf } from '../src/api/index.js';
import { normalizeFields } from '../src/api/timestamps.js';
import { activityPageSelect, activityRow } from '../src/extract/activities.js';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { TABLES } from '../src/lake/tables.js';
import { StreamWriter } from '../src/lake/writer.js';
import { connect, makeClient, makeSim } from './support/sim-harness.js';
import { tempDataDir } from './support/lake-harness.js';

const EXTRACTED_AT = '2026-11-01T00:10:00.000Z';

function writer(dataDir: string, part: string): StreamWriter {
  return new StreamWriter({
    dataDir,
    spec: TABLES.activities,
    runId: 'run-pages',
    extractedAt: EXTRACTED_AT,
    endpoint: '/v1/compliance/activities',
    params: {},
    part,
    pageSelect: activityPageSelect,
  });
}

/** What the sync writes for one page on the fast path (see readWindow). */
function pageDocument(page: { requestId: string | null; raw: string }, own: Set<string>, drop: number[]): string {
  return `{"request_id":${JSON.stringify(page.requestId)},"own":${JSON.stringify([...own])},"drop":${JSON.stringify(drop)},"page":${page.raw}}`;
}

/** A page as the client returns it from `raw`: parsed, `created_at` normalised to UTC. */
function clientPage(raw: string, requestId: string): Pick<PageOf<Activity>, 'data' | 'requestId' | 'raw'> {
  const data = (JSON.parse(raw) as { data: Activity[] }).data;
  for (const r of data) normalizeFields(r, ['created_at']);
  return { data, requestId, raw };
}

/** Lands `pages` both ways (records at `drop` left out of both) and returns the two staged files per date. */
async function landBothWays(duck: Duck, dataDir: string, pages: Pick<PageOf<Activity>, 'data' | 'requestId' | 'raw'>[], own: Set<string>, drop: (page: number) => number[]) {
  const perRecord = writer(dataDir, 'records');
  const fromPages = writer(dataDir, 'pages');
  pages.forEach((page, n) => {
    const dropped = drop(n);
    const byDate = new Map<string, number[]>();
    page.data.forEach((record, i) => {
      const date = record.created_at.slice(0, 10);
      if (!byDate.has(date)) byDate.set(date, []);
      if (dropped.includes(i)) return;
      perRecord.add(activityRow(record, own).row, date, page.requestId);
    });
    // a page spanning midnight goes to each date's file with the other date's records dropped
    for (const date of byDate.keys()) {
      const other = page.data.flatMap((r, i) => (r.created_at.slice(0, 10) !== date || dropped.includes(i) ? [i] : []));
      const rows = page.data.length - other.length;
      if (rows > 0) fromPages.addPage(pageDocument({ requestId: page.requestId, raw: page.raw! }, own, other), rows, date, page.requestId);
    }
  });
  const a = await perRecord.finish(duck);
  const b = await fromPages.finish(duck);
  return { a, b };
}

async function expectSameRows(duck: Duck, a: { stagedPath: string; rows: number; date: string }[], b: { stagedPath: string; rows: number; date: string }[]) {
  expect(b.map((f) => [f.date, f.rows])).toEqual(a.map((f) => [f.date, f.rows]));
  for (let i = 0; i < a.length; i++) {
    const cols = Object.keys(TABLES.activities.columns)
      .map((c) => `${c}::VARCHAR AS ${c}`)
      .join(', ');
    const q = (x: string, y: string) =>
      `SELECT count(*) AS n FROM (SELECT ${cols}, _request_id FROM read_parquet(${sqlString(x)}) EXCEPT ALL SELECT ${cols}, _request_id FROM read_parquet(${sqlString(y)}))`;
    expect(Number((await duck.all(q(a[i].stagedPath, b[i].stagedPath)))[0].n), `rows only the per-record path has (${a[i].date})`).toBe(0);
    expect(Number((await duck.all(q(b[i].stagedPath, a[i].stagedPath)))[0].n), `rows only the page path has (${b[i].date})`).toBe(0);
    // and the whole row, provenance included, row for row in file order
    const all = async (p: string) => duck.all(`SELECT * EXCLUDE (rest, actor_rest), rest::VARCHAR AS rest, actor_rest::VARCHAR AS actor_rest FROM read_parquet(${sqlString(p)})`);
    expect(await all(b[i].stagedPath)).toEqual(await all(a[i].stagedPath));
  }
}

describe('activity pages split by DuckDB equal the per-record rows', () => {
  let duck: Duck;
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    duck = await openDuck();
    tmp = tempDataDir('cl-pages-');
  });
  afterAll(() => {
    duck.close();
    tmp.cleanup();
  });

  it('over every page of a simulated tenant (reference timestamps: Z and +00:00), with own requests and dropped records', async () => {
    // our own requests' compliance_api_accessed events are visible at once, so the walk meets some
    const sim = makeSim({ tenant: { timestampStyle: 'reference', horizonDays: 3, activitiesPerDay: 3000 }, sim: { selfEventDelayMs: 0 } });
    const t = await connect(sim, 'in-process');
    const { client } = makeClient(sim, t);
    for (let i = 0; i < 4; i++) await client.activities.list({ limit: 1 });
    const pages: PageOf<Activity>[] = [];
    for await (const page of client.activities.pages({ limit: 1000 })) pages.push(page);
    await t.close();
    const records = pages.flatMap((p) => p.data);
    expect(records.length).toBeGreaterThan(8000);
    expect(pages.every((p) => typeof p.raw === 'string')).toBe(true);
    // the tenant exercises what the split must handle: many types, +00:00 offsets, null organization fields
    expect(new Set(records.map((r) => r.type)).size).toBeGreaterThan(40);
    expect(pages.some((p) => p.raw!.includes('+00:00"'))).toBe(true);
    expect(records.some((r) => r.organization_id === null)).toBe(true);
    const accessed = records.filter((r) => r.type === 'compliance_api_accessed' && typeof r.request_id === 'string');
    expect(accessed.length).toBeGreaterThan(0);
    const own = new Set(accessed.filter((_, i) => i % 2 === 0).map((r) => r.request_id as string));

    const drop = (n: number) => (n % 3 === 0 ? [0, 7, 999] : []);
    const { a, b } = await landBothWays(duck, tmp.dir, pages, own, drop);
    const kept = pages.reduce((s, p, n) => s + p.data.length - drop(n).filter((i) => i < p.data.length).length, 0);
    expect(kept).toBeLessThan(records.length);
    expect(a.reduce((s, f) => s + f.rows, 0)).toBe(kept);
    const ownRows = await duck.all(`SELECT count(*) AS n FROM read_parquet([${b.map((f) => sqlString(f.stagedPath)).join(', ')}]) WHERE is_own_request`);
    expect(Number(ownRows[0].n)).toBeGreaterThan(0);
    await expectSameRows(duck, a, b);
  });

  it('over records with odd shapes: non-string envelope and actor fields, escapes, offsets, fractions, nested nulls', async () => {
    const raw = JSON.stringify({
      data: [
        { id: 'a1', created_at: '2026-10-01T10:00:00.123456Z', organization_id: null, organization_uuid: null, actor: { type: 'api_actor', api_key_id: 'k1', ip_address: null, user_agent: 'x' }, type: 'compliance_api_accessed', request_id: 'req_own', status_code: 200, request_body: null },
        { id: 'a2', created_at: '2026-10-01T10:00:00.1+00:00', organization_id: 7, actor: { type: 'user_actor', user_id: 5, email_address: 'é@example.com', extra: { n: null, l: [1, 'x', null, { z: false }] } }, type: 42, nested: { a: null, b: {} } },
        { id: 'a3', created_at: '2026-10-01T12:00:00+02:00', organization_uuid: 'u', actor: {}, type: 'something_new', text: 'quote " backslash \\ slash / newline \n tab \t nul \u0001 line-sep \u2028 emoji 😀 accents ñ', big: 12345678901234, neg: -3, f: 1.5, t: true, empty: '', arr: [] },
        { id: 'a4', created_at: '2026-10-01T05:30:00.999-05:30', actor: { type: 'unauthenticated_user_actor', unauthenticated_email_address: null, ip_address: '203.0.113.9' }, type: 'sso_login_initiated', ['__proto__']: { polluted: true } },
        { id: 'a5', created_at: '2026-10-01T23:59:59.000000Z', organization_id: 'org', organization_uuid: 'uuid', actor: { type: 'user_actor', user_id: 'user_1', email_address: 'a@b.c', ip_address: '1.2.3.4', user_agent: 'ua', api_key_id: 'k' }, type: 'compliance_api_accessed', request_id: 'req_other' },
        { id: 'a6', created_at: '2026-10-01T00:00:00Z', type: 'claude_chat_created', actor: { user_id: 'u', type: 'user_actor' }, claude_chat_id: 'c' },
      ],
      has_more: false,
      first_id: 'a1',
      last_id: 'a6',
    }).replace('"a1"', '"\\u0061\\u0031"'); // an escaped id: the column holds the decoded text, as JSON.parse gives
    const page = clientPage(raw, 'req_page');
    expect(page.data[0].id).toBe('a1');
    const { a, b } = await landBothWays(duck, tmp.dir, [page], new Set(['req_own', 'req_x']), () => []);
    expect(a.reduce((s, f) => s + f.rows, 0)).toBe(6);
    await expectSameRows(duck, a, b);
    const [own] = await duck.all(`SELECT list(id ORDER BY id) AS ids FROM read_parquet(${sqlString(b[0].stagedPath)}) WHERE is_own_request`);
    expect(own.ids).toEqual(['a1']);
  });
});
