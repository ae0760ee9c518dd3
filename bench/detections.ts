// Benchmark (issue 12 §6): every detection rule from scratch over a six-year lake (target ≤ 60 s in all at
// 100 M activities), and the incremental evaluation after one new day (target ≤ 1 s added to the refresh).
//
// On the bench lake of bench/lake-generate.ts (CL_BENCH_LAKE_DIR). Without CL_BENCH_LAKE_DIR a small six-year
// lake is generated at /tmp/cl-bench-detections (CL_BENCH_ACTIVITIES_PER_DAY, default 1 000: about 2.2 M
// activities), since the 100 M lake takes hours to generate. A catch-up `buildModels` brings the warehouse up
// to date (not timed); the alert store and marts are removed; then `evaluateDetections` runs every rule as a
// retro hunt (timed, per rule). Then the next reserved day of the feed is appended (as models-refresh does),
// the models are refreshed (timed, for comparison; activities only, no directory snapshot) and the rules
// evaluated incrementally (timed), for CL_BENCH_DETECTIONS_DAYS days one after another (median quoted), each
// CL_BENCH_DETECTIONS_REPEAT times from the same store.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { evaluateDetections, loadRules, resolveDetectionsConfig, type EvaluationReport } from '../src/detections/index.js';
import { openDuck } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { buildModels } from '../src/models/build.js';
import { type LakeMarker, benchLakeGenerate, commitDay, readMarker, stageDay, tenantFor, writeMarker } from './lake-generate.js';
import { lakeSummary } from './graphql-query.js';

const DAY_MS = 86_400_000;
const SMALL_LAKE_DIR = '/tmp/cl-bench-detections';

export interface IncrementalRun {
  day: string;
  activitiesAppended: number;
  refreshMs: number;
  /** Of refreshMs: folding the day into marts.detection_activities (what that mart adds to each refresh). */
  detectionMartMs: number | null;
  evaluateMs: number;
  /** CPU time (user + system) of this process during the evaluation, DuckDB's threads included: what the evaluation costs on an idle machine. */
  evaluateCpuMs: number;
  /** Where the evaluation's time went (EvaluationReport.phases). */
  phases: EvaluationReport['phases'];
  alertsCreated: number;
  alertsUpdated: number;
  perRule: { ruleId: string; mode: string; source: string | null; ms: number }[];
  /**
   * CL_BENCH_DETECTIONS_AB=1: the same day evaluated again from the same alert store with every rule reading
   * marts.activities itself (`candidates: false`, the engine before the copy of the typed activities), in
   * alternating order with the run above.
   */
  viewOnly: { evaluateMs: number; evaluateCpuMs: number; phases: EvaluationReport['phases']; ranFirst: boolean; sameCounts: boolean } | null;
  /**
   * CL_BENCH_DETECTIONS_REPEAT=n: the same day evaluated n - 1 more times, each from the alert store as it was
   * before the day (so each is the same incremental evaluation; a lake has only a few reserved days to append).
   */
  repeats: { evaluateMs: number; evaluateCpuMs: number; phases: EvaluationReport['phases']; sameCounts: boolean }[];
}

const STORE_FILES = ['alerts.sqlite', 'alerts.sqlite-wal', 'alerts.sqlite-shm'];

/** Copies the alert store's files from `from` to `to` (a missing file is removed at `to`). */
function copyStore(fromDir: string, fromPrefix: string, toDir: string, toPrefix: string): void {
  for (const f of STORE_FILES) {
    const src = join(fromDir, f.replace('alerts', fromPrefix));
    const dst = join(toDir, f.replace('alerts', toPrefix));
    if (existsSync(src)) copyFileSync(src, dst);
    else rmSync(dst, { force: true });
  }
}

async function timedEvaluation(run: () => Promise<EvaluationReport>): Promise<{ report: EvaluationReport; ms: number; cpuMs: number }> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const report = await run();
  const used = process.cpuUsage(cpu);
  return { report, ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 };
}

