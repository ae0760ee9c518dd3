// Benchmark: a first sync of every stream of a large tenant (20 000 users, 500 groups, 200 000 chats,
// 20 000 projects) into a fresh data dir: wall time, peak RSS of the sync process, and the requests it made
// against the fewest the API's page limits allow (compliance-api.md §2.0 maxima; src/api/limits.ts).
// Targets (issue 11): requests ≤ 1.1 × the minimum, peak RSS ≤ 400 MB.
//
// The minimum is computed from what the tenant holds (counted in the lake after the sync, which must equal
// what the simulator serves): per list, ceil(items / max limit), at least one request per list (a project
// with no attachments still takes one request to learn that). Activities: ceil(activities / 5000) over the
// whole range, and the sync's own floor (one request per UTC day, as it commits day by day) beside it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { MAX_ACTIVITY_PAGE, MAX_CHAT_PAGE, MAX_COLLABORATOR_PAGE, MAX_DIRECTORY_PAGE, MAX_ORGANIZATION_PAGE, MAX_PROJECT_PAGE } from '../src/api/limits.js';
import { openDuck, sqlString } from '../src/lake/duck.js';
import { BENCH_KEY, lastSyncSummary, runSyncCli, startSimulator } from './sim-process.js';

const NOW = '2026-11-01T00:00:00Z';

export interface FullSyncLargeResult {
  tenant: { users: number; groups: number; chats: number; projects: number; horizonDays: number; activitiesPerDay: number };
  wallMs: number;
  peakRssMB: number;
  /** VmRSS of the sync every ~2 s: [seconds since spawn, MB] (where in the run memory rises). */
  rssTimeline: [number, number][];
  requests: { made: number; minimum: number; ratio: number; byPath: Record<string, number>; minimumByPath: Record<string, number> };
  /** Lake rows per stream (what the minimum is computed from). */
  rows: Record<string, number>;
  streams: { stream: string; status: string; requests: number; durationMs: number; recordsRead: number }[];
  target: { ratioAtMost: number; peakRssMBAtMost: number };
  met: boolean;
}

export async function benchFullSyncLarge(
  // the sizes can be lowered through the environment (CL_BENCH_CHATS=20000 ...) to check the bench quickly
  o = {
    users: env('CL_BENCH_USERS', 20_000),
    groups: env('CL_BENCH_GROUPS', 500),
    chats: env('CL_BENCH_CHATS', 200_000),
    projects: env('CL_BENCH_PROJECTS', 20_000),
    horizonDays: env('CL_BENCH_HORIZON_DAYS', 7),
    activitiesPerDay: 20_000,
  },
): Promise<FullSyncLargeResult> {
  const sim = await startSimulator([
    '--rpm', '0', '--now', NOW,
    '--horizon-days', String(o.horizonDays), '--activities-per-day', String(o.activitiesPerDay),
    '--users', String(o.users), '--groups', String(o.groups), '--chats', String(o.chats), '--projects', String(o.projects),
  ]);
  const root = mkdtempSync(join(os.tmpdir(), 'bench-full-sync-large-'));
  const dataDir = join(root, 'data');
  try {
    const stats = async () => (await (await fetch(`${sim.url}/_sim/stats`, { headers: { 'x-api-key': BENCH_KEY } })).json()) as { requests_total: number; by_path_prefix: Record<string, number> };
    const before = await stats();
    // every stream, from the first activity on; --until keeps the simulator's own API-call events out
    const run = await runSyncCli(['--data-dir', dataDir, '--base-url', sim.url, '--rpm', '0', '--quiet', '--until', '2026-10-31T23:58:00Z'], { sampleRss: true });
    if (run.code !== 0) throw new Error(`sync exited with ${run.code}: ${run.stderr.slice(-2000)}`);
    const after = await stats();
    const byPath: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.by_path_prefix)) {
      const d = v - (before.by_path_prefix[k] ?? 0);
      if (d > 0) byPath[k] = d;
    }
    const { rows, minimumByPath, days } = await minimumRequests(dataDir);
    const made = after.requests_total - before.requests_total;
    const minimum = Object.values(minimumByPath).reduce((s, n) => s + n, 0);
    const summary = lastSyncSummary(dataDir);
    const peakRssMB = run.peakRss / 2 ** 20;
    const ratio = made / minimum;
    return {
      tenant: o,
      wallMs: run.wallMs,
      peakRssMB,
      rssTimeline: everyTwoSeconds(run.rssSamples),
      requests: { made, minimum, ratio, byPath, minimumByPath: { ...minimumByPath, '(activities: one per UTC day, the sync commits by day)': days } },
      rows,
      streams: summary.map((s) => ({ stream: s.stream, status: s.status, requests: s.requests, durationMs: s.durationMs, recordsRead: s.recordsRead })),
      target: { ratioAtMost: 1.1, peakRssMBAtMost: 400 },
      met: ratio <= 1.1 && peakRssMB <= 400,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sim.stop();
  }
}

