// Benchmark: how much of the API's rate limit a long backfill uses, and how many 429s it provokes.
// Target (issue 3 §6): >= 95 % of the limit sustained, <= 1 429 per minute.
//
// The simulator (child process) enforces 600 requests per fixed 60-s window, as the API does per parent
// organization; the sync (child CLI process, `--rpm 600`) paces itself with its own budget. The tenant has
// few activities per day (200) over a long horizon, so every UTC-day window is one request and one commit:
// the backfill needs ~10 requests and ~10 commits per second to use the whole budget. The run covers
// enough days for about `seconds` of wall time at the full rate and is stopped (SIGTERM) if it takes
// much longer. Requests per minute come from the simulator's own counters (/_sim/stats: authenticated
// requests and refusals per window); only windows entirely inside the run count as "sustained".
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { lastSyncSummary, runSyncCli, startSimulator } from './sim-process.js';

export interface SyncRateBudgetResult {
  mode: 'child CLI process';
  limitRpm: number;
  days: number;
  finished: boolean;
  wallSec: number;
  /** Every window the simulator saw requests in, oldest first (the first and last are partly outside the run). */
  windows: { start: string; requests: number; rateLimited: number }[];
  /** Admitted requests in the windows entirely inside the run (simulator clock read before and after it). */
  fullWindows: number[];
  sustainedRpm: number;
  /** sustainedRpm ÷ the limit (target >= 0.95). */
  shareOfLimit: number;
  /** Over the whole run: all requests ÷ wall minutes (includes startup and the partial windows). */
  overallRpm: number;
  rateLimitedTotal: number;
  rateLimitedPerMinute: number;
  /** From the sync's own summary (when it finished). */
  summary: { requests: number; retries: number; rateLimited: number; newRecords: number; durationMs: number } | null;
  target: { shareOfLimitAtLeast: number; rateLimitedPerMinuteAtMost: number };
  met: boolean;
}

const NOW = '2026-11-01T00:00:00Z';
const UNTIL = '2026-10-31T00:00:00Z';

export async function benchSyncRateBudget(seconds = 190, rpm = 600): Promise<SyncRateBudgetResult> {
  const days = Math.ceil((seconds / 60) * rpm);
  const untilMs = Date.parse(UNTIL);
  const since = new Date(untilMs - days * 86_400_000).toISOString();
  const sim = await startSimulator(['--rpm', String(rpm), '--now', NOW, '--horizon-days', String(days + 10), '--activities-per-day', '200']);
  const root = mkdtempSync(join(os.tmpdir(), 'bench-sync-rate-'));
  try {
    const dataDir = join(root, 'data');
    const simNow = async () => ((await (await fetch(`${sim.url}/_sim/clock`)).json()) as { now_ms: number }).now_ms;
    const simStart = await simNow();
    const run = await runSyncCli(['--data-dir', dataDir, '--base-url', sim.url, '--streams', 'activities', '--rpm', String(rpm), '--quiet', '--since', since, '--until', UNTIL], {
      killAfterMs: seconds * 1000 * 1.5,
    });
    const simEnd = await simNow();
    const finished = run.code === 0;
    if (!finished && run.code !== null) throw new Error(`sync exited with ${run.code}: ${run.stderr.slice(-2000)}`);
    const res = await fetch(`${sim.url}/_sim/stats`);
    const stats = (await res.json()) as { requests_total: number; rate_limited: number; windows: { start: string; requests: number; rate_limited: number }[] };
    const windows = stats.windows.map((w) => ({ start: w.start, requests: w.requests, rateLimited: w.rate_limited }));
    // windows are fixed minutes of the simulator's clock; count those the sync ran through from start to end
    const fullWindows = windows
      .filter((w) => Date.parse(w.start) >= simStart && Date.parse(w.start) + 60_000 <= simEnd)
      .map((w) => w.requests - w.rateLimited);
    const sustainedRpm = fullWindows.length ? fullWindows.reduce((a, b) => a + b, 0) / fullWindows.length : NaN;
    const minutes = run.wallMs / 60_000;
    let summary: SyncRateBudgetResult['summary'] = null;
    if (finished) {
      const [s] = lastSyncSummary(dataDir).filter((x) => x.stream === 'activities');
      if (s) summary = { requests: s.requests, retries: s.retries, rateLimited: s.rateLimited, newRecords: s.newRecords, durationMs: s.durationMs };
    }
    const rateLimitedPerMinute = stats.rate_limited / minutes;
    const shareOfLimit = sustainedRpm / rpm;
    return {
      mode: 'child CLI process',
      limitRpm: rpm,
      days,
      finished,
      wallSec: run.wallMs / 1000,
      windows,
      fullWindows,
      sustainedRpm,
      shareOfLimit,
      overallRpm: stats.requests_total / minutes,
      rateLimitedTotal: stats.rate_limited,
      rateLimitedPerMinute,
      summary,
      target: { shareOfLimitAtLeast: 0.95, rateLimitedPerMinuteAtMost: 1 },
      met: shareOfLimit >= 0.95 && rateLimitedPerMinute <= 1,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
}
