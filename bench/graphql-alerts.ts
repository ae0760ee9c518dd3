// Benchmark: GraphQL alert queries over a large alert store (CL_BENCH_ALERTS, default 100 000 alerts of 3
// evidence each, six years apart by half an hour). The list, its filters (status, level and time; a user; a
// group through actor_json) with totalCount, and the rules with their counts: median of 5 runs after a warm-up.
// No warehouse: these fields read only data/alerts.sqlite (and sql/detections for rule titles).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTS_DDL, ALERTS_SCHEMA_VERSION } from '../src/detections/schema.js';
import { ALERTS_FILE } from '../src/detections/store.js';
import { startGraphqlServer } from '../src/graphql/server.js';

const RULES = ['sso_disabled', 'failed_signin_burst', 'admin_action_after_privileged_group_join', 'key_created_by_newcomer'];
const LEVELS = ['low', 'medium', 'high', 'critical'];
const STATUSES = ['open', 'acknowledged', 'resolved'];

const QUERIES: Record<string, string> = {
  'alerts, first 50 with rule titles, totalCount': '{ alerts(first: 50) { totalCount edges { node { id status rule { id title } } } } }',
  'alerts OPEN, HIGH/CRITICAL, since 2024, first 50, totalCount':
    '{ alerts(filter: { status: OPEN, levels: [HIGH, CRITICAL], since: "2024-01-01T00:00:00Z" }, first: 50) { totalCount edges { node { id } } } }',
  'alerts of one user, first 50, totalCount': '{ alerts(filter: { userId: "user_42" }, first: 50) { totalCount edges { node { id } } } }',
  'alerts of one group (actor_json), first 50, totalCount': '{ alerts(filter: { groupId: "grp_7" }, first: 50) { totalCount edges { node { id } } } }',
  'rules with alertCounts': '{ rules { id enabled alertCounts { open total } } }',
};

export interface GraphqlAlertsBenchResult {
  alerts: number;
  medianMs: Record<string, number>;
}

export async function benchGraphqlAlerts(): Promise<GraphqlAlertsBenchResult> {
  const n = Number(process.env.CL_BENCH_ALERTS ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'cl-bench-alerts-'));
  try {
    writeStore(dir, n);
    const server = await startGraphqlServer({ dataDir: dir, port: 0, token: null });
    const medianMs: Record<string, number> = {};
    try {
      for (const [name, query] of Object.entries(QUERIES)) {
        const times: number[] = [];
        for (let i = 0; i < 6; i++) {
          const started = performance.now();
          const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
          const body = (await res.json()) as { errors?: unknown[] };
          if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
          if (i > 0) times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        medianMs[name] = Math.round(times[2]);
      }
    } finally {
      await server.close();
    }
    return { alerts: n, medianMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeStore(dir: string, n: number): void {
  const db = new Database(join(dir, ALERTS_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.exec(ALERTS_DDL);
    db.pragma(`user_version = ${ALERTS_SCHEMA_VERSION}`);
    const alert = db.prepare(
      `insert into alerts (id, rule_id, level, entity_type, entity_id, window_start, window_end, first_seen, last_seen, summary, status, historical, evidence_count, actor_json, created_at, updated_at)
       values (?, ?, ?, 'user', ?, ?, ?, ?, ?, 'bench', ?, ?, 3, ?, ?, ?)`,
    );
    const evidence = db.prepare('insert into alert_evidence (alert_id, activity_id, created_at) values (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const id = `a${String(i).padStart(31, '0')}`;
        const at = new Date(Date.UTC(2021, 0, 1) + i * 1_800_000).toISOString().replace('Z', '000Z');
        const user = `user_${i % 5000}`;
        const actor = JSON.stringify({ user_id: user, as_of: at, user: { email: `${user}@example.com` }, groups: [{ group_id: `grp_${i % 50}`, name: 'G', since: null }], roles: [] });
        alert.run(id, RULES[i % 4], LEVELS[i % 4], user, at, at, at, at, STATUSES[i % 3], i % 2, actor, at, at);
        for (let k = 0; k < 3; k++) evidence.run(id, `act_${i}_${k}`, at);
      }
    })();
  } finally {
    db.close();
  }
}
