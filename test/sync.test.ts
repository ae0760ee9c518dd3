// The sync against the simulator in-process: a backfill and live incremental runs hold exactly the ground
// truth; directory snapshots equal the tenant's directory at snapshot_at; every fault profile ends in the
// same data; late arrivals are caught and reported as coverage events; unknown types, actors and fields
// survive; a missing scope or a malformed page stops only its stream, saves the page and moves no cursor.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { reassembleActivity } from '../src/extract/activities.js';
import type { ActivityCursor } from '../src/extract/activities.js';
import { Lake } from '../src/lake/lake.js';
import { FAULT_PROFILES, type Simulator } from '../src/simulator/server/app.js';
import { StateStore } from '../src/state/index.js';
import { KEYS, MINUTE, NOW, type Transport, connect, control, expectNoSecrets, makeSim, makeTenant, simTime, truthIds } from './support/sim-harness.js';
import { STREAM_NAMES } from '../src/extract/registry.js';
import { StreamSelectionError } from '../src/pipeline/keys.js';
import { lakeActivityIds, lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';

const HOUR = 60 * MINUTE;
const USER_DATA_ONLY_KEY = 'sk-ant-api01-CLSIM-userdata-Kk2Ll7Jj4Hh9Gg1F-do-not-leak';
const DAY = 24 * HOUR;
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function dataDir(): string {
  const { dir, cleanup } = tempDataDir();
  cleanups.push(cleanup);
  return dir;
}

/** The server's clock when the last run started: it stores what the feed shows up to there (its cursor stops a minute before). */
function readUntil(dir: string): string {
  return new Date(Date.parse(coveredUntil(dir)) + MINUTE).toISOString();
}

function coveredUntil(dir: string): string {
  const state = StateStore.open(dir, { readonly: true });
  try {
    return state.cursor<ActivityCursor>('activities')!.covered_until;
  } finally {
    state.close();
  }
}

/** Truth ids created before the activity cursor (what a complete sync must hold), sorted. */
async function truthBefore(t: Transport, until: string): Promise<string[]> {
  return (await truthIds(t, `created_at.lt=${encodeURIComponent(until)}`)).sort();
}

/** Sync options that make retries wait on the simulator's clock instead of the wall clock. */
function simulatedWaits(sim: Simulator) {
  const time = simTime(sim);
  return { clientOptions: { sleep: time.sleep, now: time.now, random: () => 0.5 } };
}

describe('backfill and incremental syncs', () => {
  test('a backfill, then live syncs as the clock moves: the lake holds exactly the truth, each id once', async () => {
    const sim = makeSim({ tenant: { live: true, lateShare: 0 } });
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    const first = await syncWith(t, dir, { streams: ['activities'] });
    expect(first.ok, JSON.stringify(first.streams)).toBe(true);
    let ids = await lakeActivityIds(dir);
    expect(ids.length).toBeGreaterThan(5000);
    // everything the feed shows up to the server's clock is stored at once (detections see it), but
    // covered_until stops one minute before that clock, where the feed may still be indexing
    expect(ids).toEqual(await truthBefore(t, readUntil(dir)));
    expect(Date.parse(coveredUntil(dir))).toBe(NOW - MINUTE);

    for (const step of [7 * MINUTE, 45 * MINUTE, 3 * HOUR, 26 * HOUR]) {
      sim.clock.advance(step);
      const r = await syncWith(t, dir, { streams: ['activities'] });
      expect(r.ok).toBe(true);
      ids = await lakeActivityIds(dir);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(await truthBefore(t, readUntil(dir)));
      expect(Date.parse(coveredUntil(dir))).toBe(sim.clock.now() - MINUTE);
      expect(r.streams[0].newRecords).toBeGreaterThan(0);
    }
    // Our own compliance_api_accessed events are in the lake and marked as ours.
    const own = await lakeQuery(dir, 'activities', "SELECT count(*) AS n FROM {files} WHERE type = 'compliance_api_accessed' AND is_own_request");
    const all = await lakeQuery(dir, 'activities', "SELECT count(*) AS n FROM {files} WHERE type = 'compliance_api_accessed'");
    expect(Number(own[0].n)).toBeGreaterThan(0);
    expect(Number(own[0].n)).toBe(Number(all[0].n));
  });

  test('a run with nothing new commits no file and keeps the lake unchanged', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    await syncWith(t, dir, { streams: ['activities'] });
    const before = Lake.open(dir).files('activities').map((f) => f.path);
    const r = await syncWith(t, dir, { streams: ['activities'], settings: { overlapMs: 10 * MINUTE, reconcileDays: 0 } });
    expect(r.ok).toBe(true);
    // the overlap window holds only activities already stored, plus our own access events of the first run
    const after = Lake.open(dir).files('activities');
    const ids = await lakeActivityIds(dir);
    expect(new Set(ids).size).toBe(ids.length);
    expect(after.length - before.length).toBeLessThanOrEqual(1);
  });

  test('--since and --until bound a backfill; a later run continues from the cursor', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    const since = NOW - 2 * DAY;
    const until = NOW - DAY;
    await syncWith(t, dir, { streams: ['activities'], settings: { sinceMs: since, untilMs: until, overlapMs: 10 * MINUTE, reconcileDays: 3 } });
    const ids = await lakeActivityIds(dir);
    const window = (await truthIds(t, `created_at.gte=${new Date(since).toISOString()}&created_at.lt=${new Date(until).toISOString()}`)).sort();
    expect(ids).toEqual(window);
    expect(Date.parse(coveredUntil(dir))).toBe(until);
    await syncWith(t, dir, { streams: ['activities'] });
    const later = await lakeActivityIds(dir);
    expect(later).toEqual((await truthIds(t, `created_at.gte=${new Date(since).toISOString()}&created_at.lt=${encodeURIComponent(coveredUntil(dir))}`)).sort());
  });
});

