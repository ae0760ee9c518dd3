// The alert store's tables (drizzle), `data/alerts.sqlite` (detections.md §4). Not the state store: that one
// is a cache rebuilt from the manifest, while alerts' status changes and deliveries exist nowhere else, so
// they live in a file no rebuild touches. `ALERTS_DDL` must match the tables below column for column.
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Bumped when the tables change; an older store is migrated at open, never dropped. */
export const ALERTS_SCHEMA_VERSION = 1;

export const LEVELS = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];
export const ENTITY_TYPES = ['user', 'api_key', 'organization', 'group'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** One alert: a rule's occurrence for one entity and window (id: detections.md §4). */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    ruleId: text('rule_id').notNull(),
    level: text('level', { enum: LEVELS }).notNull(),
    entityType: text('entity_type', { enum: ENTITY_TYPES }).notNull(),
    entityId: text('entity_id').notNull(),
    /** RFC 3339 UTC with microseconds, as every time in this store. */
    windowStart: text('window_start').notNull(),
    windowEnd: text('window_end').notNull(),
    firstSeen: text('first_seen').notNull(),
    lastSeen: text('last_seen').notNull(),
    summary: text('summary').notNull(),
    status: text('status', { enum: ALERT_STATUSES }).notNull(),
    /** Found by a retro hunt (the rule's first evaluation over everything): not delivered unless asked. */
    historical: integer('historical', { mode: 'boolean' }).notNull(),
    evidenceCount: integer('evidence_count').notNull(),
    /** The actor's user record, memberships and roles as of the first evidence (JSON), or null. */
    actorJson: text('actor_json'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: text('acknowledged_at'),
    resolvedBy: text('resolved_by'),
    resolvedAt: text('resolved_at'),
  },
  (t) => [
    index('alerts_rule_idx').on(t.ruleId),
    index('alerts_last_seen_idx').on(t.lastSeen),
    index('alerts_entity_idx').on(t.entityId),
    index('alerts_window_start_idx').on(t.windowStart),
  ],
);

/** The activities that are an alert's evidence. */
export const alertEvidence = sqliteTable(
  'alert_evidence',
  {
    alertId: text('alert_id').notNull(),
    activityId: text('activity_id').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.activityId] })],
);

/** Who changed an alert's status, and when (acknowledge, resolve, reopen). */
export const alertStatusChanges = sqliteTable('alert_status_changes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  alertId: text('alert_id').notNull(),
  fromStatus: text('from_status').notNull(),
  toStatus: text('to_status').notNull(),
  by: text('by').notNull(),
  at: text('at').notNull(),
  note: text('note'),
});

/** Per rule: how far it has been evaluated (detections.md §3). */
export const detectionRulesState = sqliteTable('detection_rules_state', {
  ruleId: text('rule_id').primaryKey(),
  /** SHA-256 of the rule's SQL and its configured parameters: a change means a new retro hunt. */
  paramsHash: text('params_hash').notNull(),
  /** The last manifest entry whose activities this rule has seen. */
  evaluatedSeq: integer('evaluated_seq').notNull(),
  lastEvaluatedAt: text('last_evaluated_at'),
  lastDurationMs: integer('last_duration_ms'),
  lastError: text('last_error'),
  alertsTotal: integer('alerts_total').notNull(),
});

/** One delivery of one alert to one destination (detections.md §5). */
export const alertOutbox = sqliteTable(
  'alert_outbox',
  {
    alertId: text('alert_id').notNull(),
    destination: text('destination').notNull(),
    state: text('state', { enum: ['pending', 'delivered'] }).notNull(),
    attempts: integer('attempts').notNull(),
    /** Epoch ms before which no attempt is made (backoff). */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    deliveredAt: text('delivered_at'),
    /** The alert document as first sent, frozen so every retry sends the same body (detections.md §5). */
    body: text('body'),
    /** Epoch ms of the first and the latest attempt (a destination failing for 15 minutes is reported). */
    firstAttemptAt: integer('first_attempt_at'),
    lastAttemptAt: integer('last_attempt_at'),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.destination] }), index('alert_outbox_due_idx').on(t.state, t.nextAttemptAt), check('alert_outbox_attempts', sql`${t.attempts} >= 0`)],
);

/**
 * The months of marts.alerts (by `window_start`, which an alert never changes) whose Parquet file is older
 * than the store: marked in the transaction that changes an alert, cleared when the file is rewritten (only
 * if `version` did not move meanwhile), so a crash between the two leaves the month marked (detections.md §4).
 */
export const alertMartsDirty = sqliteTable('alert_marts_dirty', {
  bucket: text('bucket').primaryKey(),
  version: integer('version').notNull(),
});

/** Facts about the store itself: `store_id`, random at creation (the marts name the store they were written from). */
export const alertStoreMeta = sqliteTable('alert_store_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const alertTables = { alerts, alertEvidence, alertStatusChanges, detectionRulesState, alertOutbox, alertMartsDirty, alertStoreMeta };

export const ALERTS_DDL = `
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY NOT NULL,
  rule_id TEXT NOT NULL,
  level TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  summary TEXT NOT NULL,
  status TEXT NOT NULL,
  historical INTEGER NOT NULL,
  evidence_count INTEGER NOT NULL,
  actor_json TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at TEXT,
  resolved_by TEXT,
  resolved_at TEXT
);
CREATE INDEX IF NOT EXISTS alerts_rule_idx ON alerts (rule_id);
CREATE INDEX IF NOT EXISTS alerts_last_seen_idx ON alerts (last_seen);
CREATE INDEX IF NOT EXISTS alerts_entity_idx ON alerts (entity_id);
CREATE INDEX IF NOT EXISTS alerts_window_start_idx ON alerts (window_start);
-- the console's open alerts by level: counted from the index alone, the newest found without a sort
CREATE INDEX IF NOT EXISTS alerts_status_level_idx ON alerts (status, level, last_seen, id);
CREATE TABLE IF NOT EXISTS alert_evidence (
  alert_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (alert_id, activity_id)
);
CREATE TABLE IF NOT EXISTS alert_status_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  by TEXT NOT NULL,
  at TEXT NOT NULL,
  note TEXT
);
CREATE TABLE IF NOT EXISTS detection_rules_state (
  rule_id TEXT PRIMARY KEY NOT NULL,
  params_hash TEXT NOT NULL,
  evaluated_seq INTEGER NOT NULL,
  last_evaluated_at TEXT,
  last_duration_ms INTEGER,
  last_error TEXT,
  alerts_total INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_outbox (
  alert_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  body TEXT,
  first_attempt_at INTEGER,
  last_attempt_at INTEGER,
  PRIMARY KEY (alert_id, destination),
  CONSTRAINT alert_outbox_attempts CHECK (attempts >= 0)
);
CREATE INDEX IF NOT EXISTS alert_outbox_due_idx ON alert_outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS alert_marts_dirty (
  bucket TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_store_meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
INSERT OR IGNORE INTO alert_store_meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));
`;