export interface DetectionsBenchResult {
  dataDir: string;
  lake: ReturnType<typeof lakeSummary>;
  rules: number;
  fromScratch: { ms: number; cpuMs: number; lookupMs: number; phases: EvaluationReport['phases']; perRule: { ruleId: string; ms: number; ruleMs: number; lookupMs: number; alerts: number; error: string | null }[]; alerts: number } | null;
  incremental: { runs: IncrementalRun[]; medianEvaluateMs: number; medianEvaluateCpuMs: number; medianRefreshMs: number };
  loadAverage: { before: number[]; after: number[] };
  target: { fromScratchMsAtMost: 60_000; incrementalMsAtMost: 1_000 };
  note: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * CL_BENCH_DETECTIONS_DAYS (default 3): new days appended one at a time, each refreshed and evaluated (the
 * median is quoted); each uses up one of the bench lake's reserved days. CL_BENCH_DETECTIONS_SCRATCH=0 skips
 * the from-scratch evaluation (the alert store of the last run is kept, so the days are incremental).
 */
export async function benchDetections(): Promise<DetectionsBenchResult> {
  const log = (s: string) => process.stderr.write(`[detections ${new Date().toISOString()}] ${s}\n`);
  if (!process.env.CL_BENCH_LAKE_DIR) {
    process.env.CL_BENCH_LAKE_DIR = SMALL_LAKE_DIR;
    process.env.CL_BENCH_ACTIVITIES_PER_DAY ??= '1000';
  }
  const dataDir = process.env.CL_BENCH_LAKE_DIR;
  const days = Number(process.env.CL_BENCH_DETECTIONS_DAYS ?? 3);
  const scratchToo = process.env.CL_BENCH_DETECTIONS_SCRATCH !== '0';
  const loadBefore = os.loadavg();
  let marker = readMarker(dataDir);
  if (!marker?.complete) {
    log(`generating the bench lake in ${dataDir} ...`);
    await benchLakeGenerate();
    marker = readMarker(dataDir)!;
  }
  const reserved = (m: LakeMarker) => m.endDayMs + 2 * DAY_MS <= Math.floor(m.params.startMs / DAY_MS) * DAY_MS;
  if (!reserved(marker)) throw new Error(`the bench lake in ${dataDir} has no reserved day left to append; regenerate it`);
  log('catch-up models build ...');
  await buildModels(dataDir);

  const rules = loadRules();
  const config = resolveDetectionsConfig(undefined, rules);
  let fromScratch: DetectionsBenchResult['fromScratch'] = null;
  if (scratchToo) {
    for (const f of ['alerts.sqlite', 'alerts.sqlite-wal', 'alerts.sqlite-shm']) rmSync(join(dataDir, f), { force: true });
    log(`${rules.length} rules from scratch ...`);
    const { report: scratch, ms: scratchMs, cpuMs: scratchCpuMs } = await timedEvaluation(() => evaluateDetections({ dataDir, config, rules }));
    log(`from scratch: ${Math.round(scratchMs)} ms (CPU ${Math.round(scratchCpuMs)} ms) ${JSON.stringify(scratch.phases)}`);
    for (const r of scratch.rules) log(`  ${r.ruleId}: ${r.phases.ruleMs} ms (${r.source}), ${r.created} alerts${r.error ? `, FAILED ${r.error}` : ''}`);
    fromScratch = {
      ms: scratchMs,
      cpuMs: scratchCpuMs,
      lookupMs: scratch.lookupMs,
      phases: scratch.phases,
      perRule: scratch.rules.map((r) => ({ ruleId: r.ruleId, ms: r.durationMs, ...r.phases, alerts: r.created, error: r.error })),
      alerts: scratch.rules.reduce((n, r) => n + r.created, 0),
    };
  } else {
    // bring every rule up to the warehouse first, so the days below are incremental
    await evaluateDetections({ dataDir, config, rules });
  }

  const tenant = tenantFor(marker.params);
  const runs: IncrementalRun[] = [];
  for (let i = 0; i < days && reserved(marker); i++) {
    // one new day, as a daily sync brings it (activities only: what the rules read; models-refresh measures
    // the refresh with a directory snapshot)
    const day = marker.endDayMs;
    const lake = Lake.open(dataDir);
    const duck = await openDuck({ memoryLimit: '1GB', dataDir });
    let rows: number;
    try {
      const staged = stageDay(dataDir, tenant, day);
      rows = staged.rows;
      await commitDay(lake, duck, staged, day);
    } finally {
      duck.close();
    }
    marker.endDayMs = day + DAY_MS;
    marker.activities += rows;
    marker.appendedDays++;
    writeMarker(dataDir, marker);
    let t = performance.now();
    const built = await buildModels(dataDir);
    const refreshMs = performance.now() - t;
    const detectionMartMs = built.relations.find((r) => r.relation === 'marts.detection_activities')?.ms ?? null;
    const ab = process.env.CL_BENCH_DETECTIONS_AB === '1';
    const viewFirst = ab && i % 2 === 1;
    let viewOnly: IncrementalRun['viewOnly'] = null;
    const repeat = Math.max(1, Number(process.env.CL_BENCH_DETECTIONS_REPEAT ?? 1));
    // the A/B run and the repeats start from the same store as the measured one (saved before, restored after)
    if (ab || repeat > 1) copyStore(dataDir, 'alerts', dataDir, 'alerts-ab-before');
    const runView = async () => {
      const v = await timedEvaluation(() => evaluateDetections({ dataDir, config, rules, candidates: false }));
      log(`  view only: ${Math.round(v.ms)} ms (CPU ${Math.round(v.cpuMs)} ms) ${JSON.stringify(v.report.phases)}`);
      return v;
    };
    const view = viewFirst ? await runView() : null;
    if (viewFirst) copyStore(dataDir, 'alerts-ab-before', dataDir, 'alerts');
    const { report, ms: evaluateMs, cpuMs: evaluateCpuMs } = await timedEvaluation(() => evaluateDetections({ dataDir, config, rules }));
    let viewAfter: Awaited<ReturnType<typeof runView>> | null = null;
    if (ab && !viewFirst) {
      copyStore(dataDir, 'alerts', dataDir, 'alerts-ab-after');
      copyStore(dataDir, 'alerts-ab-before', dataDir, 'alerts');
      viewAfter = await runView();
      copyStore(dataDir, 'alerts-ab-after', dataDir, 'alerts');
    }
    const v = view ?? viewAfter;
    if (v) {
      const counts = (r: EvaluationReport) => r.rules.map((x) => `${x.ruleId}:${x.created}:${x.updated}`).join();
      viewOnly = { evaluateMs: v.ms, evaluateCpuMs: v.cpuMs, phases: v.report.phases, ranFirst: viewFirst, sameCounts: counts(v.report) === counts(report) };
    }
    const repeats: IncrementalRun['repeats'] = [];
    if (repeat > 1) {
      const counts = (r: EvaluationReport) => r.rules.map((x) => `${x.ruleId}:${x.created}:${x.updated}`).join();
      copyStore(dataDir, 'alerts', dataDir, 'alerts-rep-after');
      for (let k = 1; k < repeat; k++) {
        copyStore(dataDir, 'alerts-ab-before', dataDir, 'alerts');
        const again = await timedEvaluation(() => evaluateDetections({ dataDir, config, rules }));
        log(`  again: ${Math.round(again.ms)} ms (CPU ${Math.round(again.cpuMs)} ms) ${JSON.stringify(again.report.phases)}`);
        repeats.push({ evaluateMs: again.ms, evaluateCpuMs: again.cpuMs, phases: again.report.phases, sameCounts: counts(again.report) === counts(report) });
      }
      copyStore(dataDir, 'alerts-rep-after', dataDir, 'alerts');
    }
    for (const r of report.rules) if (r.phases.ruleMs >= 20) log(`  ${r.ruleId}: ${r.mode} ${r.phases.ruleMs} ms (${r.source})`);
    log(`day ${new Date(day).toISOString().slice(0, 10)} (${rows} activities): refresh ${Math.round(refreshMs)} ms (detection mart ${detectionMartMs} ms), evaluation ${Math.round(evaluateMs)} ms (CPU ${Math.round(evaluateCpuMs)} ms) ${JSON.stringify(report.phases)}`);
    runs.push({
      day: new Date(day).toISOString().slice(0, 10),
      activitiesAppended: rows,
      refreshMs,
      detectionMartMs,
      evaluateMs,
      evaluateCpuMs,
      phases: report.phases,
      alertsCreated: report.rules.reduce((n, r) => n + r.created, 0),
      alertsUpdated: report.rules.reduce((n, r) => n + r.updated, 0),
      perRule: report.rules.map((r) => ({ ruleId: r.ruleId, mode: r.mode, source: r.source, ms: r.durationMs })),
      viewOnly,
      repeats,
    });
  }
  return {
    dataDir,
    lake: lakeSummary(marker),
    rules: rules.length,
    fromScratch,
    incremental: {
      runs,
      medianEvaluateMs: median(runs.map((r) => r.evaluateMs)),
      medianEvaluateCpuMs: median(runs.map((r) => r.evaluateCpuMs)),
      medianRefreshMs: median(runs.map((r) => r.refreshMs)),
    },
    loadAverage: { before: loadBefore, after: os.loadavg() },
    target: { fromScratchMsAtMost: 60_000, incrementalMsAtMost: 1_000 },
    note: 'from scratch and incremental include opening the warehouse and bringing marts.alerts / marts.alert_evidence up to date',
  };
}
