// The state store's tables (drizzle) and the DDL that creates them at open. Everything here except
// `runs` is a cache of the lake's manifest and can be rebuilt from it; `STATE_DDL` must match the tables
// below column for column (test/state-store.test.ts compares them).
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Bumped when the tables change; a store with another version must be rebuilt from the manifest. */
export const STATE_SCHEMA_VERSION = 1;

/** The last manifest entry applied: one row (id 1). */
export const applied = sqliteTable(
  'applied',
  {
    id: integer('id').primaryKey(),
    seq: integer('seq').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('applied_one_row', sql`${t.id} = 1`)],
);

/** Each stream's cursor as of the manifest entry that last set it. */
export const cursors = sqliteTable('cursors', {
  stream: text('stream').primaryKey(),
  /** JSON text; the cursor is opaque to the lake (JSON `null` is a valid cursor). */
  cursor: text('cursor').notNull(),
  seq: integer('seq').notNull(),
  /** The `committed_at` of that entry, so a rebuild reproduces it. */
  updatedAt: text('updated_at').notNull(),
});

/** The file catalog: every file ever added; `removed_seq` is set when a compaction removed it. */
export const files = sqliteTable(
  'files',
  {
    path: text('path').primaryKey(),
    stream: text('stream').notNull(),
    date: text('date').notNull(),
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    rows: integer('rows').notNull(),
    minTime: text('min_time'),
    maxTime: text('max_time'),
    firstId: text('first_id'),
    lastId: text('last_id'),
    endpoint: text('endpoint').notNull(),
    params: text('params', { mode: 'json' }).$type<Record<string, string | string[]>>().notNull(),
    runId: text('run_id').notNull(),
    requestIds: text('request_ids', { mode: 'json' }).$type<string[]>().notNull(),
    addedSeq: integer('added_seq').notNull(),
    removedSeq: integer('removed_seq'),
  },
  (t) => [index('files_stream_date_idx').on(t.stream, t.date)],
);

export const coverageEvents = sqliteTable(
  'coverage_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    stream: text('stream').notNull(),
    recordId: text('record_id').notNull(),
    recordTime: text('record_time').notNull(),
    foundBy: text('found_by', { enum: ['overlap', 'reconciliation', 'page-check', 'vanished', 'unavailable'] }).notNull(),
    foundAt: text('found_at').notNull(),
    runId: text('run_id').notNull(),
    windowStart: text('window_start'),
    windowEnd: text('window_end'),
    seq: integer('seq').notNull(),
  },
  (t) => [index('coverage_events_stream_idx').on(t.stream), index('coverage_events_run_idx').on(t.runId)],
);

/** Request ids this connector made, to recognise its own `compliance_api_accessed` events. */
export const ownRequests = sqliteTable('own_requests', {
  requestId: text('request_id').primaryKey(),
  runId: text('run_id').notNull(),
  /** The first manifest entry that listed the id. */
  seq: integer('seq').notNull(),
});

/** The run ledger. Not in the manifest: a rebuild copies it from the old store. */
export const runs = sqliteTable('runs', {
  runId: text('run_id').primaryKey(),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  status: text('status'),
  streams: text('streams', { mode: 'json' }).$type<string[]>().notNull(),
  pid: integer('pid').notNull(),
  summary: text('summary', { mode: 'json' }),
});

/**
 * `forward`'s cursors per destination, one per kind ('activities' and 'alerts'), schema/ocsf.md §5. Not in the manifest:
 * a rebuild copies it from the old store, as it does the run ledger.
 */
export const forwardCursors = sqliteTable('forward_cursors', {
  destination: text('destination').primaryKey(),
  /** JSON text of each kind's cursor, opaque to the store; null until that kind has one. */
  activities: text('activities'),
  alerts: text('alerts'),
  updatedAt: text('updated_at').notNull(),
});

export const stateTables = { applied, cursors, files, coverageEvents, ownRequests, runs, forwardCursors };

export const STATE_DDL = `
CREATE TABLE IF NOT EXISTS applied (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  CONSTRAINT applied_one_row CHECK (id = 1)
);
CREATE TABLE IF NOT EXISTS cursors (
  stream TEXT PRIMARY KEY NOT NULL,
  cursor TEXT NOT NULL,
  seq INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY NOT NULL,
  stream TEXT NOT NULL,
  date TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  min_time TEXT,
  max_time TEXT,
  first_id TEXT,
  last_id TEXT,
  endpoint TEXT NOT NULL,
  params TEXT NOT NULL,
  run_id TEXT NOT NULL,
  request_ids TEXT NOT NULL,
  added_seq INTEGER NOT NULL,
  removed_seq INTEGER
);
CREATE INDEX IF NOT EXISTS files_stream_date_idx ON files (stream, date);
CREATE TABLE IF NOT EXISTS coverage_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stream TEXT NOT NULL,
  record_id TEXT NOT NULL,
  record_time TEXT NOT NULL,
  found_by TEXT NOT NULL,
  found_at TEXT NOT NULL,
  run_id TEXT NOT NULL,
  window_start TEXT,
  window_end TEXT,
  seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS coverage_events_stream_idx ON coverage_events (stream);
CREATE INDEX IF NOT EXISTS coverage_events_run_idx ON coverage_events (run_id);
CREATE TABLE IF NOT EXISTS own_requests (
  request_id TEXT PRIMARY KEY NOT NULL,
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT,
  streams TEXT NOT NULL,
  pid INTEGER NOT NULL,
  summary TEXT
);
CREATE TABLE IF NOT EXISTS forward_cursors (
  destination TEXT PRIMARY KEY NOT NULL,
  activities TEXT,
  alerts TEXT,
  updated_at TEXT NOT NULL
);
`;
