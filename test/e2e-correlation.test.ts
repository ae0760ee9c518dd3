// End to end, through the real stack: the simulator (loopback HTTP) -> sync into the Parquet lake -> models
// build -> the GraphQL API over loopback HTTP with a bearer token. What comes out of GraphQL is compared with
// the simulator's ground truth, never with the warehouse it was computed from:
//   - adminActionsByRecentGroupMembers for several groups and windows equals a brute force over the truth
//     feed and /_sim/truth/memberships (ids in order, page by page to the end; the membership and the actor
//     of every edge), including users removed from the organization and memberships that ended;
//   - activities(actorInGroup: asOfEventTime) equals a brute force "member at the time";
//   - memberships and user history equal the truth: group(members(asOf)), membershipChanges and user(asOf)
//     over GraphQL, and marts.group_memberships / marts.users in the warehouse for full coverage;
//   - every operation of schema/examples.graphql runs against this warehouse and finds what exists.
// The GraphQL DateTime scalar carries milliseconds (the marts keep microseconds): instants from the API are
// compared at the millisecond; orders, filters and daysSinceAdded are the API's own, at the microsecond.
//
// Boundaries, as the schema states them and as the brute force applies them:
//   - a membership holds at t when valid_from <= t < valid_to (start inclusive, end exclusive);
//   - "added within N days" at t: t - valid_from <= N × 24 h (inclusive: N = 0 keeps only t = valid_from);
//   - since is inclusive, until exclusive: since <= created_at < until.
// Injected probe activities sit exactly on these bounds (valid_from - 1 µs, valid_from, valid_from + 1 day,
// + 1 day + 1 µs, valid_to - 1 µs, valid_to) and pin them.
//
// The truth's times are the directory's, in milliseconds. The lake knows a membership's start from its
// created_at in a snapshot (the same millisecond) or, when no snapshot listed it, from the feed event that
// recorded it, whose created_at carries microseconds within that millisecond; an end likewise from its event,
// or only from snapshots. What the lake can know is derived here from the truth, the sync schedule and the
// feed (lakeView in support/e2e-harness.ts), never from the model, and the model must match it exactly.
//
// Where the lake cannot decide, activities are left out of the exact comparison, counted, and asserted to
// be rare (doubtAt in support/e2e-harness.ts):
//   - an end only snapshots bound: the true end lies in [last evidence, first snapshot that missed it], so an
//     activity of that user inside that interval may or may not be a member's;
//   - a start before the lake's history that no snapshot listed (valid_from null): whether the actor had been
//     added within N days is unknowable (the API leaves such memberships out of the headline question);
//   - an activity between the truth's millisecond and the event's microsecond of a bound (or of the N-day edge).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Activity } from '../src/api/types.js';
import { Kind, type OperationDefinitionNode, parse } from '../src/graphql/graphql-js.js';
import { type BuildReport, buildModels } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import type { Simulator } from '../src/simulator/server/app.js';
import type { SimMembership, SimUser } from '../src/simulator/tenant/directory.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { Rng, activityId } from '../src/simulator/tenant/random.js';
import { lakeActivityIds, syncWith, tempDataDir } from './support/lake-harness.js';
import { NOW, START, type Transport, connect, control, makeSim, makeTenant, truthIds } from './support/sim-harness.js';
import {
  DAY_MS,
  DAY_US,
  type Doubt,
  type Gql,
  HOUR_MS,
  type LakeSchedule,
  type LakeView,
  MINUTE_MS,
  MODEL_MEMBERSHIPS_SQL,
  type ModelMembership,
  type RecentMemberHit,
  type RecentMemberQuery,
  type TruthActivity,
  type TruthMembership,
  bruteForceRecentMembers,
  coveredUntilMs,
  doubtAt,
  holdsAt,
  isoOf,
  lakeView,
  membershipEvents,
  startGql,
  truthActivities,
  truthMemberships,
  usOrNull,
  userAt,
} from './support/e2e-harness.js';

const TOKEN = `e2e-${randomBytes(16).toString('hex')}`;
const DIRECTORY_STREAMS = ['organizations', 'users', 'groups', 'group_members'];
/** Synced with the feed (not in the directory-only sync): what the content and settings examples read. */
const CONTENT_STREAMS = ['organization_settings', 'chats', 'projects', 'project_attachments', 'project_collaborators'];
const MODEL_STREAMS = ['activities', ...DIRECTORY_STREAMS, ...CONTENT_STREAMS];
/** Clock steps between syncs (the first sync runs at NOW): full syncs, then one of the directory alone. */
const FULL_SYNC_STEPS = [0, 6 * HOUR_MS, DAY_MS, 3 * DAY_MS, 4 * DAY_MS];
const DIRECTORY_ONLY_STEP = 2 * DAY_MS;

let tenant: SyntheticTenant;
let sim: Simulator;
let t: Transport;
let gql: Gql;
let dir: string;
let cleanup: () => void;
let build: BuildReport;
/** The simulator's clock at each directory snapshot (ms). */
const snapshotsMs: number[] = [];
let finalMs: number;
/** The lake holds every activity created before this (µs). */
let coveredUs: number;
/** The truth feed before covered_until (what the lake must hold), probes included. */
let feed: TruthActivity[];
/** /_sim/truth/memberships at the final clock. */
let truth: TruthMembership[];
let schedule: LakeSchedule;
const views = new Map<TruthMembership, LakeView>();
const truthByGroupUser = new Map<string, TruthMembership[]>();
let modelMemberships: ModelMembership[];
let usersById: Map<string, SimUser>;
let probe: Probe;
let leaver: Leaver;
let oldMember: OldMember;

const msOf = (us: number) => Math.floor(us / 1000);
const iso = (ms: number) => new Date(ms).toISOString();
/** The GraphQL DateTime scalar carries microseconds: UTC, six fractional digits. */
const apiIso = (us: number | null) => (us === null ? null : `${iso(msOf(us)).slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`);
let feedById: Map<string, TruthActivity>;
const view = (m: TruthMembership) => views.get(m)!;
/** A users snapshot listed this user (else the lake knows them from feed events alone). */
const listed = (u: SimUser) => snapshotsMs.some((s) => u.joinedMs <= s && s < u.leftMs);
/**
 * The lake cannot know this user's email: deprovisioned over SCIM (scim_user_deleted names no email) before
 * any users snapshot listed them. Nor their role, for anyone removed before any snapshot listed them
 * (org_user_deleted and scim_user_deleted name no role).
 */
const emailUnknowable = (u: SimUser) => u.orgIndex === 0 && !listed(u);
const roleUnknowable = (u: SimUser) => !listed(u);

// ---- probes -------------------------------------------------------------------------------------

interface Probe {
  groupId: string;
  user: SimUser;
  /** The instants of the events that began and ended the membership (what the lake knows). */
  startUs: number;
  endUs: number;
  /** label -> activity id */
  ids: Record<string, string>;
}

interface Leaver {
  groupId: string;
  user: SimUser;
  ids: Record<string, string>;
}

/** An admin action inside a membership that began before the history and ended before the first sync. */
interface OldMember {
  groupId: string;
  user: SimUser;
  id: string;
}

/** The instant (µs) of the feed event that records a membership change at `ms`. */
function eventInstant(type: 'group_member_added' | 'group_member_removed', groupId: string, userId: string, ms: number): number {
  const found = tenant.feed.scan({
    direction: 'forward',
    nowMs: NOW,
    minUs: ms * 1000,
    maxUs: ms * 1000 + 1000,
    limit: 100,
    filter: (a) => a.record.type === type && a.record.group_id === groupId && (a.record.member_ids as string[]).includes(userId),
  });
  expect(found, `${type} ${groupId} ${userId} at ${iso(ms)}`).toHaveLength(1);
  return found[0].us;
}

