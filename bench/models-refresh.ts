// Benchmark (issue 4 §6, issue 13 §4): incremental model refresh after one new day of data. Targets: <= 10 s
// (issue 4, at 35 M), <= 3 s (issue 13, at 100 M).
//
// On the bench lake (bench/lake-generate.ts). First an incremental `buildModels` brings the models up to date
// with the lake (a full build the first time; not timed here: graphql-query times the full build). Then each
// run appends the next UTC day of the tenant's feed that is not in the lake yet (the generator keeps the
// last `reserveDays` of the feed out for this), through the same writer and Lake.commit as the generator,
// plus the directory snapshot (organizations, users, groups, group_members) a daily sync takes, and times
// `buildModels(dir)` (incremental) in this process. Median of the runs. An extra run appends a day of
// activities only (no snapshot), to show what the directory history costs the refresh.
// Each run leaves its day in the lake (the marker's `appendedDays` counts them). CL_BENCH_REFRESH_RUNS sets the
// number of timed runs (default 3; each needs a reserved day, and the lake keeps 14).
//
// CL_BENCH_REFRESH_UNDO=1 undoes each run instead: the lake, the models, the warehouse and the marker are
// hard-linked aside after the catch-up build (every writer replaces files by rename, never in place) and
// put back after each run, so every run appends the same next day: repeated runs of one day of the month
// (the refresh depends on it) without using up the reserved days.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Lake } from '../src/lake/lake.js';
import { openDuck } from '../src/lake/duck.js';
import { buildModels, type BuildReport } from '../src/models/build.js';
import { commitDay, commitSnapshot, lakeDir, stageDay, tenantFor, writeMarker } from './lake-generate.js';
import { lakeSummary, requireLake } from './graphql-query.js';
import { median } from './sim-process.js';

const DAY_MS = 86_400_000;

export interface RefreshRun {
  day: string;
  withSnapshot: boolean;
  activitiesAppended: number;
  appendMs: number;
  buildMs: number;
  /** CPU time of this process during the build (user + system, DuckDB's threads included): less sensitive to a loaded machine than the wall time. */
  buildCpuMs: number;
  mode: string;
  reason: string;
  /** The relations that took 100 ms or more, longest first, with the months they rebuilt. */
  slowest: { relation: string; ms: number; rebuiltMonths?: number; keptMonths?: number; foldedMonths?: number }[];
  testsMs: number;
  /** The tests that took 100 ms or more, longest first. */
  slowestTests: { test: string; ms: number }[];
  phases: BuildReport['phases'];
}

export interface ModelsRefreshResult {
  dataDir: string;
  lake: ReturnType<typeof lakeSummary>;
  catchUpBuild: { mode: string; ms: number };
  runs: RefreshRun[];
  /** Median build time of the runs with a snapshot (a daily sync's day). */
  medianMs: number;
  /** Median CPU time of those builds. */
  medianCpuMs: number;
  /** The activities-only run. */
  activitiesOnlyMs: number | null;
  /** Every run appended the same day and was undone (CL_BENCH_REFRESH_UNDO=1). */
  undone: boolean;
  target: { msAtMost: 3_000 };
  met: boolean;
}

function summarise(report: BuildReport) {
  return {
    slowest: [...report.relations]
      .sort((a, b) => b.ms - a.ms)
      .filter((r) => r.ms >= 100)
      .map((r) => ({
        relation: r.relation,
        ms: Math.round(r.ms),
        rebuiltMonths: r.rebuiltMonths?.length,
        keptMonths: r.keptMonths,
        ...(r.foldedMonths ? { foldedMonths: r.foldedMonths.length } : {}),
      })),
    testsMs: Math.round(report.tests.reduce((s, t) => s + t.ms, 0)),
    slowestTests: [...report.tests].sort((a, b) => b.ms - a.ms).filter((t) => t.ms >= 100).map((t) => ({ test: t.name, ms: Math.round(t.ms) })),
    phases: report.phases,
  };
}

