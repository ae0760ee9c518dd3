// Benchmark: peak RSS of `compliance-lake sync` during a backfill of 1, 2.5 and 5 million activities.
// Target (issue 3 §6): <= 400 MB at 5 million, and flat as the volume grows.
//
// One simulator child process (no rate limit, fixed clock, 20 000 activities per day nominal) serves a
// horizon long enough for the largest run; each run is a fresh data dir and a child CLI process
// (`sync --streams activities --rpm 0 --quiet --since S --until U`), its VmHWM polled every 100 ms from
// /proc/<pid>/status. The volumes differ only in the number of day windows (same rows per window), so a
// peak that grows with the volume is memory kept across windows, not the size of one window.
// VmRSS is sampled too: rssQuartilesMB shows the resident size at 25/50/75/100 % of each run's time.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { lakeRows, lastSyncSummary, runSyncCli, startSimulator } from './sim-process.js';

export interface SyncMemoryRun {
  targetActivities: number;
  days: number;
  committed: number;
  files: number;
  wallSec: number;
  activitiesPerSec: number;
  peakRssMB: number;
  /** VmRSS at 25, 50, 75 and 100 % of the run's samples, MB. */
  rssQuartilesMB: number[];
  requests: number;
}

export interface SyncMemoryResult {
  mode: 'child CLI process';
  activitiesPerDayNominal: number;
  runs: SyncMemoryRun[];
  /** Peak RSS of the largest run over that of the smallest (1.0 = flat). */
  growth: number;
  target: { peakRssMBAtMost: number; flat: string };
  /** Largest run <= 400 MB and growth <= 1.15 (within noise of flat). */
  met: boolean;
}

const NOW = '2026-11-01T00:00:00Z';
const UNTIL = '2026-10-31T00:00:00Z';
const MB = 2 ** 20;

export async function benchSyncMemory(volumes = [1_000_000, 2_500_000, 5_000_000], activitiesPerDay = 20_000): Promise<SyncMemoryResult> {
  const untilMs = Date.parse(UNTIL);
  const maxDays = Math.ceil(Math.max(...volumes) / activitiesPerDay);
  const sim = await startSimulator(['--rpm', '0', '--now', NOW, '--horizon-days', String(maxDays + 2), '--activities-per-day', String(activitiesPerDay)]);
  const root = mkdtempSync(join(os.tmpdir(), 'bench-sync-memory-'));
  try {
    const runs: SyncMemoryRun[] = [];
    for (const [i, volume] of volumes.entries()) {
      const days = Math.ceil(volume / activitiesPerDay);
      const since = new Date(untilMs - days * 86_400_000).toISOString();
      const dataDir = join(root, `run-${i}`);
      process.stderr.write(`  sync-memory: ${volume} activities (${days} days)...\n`);
      const run = await runSyncCli(['--data-dir', dataDir, '--base-url', sim.url, '--streams', 'activities', '--rpm', '0', '--quiet', '--since', since, '--until', UNTIL], {
        sampleRss: true,
      });
      if (run.code !== 0) throw new Error(`sync exited with ${run.code}: ${run.stderr.slice(-2000)}`);
      const lake = await lakeRows(dataDir, 'activities');
      const [summary] = lastSyncSummary(dataDir).filter((s) => s.stream === 'activities');
      if (summary && summary.newRecords !== lake.rows) throw new Error(`summary says ${summary.newRecords} new activities, the lake holds ${lake.rows}`);
      rmSync(dataDir, { recursive: true, force: true });
      const s = run.rssSamples.map(([, b]) => b);
      const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] / MB : NaN);
      const r: SyncMemoryRun = {
        targetActivities: volume,
        days,
        committed: lake.rows,
        files: lake.files,
        wallSec: run.wallMs / 1000,
        activitiesPerSec: lake.rows / (run.wallMs / 1000),
        peakRssMB: run.peakRss / MB,
        rssQuartilesMB: [0.25, 0.5, 0.75, 1].map(at),
        requests: summary?.requests ?? NaN,
      };
      process.stderr.write(`    ${r.committed} committed in ${r.wallSec.toFixed(1)} s, peak RSS ${r.peakRssMB.toFixed(0)} MB\n`);
      runs.push(r);
    }
    const largest = runs[runs.length - 1];
    const growth = largest.peakRssMB / runs[0].peakRssMB;
    return {
      mode: 'child CLI process',
      activitiesPerDayNominal: activitiesPerDay,
      runs,
      growth,
      target: { peakRssMBAtMost: 400, flat: 'peak of the largest run within 15 % of the smallest' },
      met: largest.peakRssMB <= 400 && growth <= 1.15,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
}
