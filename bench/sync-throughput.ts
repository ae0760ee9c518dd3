// Benchmark: extraction throughput of `compliance-lake sync` (activities committed per second) against the
// foundation's bare fetch + JSON.parse loop over the same pages. Target (issue 3 §6): ratio >= 0.7.
//
// The simulator is a child process with no rate limit and a fixed clock; the sync is a child CLI process
// too (`sync --streams activities --rpm 0 --quiet --since S --until U`, a fresh data dir each run), so its
// time includes Node startup, opening DuckDB and the state store, and the final fsyncs: what an operator
// waits for. The bare loop walks exactly the sync's requests: each UTC day of [S, U) with created_at.gte/lt
// and limit 5000, following last_id. Runs alternate bare/sync so machine noise hits both; medians.
// "Committed" = rows counted by DuckDB in lake/activities/**/*.parquet after the run (checked against the
// bare walk's count, so a sync that loses or duplicates rows fails the bench instead of looking fast).
// CPU time (user + system, all threads) is measured beside wall time: the sync's from the child itself
// (bench/cpu-report.ts), the bare loop's with process.cpuUsage, the simulator's from /proc, and the load
// average at the start and end, because on a shared machine wall time follows the load and CPU much less.
// CL_BENCH_SYNC_LATENCY_MS=N makes the simulator answer each request N ms late (`simulate --latency-ms`), as a
// real API across a network does; the default, 0, is loopback with no delay (the target's condition).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { bareWalkWindows, dayWindows, lakeRows, lastSyncSummary, median, runSyncCli, startSimulator } from './sim-process.js';

export interface SyncThroughputResult {
  mode: 'child CLI process';
  /** The simulator's added latency per request (CL_BENCH_SYNC_LATENCY_MS; 0 = none). */
  simulatorLatencyMs: number;
  days: number;
  activitiesPerDay: number;
  activitiesPerRun: number;
  requestsPerRun: number;
  runs: number;
  bare: { medianMs: number; activitiesPerSec: number; runsMs: number[] };
  sync: {
    /** Spawn to exit of the CLI process. */
    medianMs: number;
    activitiesPerSec: number;
    runsMs: number[];
    /** The activities stream's own time from the run summary (no process startup, no lock/state/duck setup). */
    streamMedianMs: number;
    streamActivitiesPerSec: number;
    peakRssMedianMB: number;
    filesPerRun: number;
  };
  /** sync activities/s (whole process) ÷ bare activities/s, medians of the same run. */
  ratio: number;
  /** The same with the stream's own time instead of the process's. */
  ratioStreamOnly: number;
  /** CPU seconds (user + system, every thread) per run, medians: the sync process, the bare loop, the simulator serving each. */
  cpu: { syncMedianSec: number; syncRunsSec: number[]; bareMedianSec: number; bareRunsSec: number[]; simulatorPerSyncSec: number; simulatorPerBareSec: number };
  /** 1-minute load average at the start and at the end. */
  loadAverage: [number, number];
  target: { ratioAtLeast: number };
  met: boolean;
}

const NOW = '2026-11-01T00:00:00Z';
const CPU_REPORT = new URL('./cpu-report.js', import.meta.url).href;

/** The CPU time a child preloaded with bench/cpu-report.ts reported on stderr, ms (user + system), or NaN. */
function cpuOf(stderr: string): number {
  const m = /cpu-usage (\{[^\n]*\})/.exec(stderr);
  if (!m) return Number.NaN;
  const u = JSON.parse(m[1]) as { userMs: number; systemMs: number };
  return u.userMs + u.systemMs;
}

/** CPU time of a running process so far (utime + stime from /proc), ms. */
function cpuOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const UNTIL = '2026-10-31T00:00:00Z';

