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
export async function publishAlertMarts(dataDir: string, options: { connection?: DuckDBConnection; store?: AlertStore } = {}): Promise<{ full: boolean; buckets: number }> {
  const lock = await waitForLock(join(dataDir, 'detections', 'marts'), 'publish alert marts');
  try {
    if (!options.store && !AlertStore.exists(dataDir)) return { full: false, buckets: 0 };
    const modelsDir = join(dataDir, 'models');
    // read-write: an older store gets the dirty-month table at open. The caller's own (an evaluation's, read
    // after its commit) saves an open and a close (a checkpoint of the WAL)
    const store = options.store ?? AlertStore.open(dataDir);
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
      if (!options.store) store.close();
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
      // the rows go in through DuckDB's appender as text (the store's own values), then are typed in SQL: no
      // NDJSON of every actor snapshot to write and parse again (326 MB of actor JSON on a retro hunt at 100 M)
      await appendRows(
        connection,
        'alerts_raw',
        ALERT_COLUMNS,
        rows.map((a) => [
          a.id,
          a.ruleId,
          a.level,
          a.entityType,
          a.entityId,
          a.windowStart,
          a.windowEnd,
          a.firstSeen,
          a.lastSeen,
          a.summary,
          a.status,
          a.historical,
          a.evidenceCount,
          actorUserId(a.actorJson),
          a.actorJson,
          a.createdAt,
          a.updatedAt,
          a.acknowledgedBy,
          a.acknowledgedAt,
          a.resolvedBy,
          a.resolvedAt,
          bucketOf.get(a.id) ?? null,
        ]),
      );
      await appendRows(
        connection,
        'evidence_raw',
        EVIDENCE_COLUMNS,
        evidence.map((e) => [e.alertId, e.activityId, e.createdAt, bucketOf.get(e.alertId) ?? null]),
      );
      await connection.run(`create or replace temp table alerts_in as ${typedRows('alerts_raw', ALERT_COLUMNS)}`);
      await connection.run(`create or replace temp table evidence_in as ${typedRows('evidence_raw', EVIDENCE_COLUMNS)}`);
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
      if (given) await connection.run('drop table if exists alerts_in; drop table if exists evidence_in; drop table if exists alerts_raw; drop table if exists evidence_raw');
      else connection.closeSync();
    }
  } finally {
    instance?.closeSync();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A column's type as appended: text for what the store holds as text (times, JSON), the column's type otherwise. */
const rawType = (type: string) => (type === 'JSON' || type === 'TIMESTAMPTZ' ? 'VARCHAR' : type);

/** Appends `values` (one array per row: the columns' values, then the bucket) to a new temp table `table`. */
async function appendRows(connection: DuckDBConnection, table: string, columns: readonly (readonly [string, string])[], values: readonly (readonly (string | number | boolean | null)[])[]): Promise<void> {
  await connection.run(`create or replace temp table ${table} (${columns.map(([c, t]) => `${c} ${rawType(t)}`).join(', ')}, bucket VARCHAR)`);
  const types = [...columns.map(([, t]) => rawType(t)), 'VARCHAR'];
  const appender = await connection.createAppender(table, 'main', 'temp');
  try {
    for (const row of values) {
      row.forEach((v, i) => {
        if (v === null || v === undefined) appender.appendNull();
        else if (types[i] === 'BOOLEAN') appender.appendBoolean(Boolean(v));
        else if (types[i] === 'INTEGER') appender.appendInteger(Number(v));
        else appender.appendVarchar(String(v));
      });
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * The mart's typed columns and `bucket` of an appended temp table (the actor typed JSON in the mart), in bucket
 * order: each month's file is then read from its own row groups (the temp table's min/max per row group), not
 * from a scan of every alert per month (72 scans of 326 MB of actor JSON on a 100 M retro hunt).
 */
function typedRows(table: string, columns: readonly (readonly [string, string])[]): string {
  return `select ${columns.map(([c, t]) => `cast(${c} as ${t}) as ${c}`).join(', ')}, bucket from ${table} order by bucket`;
}

/** `"user_id"` opens every snapshot the engine writes (detections.md §4): read from there, not by parsing 10 kB. */
const LEADING_USER_ID = /^\{"user_id":("(?:[^"\\]|\\.)*"|null)[,}]/;

function actorUserId(actorJson: string | null): string | null {
  if (!actorJson) return null;
  const lead = LEADING_USER_ID.exec(actorJson);
  if (lead) return JSON.parse(lead[1]) as string | null;
  try {
    const parsed = JSON.parse(actorJson) as { user_id?: unknown };
    return typeof parsed.user_id === 'string' ? parsed.user_id : null;
  } catch {
    return null;
  }
}