describe('compaction after syncs', () => {
  test('frequent small syncs are compacted into one file per partition; the lake still equals the truth', async () => {
    const sim = makeSim({ tenant: { live: true, lateShare: 0 } });
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    let compacted = 0;
    for (let i = 0; i < 8; i++) {
      const r = await syncWith(t, dir, { streams: ['activities'], compactMaxFiles: 3 });
      expect(r.ok).toBe(true);
      compacted += r.compactedPartitions;
      sim.clock.advance(7 * MINUTE);
    }
    expect(compacted).toBeGreaterThan(0);
    const lake = Lake.open(dir);
    const perPartition = new Map<string, number>();
    for (const f of lake.files('activities')) perPartition.set(f.date, (perPartition.get(f.date) ?? 0) + 1);
    for (const [date, n] of perPartition) expect(n, date).toBeLessThanOrEqual(3);
    const ids = await lakeActivityIds(dir);
    expect(ids).toEqual(await truthBefore(t, readUntil(dir)));
    // the state store lists exactly the live files, and every one of them exists
    const state = StateStore.open(dir, { readonly: true });
    expect([...state.activePaths()].sort()).toEqual(lake.files().map((f) => f.path).sort());
    state.close();
    const { verifyLake } = await import('../src/lake/verify.js');
    const report = await verifyLake(dir);
    expect(report.problems).toEqual([]);
  });
});

