// The counts read from the daily marts (src/graphql/daily-counts.ts) equal the counts over every activity,
// on a real lake: the simulator synced over loopback HTTP, `models build`, the warehouse opened as the server opens
// it. Each question is asked twice on the same warehouse, once as it is (the marts present) and once through
// a Db that says they are missing (the old path over marts.activities), and the answers must be equal.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countActivitiesBy } from '../src/graphql/activity.service.js';
import { TimeBucket } from '../src/graphql/activity.type.js';
import type { Db } from '../src/graphql/context.js';
import { ACTOR_DAILY, TYPE_DAILY, splitDays } from '../src/graphql/daily-counts.js';
import { countActivitiesByCategory, topActivityTypes, topActors } from '../src/graphql/overview.service.js';
import { Warehouse, type WarehouseLease } from '../src/graphql/warehouse.js';
import { buildModels } from '../src/models/build.js';
import type { Simulator } from '../src/simulator/server/app.js';
import { type Transport, connect, makeSim, makeTenant } from './support/sim-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';

const DAY_MS = 86_400_000;
let sim: Simulator;
let t: Transport;
let data: { dir: string; cleanup: () => void };
let warehouse: Warehouse;
let lease: WarehouseLease;
let firstMs: number;
let endMs: number;

beforeAll(async () => {
  // 12 days of a live tenant: activities across a month boundary and several part-days
  sim = makeSim({ shared: makeTenant({ live: true, horizonDays: 12, activitiesPerDay: 400, users: 60, groups: 10 }) });
  t = await connect(sim, 'loopback');
  data = tempDataDir('cl-daily-');
  await syncWith(t, data.dir, { streams: ['activities', 'organizations', 'users', 'groups', 'group_members', 'roles', 'role_permissions'] });
  await buildModels(data.dir);
  // no result cache: each question is run, not remembered from the other path
  warehouse = new Warehouse(data.dir, { resultCacheEntries: 0 });
  lease = await warehouse.lease();
  const [span] = await lease.query('select epoch_ms(min(created_at)) as lo, epoch_ms(max(created_at)) as hi from marts.activities');
  firstMs = Number(span.lo);
  endMs = Number(span.hi);
}, 240_000);

afterAll(async () => {
  lease?.release();
  await warehouse?.close();
  await t?.close();
  data?.cleanup();
});

/** The warehouse as it is, recording which relations the statements read. */
function withMarts(): Db & { sql: string[] } {
  const sql: string[] = [];
  return { sql, query: (s, p) => (sql.push(s), lease.query(s, p)), has: (r) => lease.has(r) };
}

/** The same warehouse, but the daily marts taken as missing: the statements count marts.activities. */
function withoutMarts(): Db & { sql: string[] } {
  const sql: string[] = [];
  return { sql, query: (s, p) => (sql.push(s), lease.query(s, p)), has: async (r) => r !== TYPE_DAILY && r !== ACTOR_DAILY && lease.has(r) };
}

const at = (ms: number) => new Date(ms);
const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** Windows, in ms after the lake's first UTC midnight: whole days, part-days at either edge, open ends, a window inside one day, the whole lake. */
const WINDOWS: { name: string; since: number | null; until: number | null }[] = [
  { name: 'whole days', since: 2 * DAY_MS, until: 9 * DAY_MS },
  { name: 'part-days at both edges', since: 2 * DAY_MS + 3_600_123, until: 9 * DAY_MS + 41_000_000 },
  { name: 'part-day at the start only', since: DAY_MS + 1, until: 6 * DAY_MS },
  { name: 'no since', since: null, until: 5 * DAY_MS + 7_200_000 },
  { name: 'no until', since: 4 * DAY_MS + 60_000, until: null },
  { name: 'the whole lake', since: null, until: null },
  { name: 'inside one day', since: 3 * DAY_MS + 1_000, until: 3 * DAY_MS + 50_000_000 },
  { name: 'across one midnight, no whole day', since: 3 * DAY_MS + 50_000_000, until: 4 * DAY_MS + 10_000_000 },
];

