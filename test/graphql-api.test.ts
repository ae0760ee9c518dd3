// The GraphQL API answers what a scan of the same rows answers: the headline question for several groups and
// windows (removed users, ended and renewed memberships included), every activity filter, pagination in a
// stable order with ties, users and their versions and memberships as of a time, groups, members and
// changes, time buckets and the type catalog. Real HTTP POSTs to a server on loopback.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DAY_US,
  ORGS,
  type Fixture,
  type FxMembership,
  type FxUserVersion,
  type TestServer,
  buildFixture,
  expectedActivities,
  expectedRecentMemberActions,
  iso,
  memberAt,
  startTestServer,
  us,
  walk,
} from './graphql-fixture.js';

const fx: Fixture = buildFixture();
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ fixture: fx });
});

afterAll(async () => {
  await t?.close();
});

const HEADLINE = `
  query Headline($groupId: ID!, $days: Int!, $since: DateTime, $until: DateTime, $types: [String!], $first: Int = 40, $after: String) {
    adminActionsByRecentGroupMembers(groupId: $groupId, addedWithinDays: $days, since: $since, until: $until, types: $types, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        daysSinceAdded
        node { id createdAt type category actor { userId email } }
        actor { id email organizationRole validFrom validTo removedAt }
        membership { groupId userId validFrom validFromSource validTo validToSource validToEarliest validToLatest isCurrent }
      }
    }
  }`;

const isoOrNull = (v: bigint | null) => (v === null ? null : iso(v));