function adminRecord(user: SimUser, us: number, rng: Rng, label: string): Activity {
  const org = tenant.timeline.orgs[user.orgIndex];
  return {
    id: activityId(us, rng),
    created_at: isoOf(us),
    organization_id: org.tagged,
    organization_uuid: org.uuid,
    actor: tenant.timeline.actorFor(user),
    type: 'org_sso_toggled',
    enabled: true,
    e2e_probe: label,
  };
}

/** The only membership of this user in this group within a day of it. */
function alone(m: SimMembership): boolean {
  return tenant.timeline.memberships.every(
    (y) => y === m || y.groupId !== m.groupId || y.userIndex !== m.userIndex || y.toMs + DAY_MS < m.fromMs || y.fromMs > m.toMs + DAY_MS,
  );
}

/**
 * Admin activities injected before the first sync:
 * - on the bounds of a membership that began and ended by feed events before the first sync (so no snapshot
 *   ever listed it and both bounds are the events' instants), by a user who stayed in the organization;
 * - by a user removed from the organization before the first sync (so the lake knows them from events only),
 *   while a member of a group: during it, and in the second between leaving the organization and being
 *   deprovisioned from the group (a member of the group with no user record in force: the actor is null).
 */
async function injectProbes(): Promise<{ probe: Probe; leaver: Leaver; oldMember: OldMember }> {
  const epoch = tenant.epochStartMs;
  const users = tenant.timeline.users;
  const m = tenant.timeline.memberships.find((x) => {
    const u = users[x.userIndex];
    return x.fromMs >= epoch + DAY_MS && x.toMs < START - DAY_MS && x.toMs - x.fromMs > 3 * DAY_MS && u.joinedMs < x.fromMs - DAY_MS && u.leftMs > NOW + 30 * DAY_MS && alone(x);
  });
  expect(m, 'a membership with event-bound start and end before the first sync').toBeDefined();
  const user = users[m!.userIndex];
  const startUs = eventInstant('group_member_added', m!.groupId, user.id, m!.fromMs);
  const endUs = eventInstant('group_member_removed', m!.groupId, user.id, m!.toMs);
  const rng = new Rng(4242);
  const at: Record<string, number> = {
    'start-1us': startUs - 1,
    start: startUs,
    'start+1d': startUs + DAY_US,
    'start+1d+1us': startUs + DAY_US + 1,
    'end-1us': endUs - 1,
    end: endUs,
  };
  const records = Object.entries(at).map(([label, us]) => adminRecord(user, us, rng, label));

  // prefer a leaver the lake can know only from events: joined before the history, left before the first
  // sync, outside the SCIM organization (org_user_deleted names their email, scim_user_deleted does not)
  const candidates = tenant.timeline.memberships.filter((x) => {
    const u = users[x.userIndex];
    return u.leftMs < NOW - DAY_MS && x.toMs === u.leftMs + 1000 && x.fromMs >= epoch + DAY_MS && u.leftMs - x.fromMs > 2 * DAY_MS && alone(x) && x.groupId !== m!.groupId;
  });
  const l = candidates.find((x) => users[x.userIndex].orgIndex !== 0 && users[x.userIndex].joinedMs < epoch) ?? candidates[0];
  expect(l, 'a member of a group removed from the organization before the first sync').toBeDefined();
  const leaverUser = users[l!.userIndex];
  const leaverStart = eventInstant('group_member_added', l!.groupId, leaverUser.id, l!.fromMs);
  const leaverAt: Record<string, number> = {
    member: leaverStart + HOUR_MS * 1000,
    'before-leaving': leaverUser.leftMs * 1000 - MINUTE_MS * 1000,
    'after-leaving': leaverUser.leftMs * 1000 + 500_000,
  };
  const leaverRecords = Object.entries(leaverAt).map(([label, us]) => adminRecord(leaverUser, us, rng, label));

  // a membership the lake can only know the end of: its start (unknown) is before the history
  const o = tenant.timeline.memberships.find((x) => {
    const u = users[x.userIndex];
    return x.fromMs < epoch && x.toMs > epoch + 2 * DAY_MS && x.toMs < NOW - DAY_MS && u.joinedMs < epoch && u.leftMs > NOW + 30 * DAY_MS && alone(x);
  });
  expect(o, 'a membership older than the history that ended before the first sync').toBeDefined();
  const oldUser = users[o!.userIndex];
  const oldRecord = adminRecord(oldUser, (o!.toMs - HOUR_MS) * 1000 + 123, rng, 'old-member');
  await control(t, 'POST', '/_sim/activities', { records: [...records, ...leaverRecords, oldRecord], visible_at: iso(NOW) });
  const ids = (recs: Activity[], labels: string[]) => Object.fromEntries(labels.map((label, i) => [label, String(recs[i].id)]));
  return {
    probe: { groupId: m!.groupId, user, startUs, endUs, ids: ids(records, Object.keys(at)) },
    leaver: { groupId: l!.groupId, user: leaverUser, ids: ids(leaverRecords, Object.keys(leaverAt)) },
    oldMember: { groupId: o!.groupId, user: oldUser, id: String(oldRecord.id) },
  };
}

// ---- setup --------------------------------------------------------------------------------------

async function syncOk(streams: string[]): Promise<void> {
  // Bounded one minute before the server's clock (its second): the feed has indexed everything before it,
  // so "the lake holds the truth before covered_until" is exact. Unbounded, a run also stores what the last
  // minute shows so far (the next run reads that minute again).
  const untilMs = Math.floor(sim.clock.now() / 1000) * 1000 - MINUTE_MS;
  const r = await syncWith(t, dir, { streams, settings: { overlapMs: 10 * MINUTE_MS, reconcileDays: 3, untilMs } });
  expect(r.ok, JSON.stringify(r.streams)).toBe(true);
  snapshotsMs.push(sim.clock.now());
}

beforeAll(async () => {
  // 300 people and 60 groups over 30 days of history, live: people join, leave and change role, and
  // memberships change, while the clock moves on between syncs.
  tenant = makeTenant({ live: true, lateShare: 0, horizonDays: 30, activitiesPerDay: 3000, groups: 60 });
  sim = makeSim({ shared: tenant });
  t = await connect(sim, 'loopback');
  ({ dir, cleanup } = tempDataDir('cl-e2e-'));
  usersById = new Map(tenant.timeline.users.map((u) => [u.id, u]));
  ({ probe, leaver, oldMember } = await injectProbes());

  for (const step of FULL_SYNC_STEPS) {
    sim.clock.advance(step);
    await syncOk(MODEL_STREAMS);
  }
  coveredUs = coveredUntilMs(dir) * 1000;
  // the directory alone, two days later: what changed since the feed's end is known only from snapshots
  sim.clock.advance(DIRECTORY_ONLY_STEP);
  await syncOk(DIRECTORY_STREAMS);
  finalMs = sim.clock.now();
  build = await buildModels(dir);
  gql = await startGql(dir, TOKEN);

  feed = truthActivities(sim, coveredUs);
  feedById = new Map(feed.map((a) => [a.id, a]));
  truth = await truthMemberships(t);
  const stamps = await warehouseRows(dir, 'select distinct epoch_us(snapshot_at) as s from staging.stg_compliance__group_members order by s');
  const stampsUs = stamps.map((r) => Number(r.s));
  expect(stampsUs).toHaveLength(snapshotsMs.length);
  stampsUs.forEach((s, i) => expect(Math.abs(s - snapshotsMs[i] * 1000)).toBeLessThan(1_000_000));
  schedule = { epochUs: tenant.epochStartMs * 1000, coveredUs, snapshotsMs, stampsUs, events: membershipEvents(sim, finalMs) };
  for (const m of truth) {
    views.set(m, lakeView(m, schedule));
    const key = `${m.groupId}/${m.userId}`;
    truthByGroupUser.set(key, [...(truthByGroupUser.get(key) ?? []), m]);
  }
  modelMemberships = (await warehouseRows(dir, MODEL_MEMBERSHIPS_SQL)) as unknown as ModelMembership[];
}, 180_000);

