// Freshness (issue 13 §4): from the moment an activity becomes visible in the API to the moment GraphQL
// returns it. A live simulator on loopback whose feed keeps growing with its clock (activities indexed within
// seconds, a share of them late), the daemon in this process (`run`: syncs on its cron schedules, refreshes the
// models after each sync that committed data, serves GraphQL), and a poller that every POLL_MS asks the
// simulator which activities are visible (/_sim/truth/activities) and GraphQL which it answers
// (Query.activities over the same window). Each activity that becomes visible while sampling is one sample.
// Two runs: the default schedules and the demo's. Targets: p95 <= 90 s (default), <= 30 s (demo).
//
// An activity indexed later than the sync's overlap window (10 minutes by default) after its created_at is caught
// by the daily reconciliation, not by the next sync (design.md invariant 3): such activities are counted apart
// ("late beyond the overlap") and not in the percentiles; every other activity must appear.
// CL_BENCH_FRESHNESS_DEFAULT_MIN / CL_BENCH_FRESHNESS_DEMO_MIN set the sampling minutes (default 6 and 3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCHEDULES, DEMO_SCHEDULES, type ScheduledJobName, startDaemon } from '../src/scheduler/daemon.js';
import { SimClock, createSimulator } from '../src/simulator/server/app.js';
import { createTenant } from '../src/simulator/tenant/index.js';
import { stderrLogger } from '../src/cli/log.js';
import type { Logger } from '../src/api/index.js';

const KEY = 'sk-ant-api01-bench-freshness-local-only';
/** How often the poller asks the simulator and GraphQL (the measurement's resolution). */
const POLL_MS = 250;
/** The sync's default overlap window (src/pipeline defaults): later arrivals wait for the reconciliation. */
const OVERLAP_MS = 10 * 60_000;
/** After sampling, how long the poller keeps waiting for the activities it saw become visible. */
const TAIL_MS = 4 * 60_000;
const PAGE = 500;

interface Sample {
  id: string;
  createdAt: string;
  visibleAt: number;
  appearedAt: number | null;
  /** Indexed more than the overlap window after created_at: the reconciliation's, not the next sync's. */
  lateBeyondOverlap: boolean;
}

export interface FreshnessRun {
  schedules: string;
  samplingMinutes: number;
  activities: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Visible within the overlap window but not in GraphQL by the end of the tail: must be 0. */
  missing: number;
  lateBeyondOverlap: number;
  startupMs: number;
  target: { p95MsAtMost: number };
  met: boolean;
  /** The daemon's jobs while sampling: job, duration, and the model refresh's share (ms). */
  jobs: { job: string; ms: number; modelsMs: number | null; newRecords: number | null }[];
}

export async function benchFreshness(): Promise<{ default: FreshnessRun; demo: FreshnessRun }> {
  const dflt = await run('default', DEFAULT_SCHEDULES, Number(process.env.CL_BENCH_FRESHNESS_DEFAULT_MIN ?? 6), 90_000);
  const demo = await run('demo', DEMO_SCHEDULES, Number(process.env.CL_BENCH_FRESHNESS_DEMO_MIN ?? 3), 30_000);
  return { default: dflt, demo };
}

