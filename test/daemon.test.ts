// The daemon end to end, in process, against the live simulator over loopback: /healthz at once, /readyz 503
// with a reason until the first sync and model build, then 200; GraphQL (bearer token) answers with data;
// when the simulator's clock moves, the next scheduled runs bring fresher data into GraphQL; /metrics has
// the gauges and counters; runs never overlap; no key or token in any log line; close() stops everything
// and releases the locks; the lake verifies.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ListeningServer } from '../src/simulator/server/node-adapter.js';
import { type Daemon, startDaemon } from '../src/scheduler/daemon.js';
import { isoMicros } from '../src/extract/stream.js';
import { verifyLake } from '../src/lake/verify.js';
import { StateStore } from '../src/state/index.js';
import { tempDataDir } from './support/lake-harness.js';
import { KEYS, MINUTE, NOW, captureLogger, expectNoSecrets, makeSim } from './support/sim-harness.js';

const TOKEN = 'daemon-test-token-Vb7Nq2Xr9Lk4Pz8W';
const FILE_STARTED_S = Date.now() / 1000;
const sim = makeSim({ tenant: { live: true, lateShare: 0 }, sim: { rpm: 0 } });
const data = tempDataDir('cl-daemon-');
const logs = captureLogger();
let server: ListeningServer;
let daemon: Daemon;
let readyz503: { status: number; body: any } | null = null;

