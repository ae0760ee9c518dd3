// The console's GraphQL fields against brute force over the fixture rows: activityCountsByCategory (per day,
// week and month, with a filter), topActivityTypes, topActors, User.membershipHistory and Query.activity.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Fixture, type FxActivity, type TestServer, buildFixture, iso, startTestServer, us } from './graphql-fixture.js';

const fx: Fixture = buildFixture();
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ fixture: fx });
});
afterAll(async () => {
  await t?.close();
});

async function data(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const { status, body } = await t.gql(query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(status).toBe(200);
  return body.data!;
}

const inWindow = (since: bigint, until: bigint) => (a: FxActivity) => a.us >= since && a.us < until;

/** The start of the UTC day, ISO week (Monday) or month holding `t`, as the API writes it. */
function bucketOf(t: bigint, by: 'DAY' | 'WEEK' | 'MONTH'): string {
  const d = new Date(Number(t / 1000n));
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const start = by === 'DAY' ? day : by === 'WEEK' ? day - ((new Date(day).getUTCDay() + 6) % 7) * 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return iso(BigInt(start) * 1000n);
}

function tally<K>(items: Iterable<K>): Map<K, number> {
  const out = new Map<K, number>();
  for (const k of items) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

describe('activityCountsByCategory', () => {
  for (const by of ['DAY', 'WEEK', 'MONTH'] as const) {
    test(`per ${by.toLowerCase()} and category equals a count over the rows`, async () => {
      const since = us(10.5);
      const until = us(75.25);
      const d = await data(`query($f: ActivityFilter) { activityCountsByCategory(by: ${by}, filter: $f) { bucket category count } }`, { f: { since: iso(since), until: iso(until) } });
      const expected = [...tally(fx.activities.filter(inWindow(since, until)).map((a) => `${bucketOf(a.us, by)}|${a.category}`)).entries()]
        .map(([k, count]) => ({ bucket: k.split('|')[0], category: k.split('|')[1], count }))
        .sort((a, b) => (a.bucket === b.bucket ? (a.category < b.category ? -1 : 1) : a.bucket < b.bucket ? -1 : 1));
      expect(d.activityCountsByCategory).toEqual(expected);
      expect(expected.length).toBeGreaterThan(3);
    });
  }

  test('takes the activity filter (categories, group as of the event) and agrees with activityCounts', async () => {
    const f = { categories: ['admin', 'content'], actorInGroup: { groupId: 'grp_security' } };
    const d = await data(
      `query($f: ActivityFilter) { byCategory: activityCountsByCategory(by: DAY, filter: $f) { bucket category count } total: activityCounts(by: DAY, filter: $f) { bucket count } }`,
      { f },
    );
    const summed = new Map<string, number>();
    for (const r of d.byCategory) summed.set(r.bucket, (summed.get(r.bucket) ?? 0) + r.count);
    expect([...summed.entries()].map(([bucket, count]) => ({ bucket, count }))).toEqual(d.total);
    expect(new Set(d.byCategory.map((r: any) => r.category))).toEqual(new Set(['admin', 'content']));
  });

  test('a bad bucket or time range is a clear error', async () => {
    const { body } = await t.gql(`{ activityCountsByCategory(by: DAY, filter: { since: "2026-03-01T00:00:00Z", until: "2026-02-01T00:00:00Z" }) { count } }`);
    expect(body.errors?.[0].message).toMatch(/"since".*must be before "until"/);
  });
});

describe('topActivityTypes and topActors', () => {
  const since = us(20);
  const until = us(80);
  const rows = () => fx.activities.filter(inWindow(since, until));

  test('types: the most frequent first, ties by type, at most `first`', async () => {
    const d = await data(`query($f: ActivityFilter) { topActivityTypes(first: 4, filter: $f) { type category count } }`, { f: { since: iso(since), until: iso(until) } });
    const counts = tally(rows().map((a) => a.type));
    const expected = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 4)
      .map(([type, count]) => ({ type, category: fx.activities.find((a) => a.type === type)!.category, count }));
    expect(d.topActivityTypes).toEqual(expected);
  });

  test('actors: by user id, else API key; the email of their newest activity in the window', async () => {
    const d = await data(`query($f: ActivityFilter) { topActors(first: 100, filter: $f) { type userId apiKeyId email count } }`, { f: { since: iso(since), until: iso(until) } });
    const key = (a: FxActivity) => (a.actor_user_id ? `u:${a.actor_user_id}` : a.actor_api_key_id ? `k:${a.actor_api_key_id}` : `e:${a.actor_email}`);
    const groups = new Map<string, FxActivity[]>();
    for (const a of rows()) groups.set(key(a), [...(groups.get(key(a)) ?? []), a]);
    const expected = [...groups.values()]
      .map((list) => {
        const newest = list.reduce((m, a) => (a.us > m.us ? a : m));
        return { type: newest.actor_type, userId: newest.actor_user_id, apiKeyId: newest.actor_user_id ? null : newest.actor_api_key_id, email: newest.actor_email, count: list.length };
      })
      .sort((a, b) => b.count - a.count || cmp(a.userId, b.userId) || cmp(a.apiKeyId, b.apiKeyId))
      .slice(0, 100);
    expect(d.topActors).toEqual(expected);
    expect(expected.some((a) => a.apiKeyId !== null)).toBe(true);
  });

  test('first must be 1 to 100', async () => {
    const { body } = await t.gql(`{ topActors(first: 101) { count } }`);
    expect(body.errors?.[0].message).toMatch(/"first" must be between 1 and 100/);
  });
});

/** Nulls last, then ascending. */
function cmp(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

describe('User.membershipHistory and Query.activity', () => {
  test('every membership interval of a user, ended ones included, oldest first', async () => {
    const withEnded = fx.memberships.find((m) => m.to !== null && fx.memberships.filter((x) => x.user_id === m.user_id).length > 1)!;
    const d = await data(`query($id: ID!) { user(id: $id) { membershipHistory { groupId validFrom validTo isCurrent } } }`, { id: withEnded.user_id });
    const expected = fx.memberships
      .filter((m) => m.user_id === withEnded.user_id)
      .sort((a, b) => (a.from === b.from ? (a.group_id < b.group_id ? -1 : 1) : a.from < b.from ? -1 : 1))
      .map((m) => ({ groupId: m.group_id, validFrom: iso(m.from), validTo: m.to === null ? null : iso(m.to), isCurrent: m.to === null }));
    expect(d.user.membershipHistory).toEqual(expected);
    expect(expected.some((m) => !m.isCurrent)).toBe(true);
  });

  test('activity(id) finds the row, with or without its createdAt; a wrong createdAt or id finds nothing', async () => {
    const a = fx.activities.find((x) => x.details !== null)!;
    const q = `query($id: ID!, $at: DateTime) { activity(id: $id, createdAt: $at) { id createdAt type category actor { userId email } details } }`;
    const plain = await data(q, { id: a.id });
    const at = await data(q, { id: a.id, at: iso(a.us) });
    expect(plain.activity).toEqual({ id: a.id, createdAt: iso(a.us), type: a.type, category: a.category, actor: { userId: a.actor_user_id, email: a.actor_email }, details: a.details });
    expect(at.activity).toEqual(plain.activity);
    expect((await data(q, { id: a.id, at: iso(a.us + 1n) })).activity).toBeNull();
    expect((await data(q, { id: 'act_not_there' })).activity).toBeNull();
  });
});
