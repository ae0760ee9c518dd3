// Benchmark: the client walking the activity feed, against a bare fetch + JSON.parse loop over the same
// pages (the floor of what any client can do). Target (issue 2): client >= 0.9 of the bare loop.
// Ten pages (50 000 activities) fit the simulator's page cache, so server time is small and the
// client's own overhead is as visible as it can be.
// Both walk the same fixed window (created_at.lt pinned, so the simulator's own access events never
// shift the pages) from the same simulator child process; runs alternate so machine noise hits both.
import { ComplianceClient } from '../src/api/index.js';
import { BENCH_KEY, median, startSimulator } from './sim-process.js';

export interface ClientThroughputResult {
  pagesPerWalk: number;
  activitiesPerWalk: number;
  runs: number;
  bare: { medianMs: number; activitiesPerSec: number; runsMs: number[] };
  client: { medianMs: number; activitiesPerSec: number; runsMs: number[] };
  /** client activities/s divided by bare activities/s (target >= 0.9). */
  ratio: number;
}

const NOW = '2026-11-01T00:00:00Z';
const LIMIT = 5000;

export async function benchClientThroughput(pages = 10, runs = 15): Promise<ClientThroughputResult> {
  const sim = await startSimulator(['--rpm', '0', '--now', NOW, '--horizon-days', '30', '--activities-per-day', '20000']);
  const until = '2026-10-31T00:00:00Z';
  try {
    const bareWalk = async (): Promise<number> => {
      let count = 0;
      let after: string | null = null;
      for (let i = 0; i < pages; i++) {
        const q = new URLSearchParams({ limit: String(LIMIT), 'created_at.lt': until });
        if (after) q.set('after_id', after);
        const res = await fetch(`${sim.url}/v1/compliance/activities?${q}`, {
          headers: { 'x-api-key': BENCH_KEY, 'anthropic-version': '2023-06-01' },
        });
        const page = JSON.parse(await res.text()) as { data: unknown[]; has_more: boolean; last_id: string | null };
        count += page.data.length;
        if (!page.has_more) break;
        after = page.last_id;
      }
      return count;
    };
    const client = new ComplianceClient({ apiKey: BENCH_KEY, baseUrl: sim.url, requestsPerMinute: 0 });
    const clientWalk = async (): Promise<number> => {
      let count = 0;
      let n = 0;
      for await (const page of client.activities.pages({ limit: LIMIT, 'created_at.lt': until })) {
        count += page.data.length;
        if (++n >= pages) break;
      }
      return count;
    };

    // warm both paths (and the simulator's page cache state) once before measuring
    const expected = await bareWalk();
    if ((await clientWalk()) !== expected) throw new Error('client and bare loop read different numbers of activities');
    const bare: number[] = [];
    const viaClient: number[] = [];
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? ['bare', 'client'] : ['client', 'bare'];
      for (const which of order) {
        const t = performance.now();
        const n = which === 'bare' ? await bareWalk() : await clientWalk();
        const ms = performance.now() - t;
        if (n !== expected) throw new Error(`${which} walk read ${n} activities, expected ${expected}`);
        (which === 'bare' ? bare : viaClient).push(ms);
      }
    }
    const bareMs = median(bare);
    const clientMs = median(viaClient);
    return {
      pagesPerWalk: Math.ceil(expected / LIMIT),
      activitiesPerWalk: expected,
      runs,
      bare: { medianMs: bareMs, activitiesPerSec: expected / (bareMs / 1000), runsMs: bare },
      client: { medianMs: clientMs, activitiesPerSec: expected / (clientMs / 1000), runsMs: viaClient },
      ratio: bareMs / clientMs,
    };
  } finally {
    await sim.stop();
  }
}