export async function benchSyncThroughput(days = 10, runs = 5, activitiesPerDay = 20_000): Promise<SyncThroughputResult> {
  const untilMs = Date.parse(UNTIL);
  const sinceMs = untilMs - days * 86_400_000;
  const since = new Date(sinceMs).toISOString();
  const loadAtStart = os.loadavg()[0];
  const latencyMs = Number(process.env.CL_BENCH_SYNC_LATENCY_MS ?? 0);
  const sim = await startSimulator([
    ...['--rpm', '0', '--now', NOW, '--horizon-days', String(days + 2), '--activities-per-day', String(activitiesPerDay)],
    ...(latencyMs > 0 ? ['--latency-ms', String(latencyMs)] : []),
  ]);
  const windows = dayWindows(sinceMs, untilMs);
  const root = mkdtempSync(join(os.tmpdir(), 'bench-sync-throughput-'));
  try {
    let n = 0;
    const syncOnce = async () => {
      const dataDir = join(root, `run-${n++}`);
      const run = await runSyncCli(['--data-dir', dataDir, '--base-url', sim.url, '--streams', 'activities', '--rpm', '0', '--quiet', '--since', since, '--until', UNTIL], {
        nodeArgs: ['--import', CPU_REPORT],
      });
      if (run.code !== 0) throw new Error(`sync exited with ${run.code}: ${run.stderr.slice(-2000)}`);
      const lake = await lakeRows(dataDir, 'activities');
      const [summary] = lastSyncSummary(dataDir).filter((s) => s.stream === 'activities');
      rmSync(dataDir, { recursive: true, force: true });
      return { ...run, rows: lake.rows, files: lake.files, streamMs: summary?.durationMs ?? NaN, requests: summary?.requests ?? NaN, cpuMs: cpuOf(run.stderr) };
    };

    // warm both paths once (and learn the expected count)
    const warm = await bareWalkWindows(sim.url, windows);
    const expected = warm.activities;
    const warmSync = await syncOnce();
    if (warmSync.rows !== expected) throw new Error(`sync committed ${warmSync.rows} activities, the bare walk read ${expected}`);

    const bare: number[] = [];
    const sync: number[] = [];
    const stream: number[] = [];
    const rss: number[] = [];
    const syncCpu: number[] = [];
    const bareCpu: number[] = [];
    const simCpu: { sync: number[]; bare: number[] } = { sync: [], bare: [] };
    let files = 0;
    for (let r = 0; r < runs; r++) {
      for (const which of r % 2 === 0 ? ['bare', 'sync'] : ['sync', 'bare']) {
        const simBefore = cpuOfPid(sim.child.pid!);
        if (which === 'bare') {
          const t = performance.now();
          const c = process.cpuUsage();
          const w = await bareWalkWindows(sim.url, windows);
          bare.push(performance.now() - t);
          const used = process.cpuUsage(c);
          bareCpu.push((used.user + used.system) / 1000);
          simCpu.bare.push(cpuOfPid(sim.child.pid!) - simBefore);
          if (w.activities !== expected) throw new Error(`bare walk read ${w.activities}, expected ${expected}`);
        } else {
          const s = await syncOnce();
          if (s.rows !== expected) throw new Error(`sync committed ${s.rows} activities, expected ${expected}`);
          sync.push(s.wallMs);
          syncCpu.push(s.cpuMs);
          simCpu.sync.push(cpuOfPid(sim.child.pid!) - simBefore);
          stream.push(s.streamMs);
          rss.push(s.peakRss);
          files = s.files;
        }
      }
    }
    const bareMs = median(bare);
    const syncMs = median(sync);
    const streamMs = median(stream);
    const ratio = bareMs / syncMs;
    return {
      mode: 'child CLI process',
      simulatorLatencyMs: latencyMs,
      days,
      activitiesPerDay,
      activitiesPerRun: expected,
      requestsPerRun: warm.requests,
      runs,
      bare: { medianMs: bareMs, activitiesPerSec: expected / (bareMs / 1000), runsMs: bare },
      sync: {
        medianMs: syncMs,
        activitiesPerSec: expected / (syncMs / 1000),
        runsMs: sync,
        streamMedianMs: streamMs,
        streamActivitiesPerSec: expected / (streamMs / 1000),
        peakRssMedianMB: median(rss) / 2 ** 20,
        filesPerRun: files,
      },
      ratio,
      ratioStreamOnly: bareMs / streamMs,
      cpu: {
        syncMedianSec: median(syncCpu) / 1000,
        syncRunsSec: syncCpu.map((ms) => ms / 1000),
        bareMedianSec: median(bareCpu) / 1000,
        bareRunsSec: bareCpu.map((ms) => ms / 1000),
        simulatorPerSyncSec: median(simCpu.sync) / 1000,
        simulatorPerBareSec: median(simCpu.bare) / 1000,
      },
      loadAverage: [loadAtStart, os.loadavg()[0]],
      target: { ratioAtLeast: 0.7 },
      // the target is for loopback with no added latency
      met: latencyMs === 0 && ratio >= 0.7,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
}
