// Benchmark (issue 4 §6): generate a six-year lake through the same lake writer the sync uses, and measure
// the generation throughput. The lake is reused by the query benchmarks (graphql-query, models-refresh,
// graphql-memory): they read <dir>/bench-lake.json, the marker recording the parameters it was built with.
//
// What is generated, in-process (no HTTP): the simulator's synthetic tenant (src/simulator/tenant, the
// same generator `compliance-lake simulate` serves) with 20 000 users and 500 groups over six years; every
// UTC day of its feed is scanned in the API's order, each activity split into columns by the sync's own
// activityRow(), added to a StreamWriter and committed with Lake.commit (one manifest entry per day, as a
// daily sync would). Every `snapshotEveryDays` days a directory snapshot (organizations, users, groups,
// group_members) is taken from the tenant's directory view at 02:00 UTC and committed the same way, so the
// models can rebuild the membership history. The days of the feed after the lake's end (`reserveDays`) are
// left out, for models-refresh to append one at a time.
//
// Knobs (environment, for `npm run bench -- lake-generate`):
//   CL_BENCH_LAKE_DIR            data dir (default /tmp/cl-bench-100m)
//   CL_BENCH_ACTIVITIES_PER_DAY  mean background activities per day (default 45 700: 100 M over six years)
//   CL_BENCH_LAKE_DAYS           generate only this many days (a trial; the marker then says so)
//   CL_BENCH_SNAPSHOT_EVERY_DAYS directory snapshot cadence (default 7)
// A run resumes an unfinished lake with the same parameters (the commits are per day, so a killed run loses
// at most the day in progress, quarantined on the next open); a finished lake is left alone.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity } from '../src/api/index.js';
import { activityRow } from '../src/extract/activities.js';
import { isoMicros } from '../src/extract/stream.js';
import { openDuck, type Duck } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { TABLES, type TableSpec } from '../src/lake/tables.js';
import { StreamWriter } from '../src/lake/writer.js';
import { createTenant, type SyntheticTenant } from '../src/simulator/tenant/index.js';
import { filesUnder } from './sim-process.js';

const DAY_MS = 86_400_000;
export const DEFAULT_LAKE_DIR = '/tmp/cl-bench-100m';
export const MARKER = 'bench-lake.json';

export interface LakeParams {
  seed: number;
  /** The tenant's "now" (its feed ends here). */
  startMs: number;
  horizonDays: number;
  activitiesPerDay: number;
  users: number;
  groups: number;
  snapshotEveryDays: number;
  /** Days at the end of the feed not generated, for models-refresh to append. */
  reserveDays: number;
}

export interface LakeMarker {
  params: LakeParams;
  /** UTC midnight of the first generated day. */
  firstDayMs: number;
  /** Exclusive end (UTC midnight) of the generated days (appended ones included). */
  endDayMs: number;
  /** The days generate was asked for (horizon minus reserve, or a trial's count). */
  plannedEndDayMs: number;
  complete: boolean;
  activities: number;
  snapshots: number;
  /** Days appended after generation by models-refresh. */
  appendedDays: number;
  generateMs: number;
}

export const DEFAULT_PARAMS: LakeParams = {
  seed: 4,
  startMs: Date.parse('2026-11-01T00:00:00Z'),
  horizonDays: 2190,
  activitiesPerDay: 45_700,
  users: 20_000,
  groups: 500,
  snapshotEveryDays: 7,
  reserveDays: 14,
};

export function lakeDir(): string {
  return process.env.CL_BENCH_LAKE_DIR ?? DEFAULT_LAKE_DIR;
}

export function readMarker(dir: string): LakeMarker | null {
  const path = join(dir, MARKER);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LakeMarker) : null;
}

export function writeMarker(dir: string, marker: LakeMarker): void {
  writeFileSync(join(dir, `${MARKER}.tmp`), JSON.stringify(marker, null, 2) + '\n');
  // rename keeps the marker whole if the process dies while writing it
  renameSync(join(dir, `${MARKER}.tmp`), join(dir, MARKER));
}