describe('adminActionsByRecentGroupMembers equals a brute-force scan', () => {
  const cases: { name: string; groupId: string; days: number; since?: bigint; until?: bigint; types?: string[] }[] = [
    { name: 'security, 30 days, all time', groupId: 'grp_security', days: 30 },
    { name: 'security, 7 days, all time', groupId: 'grp_security', days: 7 },
    { name: 'security, 0 days (the day of joining only)', groupId: 'grp_security', days: 0 },
    { name: 'security, 3650 days, a window', groupId: 'grp_security', days: 3650, since: us(30), until: us(75) },
    { name: 'engineering, 14 days', groupId: 'grp_engineering', days: 14 },
    { name: 'finance, 60 days, since a date', groupId: 'grp_finance', days: 60, since: us(45) },
    { name: 'deleted group, 90 days', groupId: 'grp_old', days: 90 },
    { name: 'security, chosen types of any category', groupId: 'grp_security', days: 30, types: ['org_sso_toggled', 'user_signed_in_sso'] },
    { name: 'a group that does not exist', groupId: 'grp_nope', days: 30 },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const expected = expectedRecentMemberActions(fx, { groupId: c.groupId, addedWithinDays: c.days, since: c.since, until: c.until, types: c.types });
      const variables = {
        groupId: c.groupId,
        days: c.days,
        since: c.since === undefined ? null : iso(c.since),
        until: c.until === undefined ? null : iso(c.until),
        types: c.types ?? null,
      };
      const first = await t.gql(HEADLINE, variables);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.adminActionsByRecentGroupMembers.totalCount).toBe(expected.length);
      const edges = await walk(t, HEADLINE, variables, (d) => d.adminActionsByRecentGroupMembers);
      expect(edges.map((e) => e.node.id)).toEqual(expected.map((e) => e.activity.id));
      edges.forEach((edge, i) => {
        const want = expected[i];
        expect(edge.node.createdAt).toBe(iso(want.activity.us));
        expect(edge.node.actor.userId).toBe(want.activity.actor_user_id);
        expect(edge.membership).toEqual({
          groupId: c.groupId,
          userId: want.membership.user_id,
          validFrom: iso(want.membership.from),
          validFromSource: want.membership.from_source,
          validTo: isoOrNull(want.membership.to),
          validToSource: want.membership.to_source,
          validToEarliest: isoOrNull(want.membership.to_earliest),
          validToLatest: isoOrNull(want.membership.to_latest),
          isCurrent: want.membership.to === null,
        });
        expect(edge.actor).toEqual(
          want.actor && {
            id: want.actor.user_id,
            email: want.actor.email,
            organizationRole: want.actor.organization_role,
            validFrom: iso(want.actor.from),
            validTo: isoOrNull(want.actor.to),
            removedAt: isoOrNull(want.actor.removed_at),
          },
        );
        expect(edge.daysSinceAdded).toBeCloseTo(Number(want.activity.us - want.membership.from) / Number(DAY_US), 6);
        expect(edge.daysSinceAdded).toBeLessThanOrEqual(c.days);
      });
    });
  }

  test('the fixture exercises removed users, ended memberships and roles as of the event', () => {
    const all = expectedRecentMemberActions(fx, { groupId: 'grp_security', addedWithinDays: 3650 })
      .concat(expectedRecentMemberActions(fx, { groupId: 'grp_engineering', addedWithinDays: 3650 }))
      .concat(expectedRecentMemberActions(fx, { groupId: 'grp_finance', addedWithinDays: 3650 }))
      .concat(expectedRecentMemberActions(fx, { groupId: 'grp_old', addedWithinDays: 3650 }));
    expect(all.some((e) => e.actor?.removed_at !== null)).toBe(true);
    expect(all.some((e) => e.membership.to !== null)).toBe(true);
    expect(all.some((e) => e.membership.to_source === 'snapshot')).toBe(true);
    const latestRole = (id: string) => fx.users.filter((u) => u.user_id === id).at(-1)!.organization_role;
    expect(all.some((e) => e.actor && e.actor.organization_role !== latestRole(e.actor.user_id))).toBe(true);
    // renewed memberships: a user with two intervals in one group
    const intervals = new Map<string, number>();
    for (const m of fx.memberships) intervals.set(`${m.group_id}/${m.user_id}`, (intervals.get(`${m.group_id}/${m.user_id}`) ?? 0) + 1);
    expect([...intervals.values()].some((n) => n > 1)).toBe(true);
    // admin actions that fall outside membership exist (before joining, after leaving)
    const security = new Set(fx.memberships.filter((m) => m.group_id === 'grp_security').map((m) => m.user_id));
    expect(fx.activities.some((a) => a.category === 'admin' && a.actor_user_id && security.has(a.actor_user_id) && !memberAt(fx, 'grp_security', a.actor_user_id, a.us))).toBe(true);
  });

  test('the hand-placed case: a user removed from the organization, acting before, during and after the membership', async () => {
    const u3 = fx.users.find((u) => u.user_id.startsWith('user_03'))!.user_id;
    const placed = [us(38.5), us(45.25), us(59.75), us(61)].map(iso);
    const ids = (days: number) =>
      walk(t, HEADLINE, { groupId: 'grp_security', days }, (d) => d.adminActionsByRecentGroupMembers).then((edges) =>
        edges.filter((e) => e.node.actor.userId === u3 && placed.includes(e.node.createdAt)).map((e) => e.node.createdAt),
      );
    expect(await ids(30)).toEqual([iso(us(59.75)), iso(us(45.25))]);
    expect(await ids(7)).toEqual([iso(us(45.25))]);
    const [edge] = (await walk(t, HEADLINE, { groupId: 'grp_security', days: 7 }, (d) => d.adminActionsByRecentGroupMembers)).filter(
      (e) => e.node.createdAt === iso(us(45.25)),
    );
    expect(edge.actor.removedAt).toBe(iso(us(60)));
    expect(edge.membership.validTo).toBe(iso(us(60) + 1_000_000n));
  });
});

const ACTIVITIES = `
  query Activities($filter: ActivityFilter, $first: Int = 200, $after: String) {
    activities(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id createdAt type category organizationId organizationUuid isOwnRequest details actor { type userId email ip userAgent apiKeyId } } }
    }
  }`;

