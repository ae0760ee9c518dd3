// Benchmark: the simulator serving a six-year, fifty-million-activity tenant. Time to serve a
// 5000-activity page (request to last byte, over loopback) and the simulator's peak RSS.
// Targets (issue 2): median <= 50 ms, peak RSS <= 500 MB.
// Two access patterns, measured separately: a walk (after_id from the newest activity back through
// history, what a backfill does) and jumps (created_at.lt at a random moment of the six years, what a
// windowed re-read does; nothing cached, nothing read ahead).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { BENCH_KEY, median, percentile, startSimulator } from './sim-process.js';

export interface SimulatorPageResult {
  tenant: { horizonDays: number; activitiesPerDay: number; approxActivities: number };
  pages: number;
  walk: { medianMs: number; p95Ms: number };
  jump: { medianMs: number; p95Ms: number };
  /** Over both patterns. */
  medianMs: number;
  peakRssMb: number;
  /** The simulator's CPU time (user + system, all threads) per page: less sensitive to a shared machine than the times. */
  cpuMsPerPage: number;
  startupMs: number;
  /** 1, 5 and 15 minute load averages at the end (the machine is shared: read the times against it). */
  loadAverage: number[];
}

const NOW = '2026-11-01T00:00:00Z';

export async function benchSimulatorPage(pages = 200): Promise<SimulatorPageResult> {
  const horizonDays = 2190;
  const activitiesPerDay = 22_831; // 50 million over six years
  const t0 = performance.now();
  const sim = await startSimulator(['--rpm', '0', '--now', NOW, '--horizon-days', String(horizonDays), '--activities-per-day', String(activitiesPerDay)]);
  const startupMs = performance.now() - t0;
  const headers = { 'x-api-key': BENCH_KEY, 'anthropic-version': '2023-06-01' };
  const walk: number[] = [];
  const jump: number[] = [];
  try {
    const epoch = Date.parse(NOW) - horizonDays * 86_400_000;
    const get = async (params: URLSearchParams, into: number[]) => {
      const t = performance.now();
      const res = await fetch(`${sim.url}/v1/compliance/activities?${params}`, { headers });
      // the last byte arrived: decoding and parsing are the client's cost, not the server's
      const bytes = await res.arrayBuffer();
      into.push(performance.now() - t);
      const body = new TextDecoder().decode(bytes);
      if (res.status !== 200) throw new Error(`HTTP ${res.status} ${body.slice(0, 200)}`);
      const page = JSON.parse(body) as { data: unknown[]; last_id: string | null };
      if (page.data.length !== 5000) throw new Error(`a page of ${page.data.length} activities`);
      return page;
    };
    const cpuBefore = cpuMsOf(sim.child.pid!);
    // first the walk from the newest activity, then the jumps, so neither pattern's read-ahead serves the other
    let cursor: string | null = null;
    for (let i = 0; i < pages / 2; i++) {
      const params = new URLSearchParams({ limit: '5000' });
      if (cursor) params.set('after_id', cursor);
      cursor = (await get(params, walk)).last_id;
    }
    for (let i = 0; i < pages / 2; i++) {
      const lt = new Date(epoch + 86_400_000 + Math.random() * (Date.parse(NOW) - epoch - 86_400_000)).toISOString();
      await get(new URLSearchParams({ limit: '5000', 'created_at.lt': lt }), jump);
    }
    return {
      tenant: { horizonDays, activitiesPerDay, approxActivities: horizonDays * activitiesPerDay },
      pages,
      walk: { medianMs: median(walk), p95Ms: percentile(walk, 95) },
      jump: { medianMs: median(jump), p95Ms: percentile(jump, 95) },
      medianMs: median([...walk, ...jump]),
      peakRssMb: sim.peakRss() / 1e6,
      cpuMsPerPage: (cpuMsOf(sim.child.pid!) - cpuBefore) / pages,
      startupMs,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await sim.stop();
  }
}

/** User + system CPU of a process so far, ms (Linux /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
