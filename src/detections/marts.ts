// marts.alerts and marts.alert_evidence for analysts (detections.md §4): the alert store written as Parquet
// under data/models/marts/alerts/ and alert_evidence/ after each evaluation (to a temporary name, renamed
// into place), and the warehouse views over them. `models build` writes empty typed files when there are
// none yet, so the views work before the first evaluation.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { LockedError, acquireLock, type Lock } from '../lake/lock.js';
import type { WarehouseObject } from '../models/warehouse.js';
import { type AlertRow, AlertStore, type EvidenceRow } from './store.js';

/** How long a writer of the alert marts waits for another one (an evaluation, a status change). */
const MARTS_LOCK_WAIT_MS = 30_000;

export const ALERT_MART_RELATIONS = ['marts.alerts', 'marts.alert_evidence'] as const;

const ALERT_COLUMNS: [string, string][] = [
  ['id', 'VARCHAR'],
  ['rule_id', 'VARCHAR'],
  ['level', 'VARCHAR'],
  ['entity_type', 'VARCHAR'],
  ['entity_id', 'VARCHAR'],
  ['window_start', 'TIMESTAMPTZ'],
  ['window_end', 'TIMESTAMPTZ'],
  ['first_seen', 'TIMESTAMPTZ'],
  ['last_seen', 'TIMESTAMPTZ'],
  ['summary', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['historical', 'BOOLEAN'],
  ['evidence_count', 'INTEGER'],
  ['actor_user_id', 'VARCHAR'],
  ['actor', 'JSON'],
  ['created_at', 'TIMESTAMPTZ'],
  ['updated_at', 'TIMESTAMPTZ'],
  ['acknowledged_by', 'VARCHAR'],
  ['acknowledged_at', 'TIMESTAMPTZ'],
  ['resolved_by', 'VARCHAR'],
  ['resolved_at', 'TIMESTAMPTZ'],
];

const EVIDENCE_COLUMNS: [string, string][] = [
  ['alert_id', 'VARCHAR'],
  ['activity_id', 'VARCHAR'],
  ['created_at', 'TIMESTAMPTZ'],
];

const GRAIN = {
  'marts.alerts': 'one row per alert (rule, entity, window) with its status; written by the detection engine from data/alerts.sqlite',
  'marts.alert_evidence': 'one row per activity that is evidence of an alert',
};

export function alertMartPath(modelsDir: string, relation: (typeof ALERT_MART_RELATIONS)[number]): string {
  return join(modelsDir, 'marts', relation.split('.')[1], 'data.parquet');
}

/** The warehouse views over the alert marts (paths absolute, under `modelsDir`). */
export function alertMartObjects(modelsDir: string): WarehouseObject[] {
  return ALERT_MART_RELATIONS.map((relation) => ({
    relation,
    sql: `select * from read_parquet(${sqlString(alertMartPath(modelsDir, relation))}, hive_partitioning = false)`,
    comment: GRAIN[relation],
  }));
}

/** Writes empty typed alert marts where there are none (on a connection the caller owns). */
export async function ensureAlertMarts(connection: DuckDBConnection, modelsDir: string): Promise<void> {
  for (const [relation, columns] of [
    ['marts.alerts', ALERT_COLUMNS],
    ['marts.alert_evidence', EVIDENCE_COLUMNS],
  ] as const) {
    const path = alertMartPath(modelsDir, relation);
    if (existsSync(path)) continue;
    await copyAtomically(connection, `select ${columns.map(([c, t]) => `cast(null as ${t}) as ${c}`).join(', ')} where false`, path);
  }
}

async function copyAtomically(connection: DuckDBConnection, sql: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await connection.run(`copy (${sql}) to ${sqlString(tmp)} (format parquet, compression zstd)`);
  renameSync(tmp, path);
}

/**
 * Rewrites the alert marts from the alert store as it is now. Writers (the engine after an evaluation, a
 * status change) take turns under one lock and read the store inside it, so the last file renamed into
 * place is never older than the last change.
 */
export async function publishAlertMarts(dataDir: string): Promise<void> {
  const lock = await waitForLock(join(dataDir, 'detections', 'marts'), 'publish alert marts');
  try {
    if (!AlertStore.exists(dataDir)) return;
    const store = AlertStore.open(dataDir, { readonly: true });
    let rows: AlertRow[];
    let evidence: EvidenceRow[];
    try {
      rows = store.all();
      evidence = store.evidence();
    } finally {
      store.close();
    }
    await writeAlertMarts(join(dataDir, 'models'), rows, evidence);
  } finally {
    lock.release();
  }
}

async function waitForLock(dir: string, command: string): Promise<Lock> {
  const deadline = Date.now() + MARTS_LOCK_WAIT_MS;
  for (;;) {
    try {
      return acquireLock(dir, command);
    } catch (err) {
      if (!(err instanceof LockedError) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Rewrites both marts from the alert store's rows. */
export async function writeAlertMarts(modelsDir: string, rows: readonly AlertRow[], evidence: readonly EvidenceRow[]): Promise<void> {
  const work = join(modelsDir, `_alerts-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const instance = await createDuck({ threads: 1, memoryLimit: '256MB' });
  try {
    const connection = await connectUtc(instance);
    try {
      const alertsJson = join(work, 'alerts.ndjson');
      writeFileSync(
        alertsJson,
        rows
          .map((a) =>
            JSON.stringify({
              id: a.id,
              rule_id: a.ruleId,
              level: a.level,
              entity_type: a.entityType,
              entity_id: a.entityId,
              window_start: a.windowStart,
              window_end: a.windowEnd,
              first_seen: a.firstSeen,
              last_seen: a.lastSeen,
              summary: a.summary,
              status: a.status,
              historical: a.historical,
              evidence_count: a.evidenceCount,
              actor_user_id: actorUserId(a.actorJson),
              actor: a.actorJson,
              created_at: a.createdAt,
              updated_at: a.updatedAt,
              acknowledged_by: a.acknowledgedBy,
              acknowledged_at: a.acknowledgedAt,
              resolved_by: a.resolvedBy,
              resolved_at: a.resolvedAt,
            }),
          )
          .join('\n') + '\n',
      );
      const evidenceJson = join(work, 'evidence.ndjson');
      writeFileSync(evidenceJson, evidence.map((e) => JSON.stringify({ alert_id: e.alertId, activity_id: e.activityId, created_at: e.createdAt })).join('\n') + '\n');
      await copyAtomically(connection, readJson(alertsJson, ALERT_COLUMNS, rows.length, 'first_seen, id'), alertMartPath(modelsDir, 'marts.alerts'));
      await copyAtomically(connection, readJson(evidenceJson, EVIDENCE_COLUMNS, evidence.length, 'alert_id, created_at, activity_id'), alertMartPath(modelsDir, 'marts.alert_evidence'));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
    rmSync(work, { recursive: true, force: true });
  }
}

function readJson(path: string, columns: [string, string][], count: number, order: string): string {
  const typed = columns.map(([c, t]) => `cast(${c} as ${t}) as ${c}`).join(', ');
  if (count === 0) return `select ${columns.map(([c, t]) => `cast(null as ${t}) as ${c}`).join(', ')} where false`;
  // the actor is JSON text in the store: read as VARCHAR, typed JSON in the mart
  const spec = `{${columns.map(([c, t]) => `${c}: '${t === 'JSON' || t === 'TIMESTAMPTZ' ? 'VARCHAR' : t}'`).join(', ')}}`;
  return `select ${typed} from read_json(${sqlString(path)}, format = 'newline_delimited', columns = ${spec}) order by ${order}`;
}

function actorUserId(actorJson: string | null): string | null {
  if (!actorJson) return null;
  try {
    const parsed = JSON.parse(actorJson) as { user_id?: unknown };
    return typeof parsed.user_id === 'string' ? parsed.user_id : null;
  } catch {
    return null;
  }
}
