// The activities route serves pages sliced from each hour bucket's JSON bytes (tenant/feed-text.ts) instead of
// stringifying records. These tests hold every served body byte-identical to the old answer, JSON.stringify of
// the page's records, computed from a second tenant of the same seed through the record path (feed.scan/get):
// every filter, both orders, both cursor directions, page sizes from 1 to 5000, late (invisible) activities,
// and injected records that take the general paths (non-ASCII text, keys in any order, nested `{"id":…}`).
import { describe, expect, test } from 'vitest';
import { type Activity, KNOWN_ACTOR_TYPES } from '../src/api/types.js';
import type { ActivityFeed, SimActivity } from '../src/simulator/model.js';
import type { Simulator } from '../src/simulator/server/app.js';
import { activityCursorId, encodeActivityCursor } from '../src/simulator/server/cursors.js';
import { parseLenient } from '../src/simulator/tenant/feed.js';
import { JsonItems, itemText, mergeTextBuckets, textBucketOf } from '../src/simulator/tenant/feed-text.js';
import { KEYS, NOW, START, makeSim, makeTenant } from './support/sim-harness.js';

const DAY = 86_400_000;
const OPTIONS = { seed: 11, horizonDays: 6, activitiesPerDay: 4000, lateShare: 0.05, timestampStyle: 'reference' as const };

/** Records that take the general paths: non-ASCII, `id` not first, nested objects that start with `id`. */
function oddRecords(): Activity[] {
  const at = (ms: number, frac: string, offset = 'Z') => `${new Date(ms).toISOString().slice(0, 19)}.${frac}${offset}`;
  const t = START - 2 * DAY + 10 * 3_600_000;
  return [
    {
      id: 'activity_01injectedNonAscii000001',
      created_at: at(t, '250'),
      organization_id: null,
      organization_uuid: null,
      actor: { type: 'user_actor', email_address: 'josé.müller@example.com', user_id: 'user_01injected', ip_address: '10.0.0.1', user_agent: 'Agent/1 📁' },
      type: 'claude_chat_viewed',
      claude_chat_id: 'claude_chat_01ünïcødé',
    },
    {
      type: 'claude_file_viewed',
      id: 'activity_01injectedKeyOrder0000002',
      created_at: at(t + 1, '000000', '+00:00'),
      actor: { type: 'api_actor', api_key_id: 'apikey_01x' },
      organization_uuid: null,
      organization_id: null,
      claude_file_id: 'claude_file_01x',
    } as unknown as Activity,
    {
      id: 'activity_01injectedNested000000003',
      created_at: at(t + 2, '123456789'),
      organization_id: null,
      organization_uuid: null,
      actor: null as unknown as Activity['actor'],
      type: 'claude_canvas_created',
      items: [{ id: 'a' }, { id: 'b', note: '},{"id":' }],
    },
  ];
}

interface Q {
  limit: number;
  order?: 'asc' | 'desc';
  types?: string[];
  excluded?: string[];
  actors?: string[];
  orgUuid?: string;
  gte?: string;
  lt?: string;
  after?: string;
  before?: string;
}

function url(q: Q): string {
  const p = new URLSearchParams({ limit: String(q.limit) });
  if (q.order) p.set('order', q.order);
  for (const t of q.types ?? []) p.append('activity_types[]', t);
  for (const t of q.excluded ?? []) p.append('exclude_activity_types[]', t);
  for (const a of q.actors ?? []) p.append('actor_ids[]', a);
  if (q.orgUuid) p.append('organization_ids[]', q.orgUuid);
  if (q.gte) p.set('created_at.gte', q.gte);
  if (q.lt) p.set('created_at.lt', q.lt);
  if (q.after) p.set('after_id', q.after);
  if (q.before) p.set('before_id', q.before);
  return `/v1/compliance/activities?${p}`;
}