describe('directory snapshots and content metadata', () => {
  test('each snapshot equals the tenant directory at snapshot_at; content versions are stored once', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    const r = await syncWith(t, dir);
    expect(r.ok, JSON.stringify(r.streams.filter((s) => s.status !== 'committed'))).toBe(true);
    const d = sim.tenant.directory;
    const at = sim.clock.now();
    const orgs = d.organizations(at);
    const lakeOrgs = await lakeQuery(dir, 'organizations', 'SELECT uuid FROM {files} ORDER BY uuid');
    expect(lakeOrgs.map((o) => o.uuid)).toEqual(orgs.map((o) => o.uuid).sort());

    const users = orgs.flatMap((o) => (d.users(o.uuid, at) ?? []).map((u) => `${o.uuid}/${u.id}/${u.email}/${u.organization_role}`)).sort();
    const lakeUsers = await lakeQuery(dir, 'users', "SELECT organization_uuid || '/' || id || '/' || email || '/' || organization_role AS k FROM {files} ORDER BY k");
    expect(lakeUsers.map((u) => u.k)).toEqual(users);

    const members = d
      .groups(at)
      .flatMap((g) => (d.groupMembers(g.id, at) ?? []).map((m) => `${g.id}/${m.user_id}`))
      .sort();
    const lakeMembers = await lakeQuery(dir, 'group_members', "SELECT group_id || '/' || user_id AS k FROM {files} ORDER BY k");
    expect(lakeMembers.map((m) => m.k)).toEqual(members);

    const perms = orgs
      .flatMap((o) => (d.roles(o.uuid, at) ?? []).flatMap((role) => (d.rolePermissions(o.uuid, role.id, at) ?? []).map((p) => `${role.id}/${p.action}/${p.resource_id}`)))
      .sort();
    const lakePerms = await lakeQuery(dir, 'role_permissions', "SELECT role_id || '/' || action || '/' || resource_id AS k FROM {files} ORDER BY k");
    expect(lakePerms.map((p) => p.k)).toEqual(perms);

    // every snapshot row carries one snapshot_at per stream, stamped from the server clock
    const stamps = await lakeQuery(dir, 'users', "SELECT DISTINCT strftime(snapshot_at, '%Y-%m-%dT%H:%M:%SZ') AS s FROM {files}");
    expect(stamps).toHaveLength(1);
    expect(Date.parse(String(stamps[0].s))).toBe(Math.floor(at / 1000) * 1000);

    const chats = sim.tenant.content.chats(at).filter((c) => Date.parse(c.updated_at) < at - MINUTE);
    const lakeChats = await lakeQuery(dir, 'chats', 'SELECT id FROM {files} ORDER BY id');
    expect(lakeChats.map((c) => c.id)).toEqual(chats.map((c) => c.id).sort());
    const projects = sim.tenant.content.projects(at).filter((p) => Date.parse(p.updated_at) < at - MINUTE);
    const lakeProjects = await lakeQuery(dir, 'projects', 'SELECT id FROM {files} ORDER BY id');
    expect(lakeProjects.map((p) => p.id)).toEqual(projects.map((p) => p.id).sort());
    const attachments = projects.flatMap((p) => (sim.tenant.content.projectAttachments(p.id, at) ?? []).map((a) => `${p.id}/${a.id}`)).sort();
    const lakeAttachments = await lakeQuery(dir, 'project_attachments', "SELECT project_id || '/' || id AS k FROM {files} ORDER BY k");
    expect(lakeAttachments.map((a) => a.k)).toEqual(attachments);

    // a second run re-reads the overlap: no chat or project version is stored twice
    sim.clock.advance(5 * MINUTE);
    await syncWith(t, dir, { streams: ['chats', 'projects', 'users'] });
    const dupChats = await lakeQuery(dir, 'chats', 'SELECT id, updated_at, count(*) AS n FROM {files} GROUP BY ALL HAVING n > 1');
    expect(dupChats).toEqual([]);
    const snapshots = await lakeQuery(dir, 'users', 'SELECT count(DISTINCT snapshot_at) AS n FROM {files}');
    expect(Number(snapshots[0].n)).toBe(2);
  });
});