async function run(name: string, schedules: Partial<Record<ScheduledJobName, string>>, minutes: number, targetMs: number): Promise<FreshnessRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cl-bench-freshness-'));
  const startMs = Math.floor(Date.now() / 1000) * 1000;
  // about 10 activities a minute, 2 % of them indexed late (minutes to days)
  const tenant = createTenant({ seed: 13, startMs, horizonDays: 2, activitiesPerDay: 14_400, live: true, lateShare: 0.02, timestampStyle: 'z' });
  const sim = createSimulator({ tenant, keys: [{ key: KEY, kind: 'compliance' }], clock: new SimClock(startMs) });
  const server = await sim.listen(0, '127.0.0.1');
  const jobs: FreshnessRun['jobs'] = [];
  const started = Date.now();
  const daemon = await startDaemon({
    dataDir: join(dir, 'data'),
    apiKey: KEY,
    baseUrl: server.url,
    requestsPerMinute: 0,
    schedules,
    reconcileDays: 0,
    graphql: { port: 0 },
    health: { port: 0 },
    logger: jobLogger(stderrLogger('warn').logger, jobs),
  });
  try {
    while (!daemon.status().ready) await sleep(250);
    const startupMs = Date.now() - started;
    process.stdout.write(`${name}: ready after ${(startupMs / 1000).toFixed(1)} s\n`);
    jobs.length = 0;
    const graphqlUrl = daemon.url;
    const since = new Date(sim.clock.now() - OVERLAP_MS - 60_000).toISOString();
    const visibleNow = async () => {
      const res = await fetch(`${server.url}/_sim/truth/activities?created_at.gte=${encodeURIComponent(since)}`);
      return ((await res.json()) as { ids: string[] }).ids;
    };
    const known = new Set(await visibleNow()); // visible before sampling: no known visibility time
    const samples = new Map<string, Sample>();
    const samplingEnd = Date.now() + minutes * 60_000;
    const deadline = samplingEnd + TAIL_MS;
    while (Date.now() < deadline) {
      const tick = Date.now();
      if (tick < samplingEnd) {
        for (const id of await visibleNow()) {
          if (known.has(id)) continue;
          known.add(id);
          samples.set(id, { id, createdAt: '', visibleAt: Date.now(), appearedAt: null, lateBeyondOverlap: false });
        }
      }
      const answered = await graphqlActivities(graphqlUrl, since);
      const now = Date.now();
      for (const a of answered) {
        const s = samples.get(a.id);
        if (!s || s.appearedAt !== null) continue;
        s.appearedAt = now;
        s.createdAt = a.createdAt;
      }
      const waiting = [...samples.values()].filter((s) => s.appearedAt === null);
      if (now >= samplingEnd && waiting.every((s) => isLateBeyondOverlap(tenant, s))) break;
      await sleep(Math.max(0, POLL_MS - (Date.now() - tick)));
    }
    for (const s of samples.values()) s.lateBeyondOverlap = s.appearedAt === null && isLateBeyondOverlap(tenant, s);
    const timed = [...samples.values()].filter((s) => s.appearedAt !== null);
    const missing = [...samples.values()].filter((s) => s.appearedAt === null && !s.lateBeyondOverlap);
    const sorted = timed.map((s) => s.appearedAt! - s.visibleAt).sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : Number.NaN);
    const result: FreshnessRun = {
      schedules: JSON.stringify({ ...DEFAULT_SCHEDULES, ...schedules }),
      samplingMinutes: minutes,
      activities: timed.length,
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      maxMs: sorted.at(-1) ?? Number.NaN,
      missing: missing.length,
      lateBeyondOverlap: [...samples.values()].filter((s) => s.lateBeyondOverlap).length,
      startupMs,
      target: { p95MsAtMost: targetMs },
      met: missing.length === 0 && q(0.95) <= targetMs,
      jobs: [...jobs],
    };
    process.stdout.write(
      `${name}: ${timed.length} activities, p50 ${(result.p50Ms / 1000).toFixed(1)} s, p95 ${(result.p95Ms / 1000).toFixed(1)} s, max ${(result.maxMs / 1000).toFixed(1)} s, ` +
        `missing ${result.missing}, late beyond the overlap ${result.lateBeyondOverlap}\n`,
    );
    return result;
  } finally {
    await daemon.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The tenant's own record of when an activity became visible, against its created_at. */
function isLateBeyondOverlap(tenant: ReturnType<typeof createTenant>, s: Sample): boolean {
  const a = tenant.feed.get(s.id);
  return a !== undefined && a.visibleAt - Math.floor(a.us / 1000) > OVERLAP_MS;
}

async function graphqlActivities(url: string, since: string): Promise<{ id: string; createdAt: string }[]> {
  const out: { id: string; createdAt: string }[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($since: DateTime!, $after: String, $first: Int!) { activities(first: $first, after: $after, filter: { since: $since }) { edges { node { id createdAt } } pageInfo { hasNextPage endCursor } } }',
        variables: { since, after, first: PAGE },
      }),
    });
    // not ready yet, or a warehouse swap in progress: nothing answered this time
    if (res.status !== 200) return out;
    const body = (await res.json()) as { data?: { activities: { edges: { node: { id: string; createdAt: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
    if (!body.data) return out;
    out.push(...body.data.activities.edges.map((e) => e.node));
    if (!body.data.activities.pageInfo.hasNextPage) return out;
    after = body.data.activities.pageInfo.endCursor;
  }
}

/** Keeps the daemon's `job: end` records (logged at info) while passing warnings and errors on. */
function jobLogger(inner: Logger, jobs: FreshnessRun['jobs']): Logger {
  return {
    debug: () => undefined,
    info: (obj, msg) => {
      const o = obj as Record<string, unknown>;
      if (msg === 'job: end') {
        jobs.push({ job: String(o.job), ms: Number(o.ms), modelsMs: typeof o.models_ms === 'number' ? o.models_ms : null, newRecords: typeof o.new_records === 'number' ? o.new_records : null });
      }
    },
    warn: (obj, msg) => inner.warn(obj, msg),
    error: (obj, msg) => inner.error(obj, msg),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