describe('the daily marts answer as the activities do', () => {
  test('the lake spans enough days, and the marts are built', async () => {
    expect(endMs - firstMs).toBeGreaterThan(8 * DAY_MS);
    expect(await lease.has(TYPE_DAILY)).toBe(true);
    expect(await lease.has(ACTOR_DAILY)).toBe(true);
  });

  for (const w of WINDOWS) {
    test(`counts by day, week, month and category, top types and actors: ${w.name}`, async () => {
      const d0 = dayStart(firstMs);
      const filter = { since: w.since === null ? null : at(d0 + w.since), until: w.until === null ? null : at(d0 + w.until) };
      const fast = withMarts();
      const slow = withoutMarts();
      for (const by of [TimeBucket.DAY, TimeBucket.WEEK, TimeBucket.MONTH]) {
        expect(await countActivitiesBy(fast, by, filter)).toEqual(await countActivitiesBy(slow, by, filter));
        expect(await countActivitiesByCategory(fast, by, filter)).toEqual(await countActivitiesByCategory(slow, by, filter));
      }
      const types = await topActivityTypes(fast, 50, filter);
      expect(types).toEqual(await topActivityTypes(slow, 50, filter));
      const actors = await topActors(fast, 50, filter);
      expect(actors).toEqual(await topActors(slow, 50, filter));
      expect(actors.length).toBeGreaterThan(0);
      // the fast path did read the marts (unless the window holds no whole day), the slow one never did
      const whole = splitDays(filter.since, filter.until) !== null;
      expect(fast.sql.some((s) => s.includes(TYPE_DAILY))).toBe(whole);
      expect(fast.sql.some((s) => s.includes(ACTOR_DAILY))).toBe(whole);
      expect(slow.sql.some((s) => s.includes(TYPE_DAILY) || s.includes(ACTOR_DAILY))).toBe(false);
    });
  }

  test('types and categories filters (an empty list matches nothing) take the mart; other filters do not', async () => {
    const d0 = dayStart(firstMs);
    const window = { since: at(d0 + DAY_MS + 5_000), until: at(d0 + 8 * DAY_MS + 5_000) };
    const [top] = await topActivityTypes(withoutMarts(), 3, window);
    const filters = [
      { ...window, categories: ['admin', 'content'] },
      { ...window, types: [top.type, 'no_such_type'] },
      { ...window, types: [] },
      { ...window, categories: [top.category], types: [top.type] },
    ];
    for (const filter of filters) {
      const fast = withMarts();
      const slow = withoutMarts();
      expect(await countActivitiesBy(fast, TimeBucket.DAY, filter)).toEqual(await countActivitiesBy(slow, TimeBucket.DAY, filter));
      expect(await countActivitiesByCategory(fast, TimeBucket.DAY, filter)).toEqual(await countActivitiesByCategory(slow, TimeBucket.DAY, filter));
      expect(await topActivityTypes(fast, 10, filter)).toEqual(await topActivityTypes(slow, 10, filter));
      expect(fast.sql.every((s) => s.includes(TYPE_DAILY))).toBe(true);
    }
    const counted = await countActivitiesBy(withMarts(), TimeBucket.DAY, { ...window, types: [top.type] });
    expect(counted.reduce((s, r) => s + r.count, 0)).toBeGreaterThan(0);
    // an actor filter is not in the marts: counted over the activities
    const [actor] = await topActors(withoutMarts(), 1, window);
    const byActor = withMarts();
    const filter = { ...window, actorUserIds: [actor.userId ?? 'none'] };
    expect(await countActivitiesBy(byActor, TimeBucket.DAY, filter)).toEqual(await countActivitiesBy(withoutMarts(), TimeBucket.DAY, filter));
    expect(byActor.sql.some((s) => s.includes(TYPE_DAILY))).toBe(false);
    // topActors with a types filter: likewise
    const typed = withMarts();
    expect(await topActors(typed, 10, { ...window, types: [top.type] })).toEqual(await topActors(withoutMarts(), 10, { ...window, types: [top.type] }));
    expect(typed.sql.some((s) => s.includes(ACTOR_DAILY))).toBe(false);
  });
});