describe('faults', () => {
  // two pages a day, so faults at page boundaries have boundaries to work on
  const shared = makeTenant({ activitiesPerDay: 7000, horizonDays: 2 });
  const profiles = Object.keys(FAULT_PROFILES).filter((p) => p !== 'none');

  // The clean run is the same for every profile (the same tenant from the same clock): it is made once.
  let clean: Promise<string> | null = null;
  const cleanData = tempDataDir();
  afterAll(() => cleanData.cleanup());
  function cleanRun(): Promise<string> {
    return (clean ??= (async () => {
      const ct = await connect(makeSim({ shared }), 'in-process');
      await syncWith(ct, cleanData.dir, { streams: ['activities', 'users', 'groups', 'group_members', 'chats'] });
      return cleanData.dir;
    })());
  }

  test.each(profiles)('fault profile %s: the same final data as a clean run', async (profile) => {
    const cleanDir = await cleanRun();

    const sim = makeSim({ shared });
    const t = await connect(sim, 'in-process');
    // `slow` as profiled waits 1-3 s per hit; the same fault with a short delay keeps the suite quick
    await control(t, 'POST', '/_sim/faults', profile === 'slow' ? { rules: [{ kind: 'slow', probability: 0.2, delayMs: 300 }] } : { profile });
    const dir = dataDir();
    const r = await syncWith(t, dir, { streams: ['activities', 'users', 'groups', 'group_members', 'chats'], maxRetries: 12, ...simulatedWaits(sim) });
    expect(r.ok, JSON.stringify(r.streams.filter((s) => s.status !== 'committed'))).toBe(true);
    const faults = await control(t, 'GET', '/_sim/faults');
    expect(faults.rules.reduce((n: number, rule: { fired: number }) => n + rule.fired, 0), 'faults fired').toBeGreaterThan(0);
    await control(t, 'DELETE', '/_sim/faults');
    const ids = await lakeActivityIds(dir);
    expect(new Set(ids).size).toBe(ids.length);
    // the feed, minus each simulator's own access events (they differ run to run), is identical
    const sql = "SELECT id FROM {files} WHERE type <> 'compliance_api_accessed' ORDER BY id";
    expect((await lakeQuery(dir, 'activities', sql)).map((x) => x.id)).toEqual((await lakeQuery(cleanDir, 'activities', sql)).map((x) => x.id));
    expect(ids).toEqual(await truthBefore(t, readUntil(dir)));
    for (const [stream, key] of [
      ['users', "organization_uuid || '/' || id"],
      ['group_members', "group_id || '/' || user_id"],
      ['chats', 'id'],
    ]) {
      const q = `SELECT ${key} AS k FROM {files} ORDER BY k`;
      expect((await lakeQuery(dir, stream, q)).map((x) => x.k), stream).toEqual((await lakeQuery(cleanDir, stream, q)).map((x) => x.k));
    }
    const retried = r.streams.reduce((n, s) => n + s.retries, 0);
    // page faults cost confirming requests, not retries
    if (!['duplicate-boundary', 'phantom-has-more', 'empty-has-more', 'full-no-more', 'slow', 'chaos'].includes(profile)) expect(retried).toBeGreaterThan(0);
  });
});

describe('late arrivals', () => {
  test('activities indexed minutes late are caught by the overlap, days late by reconciliation, each as a coverage event', async () => {
    const sim = makeSim({ tenant: { live: true, lateShare: 0.05, horizonDays: 5 } });
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    await syncWith(t, dir, { streams: ['activities'] });
    // a sync every three hours for four days: late activities keep appearing behind the cursor (hourly syncs
    // took 2.4 times as long and proved the same: 35 overlap and 227 reconciliation events against 9 and 182)
    for (let i = 0; i < (4 * 24) / 3; i++) {
      sim.clock.advance(3 * HOUR);
      const r = await syncWith(t, dir, { streams: ['activities'] });
      expect(r.ok).toBe(true);
    }
    const state = StateStore.open(dir, { readonly: true });
    const coverage = state.coverage({ stream: 'activities' });
    const covered = state.cursor<ActivityCursor>('activities')!.covered_until;
    state.close();
    const ids = await lakeActivityIds(dir);
    expect(new Set(ids).size).toBe(ids.length);
    // every activity visible now and created more than reconcile-days ago... is in the lake: compare over the
    // days reconciliation has closed
    const closedEnd = new Date(Math.floor(sim.clock.now() / DAY) * DAY).toISOString();
    const truthClosed = (await truthIds(t, `created_at.lt=${encodeURIComponent(closedEnd)}`)).sort();
    const lakeClosed = (await lakeQuery(dir, 'activities', `SELECT id FROM {files} WHERE created_at < '${closedEnd}'::TIMESTAMPTZ ORDER BY id`)).map((r) => String(r.id));
    // Reconciliation re-reads a day on each of the next `reconcileDays` days (3), the last time at the start of
    // day X+3: an activity of day X indexed up to two days late is guaranteed to be caught, a later one may not be.
    const feed = new Map(
      sim.tenant.feed
        .scan({ direction: 'forward', nowMs: sim.clock.now(), minUs: 0, maxUs: Number.MAX_SAFE_INTEGER, limit: Number.MAX_SAFE_INTEGER })
        .map((a) => [a.id, a]),
    );
    const inLake = new Set(lakeClosed);
    const missing = truthClosed.filter((id) => !inLake.has(id));
    for (const id of missing) {
      const a = feed.get(id)!;
      expect(a.visibleAt - a.us / 1000, `${id} missing though indexed less than two days late`).toBeGreaterThan(2 * DAY);
    }
    expect(missing.length).toBeLessThan(truthClosed.length / 500);
    expect(lakeClosed.every((id) => feed.has(id))).toBe(true);
    expect(covered <= new Date(sim.clock.now()).toISOString()).toBe(true);
    const byOverlap = coverage.filter((c) => c.found_by === 'overlap');
    const byReconciliation = coverage.filter((c) => c.found_by === 'reconciliation');
    expect(byOverlap.length).toBeGreaterThan(0);
    expect(byReconciliation.length).toBeGreaterThan(0);
    // every coverage event names a stored activity that really was indexed late
    const late = new Map(
      sim.tenant.feed
        .scan({ direction: 'forward', nowMs: sim.clock.now(), minUs: 0, maxUs: Number.MAX_SAFE_INTEGER, limit: Number.MAX_SAFE_INTEGER })
        .map((a) => [a.id, a.visibleAt - a.us / 1000]),
    );
    const lakeIds = new Set(ids);
    for (const c of coverage) {
      expect(lakeIds.has(c.record_id)).toBe(true);
      expect(late.get(c.record_id)!, c.record_id).toBeGreaterThan(MINUTE);
    }
    for (const c of byReconciliation) expect(late.get(c.record_id)!).toBeGreaterThan(10 * MINUTE);
  }, 240_000); // a live tenant walked day by day: 19 s alone, over 45 s on the shared machine
});