describe('activities', () => {
  const someUser = fx.users[4].user_id;
  const cases: { name: string; filter: Record<string, unknown>; keep: (a: Fixture['activities'][number]) => boolean }[] = [
    { name: 'no filter', filter: {}, keep: () => true },
    { name: 'since and until', filter: { since: iso(us(10)), until: iso(us(12.5)) }, keep: (a) => a.us >= us(10) && a.us < us(12.5) },
    { name: 'types', filter: { types: ['org_sso_toggled', 'brand_new_type'] }, keep: (a) => ['org_sso_toggled', 'brand_new_type'].includes(a.type) },
    { name: 'categories', filter: { categories: ['authentication', 'other'] }, keep: (a) => ['authentication', 'other'].includes(a.category) },
    { name: 'actor user ids', filter: { actorUserIds: [someUser] }, keep: (a) => a.actor_user_id === someUser },
    { name: 'actor emails, any case', filter: { actorEmails: ['PERSON.7@EXAMPLE.COM', 'renamed.5@example.com'] }, keep: (a) => ['person.7@example.com', 'renamed.5@example.com'].includes(a.actor_email ?? '') },
    { name: 'organization by tagged id', filter: { organizationIds: [ORGS[1].tagged] }, keep: (a) => a.organization_id === ORGS[1].tagged },
    { name: 'organization by uuid', filter: { organizationIds: [ORGS[0].uuid] }, keep: (a) => a.organization_uuid === ORGS[0].uuid },
    { name: 'api key ids (one with a quote)', filter: { apiKeyIds: ["apikey_'quote", 'apikey_01'] }, keep: (a) => ["apikey_'quote", 'apikey_01'].includes(a.actor_api_key_id ?? '') },
    { name: 'an empty list matches nothing', filter: { types: [] }, keep: () => false },
    {
      name: 'actor in group as of the event time',
      filter: { actorInGroup: { groupId: 'grp_security' }, categories: ['admin'] },
      keep: (a) => a.category === 'admin' && a.actor_user_id !== null && memberAt(fx, 'grp_security', a.actor_user_id, a.us),
    },
    {
      name: 'actor in group now',
      filter: { actorInGroup: { groupId: 'grp_engineering', asOfEventTime: false }, since: iso(us(100)) },
      keep: (a) => a.us >= us(100) && fx.memberships.some((m) => m.group_id === 'grp_engineering' && m.user_id === a.actor_user_id && m.to === null),
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const expected = expectedActivities(fx, c.keep);
      const { body } = await t.gql(ACTIVITIES, { filter: c.filter, first: 0 });
      expect(body.errors).toBeUndefined();
      expect(body.data!.activities.totalCount).toBe(expected.length);
      const edges = await walk(t, ACTIVITIES, { filter: c.filter }, (d) => d.activities);
      expect(edges.map((e) => e.node.id)).toEqual(expected.map((a) => a.id));
    });
  }

  test('DateTime keeps microseconds both ways: a window one microsecond wide holds exactly the activities of that microsecond', async () => {
    const a = fx.activities.find((x) => x.us % 1000n !== 0n)!;
    const exact = expectedActivities(fx, (x) => x.us === a.us).map((x) => x.id);
    const window = async (since: string, until: string) => {
      const { body } = await t.gql(ACTIVITIES, { filter: { since, until }, first: 50 });
      expect(body.errors).toBeUndefined();
      return body.data!.activities.edges.map((e: any) => e.node.id);
    };
    expect(await window(iso(a.us), iso(a.us + 1n))).toEqual(exact);
    expect(await window(iso(a.us + 1n), iso(a.us + 1000n))).not.toContain(a.id);
    // the same instant with an offset and nine fractional digits (the last three dropped)
    const local = new Date(Number(a.us / 1000n) + 2 * 3_600_000).toISOString().slice(0, 19);
    expect(await window(`${local}.${String(a.us % 1_000_000n).padStart(6, '0')}999+02:00`, iso(a.us + 1n))).toEqual(exact);
    for (const bad of ['2026-02-30T00:00:00Z', '2026-10-01 12:00:00Z', 'yesterday']) {
      const { body } = await t.gql(ACTIVITIES, { filter: { since: bad }, first: 1 });
      expect(body.errors?.[0]?.message, bad).toMatch(/DateTime cannot represent|expected RFC 3339/);
    }
  });

  test('every field of a node is the row', async () => {
    const { body } = await t.gql(ACTIVITIES, { filter: { types: ['org_sso_toggled'] }, first: 5 });
    const expected = expectedActivities(fx, (a) => a.type === 'org_sso_toggled').slice(0, 5);
    expect(body.data!.activities.edges.map((e: any) => e.node)).toEqual(
      expected.map((a) => ({
        id: a.id,
        createdAt: iso(a.us),
        type: a.type,
        category: a.category,
        organizationId: a.organization_id,
        organizationUuid: a.organization_uuid,
        isOwnRequest: a.is_own_request,
        details: a.details,
        actor: { type: a.actor_type, userId: a.actor_user_id, email: a.actor_email, ip: a.actor_ip, userAgent: a.actor_user_agent, apiKeyId: a.actor_api_key_id },
      })),
    );
  });

  test('pages of 37 walk every activity once, newest first, ties broken by id', async () => {
    const expected = expectedActivities(fx, () => true);
    // the fixture has equal timestamps and timestamps one microsecond apart
    const stamps = new Map<bigint, number>();
    for (const a of fx.activities) stamps.set(a.us, (stamps.get(a.us) ?? 0) + 1);
    expect([...stamps.values()].some((n) => n > 1)).toBe(true);
    expect(fx.activities.some((a) => stamps.has(a.us + 1n))).toBe(true);
    const edges = await walk(t, ACTIVITIES, { first: 37 }, (d) => d.activities);
    expect(new Set(edges.map((e) => e.node.id)).size).toBe(edges.length);
    expect(edges.map((e) => e.node.id)).toEqual(expected.map((a) => a.id));
  });

  test('pageInfo and cursors', async () => {
    const one = await t.gql(ACTIVITIES, { first: 3 });
    const page = one.body.data!.activities;
    expect(page.pageInfo.hasPreviousPage).toBe(false);
    expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
    expect(page.pageInfo.endCursor).toBe(page.edges[2].cursor);
    // an edge cursor resumes after that edge
    const fromSecond = await t.gql(ACTIVITIES, { first: 2, after: page.edges[0].cursor });
    expect(fromSecond.body.data!.activities.edges.map((e: any) => e.node.id)).toEqual(page.edges.slice(1).map((e: any) => e.node.id));
    expect(fromSecond.body.data!.activities.pageInfo.hasPreviousPage).toBe(true);
    // the same cursor gives the same page
    const again = await t.gql(ACTIVITIES, { first: 2, after: page.edges[0].cursor });
    expect(again.body.data).toEqual(fromSecond.body.data);
    // the last page says so
    const last = expectedActivities(fx, () => true).slice(-2);
    const all = await walk(t, ACTIVITIES, { first: 500 }, (d) => d.activities);
    const tail = await t.gql(ACTIVITIES, { first: 5, after: all[all.length - 3].cursor });
    expect(tail.body.data!.activities.edges.map((e: any) => e.node.id)).toEqual(last.map((a) => a.id));
    expect(tail.body.data!.activities.pageInfo.hasNextPage).toBe(false);
  });
});