export function tenantFor(p: LakeParams): SyntheticTenant {
  return createTenant({
    seed: p.seed,
    startMs: p.startMs,
    horizonDays: p.horizonDays,
    activitiesPerDay: p.activitiesPerDay,
    live: false,
    lateShare: 0,
    timestampStyle: 'z',
    users: p.users,
    groups: p.groups,
  });
}

/** One UTC day of the feed, in the API's order, through activityRow into a writer (not yet finished). */
export function stageDay(dataDir: string, tenant: SyntheticTenant, dayMs: number): { writer: StreamWriter; rows: number; runId: string } {
  const date = new Date(dayMs).toISOString().slice(0, 10);
  const runId = `bench-${date.replaceAll('-', '')}-activities`;
  const writer = new StreamWriter({
    dataDir,
    spec: TABLES.activities,
    runId,
    extractedAt: isoMicros(dayMs + DAY_MS + 5 * 60_000),
    endpoint: '/v1/compliance/activities',
    params: { 'created_at.gte': isoMicros(dayMs), 'created_at.lt': isoMicros(dayMs + DAY_MS), limit: '5000' },
    part: `${dayMs}`,
  });
  const own = new Set<string>();
  const items = tenant.feed.scan({ direction: 'forward', minUs: dayMs * 1000, maxUs: (dayMs + DAY_MS) * 1000, nowMs: Number.MAX_SAFE_INTEGER, limit: Infinity });
  for (const a of items) {
    const record = a.record as Activity;
    const { row } = activityRow(record, own);
    writer.add(row, record.created_at.slice(0, 10), null);
  }
  return { writer, rows: items.length, runId };
}

/** Finishes a staged day and commits it as one manifest entry (what commitBatch does, minus the state store). */
export async function commitDay(lake: Lake, duck: Duck, staged: { writer: StreamWriter; runId: string }, dayMs: number): Promise<void> {
  const files = await staged.writer.finish(duck);
  lake.commit(files, {
    kind: 'append',
    run_id: staged.runId,
    stream: 'activities',
    committed_at: new Date(dayMs + DAY_MS + 10 * 60_000).toISOString(),
    removed: [],
    cursor: { covered_until: isoMicros(dayMs + DAY_MS), last_reconciled_day: null },
    coverage: [],
    request_ids: [],
  });
  staged.writer.discard();
}

/** A directory snapshot at `atMs` of organizations, users, groups and group_members, one commit per stream. */
export async function commitSnapshot(dataDir: string, lake: Lake, duck: Duck, tenant: SyntheticTenant, atMs: number): Promise<number> {
  const dir = tenant.directory;
  const snapshotAt = isoMicros(atMs);
  const date = snapshotAt.slice(0, 10);
  const orgs = dir.organizations(atMs);
  const groups = dir.groups(atMs);
  const streams: [TableSpec, string, () => Iterable<[Record<string, unknown>, unknown]>][] = [
    [TABLES.organizations, '/v1/compliance/organizations', function* () {
      for (const o of orgs) yield [{ uuid: o.uuid, name: o.name ?? null, created_at: o.created_at ?? null }, o];
    }],
    [TABLES.users, '/v1/compliance/organizations/{org_uuid}/users', function* () {
      for (const o of orgs) {
        for (const u of dir.users(o.uuid, atMs) ?? []) {
          yield [{ organization_uuid: o.uuid, id: u.id, email: u.email ?? null, full_name: u.full_name ?? null, organization_role: u.organization_role ?? null, created_at: u.created_at ?? null }, u];
        }
      }
    }],
    [TABLES.groups, '/v1/compliance/groups', function* () {
      for (const g of groups) {
        yield [{ id: g.id, name: g.name ?? null, description: g.description ?? null, source_type: g.source_type ?? null, roles: g.roles ?? null, created_at: g.created_at ?? null, updated_at: g.updated_at ?? null }, g];
      }
    }],
    [TABLES.group_members, '/v1/compliance/groups/{group_id}/members', function* () {
      for (const g of groups) {
        for (const m of dir.groupMembers(g.id, atMs) ?? []) {
          yield [{ group_id: g.id, user_id: m.user_id, email: m.email ?? null, created_at: m.created_at ?? null, updated_at: m.updated_at ?? null }, m];
        }
      }
    }],
  ];
  let rows = 0;
  for (const [spec, endpoint, gen] of streams) {
    const runId = `bench-${date.replaceAll('-', '')}-${spec.stream}`;
    const writer = new StreamWriter({ dataDir, spec, runId, extractedAt: snapshotAt, endpoint, params: {}, part: 'snapshot' });
    for (const [row, raw] of gen()) writer.add({ snapshot_at: snapshotAt, ...row, raw }, date, null);
    rows += writer.rows;
    const files = writer.rows > 0 ? await writer.finish(duck) : [];
    lake.commit(files, {
      kind: 'append',
      run_id: runId,
      stream: spec.stream,
      // a directory snapshot of this size takes the sync about a minute
      committed_at: new Date(atMs + 60_000).toISOString(),
      removed: [],
      cursor: { snapshot_at: snapshotAt, rows: writer.rows },
      coverage: [],
      request_ids: [],
    });
    writer.discard();
  }
  return rows;
}