describe('forward compatibility', () => {
  test('unknown activity types, actor types and fields survive into the lake unchanged', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const created = new Date(NOW - 3 * HOUR).toISOString().replace('Z', '123Z').replace('.000123Z', '.000123Z');
    const records = [
      {
        id: 'activity_01FutureType0000000000001',
        created_at: created,
        organization_id: null,
        organization_uuid: null,
        type: 'quantum_widget_reticulated',
        actor: { type: 'hologram_actor', hologram_id: 'holo_1', ip_address: '198.51.100.7', user_agent: null, nested: { a: [1, 2, { b: true }] } },
        widget_count: 42,
        widget_tags: ['x', 'y'],
        details: { deep: { deeper: 'value' } },
      },
      {
        id: 'activity_01NoActor000000000000002',
        created_at: created,
        organization_id: 'org_0140ef53e54d014e08b774ae',
        organization_uuid: 12345,
        type: 'claude_chat_created',
        claude_chat_id: 'claude_chat_01x',
        claude_project_id: null,
      },
    ];
    await control(t, 'POST', '/_sim/activities', { records, visible_at: new Date(NOW - 2 * HOUR).toISOString() });
    const dir = dataDir();
    const r = await syncWith(t, dir, { streams: ['activities'] });
    expect(r.ok).toBe(true);
    const rows = await lakeQuery(dir, 'activities', `SELECT * EXCLUDE (created_at), strftime(created_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS created_at FROM {files} WHERE id IN ('${records[0].id}', '${records[1].id}') ORDER BY id`);
    expect(rows).toHaveLength(2);
    const back = rows.map((row) => reassembleActivity(row));
    const served = new Map(records.map((rec) => [rec.id, rec]));
    for (const b of back) expect(b).toEqual(served.get(String(b.id)));
    expect(rows.find((x) => x.id === records[0].id)!.actor_type).toBe('hologram_actor');
  });
});