const latestVersions = (f: Fixture): FxUserVersion[] => {
  const byUser = new Map<string, FxUserVersion>();
  for (const v of f.users) {
    const key = `${v.user_id}/${v.organization_uuid}`;
    const seen = byUser.get(key);
    if (!seen || v.from > seen.from) byUser.set(key, v);
  }
  return [...byUser.values()].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
};
const versionAt = (f: Fixture, id: string, at: bigint) => f.users.find((v) => v.user_id === id && v.from <= at && (v.to === null || at < v.to)) ?? null;

describe('users', () => {
  const USERS = `
    query Users($filter: UserFilter, $first: Int = 7, $after: String) {
      users(filter: $filter, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id email fullName organizationRole organizationUuid isCurrent removedAt validFrom validTo } }
      }
    }`;

  test('users are each user once (the latest version), by id, in pages of 7', async () => {
    const expected = latestVersions(fx);
    const edges = await walk(t, USERS, {}, (d) => d.users);
    expect(edges.map((e) => e.node.id)).toEqual(expected.map((v) => v.user_id));
    expect(edges.map((e) => [e.node.email, e.node.organizationRole, e.node.isCurrent, e.node.removedAt])).toEqual(
      expected.map((v) => [v.email, v.organization_role, v.to === null, isoOrNull(v.removed_at)]),
    );
    expect(edges.find((e) => e.node.fullName.includes("O'Brien"))?.node.fullName).toBe("Seán O'Brien-Ünïcode 11");
  });

  test('filters: any email ever held (no wildcards), organization, current', async () => {
    const count = async (filter: Record<string, unknown>) => (await t.gql(USERS, { filter, first: 0 })).body.data!.users.totalCount as number;
    const everHad = (pred: (email: string) => boolean) => new Set(fx.users.filter((v) => pred(v.email)).map((v) => v.user_id)).size;
    expect(await count({ emailContains: 'RENAMED.' })).toBe(everHad((e) => e.startsWith('renamed.')));
    expect(await count({ emailContains: 'person.1@' })).toBe(1); // user 1 has since been renamed
    expect(await count({ emailContains: '%' })).toBe(0);
    expect(await count({ emailContains: '_' })).toBe(0);
    expect(await count({ organizationUuid: ORGS[1].uuid })).toBe(latestVersions(fx).filter((v) => v.organization_uuid === ORGS[1].uuid).length);
    expect(await count({ current: false })).toBe(latestVersions(fx).filter((v) => v.to !== null).length);
    expect(await count({ current: true, organizationUuid: ORGS[0].uuid })).toBe(latestVersions(fx).filter((v) => v.to === null && v.organization_uuid === ORGS[0].uuid).length);
    expect(await count({ current: false })).toBeGreaterThan(0);
  });

  test('user(id, asOf) is the version in effect then; versions lists them all', async () => {
    const changed = fx.users.find((v, i) => fx.users[i + 1]?.user_id === v.user_id)!; // a user with two versions
    const id = changed.user_id;
    const mid = changed.from + (changed.to! - changed.from) / 2n;
    const q = `query($id: ID!, $asOf: DateTime) { user(id: $id, asOf: $asOf) { id email organizationRole validFrom versions { email organizationRole validFrom validTo } } }`;
    const asOf = await t.gql(q, { id, asOf: iso(mid) });
    expect(asOf.body.data!.user.validFrom).toBe(iso(changed.from));
    expect(asOf.body.data!.user.email).toBe(changed.email);
    const latest = await t.gql(q, { id });
    const versions = fx.users.filter((v) => v.user_id === id);
    expect(latest.body.data!.user.validFrom).toBe(iso(versions.at(-1)!.from));
    expect(latest.body.data!.user.versions).toEqual(versions.map((v) => ({ email: v.email, organizationRole: v.organization_role, validFrom: iso(v.from), validTo: isoOrNull(v.to) })));
    const before = await t.gql(q, { id, asOf: iso(versions[0].from - 1n * DAY_US) });
    expect(before.body.data!.user).toBeNull();
    expect((await t.gql(q, { id: 'user_that_never_was' })).body.data!.user).toBeNull();
  });

  test('memberships(asOf) of a user equal the intervals that held then, with their group', async () => {
    const q = `query($id: ID!, $asOf: DateTime) { user(id: $id) { memberships(asOf: $asOf, first: 500) { groupId validFrom validTo group { id name } } } }`;
    let checked = 0;
    for (const m of fx.memberships.slice(0, 25)) {
      for (const at of [m.from, m.from - 1n, m.to ?? us(200), (m.to ?? us(100)) - 1n]) {
        const { body } = await t.gql(q, { id: m.user_id, asOf: iso(at) });
        // the DateTime scalar keeps microseconds: one microsecond before a bound is before it
        const expectedMs = fx.memberships
          .filter((x) => x.user_id === m.user_id && x.from <= at && (x.to === null || at < x.to))
          .map((x) => x.group_id)
          .sort();
        expect(body.data!.user.memberships.map((x: any) => x.groupId).sort()).toEqual(expectedMs);
        checked++;
      }
    }
    expect(checked).toBe(100);
    const current = await t.gql(`query($id: ID!) { user(id: $id) { memberships { groupId validTo group { name } } } }`, { id: fx.memberships[0].user_id });
    const now = fx.memberships.filter((x) => x.user_id === fx.memberships[0].user_id && x.to === null);
    expect(current.body.data!.user.memberships.map((x: any) => x.groupId).sort()).toEqual(now.map((x) => x.group_id).sort());
    for (const x of current.body.data!.user.memberships) expect(x.group.name).toBe(fx.groups.find((g) => g.group_id === x.groupId)!.name);
  });

  test("a user's activities by category", async () => {
    const id = fx.users[6].user_id;
    const q = `query($id: ID!, $after: String) { user(id: $id) { activities(filter: { categories: ["admin"] }, first: 25, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`;
    const expected = expectedActivities(fx, (a) => a.actor_user_id === id && a.category === 'admin');
    const edges = await walk(t, q, { id }, (d) => d.user.activities);
    expect(edges.map((e) => e.node.id)).toEqual(expected.map((a) => a.id));
  });
});

