// Alert latency (issue 12 §6): from the moment an attack's last evidence activity becomes visible in the
// simulator's API to the moment the webhook receives its alert. A live simulator on loopback, the daemon in
// this process with every rule and one webhook destination, and an attack scenario played "now" through the
// control endpoint, again and again. Two schedules: the demo's (activities every 20 s) and the default
// (every minute); the default's sample count is small (CL_BENCH_LATENCY_DEFAULT_SAMPLES, default 3).
// Visibility is polled on /_sim/truth/activities every 100 ms; reception is the receiver's clock.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDestinations } from '../src/delivery/config.js';
import { loadRules, resolveDetectionsConfig } from '../src/detections/index.js';
import { DEFAULT_SCHEDULES, DEMO_SCHEDULES, type ScheduledJobName, startDaemon } from '../src/scheduler/daemon.js';
import { SimClock, createSimulator } from '../src/simulator/server/app.js';
import { createTenant } from '../src/simulator/tenant/index.js';
import { stderrLogger } from '../src/cli/log.js';
import type { Logger } from '../src/api/index.js';

const KEY = 'sk-ant-api01-bench-latency-local-only';
/** Scenarios whose rules fire on single events: the latency measured is the pipeline's, not a window's. */
const SCENARIOS = ['sso_disabled', 'compliance_api_key_created', 'ip_restriction_deleted', 'domain_removed', 'audit_log_export'];

interface Sample {
  scenario: string;
  visibleAt: string;
  receivedAt: string;
  latencyMs: number;
}

export interface LatencyRun {
  schedules: string;
  samples: Sample[];
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  startupMs: number;
  /** Per daemon job while sampling: its duration and the model refresh's and the evaluation's shares (ms). */
  jobs: { job: string; ms: number; modelsMs: number | null; detectionsMs: number | null }[];
}

export async function benchAlertLatency(): Promise<{ demo: LatencyRun; default: LatencyRun }> {
  const demo = await run('demo', DEMO_SCHEDULES, Number(process.env.CL_BENCH_LATENCY_SAMPLES ?? 12));
  const dflt = await run('default', DEFAULT_SCHEDULES, Number(process.env.CL_BENCH_LATENCY_DEFAULT_SAMPLES ?? 3));
  return { demo, default: dflt };
}

async function run(name: string, schedules: Partial<Record<ScheduledJobName, string>>, samples: number): Promise<LatencyRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cl-bench-latency-'));
  const startMs = Math.floor(Date.now() / 1000) * 1000;
  const tenant = createTenant({ seed: 11, startMs, horizonDays: 3, activitiesPerDay: 500, live: true, lateShare: 0, timestampStyle: 'z', scenarios: [] });
  const sim = createSimulator({ tenant, keys: [{ key: KEY, kind: 'compliance' }], clock: new SimClock(startMs) });
  const server = await sim.listen(0, '127.0.0.1');
  const received: { at: number; doc: { rule: { id: string }; entity: { id: string }; evidence: { activityIds: string[] } } }[] = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ at: Date.now(), doc: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  writeFileSync(join(dir, 'hook.secret'), 'bench-secret');
  const rules = loadRules();
  const destinations = parseDestinations([{ name: 'bench', type: 'webhook', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, secretFile: join(dir, 'hook.secret') }], {
    knownRules: rules.map((r) => r.id),
  });
  const started = Date.now();
  const jobs: LatencyRun['jobs'] = [];
  const daemon = await startDaemon({
    dataDir: join(dir, 'data'),
    apiKey: KEY,
    baseUrl: server.url,
    requestsPerMinute: 0,
    schedules,
    reconcileDays: 0,
    graphql: { port: 0 },
    health: { port: 0 },
    detections: { config: resolveDetectionsConfig(undefined, rules), rules },
    destinations,
    logger: jobLogger(stderrLogger('warn').logger, jobs),
  });
  const out: Sample[] = [];
  try {
    while (!daemon.status().ready || daemon.status().alerting.evaluations === 0) await sleep(250);
    const startupMs = Date.now() - started;
    process.stdout.write(`${name}: ready with ${rules.length} rules after ${(startupMs / 1000).toFixed(1)} s\n`);
    for (let i = 0; i < samples; i++) {
      const scenario = SCENARIOS[i % SCENARIOS.length];
      // a random phase against the schedule, as an attack would have
      await sleep(Math.floor(Math.random() * 5_000));
      const played = (await post(`${server.url}/_sim/scenarios`, { id: scenario })) as { at: string; alerts: { rule_id: string; entity_id: string; evidence_ids: string[] }[] };
      const want = played.alerts[0];
      const since = new Date(Date.parse(played.at) - 2 * 86_400_000).toISOString();
      let visibleAt = 0;
      let receivedAt = 0;
      const deadline = Date.now() + 10 * 60_000;
      while (!receivedAt && Date.now() < deadline) {
        if (!visibleAt) {
          const truth = (await (await fetch(`${server.url}/_sim/truth/activities?created_at.gte=${encodeURIComponent(since)}`)).json()) as { ids: string[] };
          const ids = new Set(truth.ids);
          if (want.evidence_ids.every((id) => ids.has(id))) visibleAt = Date.now();
        }
        const hit = received.find((r) => r.doc.rule.id === want.rule_id && r.doc.entity.id === want.entity_id && want.evidence_ids.every((id) => r.doc.evidence.activityIds.includes(id)));
        if (hit) receivedAt = hit.at;
        else await sleep(100);
      }
      if (!receivedAt) throw new Error(`${name}: the alert of ${scenario} (${want.rule_id} for ${want.entity_id}) did not arrive within 10 minutes`);
      const sample = { scenario, visibleAt: new Date(visibleAt).toISOString(), receivedAt: new Date(receivedAt).toISOString(), latencyMs: receivedAt - visibleAt };
      out.push(sample);
      process.stdout.write(`${name}: ${scenario} ${(sample.latencyMs / 1000).toFixed(1)} s\n`);
    }
    const sorted = out.map((s) => s.latencyMs).sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    const avg = (xs: (number | null)[]) => Math.round(xs.filter((x): x is number => x !== null).reduce((a, b) => a + b, 0) / Math.max(1, xs.filter((x) => x !== null).length));
    process.stdout.write(`${name}: ${jobs.length} jobs, average ${avg(jobs.map((j) => j.ms))} ms (models ${avg(jobs.map((j) => j.modelsMs))} ms, detections ${avg(jobs.map((j) => j.detectionsMs))} ms)\n`);
    return { schedules: JSON.stringify(schedules), samples: out, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: sorted[sorted.length - 1], startupMs, jobs };
  } finally {
    await daemon.close();
    await server.close();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keeps the daemon's `job: end` counts (logged at info) while passing warnings and errors on. */
function jobLogger(inner: Logger, jobs: LatencyRun['jobs']): Logger {
  return {
    debug: () => undefined,
    info: (obj, msg) => {
      const o = obj as Record<string, unknown>;
      if (msg === 'job: end') jobs.push({ job: String(o.job), ms: Number(o.ms), modelsMs: typeof o.models_ms === 'number' ? o.models_ms : null, detectionsMs: typeof o.detections_ms === 'number' ? o.detections_ms : null });
    },
    warn: (obj, msg) => inner.warn(obj, msg),
    error: (obj, msg) => inner.error(obj, msg),
  };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