function everyTwoSeconds(samples: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [ms, rss] of samples) if (out.length === 0 || ms / 1000 >= out[out.length - 1][0] + 2) out.push([Math.round(ms / 100) / 10, Math.round(rss / 2 ** 20)]);
  return out;
}

function env(name: string, fallback: number): number {
  const v = process.env[name];
  return v === undefined ? fallback : Number(v);
}

/** The fewest requests that read what the lake now holds, by endpoint. */
async function minimumRequests(dataDir: string) {
  const duck = await openDuck();
  const q = async (stream: string, sql: string): Promise<Record<string, unknown>[]> =>
    duck.all(sql.replaceAll('{t}', `read_parquet(${sqlString(join(dataDir, 'lake', stream, '**', '*.parquet'))})`));
  const pagesOf = (n: number, max: number) => Math.max(1, Math.ceil(n / max));
  /** Σ over lists of ceil(items / max), a list with no items counted once (`lists` = all list keys). */
  const perList = async (stream: string, key: string, lists: string[], max: number) => {
    const counts = new Map<string, number>();
    for (const r of await q(stream, `SELECT ${key} AS k, count(*) AS n FROM {t} GROUP BY 1`)) counts.set(String(r.k), Number(r.n));
    return lists.reduce((s, k) => s + pagesOf(counts.get(k) ?? 0, max), 0);
  };
  try {
    const rows: Record<string, number> = {};
    for (const s of ['activities', 'organizations', 'users', 'roles', 'role_permissions', 'groups', 'group_members', 'chats', 'projects', 'project_attachments', 'project_collaborators']) {
      rows[s] = Number((await q(s, 'SELECT count(*) AS n FROM {t}').catch(() => [{ n: 0 }]))[0].n);
    }
    const orgs = (await q('organizations', 'SELECT DISTINCT uuid FROM {t}')).map((r) => String(r.uuid));
    const roles = (await q('roles', 'SELECT DISTINCT organization_uuid || chr(1) || id AS k FROM {t}')).map((r) => String(r.k));
    const groups = (await q('groups', 'SELECT DISTINCT id FROM {t}')).map((r) => String(r.id));
    const projects = (await q('projects', 'SELECT DISTINCT id FROM {t}')).map((r) => String(r.id));
    const [span] = await q('activities', `SELECT count(DISTINCT epoch_us(created_at) // 86400000000) AS days FROM {t}`);
    const minimumByPath: Record<string, number> = {
      '/v1/compliance/activities': pagesOf(rows.activities, MAX_ACTIVITY_PAGE),
      '/v1/compliance/organizations': pagesOf(rows.organizations, MAX_ORGANIZATION_PAGE),
      '/v1/compliance/organizations/{org_uuid}/users': await perList('users', 'organization_uuid', orgs, MAX_DIRECTORY_PAGE),
      '/v1/compliance/organizations/{org_uuid}/roles': await perList('roles', 'organization_uuid', orgs, MAX_DIRECTORY_PAGE),
      '/v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions': await perList('role_permissions', "organization_uuid || chr(1) || role_id", roles, MAX_DIRECTORY_PAGE),
      '/v1/compliance/groups': pagesOf(rows.groups, MAX_DIRECTORY_PAGE),
      '/v1/compliance/groups/{group_id}/members': await perList('group_members', 'group_id', groups, MAX_DIRECTORY_PAGE),
      '/v1/compliance/apps/chats': pagesOf(rows.chats, MAX_CHAT_PAGE),
      '/v1/compliance/apps/projects': pagesOf(rows.projects, MAX_PROJECT_PAGE),
      '/v1/compliance/apps/projects/{project_id}/attachments': await perList('project_attachments', 'project_id', projects, MAX_PROJECT_PAGE),
      '/v1/compliance/apps/projects/{project_id}/collaborators': await perList('project_collaborators', 'project_id', projects, MAX_COLLABORATOR_PAGE),
    };
    return { rows, minimumByPath, days: Number(span.days) };
  } finally {
    duck.close();
  }
}