describe('groups', () => {
  test('groups, filters and group(id)', async () => {
    const q = `query($filter: GroupFilter) { groups(filter: $filter) { totalCount edges { node { id name sourceType roles isCurrent firstSeen lastSeen } } } }`;
    const all = await t.gql(q, {});
    expect(all.body.data!.groups.edges.map((e: any) => e.node.id)).toEqual(fx.groups.map((g) => g.group_id).sort());
    expect(all.body.data!.groups.edges.find((e: any) => e.node.id === 'grp_security').node.roles).toEqual([{ id: 'role_admin', name: 'Admins' }]);
    expect((await t.gql(q, { filter: { current: false } })).body.data!.groups.edges.map((e: any) => e.node.id)).toEqual(['grp_old']);
    expect((await t.gql(q, { filter: { nameContains: "LEGAL'S" } })).body.data!.groups.edges.map((e: any) => e.node.id)).toEqual(['grp_finance']);
    const one = await t.gql(`{ group(id: "grp_old") { name isCurrent lastSeen } nope: group(id: "grp_nope") { name } }`);
    expect(one.body.data).toEqual({ group: { name: 'Old Team', isCurrent: false, lastSeen: iso(us(50)) }, nope: null });
  });

  const MEMBERS = `
    query($id: ID!, $asOf: DateTime, $after: String) {
      group(id: $id) { members(asOf: $asOf, first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id email } membership { userId validFrom validTo } } } }
    }`;

  test('members(asOf) are the users whose interval held then, with their record as of then', async () => {
    for (const groupId of ['grp_security', 'grp_engineering', 'grp_old']) {
      for (const at of [us(20), us(45.5), us(70), null]) {
        const held = fx.memberships.filter((m) => m.group_id === groupId && (at === null ? m.to === null : m.from <= at && (m.to === null || at < m.to)));
        const byUser = new Map<string, FxMembership>();
        for (const m of held) if (!byUser.has(m.user_id) || byUser.get(m.user_id)!.from < m.from) byUser.set(m.user_id, m);
        const expected = [...byUser.values()].sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
        const edges = await walk(t, MEMBERS, { id: groupId, asOf: at === null ? null : iso(at) }, (d) => d.group.members);
        expect(edges.map((e) => e.node.id)).toEqual(expected.map((m) => m.user_id));
        expect(edges.map((e) => e.membership.validFrom)).toEqual(expected.map((m) => iso(m.from)));
        expect(edges.map((e) => e.node.email)).toEqual(
          expected.map((m) => (at === null ? fx.users.filter((v) => v.user_id === m.user_id).at(-1)!.email : versionAt(fx, m.user_id, at)?.email ?? null)),
        );
      }
    }
  });

  test('membershipChanges are every addition and removal in [since, until), newest first', async () => {
    const q = `
      query($id: ID!, $since: DateTime, $until: DateTime, $after: String) {
        group(id: $id) { membershipChanges(since: $since, until: $until, first: 4, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { at kind source userId user { id } membership { validFrom validTo } } } } }
      }`;
    for (const groupId of ['grp_security', 'grp_finance', 'grp_old']) {
      for (const [since, until] of [[null, null], [us(20), us(60)]] as [bigint | null, bigint | null][]) {
        const changes = fx.memberships
          .filter((m) => m.group_id === groupId)
          .flatMap((m) => [
            { at: m.from, kind: 'ADDED', source: m.from_source, m },
            ...(m.to === null ? [] : [{ at: m.to, kind: 'REMOVED', source: m.to_source, m }]),
          ])
          .filter((c) => (since === null || c.at >= since) && (until === null || c.at < until))
          .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.m.user_id !== b.m.user_id ? (a.m.user_id < b.m.user_id ? 1 : -1) : a.kind < b.kind ? 1 : -1));
        const edges = await walk(t, q, { id: groupId, since: since === null ? null : iso(since), until: until === null ? null : iso(until) }, (d) => d.group.membershipChanges);
        expect(edges.map((e) => [e.node.at, e.node.kind, e.node.source, e.node.userId])).toEqual(changes.map((c) => [iso(c.at), c.kind, c.source, c.m.user_id]));
        for (const e of edges) expect(e.node.user?.id ?? e.node.userId).toBe(e.node.userId);
      }
    }
  });
});

