// marts.alerts and marts.alert_evidence for analysts (detections.md §4): the alert store written as Parquet
// under data/models/marts/alerts/ and alert_evidence/, one file per month of window starts (YYYY-MM/data.parquet),
// after each evaluation and status change, only the months that changed (each to a temporary name, renamed
// into place); and the warehouse views over them. `models build` writes the empty typed files (_empty/) the
// views' globs always match, so the views work before the first evaluation.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { LockedError, acquireLock, type Lock } from '../lake/lock.js';
import type { WarehouseObject } from '../models/warehouse.js';
import { type AlertRow, AlertStore, type EvidenceRow, alertBucket } from './store.js';

/** How long a writer of the alert marts waits for another one (an evaluation, a status change). */
const MARTS_LOCK_WAIT_MS = 30_000;

export const ALERT_MART_RELATIONS = ['marts.alerts', 'marts.alert_evidence'] as const;

const ALERT_COLUMNS: readonly (readonly [string, string])[] = [
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

const EVIDENCE_COLUMNS: readonly (readonly [string, string])[] = [
  ['alert_id', 'VARCHAR'],
  ['activity_id', 'VARCHAR'],
  ['created_at', 'TIMESTAMPTZ'],
];

const GRAIN = {
  'marts.alerts': 'one row per alert (rule, entity, window) with its status; written by the detection engine from data/alerts.sqlite',
  'marts.alert_evidence': 'one row per activity that is evidence of an alert',
};

/** The directory of one alert mart: a `YYYY-MM/data.parquet` per month of window starts, and `_empty/`. */
export function alertMartDir(modelsDir: string, relation: (typeof ALERT_MART_RELATIONS)[number]): string {
  return join(modelsDir, 'marts', relation.split('.')[1]);
}

/** One month's file of an alert mart (`_empty`: the typed file with no rows that keeps the view's glob matching). */
export function alertMartPath(modelsDir: string, relation: (typeof ALERT_MART_RELATIONS)[number], bucket = EMPTY_BUCKET): string {
  return join(alertMartDir(modelsDir, relation), bucket, 'data.parquet');
}

const EMPTY_BUCKET = '_empty';
/** Names the alert store the marts were last written in full from (a replaced store means a full rewrite). */
const PUBLISHED_FILE = '_published.json';
const BUCKET = /^\d{4}-\d{2}$/;

/** The warehouse views over the alert marts (paths absolute, under `modelsDir`). */
export function alertMartObjects(modelsDir: string): WarehouseObject[] {
  return ALERT_MART_RELATIONS.map((relation) => ({
    relation,
    sql: `select * from read_parquet(${sqlString(join(alertMartDir(modelsDir, relation), '*', 'data.parquet'))}, hive_partitioning = false)`,
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
 * Brings the alert marts up to the alert store: rewrites the months the store marked as changed (an evaluation
 * that raised a day's alerts rewrites one month, not six years), or every month when the marts were not
 * written from this store yet (first time, an older layout, a replaced store). Writers (the engine after an
 * evaluation, a status change) take turns under one lock and read the store inside it, and a month's mark is
 * cleared only if it did not move meanwhile, so the files never end up older than the store.
 */
export async function publishAlertMarts(dataDir: string, options: { connection?: DuckDBConnection } = {}): Promise<{ full: boolean; buckets: number }> {
  const lock = await waitForLock(join(dataDir, 'detections', 'marts'), 'publish alert marts');
  try {
    if (!AlertStore.exists(dataDir)) return { full: false, buckets: 0 };
    const modelsDir = join(dataDir, 'models');
    // read-write: an older store gets the dirty-month table at open
    const store = AlertStore.open(dataDir);
    try {
      const full = publishedFrom(modelsDir) !== store.storeId() || ALERT_MART_RELATIONS.some((r) => !existsSync(alertMartPath(modelsDir, r)));
      const snapshot = store.martsSnapshot(full);
      if (!full && snapshot.buckets.length === 0) return { full, buckets: 0 };
      // a few months on the caller's connection (an evaluation's); every month on a writer of its own that may spill
      await writeAlertMarts(modelsDir, snapshot.rows, snapshot.evidence, snapshot.buckets, full, full ? undefined : options.connection);
      if (full) writePublished(modelsDir, snapshot.storeId);
      store.clearDirty(snapshot.dirty);
      return { full, buckets: snapshot.buckets.length };
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

function publishedFrom(modelsDir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(alertMartDir(modelsDir, 'marts.alerts'), PUBLISHED_FILE), 'utf8')) as { storeId?: string }).storeId ?? null;
  } catch {
    return null;
  }
}

function writePublished(modelsDir: string, storeId: string): void {
  const path = join(alertMartDir(modelsDir, 'marts.alerts'), PUBLISHED_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify({ storeId }) + '\n');
  renameSync(`${path}.tmp`, path);
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

/**
 * Rewrites the months `buckets` of both marts from these alert store rows (every row's month is among them).
 * `full`: these are all the store's months; every other month directory (and a file of the single-file layout
 * before months) is removed, and the typed empty files are written again.
 */
export async function writeAlertMarts(
  modelsDir: string,
  rows: readonly AlertRow[],
  evidence: readonly EvidenceRow[],
  buckets: readonly string[],
  full: boolean,
  given?: DuckDBConnection,
): Promise<void> {
  const work = join(modelsDir, `_alerts-${process.pid}`);
  mkdirSync(work, { recursive: true });
  // actor snapshots can be large (an admin in hundreds of groups): spill under the work dir rather than fail
  const instance = given ? null : await createDuck({ threads: 1, memoryLimit: '1GB', tempDirectory: join(work, 'spill'), settings: { preserve_insertion_order: 'false' } });
  try {
    const connection = given ?? (await connectUtc(instance!));
    try {
      const bucketOf = new Map(rows.map((a) => [a.id, alertBucket(a.windowStart)]));
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
              bucket: bucketOf.get(a.id),
            }),
          )
          .join('\n') + '\n',
      );
      const evidenceJson = join(work, 'evidence.ndjson');
      writeFileSync(
        evidenceJson,
        evidence.map((e) => JSON.stringify({ alert_id: e.alertId, activity_id: e.activityId, created_at: e.createdAt, bucket: bucketOf.get(e.alertId) ?? null })).join('\n') + '\n',
      );
      await connection.run(`create or replace temp table alerts_in as ${readJson(alertsJson, ALERT_COLUMNS, rows.length)}`);
      await connection.run(`create or replace temp table evidence_in as ${readJson(evidenceJson, EVIDENCE_COLUMNS, evidence.length)}`);
      const present = new Set(bucketOf.values());
      for (const [relation, table, columns, order] of [
        ['marts.alerts', 'alerts_in', ALERT_COLUMNS, 'first_seen, id'],
        ['marts.alert_evidence', 'evidence_in', EVIDENCE_COLUMNS, 'alert_id, created_at, activity_id'],
      ] as const) {
        for (const bucket of buckets) {
          const path = alertMartPath(modelsDir, relation, bucket);
          if (!present.has(bucket)) rmSync(dirname(path), { recursive: true, force: true });
          else await copyAtomically(connection, `select ${columns.map(([c]) => c).join(', ')} from ${table} where bucket = ${sqlString(bucket)} order by ${order}`, path);
        }
        if (!full) continue;
        const dir = alertMartDir(modelsDir, relation);
        await copyAtomically(connection, `select ${columns.map(([c, t]) => `cast(null as ${t}) as ${c}`).join(', ')} where false`, alertMartPath(modelsDir, relation));
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const stale = entry.isDirectory() ? BUCKET.test(entry.name) && !present.has(entry.name) : entry.name === 'data.parquet';
          if (stale) rmSync(join(dir, entry.name), { recursive: true, force: true });
        }
      }
    } finally {
      if (given) await connection.run('drop table if exists alerts_in; drop table if exists evidence_in');
      else connection.closeSync();
    }
  } finally {
    instance?.closeSync();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The typed rows of an NDJSON file with the mart's columns and `bucket`. */
function readJson(path: string, columns: readonly (readonly [string, string])[], count: number): string {
  const typed = columns.map(([c, t]) => `cast(${c} as ${t}) as ${c}`).join(', ');
  if (count === 0) return `select ${columns.map(([c, t]) => `cast(null as ${t}) as ${c}`).join(', ')}, cast(null as VARCHAR) as bucket where false`;
  // the actor is JSON text in the store: read as VARCHAR, typed JSON in the mart
  const spec = `{${columns.map(([c, t]) => `${c}: '${t === 'JSON' || t === 'TIMESTAMPTZ' ? 'VARCHAR' : t}'`).join(', ')}, bucket: 'VARCHAR'}`;
  return `select ${typed}, bucket from read_json(${sqlString(path)}, format = 'newline_delimited', columns = ${spec})`;
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