async function gql(query: string, token: string | null = TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(daemon.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; daemon status: ${JSON.stringify(daemon.status(), null, 1).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ACTIVITIES = `{ activities(first: 5) { totalCount edges { node { id createdAt type } } } }`;
const SYNC_STATUS = `{ syncStatus { streams { stream cursorTime lastSuccessAt records } } }`;
const activitiesCursor = async () => {
  const r = await gql(SYNC_STATUS);
  return r.body.data.syncStatus.streams.find((s: any) => s.stream === 'activities').cursorTime as string | null;
};

beforeAll(async () => {
  server = await sim.listen(0, '127.0.0.1');
  daemon = await startDaemon({
    dataDir: data.dir,
    apiKey: KEYS.full,
    baseUrl: server.url,
    requestsPerMinute: 0,
    // seconds-level schedules so the test sees several runs; the queue keeps them from overlapping
    schedules: { activities: '* * * * * *', directory: '*/2 * * * * *', content: '*/2 * * * * *', reconcile: '*/3 * * * * *' },
    graphql: { port: 0, token: TOKEN },
    health: { port: 0 },
    shutdownTimeoutMs: 20_000,
    logger: logs.logger,
  });
  const res = await fetch(`${daemon.healthUrl}/readyz`);
  readyz503 = { status: res.status, body: await res.json() };
});

afterAll(async () => {
  await daemon?.close();
  await server?.close();
  data.cleanup();
});

describe('the daemon against the live simulator', { timeout: 150_000 }, () => {
  test('healthz at once; readyz 503 with a reason, then 200 after the first sync and model build', async () => {
    const health = await fetch(`${daemon.healthUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(readyz503?.status).toBe(503);
    expect(readyz503?.body).toMatchObject({ status: 'not ready', reason: expect.stringMatching(/first sync has not finished/) });

    await until('readyz 200', async () => (await fetch(`${daemon.healthUrl}/readyz`)).status === 200);
    expect(existsSync(join(data.dir, 'warehouse.duckdb'))).toBe(true);
    const status = daemon.status();
    expect(status.ready).toBe(true);
    expect(status.jobs.startup).toMatchObject({ runs: 1, lastResult: 'success' });
    expect(status.models.lastSuccessAt).not.toBeNull();
    expect((await fetch(`${daemon.healthUrl}/nope`)).status).toBe(404);
  });

  test('GraphQL answers with data (and needs the token)', async () => {
    expect((await gql(ACTIVITIES, null)).status).toBe(401);
    expect((await gql(ACTIVITIES, 'wrong-token-wrong-token')).status).toBe(401);
    const r = await gql(ACTIVITIES);
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.activities.edges).toHaveLength(5);
    expect(r.body.data.activities.totalCount).toBeGreaterThan(3000);
    const cursor = await activitiesCursor();
    // the simulator's clock stands still: the feed is read up to one minute before it
    expect(cursor).toBe(isoMicros(NOW - MINUTE));
  });

  test('when the simulator moves on, the next runs bring fresher data into GraphQL', async () => {
    const before = await gql(ACTIVITIES);
    const newestBefore = before.body.data.activities.edges[0].node.createdAt as string;
    const countBefore = before.body.data.activities.totalCount as number;
    sim.clock.advance(20 * MINUTE);

    const cursor = await until('the activities cursor to move', async () => {
      const c = await activitiesCursor();
      return c && c > isoMicros(NOW - MINUTE) ? c : null;
    });
    expect(cursor).toBe(isoMicros(NOW + 19 * MINUTE));
    const after = await until('fresher activities in GraphQL', async () => {
      const r = await gql(ACTIVITIES);
      return r.body.data.activities.edges[0].node.createdAt > newestBefore ? r : null;
    });
    expect(after.body.data.activities.totalCount).toBeGreaterThan(countBefore);
    expect(after.body.data.activities.edges[0].node.createdAt > isoMicros(NOW)).toBe(true);
  });

  test('/metrics: per-stream lag, last success, records, errors, requests; model build gauges', async () => {
    // GraphQL sees a job's fresh data as soon as its model build swaps the warehouse in, a moment before the
    // job itself ends and is counted: wait for a scheduled activities job to have ended
    await until('an activities job to be counted', async () => daemon.status().jobs.activities?.lastResult === 'success');
    const res = await fetch(`${daemon.healthUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (name: string, labels = '') => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    for (const name of [
      'compliance_lake_sync_lag_seconds',
      'compliance_lake_sync_last_success_timestamp_seconds',
      'compliance_lake_sync_records_committed_total',
      'compliance_lake_sync_errors_total',
      'compliance_lake_api_requests_total',
      'compliance_lake_api_retries_total',
      'compliance_lake_api_rate_limited_total',
      'compliance_lake_model_build_duration_seconds',
      'compliance_lake_model_build_last_success_timestamp_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`);
    }
    // lag is measured against the server's clock: the feed is read up to one minute before it
    const lag = value('compliance_lake_sync_lag_seconds', '{stream="activities"}')!;
    expect(lag).toBeGreaterThanOrEqual(59);
    expect(lag).toBeLessThan(90);
    expect(value('compliance_lake_sync_lag_seconds', '{stream="users"}')).toBeDefined();
    expect(value('compliance_lake_sync_records_committed_total', '{stream="activities"}')).toBeGreaterThan(3000);
    expect(value('compliance_lake_api_requests_total', '{stream="activities"}')).toBeGreaterThan(2);
    // timestamps of this test run (a loaded machine may take minutes between two directory jobs)
    const started = FILE_STARTED_S;
    expect(value('compliance_lake_sync_last_success_timestamp_seconds', '{stream="group_members"}')).toBeGreaterThan(started);
    expect(value('compliance_lake_model_build_last_success_timestamp_seconds')).toBeGreaterThan(started);
    expect(value('compliance_lake_model_builds_total', '{result="success"}')).toBeGreaterThanOrEqual(2);
    expect(value('compliance_lake_ready')).toBe(1);
    expect(value('compliance_lake_jobs_total', '{job="startup",result="success"}')).toBe(1);
    expect(value('compliance_lake_jobs_total', '{job="activities",result="success"}')).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/compliance_lake_sync_errors_total\{/);
  });

  test('jobs never overlapped; each had one start and one end log line; no secret in any log line', async () => {
    // the schedules fire every 1–3 s, in no set order within a second, and a loaded machine runs each job for
    // longer: wait until every scheduled kind has started once (the queue is first in, first out)
    const started = () => new Set(logs.lines.filter((l) => l.startsWith('info job: start')).map((l) => /job: '(\w+)'/.exec(l)?.[1]));
    await until('every scheduled job to have run', async () => ['activities', 'content', 'directory', 'reconcile'].every((j) => started().has(j)));
    const state = StateStore.open(data.dir, { readonly: true });
    const runs = state.runs().sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
    state.close();
    expect(runs.length).toBeGreaterThanOrEqual(4);
    // only the newest run may still be going on
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i - 1].finishedAt).not.toBeNull();
      expect(runs[i].startedAt >= runs[i - 1].finishedAt!).toBe(true);
    }
    // every scheduled kind ran (the startup run covers every stream)
    expect([...started()].sort()).toEqual(['activities', 'content', 'directory', 'reconcile', 'startup']);
    const starts = logs.lines.filter((l) => / job: start /.test(l)).length;
    const ends = logs.lines.filter((l) => / job: end /.test(l)).length;
    expect(ends).toBeGreaterThanOrEqual(starts - 1); // at most the one running now has not ended
    expect(logs.lines.find((l) => / job: end /.test(l))).toMatch(/new_records: \d+.*requests: \d+/);
    expectNoSecrets(logs.lines, 'the daemon log');
    for (const line of logs.lines) expect(line).not.toContain(TOKEN);
  });

  test('close(): stops the schedules, the servers and releases the locks; the lake verifies', async () => {
    await daemon.close();
    const closedAgain = daemon.close(); // idempotent
    await closedAgain;
    await expect(fetch(`${daemon.healthUrl}/healthz`)).rejects.toThrow();
    await expect(fetch(daemon.url, { method: 'POST' })).rejects.toThrow();
    expect(existsSync(join(data.dir, 'lake.lock'))).toBe(false);
    expect(existsSync(join(data.dir, 'daemon'))).toBe(false);
    expect(daemon.status()).toMatchObject({ stopping: true, ready: false, readyReason: 'shutting down', running: null });
    const runsBefore = JSON.stringify(daemon.status().jobs);
    await new Promise((r) => setTimeout(r, 1500));
    expect(JSON.stringify(daemon.status().jobs)).toBe(runsBefore);
    const report = await verifyLake(data.dir);
    expect(report.problems).toEqual([]);
  });
});
