// The alert store, data/alerts.sqlite (detections.md §4): alerts, their evidence, who changed their status,
// how far each rule was evaluated, and the delivery outbox. SQLite in WAL mode so readers (GraphQL, the
// delivery worker) open it while the engine writes. Never rebuilt: it is the only copy of statuses and
// deliveries (`state rebuild` does not touch it).
import Database from 'better-sqlite3';
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALERTS_DDL,
  ALERTS_SCHEMA_VERSION,
  type AlertStatus,
  type EntityType,
  LEVELS,
  type Level,
  alertEvidence,
  alertMartsDirty,
  alertOutbox,
  alertStatusChanges,
  alertTables,
  alerts,
  detectionRulesState,
} from './schema.js';

export const ALERTS_FILE = 'alerts.sqlite';
const BUSY_TIMEOUT_MS = 5_000;
const IN_CHUNK = 500;

type AlertsDb = BetterSQLite3Database<typeof alertTables>;
type AlertsTx = Parameters<Parameters<AlertsDb['transaction']>[0]>[0];

export type AlertRow = typeof alerts.$inferSelect;
export type EvidenceRow = typeof alertEvidence.$inferSelect;
export type StatusChangeRow = typeof alertStatusChanges.$inferSelect;
export type RuleStateRow = typeof detectionRulesState.$inferSelect;
export type OutboxRow = typeof alertOutbox.$inferSelect;

/** One occurrence a rule returned (times in µs since the epoch). */
export interface Occurrence {
  entityId: string;
  windowStart: string;
  windowEnd: string;
  summary: string;
  /** Sorted, distinct, with each activity's created_at (RFC 3339 UTC, µs). */
  evidence: { activityId: string; createdAt: string }[];
  /** The actor's user record, memberships and roles as of the first evidence (JSON), or null. */
  actorJson: string | null;
}

/** Where new alerts go (detections.md §5): a destination's name, level threshold and rule filter. */
export interface DestinationFilter {
  name: string;
  minLevel: Level;
  /** Rule ids, or ['*'] for every rule. */
  rules: readonly string[];
}

export interface UpsertOptions {
  historical: boolean;
  /** Deliver historical alerts too (`deliverHistorical`). */
  deliverHistorical?: boolean;
  destinations: readonly DestinationFilter[];
  /** RFC 3339 UTC; default the real time. */
  now?: string;
}

export interface UpsertResult {
  created: string[];
  /** Existing alerts whose evidence, times or summary changed. */
  updated: string[];
  /** Outbox rows created. */
  queued: number;
}

export interface AlertFilter {
  since?: string;
  until?: string;
  ruleIds?: readonly string[];
  levels?: readonly Level[];
  status?: readonly AlertStatus[];
  entityId?: string;
  historical?: boolean;
  limit?: number;
}

export class AlertNotFoundError extends Error {
  override name = 'AlertNotFoundError';
  constructor(readonly id: string) {
    super(`no alert with id ${id}; \`compliance-lake alerts list\` shows the alerts`);
  }
}

/** A status change that does not apply (resolving twice, acknowledging a resolved alert). */
export class AlertStatusError extends Error {
  override name = 'AlertStatusError';
}

/** `id` of detections.md §4: first 32 hex of SHA-256 of `rule \0 entity \0 window_start`. */
export function alertId(ruleId: string, entityId: string, windowStart: string): string {
  return createHash('sha256').update(`${ruleId}\0${entityId}\0${windowStart}`).digest('hex').slice(0, 32);
}

/** The month of marts.alerts an alert's row is in: `YYYY-MM` of its window start (which never changes). */
export function alertBucket(windowStart: string): string {
  return windowStart.slice(0, 7);
}

/** A month of the alert marts whose file is older than the store, and the mark's version (see alertMartsDirty). */
export interface DirtyBucket {
  bucket: string;
  version: number;
}

/** What the alert marts are written from: one consistent read of the store. */
export interface MartsSnapshot {
  storeId: string;
  /** The months marked as changed (cleared after their files are rewritten). */
  dirty: DirtyBucket[];
  /** The months whose rows are below: the dirty ones, or every month of the store (`full`). */
  buckets: string[];
  rows: AlertRow[];
  evidence: EvidenceRow[];
}

/** Whether a destination takes an alert of this rule and level. */
export function destinationTakes(d: DestinationFilter, ruleId: string, level: Level): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(d.minLevel) && (d.rules.includes('*') || d.rules.includes(ruleId));
}