describe('bad input stops one stream and loses nothing', () => {
  test('an Admin key: a default run syncs the feed and reports the rest as skipped; asking for more is refused', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    const r = await syncWith(t, dir, { apiKey: KEYS.admin, streams: undefined });
    expect(r.ok).toBe(true);
    expect(r.streams.map((s) => [s.stream, s.status])).toEqual([['activities', 'committed']]);
    expect(r.skipped.map((s) => s.stream)).toEqual(STREAM_NAMES.filter((s) => s !== 'activities'));
    for (const s of r.skipped) expect(s.reason).toMatch(/Admin key .* reads only the activity feed/);
    expect((await lakeActivityIds(dir)).length).toBeGreaterThan(1000);
    await expect(syncWith(t, dir, { apiKey: KEYS.admin, streams: ['activities', 'groups'] })).rejects.toThrow(StreamSelectionError);
    await expect(syncWith(t, dir, { apiKey: KEYS.admin, streams: ['groups'] })).rejects.toThrow(/cannot read groups: an Admin key/);
  });

  test('a missing scope stops only the streams that need it, naming the scope the refused request lacked', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    await control(t, 'POST', '/_sim/keys', { key: USER_DATA_ONLY_KEY, kind: 'compliance', scopes: ['read:compliance_activities', 'read:compliance_user_data'] });
    const dir = dataDir();
    const r = await syncWith(t, dir, { apiKey: USER_DATA_ONLY_KEY });
    const byName = new Map(r.streams.map((s) => [s.stream, s]));
    expect(r.ok).toBe(false);
    for (const name of ['activities', 'chats', 'projects', 'project_attachments']) expect(byName.get(name)!.status, name).toBe('committed');
    // users and group members list organizations and groups first: org data is what they lack, not user data
    for (const name of ['organizations', 'users', 'roles', 'role_permissions', 'groups', 'group_members']) {
      const s = byName.get(name)!;
      expect(s.status, name).toBe('failed');
      expect(s.error).toContain(`missing scope: ${name} needs read:compliance_org_data (GET /v1/compliance/`);
      expect(s.error).toMatch(/the key has read:compliance_activities, read:compliance_user_data/);
      expect(s.error).toMatch(/Compliance Access Key/);
    }
    expect(byName.get('users')!.error).toContain('it needs read:compliance_org_data and read:compliance_user_data in all');
    expect(byName.get('group_members')!.error).toContain('(GET /v1/compliance/groups');
    expectNoSecrets([JSON.stringify(r)], 'scope failures');
  });

  test('a malformed page: the stream stops naming endpoint and request id, the body is quarantined, the cursor stays, others continue', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    await syncWith(t, dir, { streams: ['activities', 'chats'] });
    const lakeBefore = Lake.open(dir).files().map((f) => `${f.path}:${f.sha256}`).sort();
    const cursorBefore = coveredUntil(dir);
    sim.clock.advance(HOUR);
    await control(t, 'POST', '/_sim/faults', { rules: [{ kind: 'invalid-json', count: 50, path: '/v1/compliance/activities' }] });
    const r = await syncWith(t, dir, { streams: ['activities', 'chats'], maxRetries: 1, ...simulatedWaits(sim) });
    const activities = r.streams[0];
    expect(activities.status).toBe('failed');
    expect(activities.error).toMatch(/malformed response from GET \/v1\/compliance\/activities\?/);
    expect(activities.error).toMatch(/request req_/);
    expect(activities.quarantined).toBeDefined();
    expect(existsSync(activities.quarantined!)).toBe(true);
    expect(readFileSync(activities.quarantined!, 'utf8').length).toBeGreaterThan(0);
    expect(r.streams[1].status).toBe('committed');
    expect(coveredUntil(dir)).toBe(cursorBefore);
    const lakeAfter = Lake.open(dir).files().map((f) => `${f.path}:${f.sha256}`);
    for (const f of lakeBefore) expect(lakeAfter).toContain(f);
    expect(readdirSync(join(dir, 'quarantine', 'responses')).length).toBe(1);
  });

  test('a record without an id: the page is quarantined and nothing of its window is stored', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    // a server that drops the id of one record on the third activities page
    let activityPages = 0;
    const badFetch: typeof fetch = async (input, init) => {
      const res = await t.fetch(input, init);
      const url = String(input instanceof Request ? input.url : input);
      // requests 1 and 2 find the present and the oldest activity; 3, 4, ... walk one day each
      if (!url.includes('/v1/compliance/activities?') || ++activityPages !== 5) return res;
      const body = (await res.json()) as { data?: Record<string, unknown>[] };
      if (body.data?.length) delete body.data[0].id;
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const dir = dataDir();
    const r = await syncWith({ ...t, fetch: badFetch }, dir, { streams: ['activities', 'groups'] });
    const activities = r.streams[0];
    expect(activities.status).toBe('failed');
    expect(activities.error).toMatch(/bad record from GET \/v1\/compliance\/activities\?.*without an `id`/);
    expect(JSON.parse(readFileSync(activities.quarantined!, 'utf8')).data.length).toBeGreaterThan(0);
    expect(r.streams[1].status).toBe('committed');
    // what was committed before the bad page is intact and consistent with the cursor
    const ids = await lakeActivityIds(dir);
    expect(ids.length).toBeGreaterThan(1000);
    expect(ids).toEqual(await truthBefore(t, readUntil(dir)));
    expect(Date.parse(coveredUntil(dir))).toBeLessThan(NOW - DAY);
  });
});