export interface LakeGenerateResult {
  dataDir: string;
  params: LakeParams;
  /** True when this run generated days (false: an existing complete lake was found and measured). */
  generatedNow: boolean;
  days: number;
  firstDay: string;
  endDay: string;
  activities: number;
  snapshotRows: number;
  tenantSetupMs: number;
  generateMs: number;
  activitiesPerSec: number;
  /** Extrapolated time to 100 million activities at this rate. */
  extrapolatedMinutesFor100M: number;
  lakeBytes: { activities: number; all: number; bytesPerActivity: number; files: number };
  targetActivities: number;
  targetReached: boolean;
  note: string;
}

export async function benchLakeGenerate(): Promise<LakeGenerateResult> {
  const dataDir = lakeDir();
  const params: LakeParams = {
    ...DEFAULT_PARAMS,
    activitiesPerDay: Number(process.env.CL_BENCH_ACTIVITIES_PER_DAY ?? DEFAULT_PARAMS.activitiesPerDay),
    snapshotEveryDays: Number(process.env.CL_BENCH_SNAPSHOT_EVERY_DAYS ?? DEFAULT_PARAMS.snapshotEveryDays),
  };
  const trialDays = process.env.CL_BENCH_LAKE_DAYS ? Number(process.env.CL_BENCH_LAKE_DAYS) : null;
  const log = (s: string) => process.stderr.write(`[lake-generate ${new Date().toISOString()}] ${s}\n`);

  const t0 = performance.now();
  const tenant = tenantFor(params);
  const tenantSetupMs = performance.now() - t0;
  const firstDayMs = tenant.epochStartMs;
  const fullEnd = Math.floor(params.startMs / DAY_MS) * DAY_MS - params.reserveDays * DAY_MS;
  const plannedEndDayMs = trialDays ? Math.min(fullEnd, firstDayMs + trialDays * DAY_MS) : fullEnd;
  log(`tenant ready in ${Math.round(tenantSetupMs)} ms; ${dataDir}: ${new Date(firstDayMs).toISOString().slice(0, 10)} .. ${new Date(plannedEndDayMs).toISOString().slice(0, 10)}`);

  let marker = readMarker(dataDir);
  if (marker && JSON.stringify(marker.params) !== JSON.stringify(params)) {
    throw new Error(`${dataDir} holds a bench lake with other parameters (${JSON.stringify(marker.params)}); remove it or set CL_BENCH_LAKE_DIR`);
  }
  const lake = Lake.open(dataDir);
  lake.quarantineUncommitted(`bench-${Date.now()}`);
  marker ??= { params, firstDayMs, endDayMs: firstDayMs, plannedEndDayMs, complete: false, activities: 0, snapshots: 0, appendedDays: 0, generateMs: 0 };
  // resume from the committed lake (the marker may lag by the day in progress)
  const committedDays = new Set(lake.files('activities').map((f) => f.date));
  let day = firstDayMs;
  while (committedDays.has(new Date(day).toISOString().slice(0, 10))) day += DAY_MS;
  const committedSnapshots = new Set(lake.files('group_members').map((f) => f.date));
  const generatedNow = day < plannedEndDayMs;
  marker.plannedEndDayMs = Math.max(marker.plannedEndDayMs, plannedEndDayMs);

  const duck = await openDuck();
  let activitiesThisRun = 0;
  let daysThisRun = 0;
  const started = performance.now();
  try {
    let pending: Promise<void> | null = null;
    let lastLog = performance.now();
    for (; day < plannedEndDayMs; day += DAY_MS) {
      const dayIndex = Math.round((day - firstDayMs) / DAY_MS);
      const staged = stageDay(dataDir, tenant, day); // overlaps the previous day's Parquet conversion
      if (pending) await pending;
      if (dayIndex % params.snapshotEveryDays === 0 && !committedSnapshots.has(new Date(day).toISOString().slice(0, 10))) {
        marker.snapshots += await commitSnapshot(dataDir, lake, duck, tenant, day + 2 * 3600_000);
      }
      const d = day;
      pending = commitDay(lake, duck, staged, d).then(() => {
        activitiesThisRun += staged.rows;
        daysThisRun++;
        marker!.activities += staged.rows;
        marker!.endDayMs = d + DAY_MS;
      });
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        const s = (performance.now() - started) / 1000;
        const left = (plannedEndDayMs - day) / DAY_MS;
        log(`${new Date(day).toISOString().slice(0, 10)}: ${marker.activities} activities; ${Math.round(activitiesThisRun / s)}/s; ~${Math.round((left * s) / Math.max(1, daysThisRun) / 60)} min left`);
        writeMarker(dataDir, marker);
      }
    }
    if (pending) await pending;
  } finally {
    duck.close();
  }
  const ms = performance.now() - started;
  marker.generateMs += ms;
  marker.complete = marker.endDayMs >= fullEnd;
  writeMarker(dataDir, marker);

  const actFiles = filesUnder(join(dataDir, 'lake', 'activities'), '.parquet');
  const allFiles = filesUnder(join(dataDir, 'lake'), '.parquet');
  const actBytes = actFiles.reduce((s, f) => s + f.bytes, 0);
  const rate = generatedNow ? activitiesThisRun / (ms / 1000) : marker.activities / (marker.generateMs / 1000);
  const target = 100_000_000;
  const days = Math.round((marker.endDayMs - marker.firstDayMs) / DAY_MS);
  return {
    dataDir,
    params,
    generatedNow,
    days,
    firstDay: new Date(marker.firstDayMs).toISOString().slice(0, 10),
    endDay: new Date(marker.endDayMs).toISOString().slice(0, 10),
    activities: marker.activities,
    snapshotRows: marker.snapshots,
    tenantSetupMs,
    generateMs: generatedNow ? ms : marker.generateMs,
    activitiesPerSec: rate,
    extrapolatedMinutesFor100M: target / rate / 60,
    lakeBytes: { activities: actBytes, all: allFiles.reduce((s, f) => s + f.bytes, 0), bytesPerActivity: actBytes / Math.max(1, marker.activities), files: allFiles.length },
    targetActivities: target,
    targetReached: marker.activities >= target,
    note:
      marker.activities >= target
        ? 'the 100 M target scale was reached'
        : `the lake holds ${marker.activities} activities over ${days} days: the 100 M target scale was NOT reached` +
          (trialDays ? ` (a ${trialDays}-day trial)` : ` (activitiesPerDay ${params.activitiesPerDay}, chosen to fit the time budget)`),
  };
}