export class AlertStore {
  private constructor(
    readonly path: string,
    private readonly sqlite: Database.Database,
    private readonly db: AlertsDb,
  ) {}

  static path(dataDir: string): string {
    return join(dataDir, ALERTS_FILE);
  }

  static exists(dataDir: string): boolean {
    return existsSync(AlertStore.path(dataDir));
  }

  /** Opens (and unless read-only creates) `<dataDir>/alerts.sqlite`. */
  static open(dataDir: string, options: { readonly?: boolean } = {}): AlertStore {
    const path = AlertStore.path(dataDir);
    const readonly = options.readonly ?? false;
    if (readonly && !existsSync(path)) throw new Error(`no alert store at ${path}; run \`compliance-lake detections run\` first`);
    if (!readonly) mkdirSync(dataDir, { recursive: true });
    const sqlite = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    try {
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!readonly) {
        sqlite.pragma('journal_mode = WAL');
        // a status change or a delivery mark is on disk when the call returns
        sqlite.pragma('synchronous = FULL');
      }
      const version = sqlite.pragma('user_version', { simple: true }) as number;
      if (version > ALERTS_SCHEMA_VERSION) {
        throw new Error(`alert store ${path} has schema version ${version}, newer than this build's ${ALERTS_SCHEMA_VERSION}; upgrade compliance-lake`);
      }
      if (readonly && version !== ALERTS_SCHEMA_VERSION) {
        throw new Error(`alert store ${path} has schema version ${version}; open it once read-write (\`compliance-lake detections run\`) to migrate it`);
      }
      // the DDL is the migration (an older store gets the tables added since): run in a write transaction only
      // when an object it creates or the store's id is missing, not on every open (a commit, and so an fsync)
      if (!readonly && !(version === ALERTS_SCHEMA_VERSION && schemaComplete(sqlite))) {
        sqlite
          .transaction(() => {
            sqlite.exec(ALERTS_DDL);
            sqlite.pragma(`user_version = ${ALERTS_SCHEMA_VERSION}`);
          })
          .immediate();
      }
    } catch (err) {
      sqlite.close();
      throw err;
    }
    return new AlertStore(path, sqlite, drizzle({ client: sqlite, schema: alertTables }));
  }

  close(): void {
    this.sqlite.close();
  }

  private upserts: ReturnType<AlertStore['prepareUpserts']> | null = null;

  private upsertStatements(): ReturnType<AlertStore['prepareUpserts']> {
    return (this.upserts ??= this.prepareUpserts());
  }

  private prepareUpserts() {
    const db = this.sqlite;
    return {
      existing: db.prepare('select first_seen, last_seen, window_start, window_end, summary, actor_json from alerts where id = ?'),
      insertAlert: db.prepare(
        `insert into alerts (id, rule_id, level, entity_type, entity_id, window_start, window_end, first_seen, last_seen, summary, status, historical, evidence_count, actor_json, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, 0, ?, ?, ?)`,
      ),
      insertEvidence: db.prepare('insert into alert_evidence (alert_id, activity_id, created_at) values (?, ?, ?) on conflict do nothing'),
      setEvidenceCount: db.prepare('update alerts set evidence_count = (select count(*) from alert_evidence where alert_id = ?) where id = ?'),
      updateAlert: db.prepare(
        `update alerts set first_seen = ?, last_seen = ?, window_end = ?, summary = ?,
           evidence_count = (select count(*) from alert_evidence where alert_id = ?), actor_json = ?, updated_at = ?
         where id = ?`,
      ),
      markDirty: db.prepare('insert into alert_marts_dirty (bucket, version) values (?, 1) on conflict (bucket) do update set version = version + 1'),
      insertOutbox: db.prepare(
        `insert into alert_outbox (alert_id, destination, state, attempts, next_attempt_at, created_at) values (?, ?, 'pending', 0, 0, ?) on conflict do nothing`,
      ),
    };
  }

  /** Runs `fn` in one write transaction: the store's own transactions inside it become savepoints. */
  inTransaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  /**
   * Creates or updates the alerts of a rule's occurrences, in one transaction with the outbox rows of the new,
   * deliverable ones (detections.md §4, §5). An existing alert keeps its status; its evidence becomes the union.
   */
  upsertOccurrences(rule: { id: string; level: Level; entity: EntityType }, occurrences: readonly Occurrence[], options: UpsertOptions): UpsertResult {
    const now = options.now ?? isoNow();
    const result: UpsertResult = { created: [], updated: [], queued: 0 };
    const deliver = !options.historical || options.deliverHistorical === true;
    const targets = deliver ? options.destinations.filter((d) => destinationTakes(d, rule.id, rule.level)) : [];
    // prepared once per store and run per occurrence: a retro hunt upserts tens of thousands of alerts, and
    // building each statement through the query builder cost more than SQLite's own work (drizzle's prepare
    // per statement: half of storing 30 772 alerts at 100 M). The same statements the builder made.
    const q = this.upsertStatements();
    this.sqlite
      .transaction(() => {
        for (const o of occurrences) {
          const id = alertId(rule.id, o.entityId, o.windowStart);
          const existing = q.existing.get(id) as { first_seen: string; last_seen: string; window_start: string; window_end: string; summary: string; actor_json: string | null } | undefined;
          if (!existing) {
            q.insertAlert.run(id, rule.id, rule.level, rule.entity, o.entityId, o.windowStart, o.windowEnd, o.windowStart, o.windowEnd, o.summary, options.historical ? 1 : 0, o.actorJson, now, now);
            for (const e of o.evidence) q.insertEvidence.run(id, e.activityId, e.createdAt);
            q.setEvidenceCount.run(id, id);
            q.markDirty.run(alertBucket(o.windowStart));
            for (const d of targets) {
              q.insertOutbox.run(id, d.name, now);
              result.queued++;
            }
            result.created.push(id);
            continue;
          }
          let added = 0;
          for (const e of o.evidence) added += q.insertEvidence.run(id, e.activityId, e.createdAt).changes;
          const firstSeen = o.windowStart < existing.first_seen ? o.windowStart : existing.first_seen;
          const lastSeen = o.windowEnd > existing.last_seen ? o.windowEnd : existing.last_seen;
          const windowEnd = o.windowEnd > existing.window_end ? o.windowEnd : existing.window_end;
          const changed = added > 0 || firstSeen !== existing.first_seen || lastSeen !== existing.last_seen || o.summary !== existing.summary;
          if (!changed) continue;
          // the snapshot is as of the first evidence: it moves only when earlier evidence was found
          const actorJson = firstSeen !== existing.first_seen ? (o.actorJson ?? existing.actor_json) : (existing.actor_json ?? o.actorJson);
          q.updateAlert.run(firstSeen, lastSeen, windowEnd, o.summary, id, actorJson, now, id);
          q.markDirty.run(alertBucket(existing.window_start));
          result.updated.push(id);
        }
      })
      .immediate();
    return result;
  }

  get(id: string): AlertRow | null {
    return this.db.select().from(alerts).where(eq(alerts.id, id)).get() ?? null;
  }

  /** Alerts newest `last_seen` first. */
  list(filter: AlertFilter = {}): AlertRow[] {
    const where: SQL[] = [];
    if (filter.since) where.push(gte(alerts.lastSeen, filter.since));
    if (filter.until) where.push(lte(alerts.firstSeen, filter.until));
    if (filter.ruleIds?.length) where.push(inArray(alerts.ruleId, [...filter.ruleIds]));
    if (filter.levels?.length) where.push(inArray(alerts.level, [...filter.levels]));
    if (filter.status?.length) where.push(inArray(alerts.status, [...filter.status]));
    if (filter.entityId) where.push(eq(alerts.entityId, filter.entityId));
    if (filter.historical !== undefined) where.push(eq(alerts.historical, filter.historical));
    const q = this.db
      .select()
      .from(alerts)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(alerts.lastSeen), asc(alerts.id));
    return filter.limit ? q.limit(filter.limit).all() : q.all();
  }

  /** Every alert, for the mart (detections.md §4). */
  all(): AlertRow[] {
    return this.db.select().from(alerts).orderBy(asc(alerts.firstSeen), asc(alerts.id)).all();
  }

  /** The evidence of one alert, or of every alert, oldest first. */
  evidence(id?: string): EvidenceRow[] {
    const q = this.db.select().from(alertEvidence);
    return (id ? q.where(eq(alertEvidence.alertId, id)) : q).orderBy(asc(alertEvidence.alertId), asc(alertEvidence.createdAt), asc(alertEvidence.activityId)).all();
  }

  /** The evidence of many alerts at once. */
  evidenceOf(ids: readonly string[]): EvidenceRow[] {
    const out: EvidenceRow[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      out.push(...this.db.select().from(alertEvidence).where(inArray(alertEvidence.alertId, ids.slice(i, i + IN_CHUNK))).all());
    }
    return out;
  }

  statusChanges(id: string): StatusChangeRow[] {
    return this.db.select().from(alertStatusChanges).where(eq(alertStatusChanges.alertId, id)).orderBy(asc(alertStatusChanges.id)).all();
  }

  /** open -> acknowledged (who and when recorded). */
  acknowledge(id: string, by: string, note?: string, now?: string): AlertRow {
    return this.changeStatus(id, 'acknowledged', by, note, now);
  }

  /** open or acknowledged -> resolved (who and when recorded). */
  resolve(id: string, by: string, note?: string, now?: string): AlertRow {
    return this.changeStatus(id, 'resolved', by, note, now);
  }

  /** acknowledged or resolved -> open. */
  reopen(id: string, by: string, note?: string, now?: string): AlertRow {
    return this.changeStatus(id, 'open', by, note, now);
  }

  private changeStatus(id: string, to: AlertStatus, by: string, note: string | undefined, now = isoNow()): AlertRow {
    if (!by.trim()) throw new AlertStatusError('say who changes the status (--by)');
    return this.db.transaction(
      (tx) => {
        const alert = tx.select().from(alerts).where(eq(alerts.id, id)).get();
        if (!alert) throw new AlertNotFoundError(id);
        const allowed: Record<AlertStatus, AlertStatus[]> = { acknowledged: ['open'], resolved: ['open', 'acknowledged'], open: ['acknowledged', 'resolved'] };
        if (!allowed[to].includes(alert.status)) throw new AlertStatusError(`alert ${id} is ${alert.status}; it cannot become ${to}`);
        const set: Partial<AlertRow> = { status: to, updatedAt: now };
        if (to === 'acknowledged') Object.assign(set, { acknowledgedBy: by, acknowledgedAt: now });
        if (to === 'resolved') Object.assign(set, { resolvedBy: by, resolvedAt: now });
        tx.update(alerts).set(set).where(eq(alerts.id, id)).run();
        markDirty(tx, alert.windowStart);
        tx.insert(alertStatusChanges).values({ alertId: id, fromStatus: alert.status, toStatus: to, by, at: now, note: note ?? null }).run();
        return tx.select().from(alerts).where(eq(alerts.id, id)).get()!;
      },
      { behavior: 'immediate' },
    );
  }

  ruleState(ruleId: string): RuleStateRow | null {
    return this.db.select().from(detectionRulesState).where(eq(detectionRulesState.ruleId, ruleId)).get() ?? null;
  }

  ruleStates(): RuleStateRow[] {
    return this.db.select().from(detectionRulesState).orderBy(asc(detectionRulesState.ruleId)).all();
  }

  /**
   * Records one evaluation of a rule. `evaluatedSeq`/`paramsHash` advance only on success: a failed rule is
   * evaluated again over the same data next time.
   */
  recordEvaluation(ruleId: string, e: { paramsHash: string; evaluatedSeq: number; at: string; durationMs: number; error: string | null }): void {
    // statements prepared once per store: an evaluation records every rule (47), and the query builder's
    // statements per call cost more than SQLite's work (the same statements it made)
    const q = (this.recordStatements ??= {
      previous: this.sqlite.prepare('select params_hash, evaluated_seq from detection_rules_state where rule_id = ?'),
      total: this.sqlite.prepare('select count(*) as n from alerts where rule_id = ?'),
      upsert: this.sqlite.prepare(
        `insert into detection_rules_state (rule_id, params_hash, evaluated_seq, last_evaluated_at, last_duration_ms, last_error, alerts_total)
         values (?, ?, ?, ?, ?, ?, ?)
         on conflict (rule_id) do update set params_hash = excluded.params_hash, evaluated_seq = excluded.evaluated_seq,
           last_evaluated_at = excluded.last_evaluated_at, last_duration_ms = excluded.last_duration_ms, last_error = excluded.last_error,
           alerts_total = excluded.alerts_total`,
      ),
    });
    this.sqlite
      .transaction(() => {
        const previous = q.previous.get(ruleId) as { params_hash: string; evaluated_seq: number } | undefined;
        const total = (q.total.get(ruleId) as { n: number }).n;
        const ok = e.error === null;
        q.upsert.run(
          ruleId,
          ok ? e.paramsHash : (previous?.params_hash ?? ''),
          ok ? e.evaluatedSeq : (previous?.evaluated_seq ?? -1),
          e.at,
          e.durationMs,
          e.error,
          total,
        );
      })
      .immediate();
  }

  private recordStatements: Record<'previous' | 'total' | 'upsert', Database.Statement<unknown[]>> | null = null;

  /** The store's random id (alert_store_meta), fixed at creation. */
  storeId(): string {
    return (this.sqlite.prepare(`select value from alert_store_meta where key = 'store_id'`).get() as { value: string }).value;
  }

  /**
   * The rows the alert marts need, read in one transaction: the months marked dirty and their alerts and
   * evidence, or (`full`) every month. The store's id lets the marts tell a replaced store from theirs.
   */
  martsSnapshot(full: boolean): MartsSnapshot {
    return this.sqlite.transaction((): MartsSnapshot => {
      const storeId = this.storeId();
      const dirty = this.db.select().from(alertMartsDirty).orderBy(asc(alertMartsDirty.bucket)).all();
      if (full) {
        const rows = this.all();
        return { storeId, dirty, buckets: [...new Set(rows.map((a) => alertBucket(a.windowStart)))].sort(), rows, evidence: this.evidence() };
      }
      const buckets = dirty.map((d) => d.bucket);
      const rows: AlertRow[] = [];
      const evidence: EvidenceRow[] = [];
      for (const b of buckets) {
        // window_start is RFC 3339 text: one month is a range of it
        const inMonth = and(gte(alerts.windowStart, b), lte(alerts.windowStart, `${b}-99`));
        rows.push(...this.db.select().from(alerts).where(inMonth).orderBy(asc(alerts.firstSeen), asc(alerts.id)).all());
      }
      evidence.push(...this.evidenceOf(rows.map((r) => r.id)));
      return { storeId, dirty, buckets, rows, evidence };
    })();
  }

  /** Clears the dirty marks that were written; one marked again since (a newer version) stays. */
  clearDirty(marks: readonly DirtyBucket[]): void {
    const del = this.sqlite.prepare('delete from alert_marts_dirty where bucket = ? and version = ?');
    this.sqlite.transaction(() => {
      for (const m of marks) del.run(m.bucket, m.version);
    }).immediate();
  }

  /** Counts of alerts per rule (all, open). */
  countsByRule(): { ruleId: string; total: number; open: number }[] {
    const rows = this.sqlite
      .prepare(`select rule_id as ruleId, count(*) as total, sum(case when status = 'open' then 1 else 0 end) as open from alerts group by rule_id order by rule_id`)
      .all() as { ruleId: string; total: number; open: number }[];
    return rows;
  }

  /** The outbox rows of an alert (the delivery worker owns their state). */
  outbox(alertIdFilter?: string): OutboxRow[] {
    const q = this.db.select().from(alertOutbox);
    return (alertIdFilter ? q.where(eq(alertOutbox.alertId, alertIdFilter)) : q).orderBy(asc(alertOutbox.alertId), asc(alertOutbox.destination)).all();
  }
}

/** The tables and indexes ALERTS_DDL creates. */
const DDL_OBJECTS = [...ALERTS_DDL.matchAll(/CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)/gi)].map((m) => m[1]);

/** Whether the store holds every object ALERTS_DDL creates and its id (running the DDL would change nothing). */
function schemaComplete(sqlite: Database.Database): boolean {
  const names = new Set((sqlite.prepare('select name from sqlite_master').all() as { name: string }[]).map((r) => r.name));
  if (!DDL_OBJECTS.every((name) => names.has(name))) return false;
  return sqlite.prepare(`select 1 from alert_store_meta where key = 'store_id'`).get() !== undefined;
}

/** Marks the month of an alert's window start as changed for the alert marts (detections.md §4). */
function markDirty(tx: AlertsTx, windowStart: string): void {
  tx.insert(alertMartsDirty)
    .values({ bucket: alertBucket(windowStart), version: 1 })
    .onConflictDoUpdate({ target: alertMartsDirty.bucket, set: { version: sql`${alertMartsDirty.version} + 1` } })
    .run();
}

/** Now as RFC 3339 UTC with microseconds (the form of every time in the store). */
export function isoNow(ms = Date.now()): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}
