// Benchmark: the simulator serving a six-year, fifty-million-activity tenant. Time to serve a
// 5000-activity page (first byte to last byte, over loopback) and the simulator's peak RSS.
// Targets (issue 2): median <= 50 ms, peak RSS <= 500 MB.
import { BENCH_KEY, median, percentile, startSimulator } from './sim-process.js';

export interface SimulatorPageResult {
  tenant: { horizonDays: number; activitiesPerDay: number; approxActivities: number };
  pages: number;
  medianMs: number;
  p95Ms: number;
  peakRssMb: number;
  startupMs: number;
}

const NOW = '2026-11-01T00:00:00Z';

export async function benchSimulatorPage(pages = 200): Promise<SimulatorPageResult> {
  const horizonDays = 2190;
  const activitiesPerDay = 22_831; // 50 million over six years
  const t0 = performance.now();
  const sim = await startSimulator(['--rpm', '0', '--now', NOW, '--horizon-days', String(horizonDays), '--activities-per-day', String(activitiesPerDay)]);
  const startupMs = performance.now() - t0;
  const headers = { 'x-api-key': BENCH_KEY, 'anthropic-version': '2023-06-01' };
  const timings: number[] = [];
  try {
    const epoch = Date.parse(NOW) - horizonDays * 86_400_000;
    let cursor: string | null = null;
    for (let i = 0; i < pages; i++) {
      // half the pages continue a walk from the newest activity, half start at a random moment
      const params = new URLSearchParams({ limit: '5000' });
      if (i % 2 === 0 && cursor) params.set('after_id', cursor);
      if (i % 2 === 1) params.set('created_at.lt', new Date(epoch + Math.random() * (Date.parse(NOW) - epoch)).toISOString());
      const t = performance.now();
      const res = await fetch(`${sim.url}/v1/compliance/activities?${params}`, { headers });
      const body = await res.text();
      timings.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`page ${i}: HTTP ${res.status} ${body.slice(0, 200)}`);
      const page = JSON.parse(body) as { data: unknown[]; last_id: string | null };
      if (page.data.length !== 5000) throw new Error(`page ${i}: ${page.data.length} activities`);
      if (i % 2 === 0) cursor = page.last_id;
    }
    return {
      tenant: { horizonDays, activitiesPerDay, approxActivities: horizonDays * activitiesPerDay },
      pages,
      medianMs: median(timings),
      p95Ms: percentile(timings, 95),
      peakRssMb: sim.peakRss() / 1e6,
      startupMs,
    };
  } finally {
    await sim.stop();
  }
}