afterAll(async () => {
  await gql?.close();
  await t?.close();
  cleanup?.();
});

// ---- helpers ------------------------------------------------------------------------------------

/** Why the lake cannot decide whether an activity of `userId` at `us` is in a (recent) membership of `groupId`. */
function doubt(groupId: string, userId: string, us: number, days: number, needStart = true): Doubt | undefined {
  for (const m of truthByGroupUser.get(`${groupId}/${userId}`) ?? []) {
    const d = doubtAt(m, view(m), us, days, needStart);
    if (d) return d;
  }
  return undefined;
}

const HEADLINE = `
  query Headline($groupId: ID!, $days: Int!, $since: DateTime, $until: DateTime, $first: Int!, $after: String) {
    adminActionsByRecentGroupMembers(groupId: $groupId, addedWithinDays: $days, since: $since, until: $until, first: $first, after: $after) {
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

async function headline(c: RecentMemberQuery, first = 25) {
  const variables = { groupId: c.groupId, days: c.addedWithinDays, since: c.sinceUs === undefined ? null : isoOf(c.sinceUs), until: c.untilUs === undefined ? null : isoOf(c.untilUs), first };
  const walked = await gql.walk(HEADLINE, variables, (d) => d.adminActionsByRecentGroupMembers);
  return { totalCount: walked.totalCount!, edges: walked.edges as any[], pages: walked.pages };
}

/** JSON scalars: their content is the feed's, not a list the query asked for. */
const JSON_FIELDS = new Set(['details', 'roles', 'cursor', 'value', 'previousValue']);

/** Where `data` is empty: a null top-level field, an empty list, a zero totalCount (JSON scalars aside). */
function emptySpots(value: unknown, path = 'data', depth = 0): string[] {
  if (value === null) return depth <= 1 ? [path] : [];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => emptySpots(v, `${path}[${i}]`, depth + 1));
  if (typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    JSON_FIELDS.has(k) ? [] : k === 'totalCount' && v === 0 ? [`${path}.${k}`] : emptySpots(v, `${path}.${k}`, depth + 1),
  );
}

// ---- tests --------------------------------------------------------------------------------------

describe('the stack', () => {
  test('the lake and marts.activities hold exactly the truth feed before covered_until, with the catalog categories', async () => {
    expect(snapshotsMs).toHaveLength(FULL_SYNC_STEPS.length + 1);
    expect(build.mode).toBe('full');
    expect(coveredUs).toBeGreaterThan((NOW + 8 * DAY_MS) * 1000);
    const truthBefore = await truthIds(t, `created_at.lt=${encodeURIComponent(isoOf(coveredUs))}`);
    expect(feed.map((a) => a.id)).toEqual(truthBefore);
    const mart = (await warehouseRows(dir, 'select id from marts.activities order by id')).map((r) => String(r.id));
    expect(mart).toEqual([...truthBefore].sort());
    expect(new Set(await lakeActivityIds(dir))).toEqual(new Set(mart));
    // the catalog's category, unknown types as 'other', is what the mart says
    const categories = new Map((await warehouseRows(dir, 'select id, category from marts.activities')).map((r) => [String(r.id), String(r.category)]));
    const wrong = feed.filter((a) => categories.get(a.id) !== a.category);
    expect(wrong.slice(0, 5).map((a) => `${a.id} ${a.type}: ${categories.get(a.id)} vs ${a.category}`)).toEqual([]);
    expect(feed.length).toBeGreaterThan(100_000);
    // churn: removed users and ended memberships, before and after the feed's end
    const removed = tenant.timeline.users.filter((u) => u.leftMs <= finalMs);
    expect(removed.filter((u) => u.leftMs * 1000 < coveredUs).length).toBeGreaterThan(5);
    expect(removed.filter((u) => u.leftMs * 1000 >= coveredUs).length).toBeGreaterThan(0);
    expect(truth.filter((m) => m.toUs !== null).length).toBeGreaterThan(30);
  });
});

describe('adminActionsByRecentGroupMembers equals a brute force over the truth', () => {
  const cases: (RecentMemberQuery & { name: string })[] = [];
  const groups: { id: string; why: string }[] = [];
  const tally = {
    cases: 0,
    pages: 0,
    edges: 0,
    compared: 0,
    excluded: new Map<string, Doubt>(),
    removedActors: 0,
    nullActors: 0,
    endedMemberships: 0,
    snapshotEnded: 0,
    emailUnknown: 0,
    roleUnknown: 0,
    createdAtStarts: 0,
    eventStarts: 0,
  };

  beforeAll(() => {
    // groups: the two probes'; the one with most answers; one whose answers include a membership that ended;
    // one whose answers include a user later removed from the organization; then the next busiest
    const all = [...new Set(truth.map((m) => m.groupId))];
    const hits30 = new Map(all.map((g) => [g, bruteForceRecentMembers(feed, truth, { groupId: g, addedWithinDays: 30 })]));
    const busiest = [...all].sort((a, b) => hits30.get(b)!.length - hits30.get(a)!.length || (a < b ? -1 : 1));
    const add = (id: string | undefined, why: string) => {
      expect(id, why).toBeDefined();
      if (!groups.some((g) => g.id === id)) groups.push({ id: id!, why });
    };
    add(probe.groupId, 'boundary probes');
    add(leaver.groupId, 'a user removed from the organization');
    add(oldMember.groupId, 'a membership older than the history');
    add(busiest[0], 'most answers');
    add(
      busiest.find((g) => hits30.get(g)!.some((h) => h.membership.toUs !== null)),
      'a membership that ended among the answers',
    );
    add(
      busiest.find((g) => hits30.get(g)!.some((h) => usersById.get(h.activity.actorUserId!)!.leftMs <= finalMs)),
      'an actor removed from the organization',
    );
    for (const g of busiest) if (groups.length < 7 && hits30.get(g)!.length > 0) add(g, 'busy');
    const epoch = tenant.epochStartMs * 1000;
    for (const g of groups) {
      for (const days of [0, 1, 7, 30, 400]) cases.push({ name: `${g.why}: ${days} days, all time`, groupId: g.id, addedWithinDays: days });
      cases.push({ name: `${g.why}: 30 days since a date`, groupId: g.id, addedWithinDays: 30, sinceUs: (START - 10 * DAY_MS) * 1000 });
      cases.push({ name: `${g.why}: 30 days until a date`, groupId: g.id, addedWithinDays: 30, untilUs: START * 1000 });
      cases.push({ name: `${g.why}: 7 days in a window`, groupId: g.id, addedWithinDays: 7, sinceUs: epoch + 5 * DAY_US, untilUs: msOf(coveredUs - DAY_US) * 1000 });
    }
  });

  test('every case: the same ids in the same order, page by page to the end; each edge has the true membership and actor', async () => {
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) {
      const expected = bruteForceRecentMembers(feed, truth, c);
      const got = await headline(c);
      tally.cases++;
      tally.pages += got.pages;
      tally.edges += got.edges.length;
      expect(got.totalCount, c.name).toBe(got.edges.length);
      const excluded = (id: string, userId: string, us: number) => {
        const why = doubt(c.groupId, userId, us, c.addedWithinDays);
        if (why) tally.excluded.set(id, why);
        return why !== undefined;
      };
      const want = expected.filter((h) => !excluded(h.activity.id, h.activity.actorUserId!, h.activity.us));
      // the API shows milliseconds: the doubt is judged at the activity's true instant
      const edges = got.edges.filter((e) => !excluded(e.node.id, e.node.actor.userId, feedById.get(e.node.id)!.us));
      expect(edges.map((e) => e.node.id), c.name).toEqual(want.map((h) => h.activity.id));
      edges.forEach((edge, i) => checkEdge(c, edge, want[i]));
      tally.compared += want.length;
    }
    const excludedBy = [...tally.excluded.values()].reduce((m, d) => ({ ...m, [d]: (m[d] ?? 0) + 1 }), {} as Record<string, number>);
    console.info(
      `adminActionsByRecentGroupMembers: ${tally.cases} cases over ${groups.length} groups, ${tally.pages} pages, ${tally.edges} edges returned; ` +
        `${tally.compared} (case, activity) pairs compared with the brute force: ${tally.removedActors} by users removed from the organization ` +
        `(${tally.nullActors} after leaving, actor null), ${tally.endedMemberships} in memberships that ended (${tally.snapshotEnded} only snapshots bound), ` +
        `starts from created_at ${tally.createdAtStarts} / from events ${tally.eventStarts}; actors with no email / role known to the lake ${tally.emailUnknown} / ${tally.roleUnknown}; ` +
        `${tally.excluded.size} distinct activities excluded for uncertainty ${JSON.stringify(excludedBy)}`,
    );
    expect(tally.compared).toBeGreaterThan(400);
    expect(tally.excluded.size).toBeLessThanOrEqual(Math.max(10, tally.compared / 100));
    expect(tally.removedActors).toBeGreaterThan(0);
    expect(tally.nullActors).toBeGreaterThan(0);
    expect(tally.endedMemberships).toBeGreaterThan(0);
    expect(tally.createdAtStarts).toBeGreaterThan(0);
    expect(tally.eventStarts).toBeGreaterThan(0);
  }, 60_000);

  function checkEdge(c: RecentMemberQuery, edge: any, want: RecentMemberHit): void {
    const a = want.activity;
    const m = want.membership;
    const v = view(m);
    const what = `${a.id} (${a.type}, ${isoOf(a.us)}) in ${c.groupId}`;
    expect(edge.node.createdAt, what).toBe(apiIso(a.us));
    expect(edge.node.type).toBe(a.type);
    expect(edge.node.category).toBe('admin');
    expect(edge.node.actor.userId).toBe(a.actorUserId);
    // the membership: as the lake can know the true one (created_at: the directory's ms; event: its instant)
    expect(edge.membership.groupId).toBe(c.groupId);
    expect(edge.membership.userId).toBe(m.userId);
    expect(edge.membership.validFromSource, what).toBe(v.fromSource);
    expect(edge.membership.validFrom, what).toBe(apiIso(v.from));
    expect(msOf(usOrNull(edge.membership.validFrom)!), what).toBe(msOf(m.fromUs));
    if (v.fromSource === 'created_at') tally.createdAtStarts++;
    else tally.eventStarts++;
    expect(edge.membership.validToSource, what).toBe(v.toSource);
    expect(edge.membership.validTo, what).toBe(apiIso(v.to));
    expect(edge.membership.isCurrent).toBe(v.to === null);
    if (v.toSource === 'event') {
      expect(msOf(v.to!)).toBe(msOf(m.toUs!));
      expect(edge.membership.validToEarliest).toBe(apiIso(v.to));
      expect(edge.membership.validToLatest).toBe(apiIso(v.to));
    }
    if (v.toSource === 'snapshot') {
      expect(usOrNull(edge.membership.validToEarliest)!).toBeLessThan(m.toUs!);
      expect(m.toUs!).toBeLessThanOrEqual(usOrNull(edge.membership.validToLatest)!);
      tally.snapshotEnded++;
    }
    if (m.toUs !== null) tally.endedMemberships++;
    // computed by the API from the microseconds the API's DateTime fields do not show
    expect(edge.daysSinceAdded).toBeCloseTo((a.us - v.from!) / DAY_US, 9);
    expect(edge.daysSinceAdded).toBeLessThanOrEqual(c.addedWithinDays);
    // the actor as of the event: the truth timeline's record then (none once removed from the organization)
    const u = usersById.get(a.actorUserId!)!;
    const then = userAt(tenant, u, msOf(a.us));
    if (u.leftMs <= finalMs) tally.removedActors++;
    if (then === null) {
      expect(edge.actor, `${what}: ${u.id} left the organization at ${iso(u.leftMs)}`).toBeNull();
      tally.nullActors++;
      return;
    }
    expect(edge.actor, `${what}: no user version in force for ${u.id}`).not.toBeNull();
    expect(edge.actor.id).toBe(u.id);
    if (edge.actor.email === null && emailUnknowable(u)) tally.emailUnknown++;
    else expect(edge.actor.email, what).toBe(then.email);
    if (edge.actor.organizationRole === null && roleUnknowable(u)) tally.roleUnknown++;
    else expect(edge.actor.organizationRole, what).toBe(then.role);
    const validFrom = usOrNull(edge.actor.validFrom);
    expect(validFrom === null || validFrom <= a.us).toBe(true);
    const validTo = usOrNull(edge.actor.validTo);
    expect(validTo === null || a.us < validTo).toBe(true);
    if (u.leftMs <= finalMs) expect(edge.actor.removedAt, `${u.id} left at ${iso(u.leftMs)}`).not.toBeNull();
    else expect(edge.actor.removedAt).toBeNull();
  }

  test('the probes pin the bounds: valid_from <= t < valid_to, and t - valid_from <= N days', async () => {
    const labels = async (days: number) => {
      const got = await headline({ groupId: probe.groupId, addedWithinDays: days }, 500);
      const byId = new Map(Object.entries(probe.ids).map(([label, id]) => [id, label]));
      return got.edges.filter((e) => byId.has(e.node.id)).map((e) => byId.get(e.node.id)!);
    };
    const lastInside = (days: number) => ((probe.endUs - 1 - probe.startUs) / DAY_US <= days ? ['end-1us'] : []);
    // newest first
    expect(await labels(0)).toEqual([...lastInside(0), 'start']);
    expect(await labels(1)).toEqual([...lastInside(1), 'start+1d', 'start']);
    expect(await labels(7)).toEqual([...lastInside(7), 'start+1d+1us', 'start+1d', 'start']);
    expect(await labels(400)).toEqual(['end-1us', 'start+1d+1us', 'start+1d', 'start']);
    const got = await headline({ groupId: probe.groupId, addedWithinDays: 1 }, 500);
    const byId = new Map(got.edges.map((e) => [e.node.id, e]));
    expect(byId.get(probe.ids.start)!.daysSinceAdded).toBe(0);
    expect(byId.get(probe.ids['start+1d'])!.daysSinceAdded).toBe(1);
    expect(byId.get(probe.ids.start)!.membership).toMatchObject({ validFrom: apiIso(probe.startUs), validFromSource: 'event', validTo: apiIso(probe.endUs), validToSource: 'event' });
    // since inclusive, until exclusive (the API takes milliseconds): the millisecond of start+1d holds both
    // start+1d and start+1d+1us; a window ending at that millisecond holds neither
    const dayMs = msOf(probe.startUs + DAY_US);
    const windowIds = async (sinceMs: number, untilMs: number) =>
      (await headline({ groupId: probe.groupId, addedWithinDays: 7, sinceUs: sinceMs * 1000, untilUs: untilMs * 1000 }, 500)).edges.map((e) => e.node.id);
    expect(await windowIds(dayMs, dayMs + 1)).toEqual([probe.ids['start+1d+1us'], probe.ids['start+1d']]);
    expect((await windowIds(dayMs - HOUR_MS, dayMs)).filter((id) => Object.values(probe.ids).includes(id))).toEqual([]);
  });

  test('a user removed from the organization: their actions while a member carry their record; after leaving, no record', async () => {
    const got = await headline({ groupId: leaver.groupId, addedWithinDays: 400 }, 500);
    const byId = new Map(got.edges.map((e) => [e.node.id, e]));
    for (const label of ['member', 'before-leaving', 'after-leaving']) expect(byId.has(leaver.ids[label]), label).toBe(true);
    for (const label of ['member', 'before-leaving']) {
      expect(byId.get(leaver.ids[label])!.actor, label).toMatchObject({ id: leaver.user.id, email: leaver.user.email });
      expect(msOf(usOrNull(byId.get(leaver.ids[label])!.actor.removedAt)!)).toBe(leaver.user.leftMs);
    }
    expect(byId.get(leaver.ids['after-leaving'])!.actor).toBeNull();
    expect(msOf(usOrNull(byId.get(leaver.ids.member)!.membership.validTo)!)).toBe(leaver.user.leftMs + 1000);
    // the group's changes name them with their record as it was (a version older than the lake's history)
    const CHANGES = `query($id: ID!, $first: Int!, $after: String) { group(id: $id) { membershipChanges(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { kind userId user { id email } } } } } }`;
    const changes = await gql.walk(CHANGES, { id: leaver.groupId, first: 50 }, (d) => d.group.membershipChanges);
    const theirs = changes.edges.map((e: any) => e.node).filter((n: any) => n.userId === leaver.user.id);
    expect(theirs.map((n: any) => n.kind).sort()).toEqual(['ADDED', 'REMOVED']);
    for (const n of theirs) expect(n.user, n.kind).toMatchObject({ id: leaver.user.id, email: emailUnknowable(leaver.user) ? null : leaver.user.email });
  });

  test('activities(actorInGroup, asOfEventTime) equals a brute force "member at the time" (no recency), unknown starts included', async () => {
    const ACTIVITIES = `query($groupId: ID!, $first: Int!, $after: String) {
      activities(filter: { categories: ["admin"], actorInGroup: { groupId: $groupId, asOfEventTime: true } }, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id createdAt actor { userId } } } } }`;
    let compared = 0;
    let excluded = 0;
    let unknownStart = 0;
    for (const g of groups) {
      const expected = bruteForceRecentMembers(feed, truth, { groupId: g.id, addedWithinDays: Infinity });
      const got = await gql.walk(ACTIVITIES, { groupId: g.id, first: 200 }, (d) => d.activities);
      const keep = (userId: string, us: number) => {
        const d = doubt(g.id, userId, us, Infinity, false);
        if (d) excluded++;
        return !d;
      };
      const want = expected.filter((h) => keep(h.activity.actorUserId!, h.activity.us));
      const ids = got.edges.filter((e: any) => keep(e.node.actor.userId, feedById.get(e.node.id)!.us)).map((e: any) => e.node.id);
      expect(ids, g.why).toEqual(want.map((h) => h.activity.id));
      compared += want.length;
      unknownStart += want.filter((h) => view(h.membership).fromSource === 'unknown').length;
    }
    console.info(`activities(actorInGroup): ${compared} compared over ${groups.length} groups (${unknownStart} in memberships with an unknown start), ${excluded} excluded`);
    expect(compared).toBeGreaterThan(150);
    // the probe in a membership older than the history: a member at the time, but not a recent one
    const older = await gql.walk(ACTIVITIES, { groupId: oldMember.groupId, first: 200 }, (d) => d.activities);
    expect(older.edges.map((e: any) => e.node.id)).toContain(oldMember.id);
    const recent = await headline({ groupId: oldMember.groupId, addedWithinDays: 36_600 }, 500);
    expect(recent.edges.map((e) => e.node.id)).not.toContain(oldMember.id);
  });
});

describe('memberships and user history equal the truth', () => {
  /** Instants (ms) to ask "who was a member then": in the history, around each sync, and after the feed's end. */
  const instants = () => [
    tenant.epochStartMs + 2 * DAY_MS + 7 * HOUR_MS + 13 * MINUTE_MS,
    START - 3 * DAY_MS + 11 * HOUR_MS,
    NOW + 3 * HOUR_MS,
    msOf(coveredUs) - 90 * MINUTE_MS,
    Math.floor((msOf(coveredUs) + finalMs) / 2),
    finalMs,
  ];

  test('every interval the lake has evidence of is in marts.group_memberships with the bounds the lake can know; nothing else is', () => {
    const visible = truth.filter((m) => view(m).visible);
    const counts = { createdAtStart: 0, eventStart: 0, unknownStart: 0, eventEnd: 0, snapshotEnd: 0, open: 0 };
    const used = new Set<ModelMembership>();
    for (const m of visible) {
      const v = view(m);
      const what = JSON.stringify({ group: m.groupId, user: m.userId, from: isoOf(m.fromUs), to: m.toUs === null ? null : isoOf(m.toUs), lake: v });
      const row = modelMemberships.find((x) => x.group_id === m.groupId && x.user_id === m.userId && x.valid_from === v.from && (v.from !== null || x.valid_to === v.to));
      expect(row, `no model interval for ${what}`).toBeDefined();
      expect(used.has(row!), `two truth intervals match one model row: ${what}`).toBe(false);
      used.add(row!);
      expect(row!.valid_from_source, what).toBe(v.fromSource);
      if (v.fromSource === 'unknown') {
        expect(m.fromUs).toBeLessThan(schedule.epochUs);
        counts.unknownStart++;
      } else {
        expect(msOf(row!.valid_from!)).toBe(msOf(m.fromUs));
        counts[v.fromSource === 'event' ? 'eventStart' : 'createdAtStart']++;
      }
      expect(row!.valid_to_source, what).toBe(v.toSource);
      expect(row!.valid_to, what).toBe(v.to);
      if (v.toSource === null) counts.open++;
      if (v.toSource === 'event') {
        expect(msOf(row!.valid_to!)).toBe(msOf(m.toUs!));
        expect(row!.valid_to_earliest).toBe(v.to);
        expect(row!.valid_to_latest).toBe(v.to);
        counts.eventEnd++;
      }
      if (v.toSource === 'snapshot') {
        // after the last evidence of it, at or before the snapshot that missed it completed
        expect(row!.valid_to_earliest!, what).toBe(v.toEarliest);
        expect(row!.valid_to_earliest!, what).toBeLessThan(m.toUs!);
        expect(m.toUs!, what).toBeLessThanOrEqual(row!.valid_to_latest!);
        counts.snapshotEnd++;
      }
    }
    expect(modelMemberships.length).toBe(visible.length);
    console.info(`marts.group_memberships vs /_sim/truth/memberships: ${visible.length} intervals ${JSON.stringify(counts)}; ${truth.length - visible.length} true intervals the lake has no evidence of`);
    expect(counts.eventStart).toBeGreaterThan(3);
    expect(counts.createdAtStart).toBeGreaterThan(100);
    expect(counts.eventEnd).toBeGreaterThan(20);
    expect(counts.snapshotEnd).toBeGreaterThan(0);
    expect(counts.unknownStart).toBeGreaterThan(0);
  });

  test('group(id){members(asOf)} over GraphQL is the truth at several instants (snapshot-bounded changes excepted)', async () => {
    const MEMBERS = `query($id: ID!, $asOf: DateTime, $first: Int!, $after: String) {
      group(id: $id) { members(asOf: $asOf, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id email } membership { userId validFrom validTo } } } } }`;
    // ten groups per request (aliases); a group with more members than a page is walked on its own
    const batch = (ids: string[]) =>
      `query($asOf: DateTime) { ${ids
        .map((id, i) => `g${i}: group(id: ${JSON.stringify(id)}) { members(asOf: $asOf, first: 40) { totalCount pageInfo { hasNextPage endCursor } edges { node { id email } membership { userId validFrom validTo } } } }`)
        .join(' ')} }`;
    const membersAt = async (ids: string[], atMs: number): Promise<Map<string, any[]>> => {
      const out = new Map<string, any[]>();
      for (let k = 0; k < ids.length; k += 10) {
        const chunk = ids.slice(k, k + 10);
        const data = await gql.data(batch(chunk), { asOf: iso(atMs) });
        for (const [i, id] of chunk.entries()) {
          const conn = data[`g${i}`].members;
          out.set(id, conn.pageInfo.hasNextPage ? (await gql.walk(MEMBERS, { id, asOf: iso(atMs), first: 40 }, (d) => d.group.members)).edges : conn.edges);
        }
      }
      return out;
    };
    const groupIds = [...new Set(truth.map((m) => m.groupId))].sort();
    let compared = 0;
    let members = 0;
    let skipped = 0;
    for (const atMs of instants()) {
      const atUs = atMs * 1000;
      const answers = await membersAt(groupIds, atMs);
      for (const groupId of groupIds) {
        const got = new Map(answers.get(groupId)!.map((e: any) => [e.node.id as string, e]));
        const want = new Set(truth.filter((m) => m.groupId === groupId && holdsAt(m, atUs)).map((m) => m.userId));
        for (const userId of new Set([...got.keys(), ...want])) {
          // a change only snapshots bound around this instant, or a membership no snapshot or event saw
          const unseen = (truthByGroupUser.get(`${groupId}/${userId}`) ?? []).some((m) => holdsAt(m, atUs) && !view(m).visible);
          if (unseen || doubt(groupId, userId, atUs, Infinity, false)) {
            skipped++;
            continue;
          }
          compared++;
          expect(got.has(userId), `${userId} in ${groupId} at ${iso(atMs)}`).toBe(want.has(userId));
          if (!want.has(userId)) continue;
          members++;
          const then = userAt(tenant, usersById.get(userId)!, atMs);
          const email = got.get(userId)!.node.email;
          if (then && !(email === null && emailUnknowable(usersById.get(userId)!))) expect(email, `${userId} at ${iso(atMs)}`).toBe(then.email);
        }
      }
    }
    console.info(`members(asOf): ${instants().length} instants × ${groupIds.length} groups: ${compared} (group, user, instant) compared (${members} members), ${skipped} skipped for uncertainty`);
    expect(members).toBeGreaterThan(1000);
    expect(skipped).toBeLessThan(compared / 50);
  }, 60_000);

  test('group(id){membershipChanges} over GraphQL: every start and end the lake can know, at its time and from its source', async () => {
    const CHANGES = `query($id: ID!, $first: Int!, $after: String) { group(id: $id) { membershipChanges(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { at kind source userId membership { validFrom validTo validToEarliest validToLatest } } } } } }`;
    const groupIds = [...new Set(truth.map((m) => m.groupId))].sort();
    let changes = 0;
    let bounded = 0;
    for (const groupId of groupIds) {
      const walked = await gql.walk(CHANGES, { id: groupId, first: 100 }, (d) => d.group.membershipChanges);
      const got = walked.edges.map((e: any) => `${e.node.kind} ${e.node.userId} ${e.node.at} ${e.node.source}`).sort();
      const want: string[] = [];
      for (const m of truth.filter((x) => x.groupId === groupId && view(x).visible)) {
        const v = view(m);
        if (v.from !== null) want.push(`ADDED ${m.userId} ${apiIso(v.from)} ${v.fromSource}`);
        if (v.to !== null) want.push(`REMOVED ${m.userId} ${apiIso(v.to)} ${v.toSource}`);
      }
      expect(got, groupId).toEqual(want.sort());
      changes += got.length;
      // a removal only snapshots saw: the true end lies in (validToEarliest, validToLatest]
      for (const e of walked.edges as any[]) {
        if (e.node.kind !== 'REMOVED' || e.node.source !== 'snapshot') continue;
        const m = truth.find((x) => x.groupId === groupId && x.userId === e.node.userId && view(x).to !== null && apiIso(view(x).to) === e.node.at)!;
        expect(usOrNull(e.node.membership.validToEarliest)!).toBeLessThan(m.toUs!);
        expect(m.toUs!).toBeLessThanOrEqual(usOrNull(e.node.membership.validToLatest)! + 999);
        bounded++;
      }
    }
    console.info(`membershipChanges: ${changes} changes over ${groupIds.length} groups equal the truth, ${bounded} removals bounded by snapshots`);
    expect(bounded).toBeGreaterThan(0);
  }, 60_000);

  test('marts.users: at every instant, each user has a version in force exactly while a member, with the true email and role', async () => {
    const rows = (await warehouseRows(
      dir,
      `select user_id, organization_uuid, email, organization_role, epoch_us(valid_from) as valid_from, epoch_us(valid_to) as valid_to,
              valid_from_source, epoch_us(valid_from_earliest) as valid_from_earliest, removed_at_source,
              epoch_us(removed_at) as removed_at, epoch_us(removed_at_earliest) as removed_at_earliest, epoch_us(removed_at_latest) as removed_at_latest
       from marts.users`,
    )) as any[];
    const byUser = new Map<string, any[]>();
    for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
    let compared = 0;
    let skipped = 0;
    let removedExact = 0;
    let removedBounded = 0;
    const noEmail = new Set<string>();
    const probes = [...instants(), ...Array.from({ length: 40 }, (_, i) => tenant.epochStartMs + i * 6 * HOUR_MS + 17 * MINUTE_MS)];
    for (const u of tenant.timeline.users) {
      const versions = byUser.get(u.id) ?? [];
      const leftUs = u.leftMs * 1000;
      if (versions.length && u.leftMs <= finalMs) {
        const last = versions.find((v) => v.valid_to === null || v.valid_to === v.removed_at)!;
        if (leftUs < coveredUs) {
          expect(last.removed_at_source, u.id).toBe('event');
          expect(msOf(last.removed_at)).toBe(u.leftMs);
          removedExact++;
        } else {
          expect(last.removed_at_source, u.id).toBe('snapshot');
          expect(last.removed_at_earliest).toBeLessThan(leftUs);
          expect(leftUs).toBeLessThanOrEqual(last.removed_at_latest);
          removedBounded++;
        }
      }
      for (const atMs of probes) {
        const atUs = atMs * 1000;
        const truthThen = userAt(tenant, u, atMs);
        const bounded = versions.some(
          (v) =>
            (v.removed_at_source === 'snapshot' && v.removed_at_earliest <= atUs && atUs <= v.removed_at_latest) ||
            (v.valid_from_source === 'snapshot' && (v.valid_from_earliest ?? -Infinity) <= atUs && atUs <= v.valid_from + 60_000_000),
        );
        if (versions.length === 0 || bounded) {
          // no evidence at all (joined and left between snapshots after the feed's end), or a change only
          // snapshots bound around this instant
          if (versions.length === 0) expect(snapshotsMs.some((s) => u.joinedMs <= s && s < u.leftMs) || (u.joinedMs >= tenant.epochStartMs && u.joinedMs * 1000 < coveredUs)).toBe(false);
          skipped++;
          continue;
        }
        const inForce = versions.filter((v) => (v.valid_from ?? -Infinity) <= atUs && atUs < (v.valid_to ?? Infinity));
        expect(inForce.length, `${u.id} at ${iso(atMs)}`).toBeLessThanOrEqual(1);
        const v = inForce[0];
        compared++;
        expect(v !== undefined, `${u.id} in force at ${iso(atMs)}: truth ${JSON.stringify(truthThen)}`).toBe(truthThen !== null);
        if (!v) continue;
        expect(v.organization_uuid).toBe(tenant.timeline.orgs[u.orgIndex].uuid);
        if (v.email === null) noEmail.add(u.id);
        else expect(v.email).toBe(truthThen!.email);
        if (v.organization_role !== null) expect(v.organization_role, `${u.id} at ${iso(atMs)}`).toBe(truthThen!.role);
      }
    }
    console.info(
      `marts.users as of ${probes.length} instants: ${compared} (user, instant) compared, ${skipped} skipped (bounded by snapshots or unseen); ` +
        `removals ${removedExact} exact, ${removedBounded} bounded by snapshots; ${noEmail.size} users the lake knows without an email (scim_user_deleted before any snapshot)`,
    );
    expect(compared).toBeGreaterThan(10_000);
    expect(removedExact).toBeGreaterThan(5);
    expect(removedBounded).toBeGreaterThan(0);
    expect(noEmail.size).toBeLessThan(10);
  });

  test('user(id, asOf) over GraphQL: removed users, role changes, and members the lake knows only from events', async () => {
    const USER = `query($id: ID!, $asOf: DateTime) { user(id: $id, asOf: $asOf) { id email organizationRole validFrom validTo removedAt removedAtSource } }`;
    const removed = tenant.timeline.users.filter((u) => u.leftMs * 1000 < coveredUs);
    const promoted = tenant.timeline.users.filter((u) => u.roles.length > 1 && u.roles[1].fromMs * 1000 < coveredUs).slice(0, 15);
    let compared = 0;
    let beforeFirstSnapshot = 0;
    for (const u of [...removed, ...promoted]) {
      const moments = [
        u.joinedMs >= tenant.epochStartMs ? u.joinedMs + MINUTE_MS : tenant.epochStartMs + HOUR_MS,
        ...u.roles.slice(1).flatMap((r) => [r.fromMs - MINUTE_MS, r.fromMs + MINUTE_MS]),
        ...(u.leftMs * 1000 < coveredUs ? [u.leftMs - MINUTE_MS, u.leftMs + MINUTE_MS] : []),
      ].filter((ms) => ms >= tenant.epochStartMs && ms * 1000 < coveredUs);
      for (const atMs of moments) {
        const then = userAt(tenant, u, atMs);
        const { user } = await gql.data(USER, { id: u.id, asOf: iso(atMs) });
        const what = `${u.id} at ${iso(atMs)} (joined ${iso(u.joinedMs)}, left ${Number.isFinite(u.leftMs) ? iso(u.leftMs) : 'never'})`;
        compared++;
        if (then === null) {
          expect(user, what).toBeNull();
          continue;
        }
        expect(user, what).not.toBeNull();
        if (u.leftMs < NOW && u.joinedMs < tenant.epochStartMs) beforeFirstSnapshot++;
        if (user.email !== null) expect(user.email, what).toBe(then.email);
        if (user.organizationRole !== null) expect(user.organizationRole, what).toBe(then.role);
        if (u.leftMs * 1000 < coveredUs) {
          expect(user.removedAtSource).toBe('event');
          expect(msOf(usOrNull(user.removedAt)!)).toBe(u.leftMs);
        }
      }
    }
    console.info(`user(asOf): ${compared} (user, instant) compared; ${beforeFirstSnapshot} of users known only from events (joined before the history, left before the first sync)`);
    expect(removed.length).toBeGreaterThan(5);
    expect(compared).toBeGreaterThan(40);
    expect(beforeFirstSnapshot).toBeGreaterThan(0);
  }, 60_000);
});

describe('schema/examples.graphql against the real warehouse', () => {
  const examples = readFileSync(join(process.cwd(), 'schema/examples.graphql'), 'utf8');
  // The alert examples need an alert store and a write token: test/graphql-examples.test.ts runs them on one,
  // and test/graphql-alerts-sim.test.ts checks alerts from a real evaluation against the simulator's truth.
  const ALERT_EXAMPLES = new Set(['AcknowledgeAlert', 'AlertDetail', 'AlertsByGroupMembers', 'DetectionStatus', 'OpenAlerts', 'ResolveAlert', 'Rules']);
  const operations = parse(examples)
    .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .filter((d) => !ALERT_EXAMPLES.has(d.name!.value));

  /** The most frequent value. */
  const busiest = (values: string[]) =>
    [...values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];

  /** Real ids for each operation's variables, chosen where the truth says there is something to find. */
  function variables(): Record<string, Record<string, unknown>> {
    const epochIso = iso(tenant.epochStartMs);
    const admin = feed.filter((a) => a.category === 'admin' && a.actorUserId !== null);
    const groupIds = [...new Set(truth.map((m) => m.groupId))];
    const group = busiest(groupIds.flatMap((g) => bruteForceRecentMembers(feed, truth, { groupId: g, addedWithinDays: 30 }).map(() => g)));
    const actors = [...new Set(feed.filter((a) => a.actorUserId !== null && a.us >= coveredUs - DAY_US).map((a) => a.actorUserId!))].slice(0, 2);
    const membership = truth.find((m) => view(m).fromSource === 'event' && view(m).toSource === 'event')!;
    const versioned = tenant.timeline.users.find((u) => u.roles.length > 1 && u.roles[1].fromMs * 1000 < coveredUs)!;
    return {
      AdminActionsByRecentGroupMembers: { groupId: group, since: epochIso },
      SsoChangesByRecentGroupMembers: { groupId: probe.groupId },
      UserActivitiesByCategory: { userId: busiest(admin.map((a) => a.actorUserId!)) },
      ActivitiesByEmail: {
        emails: actors.map((id, i) => (i === 0 ? usersById.get(id)!.email.toUpperCase() : usersById.get(id)!.email)),
        since: isoOf(coveredUs - DAY_US),
        until: isoOf(coveredUs),
      },
      ApiKeyActivity: { apiKeyId: busiest(feed.filter((a) => a.actorApiKeyId !== null).map((a) => a.actorApiKeyId!)) },
      AdminActionsByGroupMembersAtTheTime: { groupId: group, since: epochIso },
      UserMembershipsAsOf: { userId: membership.userId, asOf: isoOf(view(membership).from! + 1000) },
      UserHistory: { userId: versioned.id },
      RemovedUsers: {},
      GroupMembersAndChanges: { groupId: busiest(truth.filter((m) => holdsAt(m, START * 1000)).map((m) => m.groupId)), asOf: iso(START) },
      MonthlyAdminActivity: { since: epochIso },
      UnknownActivityTypes: {},
      SyncStatus: {},
      AdminRoleHoldersAt: { at: iso(START) },
      // the console's examples
      ActivityOverview: { since: epochIso, until: isoOf(coveredUs) },
      UserMembershipTimeline: { userId: membership.userId },
      ActivityById: { id: admin[0].id, createdAt: isoOf(admin[0].us) },
      ...contentVariables(epochIso),
    };
  }

  /** The content examples' variables, chosen from the simulator's truth so that each has an answer. */
  function contentVariables(epochIso: string): Record<string, Record<string, unknown>> {
    // what the last full sync saw (the directory-only sync after it reads no content)
    const at = coveredUs / 1000 - 10 * 60_000;
    const chats = tenant.content.chats(at).filter((c) => c.user && Date.parse(c.created_at) >= tenant.epochStartMs);
    const memberGroups = chats.flatMap((c) => truth.filter((m) => m.userId === c.user!.id && holdsAt(m, Date.parse(c.created_at) * 1000)).map((m) => m.groupId));
    const project = tenant.content
      .projects(at)
      .find((p) => (tenant.content.projectAttachments(p.id, at)?.length ?? 0) > 0 && (tenant.content.projectCollaborators(p.id, at)?.length ?? 0) > 0 && chats.some((c) => c.project_id === p.id));
    expect(project, 'a project with attachments, collaborators and chats').toBeDefined();
    return {
      ChatsByGroupMembersAtCreation: { groupId: busiest(memberGroups), since: epochIso },
      UserChats: { userId: busiest(chats.map((c) => c.user!.id)) },
      GroupContentCounts: { groupId: busiest(memberGroups), since: epochIso },
      Projects: {},
      ProjectDetail: { projectId: project!.id },
      OrganizationSettingsAsOf: { asOf: isoOf(coveredUs) },
      OrganizationSettingsChanges: { since: epochIso, until: iso(finalMs) },
    };
  }

  test('every operation runs without errors and returns what the truth says exists', async () => {
    const vars = variables();
    expect(Object.keys(vars).sort()).toEqual(operations.map((o) => o.name!.value).sort());
    const unknownTypes = [...new Set(feed.filter((a) => a.category === 'other').map((a) => a.type))].sort();
    for (const op of operations) {
      const name = op.name!.value;
      const { status, body } = await gql.post(examples, vars[name], name);
      expect(body.errors, `${name}: ${JSON.stringify(body.errors)}`).toBeUndefined();
      expect(status).toBe(200);
      if (name === 'UnknownActivityTypes') {
        expect(body.data!.activityTypes.map((x: any) => x.type).sort()).toEqual(unknownTypes);
        if (unknownTypes.length === 0) continue;
      }
      expect(emptySpots(body.data), name).toEqual([]);
    }
  }, 60_000);

  test('and their answers agree with the truth', async () => {
    const vars = variables();
    const run = async (name: string) => {
      const { body } = await gql.post(examples, vars[name], name);
      expect(body.errors).toBeUndefined();
      return body.data!;
    };
    const group = String(vars.AdminActionsByRecentGroupMembers.groupId);
    const expected = bruteForceRecentMembers(feed, truth, { groupId: group, addedWithinDays: 30 });
    const doubtful = expected.filter((h) => doubt(group, h.activity.actorUserId!, h.activity.us, 30)).length;
    const headlineCount = (await run('AdminActionsByRecentGroupMembers')).adminActionsByRecentGroupMembers.totalCount;
    expect(Math.abs(headlineCount - expected.length)).toBeLessThanOrEqual(doubtful + 5);
    // the SSO question for the probe group (the probes are org_sso_toggled)
    const sso = (await run('SsoChangesByRecentGroupMembers')).adminActionsByRecentGroupMembers;
    const ssoExpected = feed.filter(
      (a) => a.type === 'org_sso_toggled' && a.actorUserId !== null && truth.some((m) => m.groupId === probe.groupId && m.userId === a.actorUserId && holdsAt(m, a.us) && a.us - m.fromUs <= 90 * DAY_US),
    );
    expect(sso.totalCount).toBe(ssoExpected.length);
    // one user's admin activities
    const userActs = (await run('UserActivitiesByCategory')).user.activities;
    expect(userActs.totalCount).toBe(feed.filter((a) => a.actorUserId === vars.UserActivitiesByCategory.userId && a.category === 'admin').length);
    // activities by email (any case), in a window
    const emails = (vars.ActivitiesByEmail.emails as string[]).map((e) => e.toLowerCase());
    const byEmail = (await run('ActivitiesByEmail')).activities;
    const since = usOrNull(vars.ActivitiesByEmail.since as string)!;
    expect(byEmail.totalCount).toBe(feed.filter((a) => a.us >= since && a.actorEmail !== null && emails.includes(a.actorEmail.toLowerCase())).length);
    // an API key's activity
    expect((await run('ApiKeyActivity')).activities.totalCount).toBe(feed.filter((a) => a.actorApiKeyId === vars.ApiKeyActivity.apiKeyId).length);
    // removed users: everyone who left by the final snapshot, and nobody else
    const removed = await gql.walk(
      `query($after: String) { users(filter: { current: false }, first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`,
      {},
      (d) => d.users,
    );
    expect(removed.edges.map((e: any) => e.node.id).sort()).toEqual(tenant.timeline.users.filter((u) => u.leftMs <= finalMs).map((u) => u.id).sort());
    // monthly admin counts
    const monthly = await run('MonthlyAdminActivity');
    const byMonth: Record<string, number> = {};
    for (const a of feed) if (a.category === 'admin') byMonth[isoOf(a.us).slice(0, 7)] = (byMonth[isoOf(a.us).slice(0, 7)] ?? 0) + 1;
    expect(Object.fromEntries(monthly.admin.map((b: any) => [String(b.bucket).slice(0, 7), b.count]))).toEqual(byMonth);
    expect(monthly.all.reduce((n: number, b: any) => n + b.count, 0)).toBe(feed.length);
    // the group's members as of the date
    const membersData = (await run('GroupMembersAndChanges')).group.members;
    const at = START * 1000;
    const membersGroup = String(vars.GroupMembersAndChanges.groupId);
    expect(membersData.totalCount).toBe(truth.filter((m) => m.groupId === membersGroup && holdsAt(m, at)).length);
    // who held an owner or admin role at START, as the tenant's timeline says
    const holders = (await run('AdminRoleHoldersAt')).roles as any[];
    const got = holders.flatMap((r) => r.members.map((m: any) => `${r.organizationUuid} ${r.id} ${m.userId} ${m.user.email}`)).sort();
    const want = tenant.timeline.users
      .filter((u) => ['primary_owner', 'owner', 'admin'].includes(userAt(tenant, u, START)?.role ?? ''))
      .map((u) => `${tenant.timeline.orgs[u.orgIndex].uuid} ${tenant.timeline.roleAt(u, START)} ${u.id} ${u.email}`)
      .sort();
    expect(got).toEqual(want);
    // the sync status: the real cursor
    const status = (await run('SyncStatus')).syncStatus;
    expect(usOrNull(status.streams.find((s: any) => s.stream === 'activities').cursorTime)).toBe(coveredUs);
    expect(status.lastRun.status).toBe('success');
  });
});