/** The page as the route built it before issue 11's change: records from feed.scan, one JSON.stringify. */
function recordPage(feed: ActivityFeed, q: Q, nowMs: number): string {
  const towardResultEnd = q.before === undefined;
  const cursorRaw = q.after ?? q.before;
  const cursor = cursorRaw === undefined ? undefined : feed.get(activityCursorId(cursorRaw)!);
  if (cursorRaw !== undefined && !cursor) throw new Error(`no activity at cursor ${cursorRaw}`);
  const filters: ((a: SimActivity) => boolean)[] = [];
  if (q.types) filters.push((a) => q.types!.includes(a.record.type));
  if (q.excluded) filters.push((a) => !q.excluded!.includes(a.record.type));
  if (q.actors) filters.push((a) => typeof a.record.actor?.user_id === 'string' && q.actors!.includes(a.record.actor.user_id));
  if (q.orgUuid) filters.push((a) => (a.record.organization_id == null && a.record.organization_uuid == null) || a.record.organization_uuid === q.orgUuid);
  const scanned = feed.scan({
    direction: (q.order === 'asc') === towardResultEnd ? 'forward' : 'backward',
    from: cursor ? { us: cursor.us, id: cursor.id } : undefined,
    minUs: q.gte === undefined ? undefined : parseLenient(q.gte),
    maxUs: q.lt === undefined ? undefined : parseLenient(q.lt),
    nowMs,
    filter: filters.length === 0 ? undefined : (a) => filters.every((f) => f(a)),
    limit: q.limit + 1,
  });
  const hasMore = scanned.length > q.limit;
  const page = hasMore ? scanned.slice(0, q.limit) : scanned;
  if (!towardResultEnd) page.reverse();
  const data = page.map((a) => a.record);
  const first = data[0];
  const last = data[data.length - 1];
  return JSON.stringify({
    data,
    has_more: hasMore,
    first_id: first ? encodeActivityCursor(first.id, first.created_at) : null,
    last_id: last ? encodeActivityCursor(last.id, last.created_at) : null,
  });
}

async function served(sim: Simulator, q: Q): Promise<string> {
  const res = await sim.handle({ method: 'GET', url: url(q), headers: { host: 'sim.test', 'x-api-key': KEYS.full }, remoteAddress: '127.0.0.1' });
  expect(res.status, res.body).toBe(200);
  return res.body;
}

describe('activity pages written from bucket text', () => {
  // the server's tenant, and a twin of the same seed that only ever answers through the record path
  const sim = makeSim({ tenant: OPTIONS });
  const twin = makeTenant(OPTIONS);
  for (const feed of [sim.tenant.feed, twin.feed]) feed.inject(oddRecords(), NOW - 60_000);
  const all = twin.feed.scan({ direction: 'forward', nowMs: NOW, limit: Number.MAX_SAFE_INTEGER });
  const users = [...new Set(all.map((a) => a.record.actor?.user_id).filter((u): u is string => typeof u === 'string'))];
  const orgUuid = all.find((a) => typeof a.record.organization_uuid === 'string')!.record.organization_uuid as string;
  const mid = new Date(START - 3 * DAY + 5_000).toISOString();

  /** Walks up to `pages` pages after the first and back again with before_id, comparing every body. */
  async function compareWalk(q: Q, pages: number): Promise<number> {
    let compared = 0;
    let page = { has_more: true, first_id: null as string | null, last_id: null as string | null };
    let next: Q = q;
    const firstIds: string[] = [];
    for (let i = 0; i < pages; i++) {
      const body = await served(sim, next);
      expect(body, JSON.stringify(next)).toBe(recordPage(twin.feed, next, NOW));
      compared++;
      page = JSON.parse(body) as typeof page;
      if (page.first_id) firstIds.push(page.first_id);
      if (!page.has_more || !page.last_id) break;
      next = { ...q, after: page.last_id };
    }
    // and back toward the start of the result from each page's first activity
    for (const id of firstIds.slice(1)) {
      const back: Q = { ...q, before: id };
      expect(await served(sim, back), JSON.stringify(back)).toBe(recordPage(twin.feed, back, NOW));
      compared++;
    }
    return compared;
  }

  test('the tenant has what the comparison needs: late activities not yet visible, ties, +00:00 timestamps', () => {
    const everything = twin.feed.scan({ direction: 'forward', nowMs: NOW + 10 * DAY, limit: Number.MAX_SAFE_INTEGER });
    expect(everything.length - all.length).toBeGreaterThan(0);
    expect(all.some((a, i) => i > 0 && a.us === all[i - 1].us)).toBe(true);
    expect(all.some((a) => a.record.created_at.endsWith('+00:00'))).toBe(true);
    expect(all.length).toBeGreaterThan(20_000);
    // generated activities are written from their parts (tenant/placed.ts): the rarest kinds and actors are compared too
    const types = new Set(all.map((a) => a.record.type));
    for (const t of ['anthropic_access', 'claude_code_credential_revoked', 'session_share_accessed', 'org_users_listed', 'claude_canvas_created', 'platform_agent_session_started']) {
      expect(types, t).toContain(t);
    }
    expect(new Set(all.map((a) => a.record.actor?.type)).size).toBeGreaterThanOrEqual(KNOWN_ACTOR_TYPES.length);
  });

  test.each([
    ['desc, 5000 a page', { limit: 5000 }, 6],
    ['asc, 5000 a page', { limit: 5000, order: 'asc' }, 6],
    ['desc, 997 a page', { limit: 997 }, 8],
    ['asc, 1 a page', { limit: 1, order: 'asc' }, 12],
    ['desc, 3 a page, in a window around the injected records', { limit: 3, gte: new Date(START - 2 * DAY + 10 * 3_600_000 - 60_000).toISOString(), lt: new Date(START - 2 * DAY + 10 * 3_600_000 + 60_000).toISOString() }, 20],
  ] as [string, Q, number][])('every page is byte-identical: %s', async (_name, q, pages) => {
    expect(await compareWalk(q, pages)).toBeGreaterThan(1);
  });

  test('every filter, alone and together, both orders, inside a window', async () => {
    const filters: Q[] = [
      { limit: 500, types: ['claude_chat_viewed', 'sso_login_succeeded'] },
      { limit: 500, excluded: ['claude_chat_viewed'] },
      { limit: 200, actors: users.slice(0, 3) },
      { limit: 700, orgUuid },
      { limit: 300, types: ['claude_project_viewed'], orgUuid, actors: users.slice(0, 40) },
      { limit: 400, gte: mid, lt: new Date(START - DAY).toISOString(), excluded: ['sso_login_initiated', 'claude_chat_updated'] },
    ];
    let compared = 0;
    for (const f of filters) for (const order of ['asc', 'desc'] as const) compared += await compareWalk({ ...f, order }, 4);
    expect(compared).toBeGreaterThan(40);
  });

  test('a page that starts inside a bucket served earlier (cache hit) and one after it left the cache', async () => {
    const start = all[Math.floor(all.length / 2)];
    const cursor = encodeActivityCursor(start.id, start.record.created_at);
    for (const q of [{ limit: 50, after: cursor }, { limit: 50, after: cursor, order: 'asc' as const }, { limit: 50, before: cursor }]) {
      expect(await served(sim, q)).toBe(recordPage(twin.feed, q, NOW));
    }
    // walk the whole history to push that bucket out of the text cache, then ask again
    await compareWalk({ limit: 5000, order: 'asc' }, 10);
    const again: Q = { limit: 50, after: cursor };
    expect(await served(sim, again)).toBe(recordPage(twin.feed, again, NOW));
  });
});

