// Benchmark (issue 12 §6): every detection rule from scratch over a six-year lake (target ≤ 60 s in all at
// 100 M activities), and the incremental evaluation after one new day (target ≤ 1 s added to the refresh).
//
// On the bench lake of bench/lake-generate.ts (CL_BENCH_LAKE_DIR). Without CL_BENCH_LAKE_DIR a small six-year
// lake is generated at /tmp/cl-bench-detections (CL_BENCH_ACTIVITIES_PER_DAY, default 1 000: about 2.2 M
// activities), since the 100 M lake takes hours to generate. A catch-up `buildModels` brings the warehouse up
// to date (not timed); the alert store and marts are removed; then `evaluateDetections` runs every rule as a
// retro hunt (timed, per rule). Then the next reserved day of the feed is appended (as models-refresh does),
// the models are refreshed (timed, for comparison) and the rules evaluated incrementally (timed).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateDetections, loadRules, resolveDetectionsConfig, type EvaluationReport } from '../src/detections/index.js';
import { openDuck } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { buildModels } from '../src/models/build.js';
import { benchLakeGenerate, commitDay, commitSnapshot, readMarker, stageDay, tenantFor, writeMarker } from './lake-generate.js';
import { lakeSummary } from './graphql-query.js';

const DAY_MS = 86_400_000;
const SMALL_LAKE_DIR = '/tmp/cl-bench-detections';

export interface DetectionsBenchResult {
  dataDir: string;
  lake: ReturnType<typeof lakeSummary>;
  rules: number;
  fromScratch: { ms: number; perRule: { ruleId: string; ms: number; ruleMs: number; lookupMs: number; alerts: number; error: string | null }[]; alerts: number };
  incremental: { day: string; activitiesAppended: number; refreshMs: number; evaluateMs: number; perRule: { ruleId: string; mode: string; ms: number }[] };
  target: { fromScratchMsAtMost: 60_000; incrementalMsAtMost: 1_000 };
  note: string;
}

export async function benchDetections(): Promise<DetectionsBenchResult> {
  const log = (s: string) => process.stderr.write(`[detections ${new Date().toISOString()}] ${s}\n`);
  if (!process.env.CL_BENCH_LAKE_DIR) {
    process.env.CL_BENCH_LAKE_DIR = SMALL_LAKE_DIR;
    process.env.CL_BENCH_ACTIVITIES_PER_DAY ??= '1000';
  }
  const dataDir = process.env.CL_BENCH_LAKE_DIR;
  let marker = readMarker(dataDir);
  if (!marker?.complete) {
    log(`generating the bench lake in ${dataDir} ...`);
    await benchLakeGenerate();
    marker = readMarker(dataDir)!;
  }
  if (marker.endDayMs + 2 * DAY_MS > Math.floor(marker.params.startMs / DAY_MS) * DAY_MS) {
    throw new Error(`the bench lake in ${dataDir} has no reserved day left to append; regenerate it`);
  }
  log('catch-up models build ...');
  await buildModels(dataDir);

  const rules = loadRules();
  const config = resolveDetectionsConfig(undefined, rules);
  rmSync(join(dataDir, 'alerts.sqlite'), { force: true });
  rmSync(join(dataDir, 'alerts.sqlite-wal'), { force: true });
  rmSync(join(dataDir, 'alerts.sqlite-shm'), { force: true });
  log(`${rules.length} rules from scratch ...`);
  let t = performance.now();
  const scratch = await evaluateDetections({ dataDir, config, rules });
  const scratchMs = performance.now() - t;
  log(`from scratch: ${Math.round(scratchMs)} ms`);

  // one new day, as a daily sync brings it (the directory snapshot too)
  const tenant = tenantFor(marker.params);
  const day = marker.endDayMs;
  const lake = Lake.open(dataDir);
  const duck = await openDuck();
  let rows: number;
  try {
    const staged = stageDay(dataDir, tenant, day);
    rows = staged.rows;
    marker.snapshots += await commitSnapshot(dataDir, lake, duck, tenant, day + 2 * 3600_000);
    await commitDay(lake, duck, staged, day);
  } finally {
    duck.close();
  }
  marker.endDayMs = day + DAY_MS;
  marker.activities += rows;
  marker.appendedDays++;
  writeMarker(dataDir, marker);
  t = performance.now();
  await buildModels(dataDir);
  const refreshMs = performance.now() - t;
  t = performance.now();
  const incremental: EvaluationReport = await evaluateDetections({ dataDir, config, rules });
  const evaluateMs = performance.now() - t;
  log(`one new day: refresh ${Math.round(refreshMs)} ms, evaluation ${Math.round(evaluateMs)} ms`);
  return {
    dataDir,
    lake: lakeSummary(marker),
    rules: rules.length,
    fromScratch: {
      ms: scratchMs,
      perRule: scratch.rules.map((r) => ({ ruleId: r.ruleId, ms: r.durationMs, ...r.phases, alerts: r.created, error: r.error })),
      alerts: scratch.rules.reduce((n, r) => n + r.created, 0),
    },
    incremental: {
      day: new Date(day).toISOString().slice(0, 10),
      activitiesAppended: rows,
      refreshMs,
      evaluateMs,
      perRule: incremental.rules.map((r) => ({ ruleId: r.ruleId, mode: r.mode, ms: r.durationMs })),
    },
    target: { fromScratchMsAtMost: 60_000, incrementalMsAtMost: 1_000 },
    note: 'from scratch and incremental include opening the warehouse and rewriting marts.alerts / marts.alert_evidence',
  };
}