describe('activityCounts and activityTypes', () => {
  const dayOf = (t: bigint) => Number(t / DAY_US);
  const bucketStart = (by: string, t: bigint): string => {
    const day = dayOf(t);
    const micros = (ms: number) => iso(BigInt(ms) * 1000n);
    if (by === 'DAY') return micros(day * 86_400_000);
    if (by === 'WEEK') return micros((day - ((day + 3) % 7)) * 86_400_000); // 1970-01-01 was a Thursday
    const d = new Date(day * 86_400_000);
    return micros(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  };

  for (const by of ['DAY', 'WEEK', 'MONTH']) {
    test(`by ${by}, with a filter`, async () => {
      const filter = { categories: ['admin'], since: iso(us(3.5)) };
      const { body } = await t.gql(`query($by: TimeBucket!, $filter: ActivityFilter) { activityCounts(by: $by, filter: $filter) { bucket count } }`, { by, filter });
      expect(body.errors).toBeUndefined();
      const counts = new Map<string, number>();
      for (const a of fx.activities) if (a.category === 'admin' && a.us >= us(3.5)) counts.set(bucketStart(by, a.us), (counts.get(bucketStart(by, a.us)) ?? 0) + 1);
      expect(body.data!.activityCounts).toEqual([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([bucket, count]) => ({ bucket, count })));
    });
  }

  test('activityTypes lists the catalog and the unknown types seen, with counts', async () => {
    const { body } = await t.gql(`{ activityTypes { type category known firstSeen lastSeen activityCount } unknown: activityTypes(filter: { known: false }) { type } }`);
    const rows = body.data!.activityTypes as { type: string; category: string; known: boolean; firstSeen: string | null; activityCount: number }[];
    expect(rows.map((r) => r.type)).toEqual(fx.activityTypes.map((x) => x.type).sort());
    expect(rows.find((r) => r.type === 'brand_new_type')).toMatchObject({ category: 'other', known: false });
    expect(rows.find((r) => r.type === 'never_seen_type')).toMatchObject({ firstSeen: null, activityCount: 0 });
    for (const r of rows) expect(r.activityCount).toBe(fx.activities.filter((a) => a.type === r.type).length);
    expect(body.data!.unknown).toEqual([{ type: 'brand_new_type' }]);
  });
});