describe('bucket text', () => {
  const records = [...oddRecords(), ...makeTenant({ seed: 3 }).feed.scan({ direction: 'forward', nowMs: NOW, limit: 300 }).map((a) => a.record)];
  const items = (rs: Activity[]): SimActivity[] => rs.map((record, i) => ({ us: i, id: `activity_${String(i).padStart(4, '0')}`, visibleAt: 0, record }));

  test.each([
    ['generated records in a slab', records.slice(3), Buffer.alloc(1 << 20)],
    ['generated records, slab too small', records.slice(3), Buffer.alloc(100)],
    ['non-ASCII text', [records[0], ...records.slice(3)], Buffer.alloc(1 << 20)],
    ['a record that does not start with id', [...records.slice(3, 10), records[1], ...records.slice(10)], Buffer.alloc(1 << 20)],
    ['a nested object that starts with id', [...records.slice(3, 10), records[2], ...records.slice(10)], Buffer.alloc(1 << 20)],
  ] as [string, Activity[], Buffer][])('each activity reads back as its JSON.stringify: %s', (_name, rs, slab) => {
    const half = items(rs).filter((_, i) => i % 2 === 0);
    const rest = items(rs).filter((_, i) => i % 2 === 1);
    for (const b of [textBucketOf(items(rs), slab), textBucketOf(items(rs)), mergeTextBuckets(textBucketOf(half, Buffer.alloc(slab.length)), textBucketOf(rest))]) {
      expect(b.ids.length).toBe(rs.length);
      rs.forEach((r, i) => expect(itemText(b, i)).toBe(JSON.stringify(r)));
      const page = new JsonItems();
      for (let i = 0; i < rs.length; i++) page.push(b, i);
      expect(page.joined(rs.length, false)).toBe(rs.map((r) => JSON.stringify(r)).join(','));
      expect(page.joined(rs.length - 1, true)).toBe(rs.slice(0, -1).map((r) => JSON.stringify(r)).reverse().join(','));
      expect(page.text(rs.length - 1)).toBe(JSON.stringify(rs[rs.length - 1]));
    }
  });
});
