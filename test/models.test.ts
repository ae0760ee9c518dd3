// The models against the simulator's ground truth. A live tenant is synced at several clock times: first
// everything, then the directory alone (so snapshots are the only evidence of what changed in between), then
// everything again (so the feed's events refine those bounds). After each phase the marts are compared with
// /_sim/truth/memberships, the tenant's user timeline and a brute-force as-of join; then one more sync is
// built incrementally and compared with a --full build; and the warehouse is opened by other readers.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALERT_MART_RELATIONS } from '../src/detections/marts.js';
import type { ActivityCursor } from '../src/extract/activities.js';
import { compactPartition } from '../src/lake/compact.js';
import { openDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { sha256File } from '../src/lake/writer.js';
import { type BuildReport, ModelTestError, buildModels } from '../src/models/build.js';
import { readSqlProject } from '../src/models/sql-files.js';
import { openWarehouse, warehouseRows } from '../src/models/query.js';
import { monthOf } from '../src/models/state.js';
import type { SimUser } from '../src/simulator/tenant/directory.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { StateStore } from '../src/state/index.js';
import { MINUTE, type Transport, connect, control, makeSim, makeTenant } from './support/sim-harness.js';
import { lakeActivityIds, syncWith, tempDataDir } from './support/lake-harness.js';
import type { Simulator } from '../src/simulator/server/app.js';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DIRECTORY_STREAMS = ['organizations', 'users', 'roles', 'role_permissions', 'groups', 'group_members'];
/** What the models read (content streams stay empty: their staging views are then empty relations). */
const MODEL_STREAMS = ['activities', ...DIRECTORY_STREAMS];
const run = promisify(execFile);

interface TruthInterval {
  group_id: string;
  user_id: string;
  valid_from: string;
  valid_to: string | null;
}

interface MembershipRow {
  group_id: string;
  user_id: string;
  valid_from: number | null;
  valid_to: number | null;
  valid_to_earliest: number | null;
  valid_to_latest: number | null;
  valid_from_source: string;
  valid_to_source: string | null;
}

interface UserRow {
  user_id: string;
  organization_uuid: string;
  email: string | null;
  full_name: string | null;
  organization_role: string | null;
  valid_from: number | null;
  valid_to: number | null;
  valid_from_source: string;
  valid_from_earliest: number | null;
  removed_at: number | null;
  removed_at_earliest: number | null;
  removed_at_latest: number | null;
  removed_at_source: string | null;
}

/** What the lake and the truth were at the end of a phase (times in µs since the epoch, as the marts keep them). */
interface Phase {
  build: BuildReport;
  clockMs: number;
  /** Activities are in the lake up to here. */
  coveredUntilMs: number;
  /** The simulator's clock at each directory snapshot. */
  snapshotsMs: number[];
  truth: TruthInterval[];
  memberships: MembershipRow[];
  users: UserRow[];
}

let tenant: SyntheticTenant;
let sim: Simulator;
let t: Transport;
let dir: string;
let cleanup: () => void;
const snapshotsMs: number[] = [];
let first: Phase;
let snapshotOnly: Phase;
let caughtUp: Phase;

async function syncOk(streams = MODEL_STREAMS): Promise<void> {
  const r = await syncWith(t, dir, { streams });
  expect(r.ok, JSON.stringify(r.streams)).toBe(true);
  snapshotsMs.push(sim.clock.now());
}

function coveredUntilMs(): number {
  const state = StateStore.open(dir, { readonly: true });
  try {
    return Date.parse(state.cursor<ActivityCursor>('activities')!.covered_until);
  } finally {
    state.close();
  }
}

async function capture(build: BuildReport): Promise<Phase> {
  const truth = (await control(t, 'GET', '/_sim/truth/memberships')).data as TruthInterval[];
  const memberships = (await warehouseRows(
    dir,
    `select group_id, user_id, epoch_us(valid_from) as valid_from, epoch_us(valid_to) as valid_to,
            epoch_us(valid_to_earliest) as valid_to_earliest, epoch_us(valid_to_latest) as valid_to_latest,
            valid_from_source, valid_to_source
     from marts.group_memberships`,
  )) as unknown as MembershipRow[];
  const users = (await warehouseRows(
    dir,
    `select user_id, organization_uuid, email, full_name, organization_role, epoch_us(valid_from) as valid_from,
            epoch_us(valid_to) as valid_to, valid_from_source, epoch_us(valid_from_earliest) as valid_from_earliest, epoch_us(removed_at) as removed_at,
            epoch_us(removed_at_earliest) as removed_at_earliest, epoch_us(removed_at_latest) as removed_at_latest, removed_at_source
     from marts.users`,
  )) as unknown as UserRow[];
  return { build, clockMs: sim.clock.now(), coveredUntilMs: coveredUntilMs(), snapshotsMs: [...snapshotsMs], truth, memberships, users };
}

beforeAll(async () => {
  // 60 groups and 200 people over 30 days of history (and 60 live days): memberships, roles and people change
  // every few hours.
  tenant = makeTenant({ live: true, lateShare: 0, horizonDays: 30, activitiesPerDay: 300, users: 200, groups: 60 });
  sim = makeSim({ shared: tenant });
  t = await connect(sim, 'in-process');
  ({ dir, cleanup } = tempDataDir('cl-models-'));

  await syncOk();
  first = await capture(await buildModels(dir));
  for (const step of [6 * HOUR, 18 * HOUR, 2 * DAY, 5 * DAY]) {
    sim.clock.advance(step);
    await syncOk(DIRECTORY_STREAMS);
  }
  snapshotOnly = await capture(await buildModels(dir));
  await syncOk();
  caughtUp = await capture(await buildModels(dir));
}, 180_000);

afterAll(() => cleanup?.());

// ---- truth helpers -------------------------------------------------------------------------------

const us = (iso: string) => Date.parse(iso) * 1000;
/** Within the millisecond: events carry microseconds the directory's millisecond timestamps do not. */
const sameInstant = (modelUs: number | null, truthUs: number) => modelUs !== null && modelUs >= truthUs && modelUs - truthUs < 1000;

function seenBySnapshot(fromUs: number, toUs: number | null, phase: Phase): boolean {
  return phase.snapshotsMs.some((s) => fromUs <= s * 1000 && (toUs === null || s * 1000 < toUs));
}

function usersById(): Map<string, SimUser> {
  return new Map(tenant.timeline.users.map((u) => [u.id, u]));
}

/** The memberships the lake has any evidence of: listed by a snapshot, or started or ended by an event it holds. */
function visibleTruth(phase: Phase): TruthInterval[] {
  const historyUs = tenant.epochStartMs * 1000;
  const coveredUs = phase.coveredUntilMs * 1000;
  return phase.truth.filter((i) => {
    const from = us(i.valid_from);
    const to = i.valid_to === null ? null : us(i.valid_to);
    return seenBySnapshot(from, to, phase) || (from >= historyUs && from < coveredUs) || (to !== null && to < coveredUs);
  });
}

function matchInterval(phase: Phase, i: TruthInterval): MembershipRow | undefined {
  const from = us(i.valid_from);
  const candidates = phase.memberships.filter((m) => m.group_id === i.group_id && m.user_id === i.user_id);
  return candidates.find((m) => sameInstant(m.valid_from, from)) ?? candidates.find((m) => m.valid_from === null && m.valid_from_source === 'unknown');
}

// ---- tests ---------------------------------------------------------------------------------------

describe('builds', () => {
  test('the first build is full; the next ones are incremental and read the new manifest entries', () => {
    expect(first.build.mode).toBe('full');
    expect(first.build.reason).toBe('no previous build');
    expect(snapshotOnly.build.mode).toBe('incremental');
    expect(snapshotOnly.build.fromSeq).toBe(first.build.toSeq);
    expect(caughtUp.build.mode).toBe('incremental');
    expect(caughtUp.build.toSeq).toBeGreaterThan(snapshotOnly.build.toSeq);
    for (const b of [first.build, snapshotOnly.build, caughtUp.build]) {
      expect(b.tests.length).toBeGreaterThanOrEqual(15);
      const relations = b.relations.map((r) => r.relation);
      for (const mart of ['marts.activities', 'marts.users', 'marts.group_memberships', 'marts.admin_actions', 'marts.groups', 'marts.activity_types']) {
        expect(relations).toContain(mart);
      }
    }
    // directory-only syncs add no activity file: no month of the activities mart is rewritten
    const activities = snapshotOnly.build.relations.find((r) => r.relation === 'marts.activities')!;
    expect(activities.rebuiltMonths).toEqual([]);
  });

  test('marts.activities holds every activity of the lake exactly once, and the lake equals the truth', async () => {
    const lakeIds = await lakeActivityIds(dir);
    const distinct = [...new Set(lakeIds)].sort();
    const mart = (await warehouseRows(dir, 'select id from marts.activities order by id')).map((r) => String(r.id));
    expect(mart).toEqual(distinct);
    const truth = (await control(t, 'GET', `/_sim/truth/activities?created_at.lt=${encodeURIComponent(new Date(caughtUp.coveredUntilMs).toISOString())}`)).ids as string[];
    expect(mart).toEqual([...truth].sort());
    const rows = await warehouseRows(dir, `select count(*) as n, count(distinct category) as categories from marts.activities`);
    expect(rows[0].n).toBe(mart.length);
    expect(Number(rows[0].categories)).toBeGreaterThanOrEqual(5);
  });

  test('files are sorted by created_at and partitioned by month', async () => {
    const rows = await warehouseRows(
      dir,
      `select filename, count(*) as n,
              bool_and(created_at >= lag_at) as sorted,
              min(strftime(created_at, '%Y-%m')) = max(strftime(created_at, '%Y-%m')) as one_month
       from (select filename, created_at, lag(created_at, 1, created_at) over (partition by filename order by file_row_number) as lag_at
             from read_parquet('${dir}/models/marts/activities/*/data.parquet', filename = true, file_row_number = true))
       group by filename`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(r, String(r.filename)).toMatchObject({ sorted: true, one_month: true });
  });
});

describe('group memberships against /_sim/truth/memberships', () => {
  test('once the feed has caught up, every interval the lake has evidence of equals the truth; events bound ends exactly', () => {
    const phase = caughtUp;
    const visible = visibleTruth(phase);
    expect(visible.length).toBeGreaterThan(200);
    const coveredUs = phase.coveredUntilMs * 1000;
    let exactEnds = 0;
    for (const i of visible) {
      const m = matchInterval(phase, i);
      expect(m, `no model interval for ${JSON.stringify(i)}`).toBeDefined();
      const from = us(i.valid_from);
      if (m!.valid_from === null) {
        // before the lake's history and never listed by a snapshot: only its end is known
        expect(from).toBeLessThan(tenant.epochStartMs * 1000);
        expect(seenBySnapshot(from, i.valid_to === null ? null : us(i.valid_to), phase)).toBe(false);
      } else {
        expect(['created_at', 'event']).toContain(m!.valid_from_source);
      }
      if (i.valid_to === null) {
        expect(m!.valid_to, JSON.stringify(i)).toBeNull();
        continue;
      }
      const to = us(i.valid_to);
      if (to < coveredUs) {
        expect(m!.valid_to_source, JSON.stringify(i)).toBe('event');
        expect(sameInstant(m!.valid_to, to), `${JSON.stringify(i)} vs ${JSON.stringify(m)}`).toBe(true);
        expect(m!.valid_to_earliest).toBe(m!.valid_to);
        exactEnds++;
      } else if (m!.valid_to !== null) {
        expect(m!.valid_to_earliest!).toBeLessThan(to);
        expect(to).toBeLessThanOrEqual(m!.valid_to_latest!);
      }
    }
    expect(exactEnds).toBeGreaterThan(20);
    // nothing the truth does not have
    expect(phase.memberships.length).toBe(visible.length);
  });

  test('where only snapshots bound an end, [valid_to_earliest, valid_to_latest] holds the true time', () => {
    const phase = snapshotOnly;
    const coveredUs = phase.coveredUntilMs * 1000;
    const visible = visibleTruth(phase);
    let bounded = 0;
    for (const i of visible) {
      const m = matchInterval(phase, i);
      expect(m, `no model interval for ${JSON.stringify(i)}`).toBeDefined();
      const from = us(i.valid_from);
      // starts after the feed's end are known exactly from the membership's created_at in the snapshot
      if (from >= coveredUs) {
        expect(m!.valid_from_source).toBe('created_at');
        expect(m!.valid_from).toBe(from);
      }
      if (i.valid_to === null) {
        expect(m!.valid_to).toBeNull();
        continue;
      }
      const to = us(i.valid_to);
      if (to < coveredUs) {
        expect(m!.valid_to_source).toBe('event');
        expect(sameInstant(m!.valid_to, to)).toBe(true);
        continue;
      }
      expect(m!.valid_to_source, JSON.stringify({ i, m })).toBe('snapshot');
      expect(m!.valid_to_earliest!, JSON.stringify({ i, m })).toBeLessThan(to);
      expect(to, JSON.stringify({ i, m })).toBeLessThanOrEqual(m!.valid_to_latest!);
      // valid_to is the snapshot_at of the first snapshot that missed it (the server's clock as the sync saw it)
      expect(m!.valid_to!).toBeLessThanOrEqual(m!.valid_to_latest!);
      expect(phase.snapshotsMs.some((s) => m!.valid_to! >= s * 1000 && m!.valid_to! - s * 1000 < 1_000_000), JSON.stringify(m)).toBe(true);
      bounded++;
    }
    expect(bounded).toBeGreaterThan(0);
    expect(phase.memberships.length).toBe(visible.length);
  });
});

describe('user history against the tenant timeline', () => {
  function checkVersions(phase: Phase): void {
    const byId = usersById();
    let unknown = 0;
    expect(phase.users.length).toBeGreaterThan(150);
    for (const v of phase.users) {
      const u = byId.get(v.user_id)!;
      expect(u, v.user_id).toBeDefined();
      expect(v.organization_uuid).toBe(tenant.timeline.orgs[u.orgIndex].uuid);
      // just after the version starts (or, when it starts before the history, when the history starts), the truth agrees
      const probeMs = v.valid_from !== null ? Math.floor(v.valid_from / 1000) + 1 : Math.min(tenant.epochStartMs + 1, v.valid_to === null ? Infinity : Math.floor(v.valid_to / 1000) - 1);
      expect(u.joinedMs <= probeMs && probeMs < u.leftMs, `${v.user_id} is not a member at ${new Date(probeMs).toISOString()}`).toBe(true);
      if (v.organization_role === null || v.email === null) {
        // only a removal event without details (scim_user_deleted) says this member existed
        expect(v.valid_from_source, JSON.stringify(v)).toBe('unknown');
        unknown++;
      }
      if (v.organization_role !== null) expect(v.organization_role, JSON.stringify(v)).toBe(tenant.timeline.roleAt(u, probeMs));
      if (v.email !== null) expect(v.email).toBe(u.email);
      if (v.full_name !== null) expect(v.full_name).toBe(u.fullName);
    }
    expect(unknown).toBeLessThan(phase.users.length / 10);
  }

  test('every version agrees with the truth at its start, in both phases', () => {
    checkVersions(snapshotOnly);
    checkVersions(caughtUp);
  });

  test('removed users have removed_at: exact from events, bounded by snapshots before the feed caught up', () => {
    let exact = 0;
    let bounded = 0;
    for (const phase of [snapshotOnly, caughtUp]) {
      const coveredUs = phase.coveredUntilMs * 1000;
      for (const u of tenant.timeline.users) {
        const versions = phase.users.filter((v) => v.user_id === u.id);
        if (versions.length === 0) continue;
        const last = versions.reduce((a, b) => ((a.valid_from ?? -Infinity) > (b.valid_from ?? -Infinity) ? a : b));
        const leftUs = u.leftMs * 1000;
        if (u.leftMs > phase.clockMs) {
          expect(last.removed_at, u.id).toBeNull();
          expect(last.valid_to, u.id).toBeNull();
          continue;
        }
        expect(last.removed_at, `${u.id} left at ${new Date(u.leftMs).toISOString()}`).not.toBeNull();
        expect(last.valid_to).toBe(last.removed_at);
        for (const v of versions) expect(v.removed_at).toBe(last.removed_at);
        if (leftUs < coveredUs) {
          expect(last.removed_at_source).toBe('event');
          expect(sameInstant(last.removed_at, leftUs)).toBe(true);
          exact++;
        } else {
          expect(last.removed_at_source).toBe('snapshot');
          expect(last.removed_at_earliest!).toBeLessThan(leftUs);
          expect(leftUs).toBeLessThanOrEqual(last.removed_at_latest!);
          bounded++;
        }
      }
    }
    expect(exact).toBeGreaterThan(3);
    expect(bounded).toBeGreaterThan(0);
  });

  test("a user's history starts at the join evidence, never at the account's creation (users.created_at)", () => {
    // the simulator creates many accounts long before they join (compliance-api.md §2.2: created_at is the account's)
    const early = tenant.timeline.users.filter((u) => u.joinedMs - u.accountCreatedMs > DAY);
    expect(early.length).toBeGreaterThan(50);
    const tally = { event: 0, snapshot: 0, unknown: 0 };
    for (const phase of [snapshotOnly, caughtUp]) {
      const coveredUs = phase.coveredUntilMs * 1000;
      for (const u of tenant.timeline.users) {
        const versions = phase.users.filter((v) => v.user_id === u.id);
        if (versions.length === 0) continue;
        // nothing before joining is attributed as a member
        for (const v of versions) if (v.valid_from !== null) expect(Math.floor(v.valid_from / 1000), JSON.stringify(v)).toBeGreaterThanOrEqual(u.joinedMs);
        const firstVersion = versions.reduce((a, b) => ((a.valid_from ?? -Infinity) <= (b.valid_from ?? -Infinity) ? a : b));
        const what = `${u.id} account ${new Date(u.accountCreatedMs).toISOString()} joined ${new Date(u.joinedMs).toISOString()}: ${JSON.stringify(firstVersion)}`;
        if (u.joinedMs >= tenant.epochStartMs && u.joinedMs * 1000 < coveredUs) {
          // the join event (scim_user_created / org_user_invite_accepted) is in the lake
          expect(firstVersion.valid_from_source, what).toBe('event');
          expect(sameInstant(firstVersion.valid_from, u.joinedMs * 1000), what).toBe(true);
          tally.event++;
        } else if (u.joinedMs >= tenant.epochStartMs) {
          // joined after the feed's end: the first snapshot that listed them, after the one before it
          expect(firstVersion.valid_from_source, what).toBe('snapshot');
          expect(firstVersion.valid_from!, what).toBeGreaterThanOrEqual(u.joinedMs * 1000);
          expect(firstVersion.valid_from_earliest!, what).toBeLessThan(u.joinedMs * 1000);
          expect(firstVersion.valid_from_earliest!, what).toBeGreaterThanOrEqual(u.accountCreatedMs * 1000);
          tally.snapshot++;
        } else {
          // a member before the lake's history: start unknown, after the account was created when a snapshot says when that was
          expect(firstVersion.valid_from_source, what).toBe('unknown');
          expect(firstVersion.valid_from, what).toBeNull();
          if (firstVersion.valid_from_earliest !== null) expect(firstVersion.valid_from_earliest, what).toBe(u.accountCreatedMs * 1000);
          tally.unknown++;
        }
      }
    }
    expect(tally.event).toBeGreaterThan(10);
    expect(tally.snapshot).toBeGreaterThan(0);
    expect(tally.unknown).toBeGreaterThan(50);
  });

  test('a claude_user_role_updated event gives the new version its exact valid_from', () => {
    const phase = caughtUp;
    let refined = 0;
    for (const u of tenant.timeline.users) {
      for (const change of u.roles.slice(1)) {
        if (change.fromMs < tenant.epochStartMs || change.fromMs * 1000 >= phase.coveredUntilMs * 1000) continue;
        if (u.leftMs <= change.fromMs) continue;
        const v = phase.users.find((x) => x.user_id === u.id && sameInstant(x.valid_from, change.fromMs * 1000));
        expect(v, `${u.id} became ${change.role} at ${new Date(change.fromMs).toISOString()}`).toBeDefined();
        expect(v!.valid_from_source).toBe('event');
        expect(v!.organization_role).toBe(change.role);
        refined++;
      }
    }
    expect(refined).toBeGreaterThan(3);
  });
});

describe('admin actions', () => {
  test("the actor's record and groups as of each event equal a brute-force join over the truth", async () => {
    const rows = await warehouseRows(
      dir,
      `select id, epoch_us(created_at) as at, actor_user_id, actor_email_at_event, actor_full_name_at_event,
              actor_role_at_event, actor_group_ids_at_event
       from marts.admin_actions where actor_user_id is not null order by id`,
    );
    expect(rows.length).toBeGreaterThan(100);
    const byId = usersById();
    const truth = caughtUp.truth.map((i) => ({ ...i, from: Date.parse(i.valid_from), to: i.valid_to === null ? Infinity : Date.parse(i.valid_to) }));
    let withGroups = 0;
    for (const r of rows) {
      const u = byId.get(String(r.actor_user_id))!;
      const ms = Math.floor(Number(r.at) / 1000);
      const groups = truth
        .filter((i) => i.user_id === u.id && i.from <= ms && ms < i.to)
        .map((i) => i.group_id)
        .sort();
      expect(r.actor_role_at_event, String(r.id)).toBe(tenant.timeline.roleAt(u, ms));
      expect(r.actor_email_at_event).toBe(u.email);
      expect([u.fullName, null]).toContain(r.actor_full_name_at_event);
      expect(r.actor_group_ids_at_event, String(r.id)).toEqual(groups);
      if (groups.length) withGroups++;
    }
    expect(withGroups).toBeGreaterThan(20);
  });
});

describe('roles, permissions and organizations against the tenant timeline', () => {
  /** Instants every 6 h over the history the feed covers (the caught-up phase: every RBAC change has its event). */
  const probes = () => {
    const out: number[] = [];
    for (let ms = tenant.epochStartMs + 17 * MINUTE + 123; ms < caughtUp.coveredUntilMs; ms += 6 * HOUR) out.push(ms);
    return out;
  };
  const inForce = (r: { valid_from: number | null; valid_to: number | null }, ms: number) =>
    (r.valid_from === null || r.valid_from <= ms * 1000) && (r.valid_to === null || ms * 1000 < r.valid_to);
  const holds = (g: { fromMs: number; toMs: number }, ms: number) => g.fromMs <= ms && ms < g.toMs;

  test('marts.role_permissions: the permissions each role granted at every instant are the truth; events time the changes', async () => {
    const rows = (await warehouseRows(
      dir,
      `select role_id, organization_uuid, action, resource_type, resource_id, epoch_us(valid_from) as valid_from, epoch_us(valid_to) as valid_to, valid_from_source, valid_to_source
       from marts.role_permissions`,
    )) as any[];
    const key = (roleId: string, p: { action: string; resource_type: string; resource_id: string }) => `${roleId} ${p.action} ${p.resource_type} ${p.resource_id}`;
    let compared = 0;
    for (const ms of probes()) {
      const got = rows.filter((r) => inForce(r, ms)).map((r) => key(r.role_id, r)).sort();
      const want = tenant.timeline.roles.flatMap((r) => r.permissionGrants.filter((g) => r.createdMs <= ms && holds(g, ms)).map((g) => key(r.id, g.value))).sort();
      expect(got, new Date(ms).toISOString()).toEqual(want);
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(100);
    const orgOf = new Map(tenant.timeline.roles.map((r) => [r.id, tenant.timeline.orgs[r.orgIndex].uuid]));
    for (const r of rows) expect(r.organization_uuid).toBe(orgOf.get(r.role_id));
    // rbac_role_permission_added / _removed in the feed give exact times
    const changed = tenant.timeline.roles.flatMap((r) => r.permissionGrants.filter((g) => g.fromMs > tenant.epochStartMs && g.fromMs < caughtUp.coveredUntilMs));
    expect(changed.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.valid_from_source === 'event').length).toBe(changed.length);
  });

  test('marts.role_assignments: the roles each group held and each member\'s built-in role at every instant are the truth', async () => {
    const rows = (await warehouseRows(
      dir,
      `select principal_type, principal_id, role_id, role_kind, organization_uuid, epoch_us(valid_from) as valid_from, epoch_us(valid_to) as valid_to,
              valid_from_source, epoch_us(valid_from_earliest) as valid_from_earliest
       from marts.role_assignments`,
    )) as any[];
    const rbac = rows.filter((r) => r.role_kind === 'rbac');
    const builtin = rows.filter((r) => r.role_kind === 'builtin');
    let groupRoles = 0;
    let builtinRoles = 0;
    let skipped = 0;
    const byId = usersById();
    for (const ms of probes()) {
      // a group holds a role no earlier than it exists: before that the lake cannot place a grant it first saw listed
      const existing = tenant.timeline.groups.filter((g) => g.createdMs <= ms);
      const exists = new Set(existing.map((g) => g.id));
      // a grant only snapshots saw begin (a group created with it between two snapshots): it began in (valid_from_earliest, valid_from]
      const doubt = new Set(
        rbac.filter((r) => r.valid_from_source === 'snapshot' && (r.valid_from_earliest ?? -Infinity) <= ms * 1000 && ms * 1000 < r.valid_from).map((r) => `${r.principal_id} ${r.role_id}`),
      );
      const got = rbac.filter((r) => inForce(r, ms) && exists.has(r.principal_id)).map((r) => `${r.principal_id} ${r.role_id}`).filter((k) => !doubt.has(k)).sort();
      const want = existing.flatMap((g) => g.roleGrants.filter((x) => holds(x, ms)).map((x) => `${g.id} ${x.value}`)).filter((k) => !doubt.has(k)).sort();
      skipped += doubt.size;
      expect(got, new Date(ms).toISOString()).toEqual(want);
      groupRoles += want.length;
      for (const r of builtin.filter((x) => inForce(x, ms))) {
        const u = byId.get(r.principal_id)!;
        expect(u.joinedMs <= ms && ms < u.leftMs, `${r.principal_id} at ${new Date(ms).toISOString()}`).toBe(true);
        expect(r.role_id, `${r.principal_id} at ${new Date(ms).toISOString()}`).toBe(tenant.timeline.roleAt(u, ms));
        builtinRoles++;
      }
    }
    expect(groupRoles).toBeGreaterThan(100);
    expect(skipped).toBeLessThan(groupRoles / 10);
    expect(builtinRoles).toBeGreaterThan(1000);
    expect(rbac.some((r) => r.valid_from_source === 'event')).toBe(true);
    expect(rbac.every((r) => r.principal_type === 'group')).toBe(true);
    // one built-in interval per run of versions with the same role: a promoted member has two
    const promoted = tenant.timeline.users.find((u) => u.roles.length === 2 && u.roles[1].fromMs > tenant.epochStartMs && u.roles[1].fromMs < caughtUp.coveredUntilMs && u.leftMs > caughtUp.clockMs)!;
    const intervals = builtin.filter((r) => r.principal_id === promoted.id).sort((a, b) => (a.valid_from ?? -Infinity) - (b.valid_from ?? -Infinity));
    expect(intervals.map((r) => r.role_id)).toEqual(promoted.roles.map((r) => r.role));
  });

  test('marts.roles and marts.organizations: every role and organization once per version, named as the truth', async () => {
    const roles = (await warehouseRows(dir, `select role_id, organization_uuid, name, description, valid_from_source, is_current from marts.roles`)) as any[];
    expect(roles.map((r) => r.role_id).sort()).toEqual(tenant.timeline.roles.map((r) => r.id).sort());
    for (const r of roles) {
      const truth = tenant.timeline.roles.find((x) => x.id === r.role_id)!;
      expect(r).toMatchObject({ organization_uuid: tenant.timeline.orgs[truth.orgIndex].uuid, name: truth.name, description: truth.description, valid_from_source: 'created_at', is_current: true });
    }
    const orgs = (await warehouseRows(dir, `select organization_uuid, name, names, is_current from marts.organizations order by organization_uuid`)) as any[];
    expect(orgs).toEqual(
      tenant.timeline.orgs.map((o) => ({ organization_uuid: o.uuid, name: o.name, names: [o.name], is_current: true })).sort((a, b) => a.organization_uuid.localeCompare(b.organization_uuid)),
    );
  });
});

describe('incremental builds', () => {
  test('after one more sync only the touched months are rebuilt, and the result equals a --full build', async () => {
    const before = Lake.open(dir).head.seq;
    sim.clock.advance(3 * HOUR);
    await syncOk();
    const lake = Lake.open(dir);
    const touched = [
      ...new Set(
        lake.entries
          .filter((e) => e.seq > before && e.kind === 'append')
          .flatMap((e) => e.added.filter((f) => f.stream === 'activities').map((f) => monthOf(f.date))),
      ),
    ].sort();
    expect(touched).toEqual(['2026-11']);
    const months = [...new Set(lake.files('activities').map((f) => monthOf(f.date)))].sort();
    expect(months).toEqual(['2026-10', '2026-11']);
    const snapshotsBefore = Number((await warehouseRows(dir, `select count(*) as n from intermediate.int_directory_snapshots_numbered`))[0].n);
    const report = await buildModels(dir);
    expect(report.mode).toBe('incremental');
    const activities = report.relations.find((r) => r.relation === 'marts.activities')!;
    expect(activities.rebuiltMonths).toEqual(touched);
    expect(activities.foldedMonths).toEqual(touched); // the last build's month plus the new rows, as a part file
    expect(readdirSync(join(dir, 'models', 'marts', 'activities', `month=${touched[0]}`)).sort()).toEqual(['data.parquet', `fold-${lake.head.seq}.parquet`]);
    expect(activities.keptMonths).toBe(months.length - 1);
    const admin = report.relations.find((r) => r.relation === 'marts.admin_actions')!;
    expect(admin.rebuiltMonths).toEqual(touched);
    // the directory history was folded forward from the last build's output, not recomputed from every snapshot
    for (const relation of ['intermediate.int_directory_snapshots_numbered', 'intermediate.int_directory_snapshots_collapsed']) {
      const r = report.relations.find((x) => x.relation === relation)!;
      expect(r.materialized).toBe('incremental');
      expect(r.folded).toBe(true);
    }
    // the feed-event intermediates fold too: a touched month gets a part file with its new events, or nothing
    // when the new activities hold none of them
    for (const relation of ['intermediate.int_directory_events_extracted', 'intermediate.int_group_events_extracted', 'marts.detection_activities']) {
      const r = report.relations.find((x) => x.relation === relation)!;
      expect(r.rebuiltMonths!.every((m) => touched.includes(m)), relation).toBe(true);
      expect(r.foldedMonths).toEqual(r.rebuiltMonths);
      expect(r.keptMonths).toBe(months.length - r.rebuiltMonths!.length);
    }

    const relations = [
      ...['activities', 'users', 'group_memberships', 'admin_actions', 'detection_activities', 'groups', 'activity_types', 'roles', 'role_permissions', 'role_assignments', 'organizations'].map((m) => `marts.${m}`),
      ...['int_directory_snapshots_numbered', 'int_directory_snapshots_collapsed', 'int_directory_versioned'].map((m) => `intermediate.${m}`),
    ];
    const dump = async () => Object.fromEntries(await Promise.all(relations.map(async (m) => [m, await warehouseRows(dir, `select * from ${m} order by all`)])));
    const incremental = await dump();
    const full = await buildModels(dir, { full: true });
    expect(full.mode).toBe('full');
    expect(full.relations.find((r) => r.relation === 'marts.activities')!.rebuiltMonths).toEqual(months);
    expect(await dump()).toEqual(incremental);
    // the sync took new directory snapshots, so the folding had something to fold
    expect(incremental['intermediate.int_directory_snapshots_numbered'].length).toBeGreaterThan(snapshotsBefore);
    expect(full.relations.find((r) => r.relation === 'intermediate.int_directory_snapshots_collapsed')!.folded).toBe(false);
  }, 600_000);

  test('a folded month equals a rebuilt one: redeliveries add nothing, late activities are sorted in, compacted files count once', async () => {
    // the report's rows: each relation's count in the warehouse, from the state's count of each file the build did
    // not write (file_rows, which must name every model file with its rows) and the footers of those it wrote
    const rowsReported = async (report: BuildReport) => {
      const state = JSON.parse(readFileSync(join(dir, 'models', '_state.json'), 'utf8')) as { file_rows: Record<string, number> };
      const files = Object.keys(state.file_rows);
      const counted = await warehouseRows(dir, `select file_name as f, num_rows as n from parquet_file_metadata([${files.map((f) => sqlString(join(dir, 'models', f))).join(', ')}])`);
      expect(Object.fromEntries(counted.map((r) => [String(r.f).slice(join(dir, 'models').length + 1), Number(r.n)]))).toEqual(state.file_rows);
      for (const r of report.relations.filter((x) => x.rows !== null && x.relation !== 'seeds.activity_types')) {
        const dirOf = join(dir, 'models', ...r.relation.split('.'));
        expect(files.some((f) => join(dir, 'models', f).startsWith(`${dirOf}/`)), `${r.relation} in file_rows`).toBe(true);
        expect(Number((await warehouseRows(dir, `select count(*) as n from ${r.relation}`))[0].n), r.relation).toBe(r.rows);
      }
    };
    const lake = Lake.open(dir);
    const month = [...new Set(lake.files('activities').map((f) => monthOf(f.date)))].sort().at(-1)!;
    const [early, second] = [...new Set(lake.files('activities').filter((f) => monthOf(f.date) === month).map((f) => f.date))].sort();
    const count = async () => Number((await warehouseRows(dir, `select count(*) as n from marts.activities`))[0].n);
    const rowsBefore = await count();
    const monthDir = join(dir, 'models', 'marts', 'activities', `month=${month}`);
    const parts = () => readdirSync(monthDir).filter((f) => f !== 'data.parquet');
    expect(parts()).toEqual([]); // the test before ended with a --full build

    // 1. a redelivery the sync did not catch (same activities, extracted again): the month has every row already
    await commitCrafted(dir, second, `select * replace (_extracted_at + interval 1 hour as _extracted_at) from {files} order by created_at limit 7`);
    const redelivered = await buildModels(dir);
    const of = (report: BuildReport) => report.relations.find((r) => r.relation === 'marts.activities')!;
    expect(redelivered.mode).toBe('incremental');
    expect(of(redelivered).rebuiltMonths).toEqual([]);
    expect(of(redelivered).foldedMonths).toEqual([]);
    expect(await count()).toBe(rowsBefore);
    await rowsReported(redelivered);

    // 2. another redelivery, three activities indexed late into the month's first day, a compaction of that day
    // (its new file repeats every row the day had), and one more sync
    await commitCrafted(dir, second, `select * replace (_extracted_at + interval 2 hour as _extracted_at) from {files} order by created_at desc limit 5`);
    await commitCrafted(dir, early, `select * replace (id || '_late' as id, _extracted_at + interval 3 hour as _extracted_at) from {files} order by created_at limit 3`);
    const duck = await openDuck({ dataDir: dir });
    try {
      await compactPartition(Lake.open(dir), { stream: 'activities', date: early }, { runId: 'run_test_fold_compact', duck });
    } finally {
      duck.close();
    }
    sim.clock.advance(2 * HOUR);
    await syncOk();
    // at most one part file per month besides data.parquet: this fold writes it
    const folded = await buildModels(dir, { maxFoldParts: 1 });
    expect(of(folded).foldedMonths).toEqual([month]);
    expect(parts()).toEqual([`fold-${Lake.open(dir).head.seq}.parquet`]);
    expect(await count()).toBeGreaterThan(rowsBefore + 3);
    expect(await warehouseRows(dir, `select count(*) as n from marts.activities where id like '%_late'`)).toEqual([{ n: 3 }]);
    await rowsReported(folded);
    const sorted = async (file: string) => {
      const times = (await warehouseRows(dir, `select epoch_us(created_at) as t from read_parquet('${join(monthDir, file)}')`)).map((r) => Number(r.t));
      return times.every((t, i) => i === 0 || times[i - 1] <= t);
    };
    for (const file of readdirSync(monthDir)) expect(await sorted(file), file).toBe(true);

    // 3. the next fold would make two parts: the month is one file again, sorted again (the late activities
    // sort before the last rows of data.parquet). The part is emptied, not deleted: a reader of the last
    // warehouse, whose view lists it, still counts every row once. The build after deletes it.
    sim.clock.advance(HOUR);
    await syncOk();
    const [part] = parts();
    const old = await openWarehouse(dir);
    try {
      const rewritten = await buildModels(dir, { maxFoldParts: 1 });
      expect(of(rewritten).foldedMonths).toEqual([month]);
      const daily = rewritten.relations.find((r) => r.relation === 'marts.activity_counts_daily')!;
      expect(daily.foldedMonths).toEqual([month]); // merged, not recounted
      expect(parts()).toEqual([part]);
      expect(await warehouseRows(dir, `select count(*) as n from read_parquet('${join(monthDir, part)}')`)).toEqual([{ n: 0 }]);
      const oldCount = (await old.connection.runAndReadAll(`select count(*) as n from marts.activities`)).getRowObjectsJS();
      expect(Number(oldCount[0].n)).toBe(await count());
    } finally {
      old.close();
    }
    const next = await buildModels(dir);
    expect(next.relations.find((r) => r.relation === 'marts.activities')!.rebuiltMonths).toEqual([]);
    await rowsReported(next);
    expect(readdirSync(monthDir)).toEqual(['data.parquet']);
    expect(await sorted('data.parquet')).toBe(true);
    const after = await count();
    expect(await warehouseRows(dir, `select count(*) as n from marts.activities where id like '%_late'`)).toEqual([{ n: 3 }]);

    // the daily counts merged the folded rows into their months, admin actions recomputed their months from the
    // earliest new activity on: the same rows as a full build
    const relations = ['marts.activities', 'marts.activity_counts_daily', 'marts.actor_counts_daily', 'marts.activity_types', 'marts.admin_actions'];
    const dump = async () => Object.fromEntries(await Promise.all(relations.map(async (m) => [m, await warehouseRows(dir, `select * from ${m} order by all`)])));
    const incremental = await dump();
    expect(incremental['marts.activities']).toHaveLength(after);
    const full = await buildModels(dir, { full: true });
    expect(of(full).foldedMonths).toEqual([]);
    expect(await dump()).toEqual(incremental);

    // 4. a `-- scope: added` test sees only the rows a refresh added (the fold's part file, or its delta when it
    // rewrites the month), a `rebuilt` one the whole month: two late activities more, beside the three kept
    const sqlDir = join(dir, 'sql-scoped');
    cpSync(join(process.cwd(), 'sql'), sqlDir, { recursive: true });
    const rule = `select id from marts.activities where ends_with(id, '_late')\n`;
    writeFileSync(join(sqlDir, 'tests', 'late_added.sql'), `-- no activity indexed late among the new rows\n-- scope: added\n${rule}`);
    writeFileSync(join(sqlDir, 'tests', 'late_rebuilt.sql'), `-- no activity indexed late in the months written\n${rule}`);
    // the last build ran these tests (else the first build with them sees every month)
    const statePath = join(dir, 'models', '_state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    const project = readSqlProject(sqlDir);
    state.tests = createHash('sha256').update(JSON.stringify(project.tests.map((x) => [x.name, x.sql]))).digest('hex');
    writeFileSync(statePath, JSON.stringify(state));
    await commitCrafted(dir, second, `select * replace (id || '_late' as id, _extracted_at + interval 4 hour as _extracted_at) from (select * from {files} qualify row_number() over (partition by id order by _extracted_at) = 1) order by created_at desc limit 2`);
    for (const maxFoldParts of [8, 0]) {
      const failed = await buildModels(dir, { sqlDir, maxFoldParts }).catch((e: unknown) => e);
      expect(failed, `maxFoldParts ${maxFoldParts}`).toBeInstanceOf(ModelTestError);
      const counts = Object.fromEntries((failed as ModelTestError).failures.map((f) => [f.test, f.count]));
      expect(counts, `maxFoldParts ${maxFoldParts}`).toEqual({ late_added: 2, late_rebuilt: 5 });
    }
    expect(await warehouseRows(dir, `select count(*) as n from marts.activities where id like '%_late'`)).toEqual([{ n: 3 }]); // nothing published
    // the project's own tests pass, and the next test starts from a lake the models have read
    expect((await buildModels(dir)).relations.find((r) => r.relation === 'marts.activities')!.rebuiltMonths).toEqual([month]);
    expect(await warehouseRows(dir, `select count(*) as n from marts.activities where id like '%_late'`)).toEqual([{ n: 5 }]);

    // 5. activities_id_unique (`-- scope: added key(id)`) sees, in a refresh, the written months' rows whose id an
    // added row has: an activity delivered again with another created_at (a second later, so the fold's key check
    // within the new rows' range misses the first copy) is a duplicate of an old row, and the build fails, whether
    // the fold writes a part or the whole month
    await commitCrafted(dir, second, `select * replace (created_at + interval 1 second as created_at, _extracted_at + interval 5 hour as _extracted_at) from {files} order by created_at limit 1`);
    for (const maxFoldParts of [8, 0]) {
      const failed = await buildModels(dir, { maxFoldParts }).catch((e: unknown) => e);
      expect(failed, `maxFoldParts ${maxFoldParts}`).toBeInstanceOf(ModelTestError);
      const failures = (failed as ModelTestError).failures.map((f) => [f.test, f.count, f.rows.map((r) => Number(r.copies))]);
      expect(failures, `maxFoldParts ${maxFoldParts}`).toEqual([['activities_id_unique', 1, [2]]]);
    }
    // a compaction of the day keeps the first delivery (the earliest _extracted_at): nothing new, the build passes
    const compactDuck = await openDuck({ dataDir: dir });
    try {
      await compactPartition(Lake.open(dir), { stream: 'activities', date: second }, { runId: 'run_test_fold_compact_2', duck: compactDuck });
    } finally {
      compactDuck.close();
    }
    const compacted = await buildModels(dir);
    expect(compacted.relations.find((r) => r.relation === 'marts.activities')!.rebuiltMonths).toEqual([]);
    expect(compacted.tests.map((t) => t.name)).toContain('activities_id_unique');
  }, 600_000);

  test('a changed model is rebuilt in full with what reads it; the rest stays incremental; the result equals a --full build', async () => {
    // an edited copy of the project: one intermediate model's SQL changes (a comment after the statement, which
    // a file may end with: same rows)
    const sqlDir = join(dir, 'sql-edited');
    cpSync(join(process.cwd(), 'sql'), sqlDir, { recursive: true });
    const edited = join(sqlDir, 'intermediate', 'int_directory_events_extracted.sql');
    writeFileSync(edited, readFileSync(edited, 'utf8') + '\n-- edited after the last build\n');
    const relations = ['marts.activities', 'marts.users', 'marts.admin_actions', 'intermediate.int_directory_snapshots_collapsed', 'intermediate.int_directory_versioned'];
    const dump = async () => Object.fromEntries(await Promise.all(relations.map(async (m) => [m, await warehouseRows(dir, `select * from ${m} order by all`)])));
    const before = await dump();
    const months = [...new Set(Lake.open(dir).files('activities').map((f) => monthOf(f.date)))].sort();

    const report = await buildModels(dir, { sqlDir });
    expect(report.mode).toBe('incremental');
    expect(report.reason).toMatch(/new or changed SQL of intermediate\.int_directory_events_extracted: rebuilt in full with \d+ relations downstream/);
    const of = (relation: string) => report.relations.find((r) => r.relation === relation)!;
    // the changed model and everything that reads it, directly or not: every month, nothing folded
    expect(of('intermediate.int_directory_events_extracted').rebuiltMonths).toEqual(months);
    expect(of('marts.admin_actions').rebuiltMonths).toEqual(months); // joins marts.users as of the event time
    // the rest: nothing new in the lake, so nothing rewritten
    expect(of('marts.activities').rebuiltMonths).toEqual([]);
    expect(of('intermediate.int_directory_snapshots_collapsed').folded).toBe(true);
    expect(await dump()).toEqual(before);

    // built with that SQL, the next build has nothing to redo
    const again = await buildModels(dir, { sqlDir });
    expect(again.reason).not.toMatch(/changed SQL/);
    expect(again.relations.find((r) => r.relation === 'marts.admin_actions')!.rebuiltMonths).toEqual([]);

    // a new test sees every month once, not only the months the build rewrote (here: none)
    const newTest = join(sqlDir, 'tests', 'activities_all_from_november.sql');
    writeFileSync(newTest, `-- every activity is from ${months.at(-1)} (false: the lake has ${months.join(', ')})\nselect id, created_at from marts.activities where created_at < '${months.at(-1)}-01'\n`);
    await expect(buildModels(dir, { sqlDir })).rejects.toThrow(/activities_all_from_november/);
    rmSync(newTest);
    expect((await buildModels(dir, { sqlDir })).mode).toBe('incremental');

    // a state written before per-model fingerprints means one full build
    const statePath = join(dir, 'models', '_state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    delete state.relations;
    writeFileSync(statePath, JSON.stringify(state));
    const upgraded = await buildModels(dir);
    expect(upgraded.mode).toBe('full');
    expect(await dump()).toEqual(before);
  }, 600_000);
});

/**
 * Commits, as one appended file of `date`'s activities partition, the rows of `select` over that partition's
 * committed files (`{files}`): a delivery the sync itself would not have written, for the fold's edge cases.
 */
async function commitCrafted(dataDir: string, date: string, select: string): Promise<void> {
  const lake = Lake.open(dataDir);
  const files = lake.files('activities').filter((f) => f.date === date).map((f) => sqlString(lake.absolute(f)));
  const stagedPath = join(dataDir, 'staging', `crafted-${date}-${Date.now()}.parquet`);
  mkdirSync(dirname(stagedPath), { recursive: true });
  const duck = await openDuck({ dataDir });
  try {
    await duck.run(`copy (${select.replace('{files}', `read_parquet([${files.join(', ')}])`)}) to ${sqlString(stagedPath)} (format parquet)`);
    const [stats] = await duck.all(`select count(*) as n, min(id) as first_id, max(id) as last_id from read_parquet(${sqlString(stagedPath)})`);
    const runId = `run_crafted_${Date.now()}`;
    lake.commit(
      [
        {
          stagedPath,
          path: `activities/date=${date}/${runId}.parquet`,
          stream: 'activities',
          date,
          sha256: await sha256File(stagedPath),
          bytes: statSync(stagedPath).size,
          rows: Number(stats.n),
          min_time: null,
          max_time: null,
          first_id: stats.first_id as string,
          last_id: stats.last_id as string,
          endpoint: '/v1/compliance/activities',
          params: {},
          run_id: runId,
          request_ids: [],
        },
      ],
      { kind: 'append', run_id: runId, stream: 'activities', committed_at: new Date().toISOString(), removed: [], coverage: [], request_ids: [] },
    );
  } finally {
    duck.close();
  }
}

describe('the warehouse for analysts', () => {
  const childQuery = (mode: 'READ_ONLY' | 'READ_WRITE', sql: string) =>
    run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const db = await DuckDBInstance.create(process.argv[1], { access_mode: process.argv[2] });
         const c = await db.connect();
         const r = await c.runAndReadAll(process.argv[3]);
         console.log(JSON.stringify(r.getRowsJson()));
         c.closeSync(); db.closeSync();`,
        `${dir}/warehouse.duckdb`,
        mode,
        sql,
      ],
      { cwd: process.cwd() },
    );

  test('other processes read it while a build replaces it, a reader of the old file keeps reading, and no lock is left', async () => {
    const old = await openWarehouse(dir);
    try {
      const inode = statSync(`${dir}/warehouse.duckdb`).ino;
      const building = buildModels(dir);
      const during = await childQuery('READ_ONLY', 'select count(*) from marts.activities');
      expect(Number(JSON.parse(during.stdout)[0][0])).toBeGreaterThan(5_000);
      await building;
      expect(statSync(`${dir}/warehouse.duckdb`).ino).not.toBe(inode);
      const rows = (await old.connection.runAndReadAll('select count(*) as n from marts.group_memberships')).getRowObjectsJS();
      expect(Number(rows[0].n)).toBeGreaterThan(200);
    } finally {
      old.close();
    }
    // not locked: another process opens it read-write (and may write to it, until the next build replaces it)
    const after = await childQuery('READ_WRITE', 'create table main.scratch as select 1 as x; select count(*) from marts.users');
    expect(Number(JSON.parse(after.stdout)[0][0])).toBeGreaterThan(150);
  });

  test('it holds staging, intermediate and marts as views, the catalog as a table, and no write-ahead log', async () => {
    const rows = await warehouseRows(
      dir,
      `select schema_name, count(*) filter (where not internal) as n from duckdb_views() where schema_name in ('staging', 'intermediate', 'marts') group by all order by 1`,
    );
    // one view per file of sql/<layer>, and in marts the detection engine's alert marts (detections.md §4)
    const files = (layer: string) => readdirSync(join(process.cwd(), 'sql', layer)).filter((f) => f.endsWith('.sql')).length;
    const extra: Record<string, number> = { marts: ALERT_MART_RELATIONS.length };
    expect(rows).toEqual(['intermediate', 'marts', 'staging'].map((schema_name) => ({ schema_name, n: files(schema_name) + (extra[schema_name] ?? 0) })));
    const tables = await warehouseRows(dir, `select schema_name, table_name from duckdb_tables() where schema_name = 'seeds'`);
    expect(tables).toEqual([{ schema_name: 'seeds', table_name: 'activity_types' }]);
    const zone = await warehouseRows(dir, `select current_setting('TimeZone') as tz`);
    expect(zone[0].tz).toBe('UTC');
  });
});