/** What CL_BENCH_REFRESH_UNDO sets aside and puts back (relative to the data dir). */
const UNDONE = ['lake', 'models', 'warehouse.duckdb', 'bench-lake.json'];

function setAside(dataDir: string): string {
  const aside = join(dataDir, '.undo');
  rmSync(aside, { recursive: true, force: true });
  mkdirSync(aside);
  for (const name of UNDONE) if (existsSync(join(dataDir, name))) execFileSync('cp', ['-al', join(dataDir, name), join(aside, name)]);
  return aside;
}

function putBack(dataDir: string, aside: string): void {
  for (const name of UNDONE) {
    rmSync(join(dataDir, name), { recursive: true, force: true });
    if (existsSync(join(aside, name))) execFileSync('cp', ['-al', join(aside, name), join(dataDir, name)]);
  }
  rmSync(join(dataDir, 'staging'), { recursive: true, force: true });
}

export async function benchModelsRefresh(runs = 3, undo = process.env.CL_BENCH_REFRESH_UNDO === '1'): Promise<ModelsRefreshResult> {
  const dataDir = lakeDir();
  let marker = requireLake(dataDir);
  const log = (s: string) => process.stderr.write(`[models-refresh ${new Date().toISOString()}] ${s}\n`);
  const lastDay = Math.floor(marker.params.startMs / DAY_MS) * DAY_MS;
  if (marker.endDayMs + (undo ? 1 : runs + 1) * DAY_MS > lastDay) {
    throw new Error(`the bench lake has no reserved days left to append (it ends ${new Date(marker.endDayMs).toISOString()}); regenerate it`);
  }

  log('catch-up build ...');
  let t = performance.now();
  const catchUp = await buildModels(dataDir);
  const catchUpBuild = { mode: catchUp.mode, ms: performance.now() - t };
  log(`catch-up: ${catchUp.mode} in ${Math.round(catchUpBuild.ms)} ms`);
  const aside = undo ? setAside(dataDir) : null;

  const tenant = tenantFor(marker.params);
  const out: RefreshRun[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const withSnapshot = r < runs;
    const day = marker.endDayMs;
    t = performance.now();
    const lake = Lake.open(dataDir);
    const duck = await openDuck();
    let rows: number;
    try {
      const staged = stageDay(dataDir, tenant, day);
      rows = staged.rows;
      if (withSnapshot) marker.snapshots += await commitSnapshot(dataDir, lake, duck, tenant, day + 2 * 3600_000);
      await commitDay(lake, duck, staged, day);
    } finally {
      duck.close();
    }
    const appendMs = performance.now() - t;
    marker.endDayMs = day + DAY_MS;
    marker.activities += rows;
    marker.appendedDays++;
    writeMarker(dataDir, marker);

    t = performance.now();
    const cpu = process.cpuUsage();
    const report = await buildModels(dataDir);
    const buildMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const buildCpuMs = (used.user + used.system) / 1000;
    const run: RefreshRun = {
      day: new Date(day).toISOString().slice(0, 10),
      withSnapshot,
      activitiesAppended: rows,
      appendMs,
      buildMs,
      buildCpuMs,
      mode: report.mode,
      reason: report.reason,
      ...summarise(report),
    };
    log(JSON.stringify(run));
    out.push(run);
    if (aside) {
      putBack(dataDir, aside);
      marker = requireLake(dataDir);
    }
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
  const timed = out.filter((r) => r.withSnapshot).map((r) => r.buildMs);
  const medianMs = median(timed);
  const medianCpuMs = median(out.filter((r) => r.withSnapshot).map((r) => r.buildCpuMs));
  return {
    dataDir,
    lake: lakeSummary(marker),
    catchUpBuild,
    runs: out,
    medianMs,
    medianCpuMs,
    activitiesOnlyMs: out.find((r) => !r.withSnapshot)?.buildMs ?? null,
    undone: undo,
    target: { msAtMost: 3_000 },
    met: medianMs <= 3_000,
  };
}
