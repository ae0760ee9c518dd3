// Alerts from the alert store (data/alerts.sqlite): the filter as conditions, pages in keyset order (latest
// evidence first), one alert, its status changes, its evidence (ids from the store, activities and the actor
// as of each event from the warehouse), and the status changes the write token may make. Every client value
// is a bound parameter; every read is limited.
import { and, asc, count, desc, eq, gt, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Logger } from '../api/index.js';
import { alertEvidence, alerts, alertStatusChanges } from '../detections/schema.js';
import { changeAlertStatus, type StatusAction } from '../detections/status.js';
import { AlertNotFoundError, AlertStatusError } from '../detections/store.js';
import { AlertEntityType, AlertStatus, toEntityType, toLevel, toStatus } from './alert-enums.js';
import { type AlertStoreSession, AlertStoreUnavailableError } from './alert-store.js';
import type { AlertFilter } from './alert.args.js';
import {
  type Alert,
  type AlertActor,
  AlertConnection,
  AlertEdge,
  AlertEvidenceConnection,
  AlertEvidenceEdge,
  type AlertStatusChange,
} from './alert.type.js';
import { activityColumns, checkList, checkText, checkTimeRange, toActivity } from './activity.service.js';
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { userInputError } from './errors.js';
import { Instant, parseDateTime } from './scalars.js';
import { SqlParams } from './sql-params.js';
import { toUser, userColumns, userVersionAt } from './user.service.js';
import type { User } from './user.type.js';

const ALERT_CURSOR = { kind: 'alert', shape: ['s', 's'] } as const;
const EVIDENCE_CURSOR = { kind: 'evidence', shape: ['s', 's'] } as const;
/** Status changes of one alert read at most (a handful is normal). */
export const MAX_STATUS_CHANGES = 1_000;
/** `by` and `note` of a status change: a name and a sentence or two, not a document. */
export const MAX_BY_LENGTH = 200;
export const MAX_NOTE_LENGTH = 2_000;

type AlertRow = typeof alerts.$inferSelect;

/** A time as the store keeps it (RFC 3339 UTC with microseconds); a DuckDB-style text ("2026-01-01 10:00:00+00") is accepted too. */
export function storedTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const text = value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  try {
    return parseDateTime(text);
  } catch {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
}

function requiredTime(value: string, column: string, id: string): Date {
  const time = storedTime(value);
  if (!time) throw new Error(`alert ${id}: ${column} "${value}" is not a time`);
  return time;
}

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    ruleId: row.ruleId,
    level: toLevel(row.level),
    status: toStatus(row.status),
    entity: { type: toEntityType(row.entityType), id: row.entityId },
    summary: row.summary,
    windowStart: requiredTime(row.windowStart, 'window_start', row.id),
    windowEnd: requiredTime(row.windowEnd, 'window_end', row.id),
    firstSeen: requiredTime(row.firstSeen, 'first_seen', row.id),
    lastSeen: requiredTime(row.lastSeen, 'last_seen', row.id),
    historical: row.historical,
    evidenceCount: row.evidenceCount,
    createdAt: requiredTime(row.createdAt, 'created_at', row.id),
    updatedAt: requiredTime(row.updatedAt, 'updated_at', row.id),
    acknowledgedBy: row.acknowledgedBy,
    acknowledgedAt: storedTime(row.acknowledgedAt),
    resolvedBy: row.resolvedBy,
    resolvedAt: storedTime(row.resolvedAt),
    actor: toActor(row.actorJson),
  };
}

/** actor_json (detections.md §4) as GraphQL; unreadable JSON shows as no actor rather than failing the alert. */
export function toActor(json: string | null): AlertActor | null {
  if (!json) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const actor = parsed as { user_id?: unknown; as_of?: unknown; user?: Record<string, unknown> | null; groups?: unknown; roles?: unknown };
  const groups = Array.isArray(actor.groups) ? (actor.groups as Record<string, unknown>[]) : [];
  const userId = text(actor.user_id);
  return {
    userId,
    asOf: storedTime(actor.as_of),
    user: userId !== null && actor.user && typeof actor.user === 'object' ? jsonUser(userId, actor.user) : null,
    groups: groups
      .filter((g) => g && typeof g === 'object' && g.group_id !== undefined && g.group_id !== null)
      .map((g) => ({ groupId: String(g.group_id), name: text(g.name), since: storedTime(g.since) })),
    roles: actor.roles ?? null,
    asOfText: typeof actor.as_of === 'string' ? actor.as_of : null,
  };
}

function jsonUser(id: string, u: Record<string, unknown>): User {
  const validTo = storedTime(u.valid_to);
  return {
    id,
    organizationUuid: text(u.organization_uuid),
    email: text(u.email),
    fullName: text(u.full_name),
    organizationRole: text(u.organization_role),
    validFrom: storedTime(u.valid_from),
    validTo,
    isCurrent: typeof u.is_current === 'boolean' ? u.is_current : validTo === null,
    removedAt: storedTime(u.removed_at),
    removedAtSource: text(u.removed_at_source),
  };
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

const iso = (d: Date): string => Instant.isoMicros(d);

function inListOf(column: Parameters<typeof inArray>[0], values: readonly string[]): SQL {
  return values.length === 0 ? sql`0` : inArray(column, [...values]);
}

/** The filter as conditions over alerts (and-ed). */
export function alertConditions(filter: AlertFilter | null | undefined): SQL[] {
  if (!filter) return [];
  checkTimeRange(filter.since, filter.until);
  const where: SQL[] = [];
  if (filter.since) where.push(gte(alerts.lastSeen, iso(filter.since)));
  if (filter.until) where.push(lt(alerts.firstSeen, iso(filter.until)));
  if (filter.ruleIds) {
    checkList('ruleIds', filter.ruleIds);
    where.push(inListOf(alerts.ruleId, filter.ruleIds));
  }
  if (filter.levels) where.push(inListOf(alerts.level, filter.levels));
  if (filter.status) where.push(inListOf(alerts.status, filter.status));
  if (filter.historical !== null && filter.historical !== undefined) where.push(eq(alerts.historical, filter.historical));
  // actor_json is written by the engine; json_valid keeps one damaged row from failing every query.
  const actorJson = sql`case when json_valid(${alerts.actorJson}) then ${alerts.actorJson} end`;
  if (filter.userId !== null && filter.userId !== undefined) {
    checkText('userId', filter.userId);
    where.push(
      or(
        and(eq(alerts.entityType, AlertEntityType.USER), eq(alerts.entityId, filter.userId)),
        sql`json_extract(${actorJson}, '$.user_id') = ${filter.userId}`,
      )!,
    );
  }
  if (filter.groupId !== null && filter.groupId !== undefined) {
    checkText('groupId', filter.groupId);
    where.push(
      or(
        and(eq(alerts.entityType, AlertEntityType.GROUP), eq(alerts.entityId, filter.groupId)),
        sql`exists (select 1 from json_each(${actorJson}, '$.groups') g where json_extract(g.value, '$.group_id') = ${filter.groupId})`,
      )!,
    );
  }
  return where;
}

const EMPTY_COUNT = async () => 0;

export function listAlerts(store: AlertStoreSession, filter: AlertFilter | null | undefined, page: Page): AlertConnection {
  const conditions = alertConditions(filter);
  const db = store.read();
  if (!db) return toConnection(AlertConnection, [], page, () => new AlertEdge(), EMPTY_COUNT);
  const keyset = [...conditions];
  if (page.after !== null) {
    const [lastSeen, id] = decodeCursor(ALERT_CURSOR.kind, ALERT_CURSOR.shape, page.after) as string[];
    keyset.push(or(lt(alerts.lastSeen, lastSeen), and(eq(alerts.lastSeen, lastSeen), lt(alerts.id, id)))!);
  }
  const rows = db
    .select()
    .from(alerts)
    .where(and(...keyset))
    .orderBy(desc(alerts.lastSeen), desc(alerts.id))
    .limit(page.first + 1)
    .all();
  return toConnection(
    AlertConnection,
    rows,
    page,
    (row) => Object.assign(new AlertEdge(), { cursor: encodeCursor(ALERT_CURSOR.kind, [row.lastSeen, row.id]), node: toAlert(row) }),
    async () => db.select({ n: count() }).from(alerts).where(and(...conditions)).get()?.n ?? 0,
  );
}

export function getAlert(store: AlertStoreSession, id: string): Alert | null {
  checkText('id', id);
  const row = store.read()?.select().from(alerts).where(eq(alerts.id, id)).get();
  return row ? toAlert(row) : null;
}

export function statusChangesOf(store: AlertStoreSession, alertId: string): AlertStatusChange[] {
  const db = store.read();
  if (!db) return [];
  return db
    .select()
    .from(alertStatusChanges)
    .where(eq(alertStatusChanges.alertId, alertId))
    .orderBy(asc(alertStatusChanges.id))
    .limit(MAX_STATUS_CHANGES)
    .all()
    .map((c) => ({ from: toStatus(c.fromStatus), to: toStatus(c.toStatus), by: c.by, at: storedTime(c.at) ?? new Date(0), note: c.note }));
}

/**
 * A page of an alert's evidence, oldest first: the ids and times from the alert store, then the activities and
 * each actor's record as of the event from the warehouse (the page's time range bounds the warehouse scan).
 */
export async function alertEvidencePage(store: AlertStoreSession, warehouse: Db, alertId: string, page: Page): Promise<AlertEvidenceConnection> {
  const db = store.read();
  if (!db) return toConnection(AlertEvidenceConnection, [], page, () => new AlertEvidenceEdge(), EMPTY_COUNT);
  const where = [eq(alertEvidence.alertId, alertId)];
  if (page.after !== null) {
    const [at, id] = decodeCursor(EVIDENCE_CURSOR.kind, EVIDENCE_CURSOR.shape, page.after) as string[];
    where.push(or(gt(alertEvidence.createdAt, at), and(eq(alertEvidence.createdAt, at), gt(alertEvidence.activityId, id)))!);
  }
  const evidence = db
    .select()
    .from(alertEvidence)
    .where(and(...where))
    .orderBy(asc(alertEvidence.createdAt), asc(alertEvidence.activityId))
    .limit(page.first + 1)
    .all();
  const shown = evidence.slice(0, page.first);
  const found = await evidenceActivities(warehouse, shown);
  return toConnection(
    AlertEvidenceConnection,
    evidence,
    page,
    (e) => {
      const hit = found.get(e.activityId);
      return Object.assign(new AlertEvidenceEdge(), {
        cursor: encodeCursor(EVIDENCE_CURSOR.kind, [e.createdAt, e.activityId]),
        activityId: e.activityId,
        createdAt: storedTime(e.createdAt) ?? new Date(0),
        node: hit?.activity ?? null,
        actor: hit?.actor ?? null,
      });
    },
    async () => db.select({ n: count() }).from(alertEvidence).where(eq(alertEvidence.alertId, alertId)).get()?.n ?? 0,
  );
}

async function evidenceActivities(
  warehouse: Db,
  evidence: readonly { activityId: string; createdAt: string }[],
): Promise<Map<string, { activity: ReturnType<typeof toActivity>; actor: User | null }>> {
  const out = new Map<string, { activity: ReturnType<typeof toActivity>; actor: User | null }>();
  if (evidence.length === 0) return out;
  const times = evidence.map((e) => storedTime(e.createdAt)).filter((t): t is Date => t !== null);
  const params = new SqlParams();
  const where = [`a.id in ${params.list(evidence.map((e) => e.activityId))}`];
  if (times.length === evidence.length) {
    // the page's time range: DuckDB skips the row groups (and day partitions) outside it
    const micros = times.map((t) => Instant.microsOf(t));
    const min = micros.reduce((a, b) => (b < a ? b : a));
    const max = micros.reduce((a, b) => (b > a ? b : a));
    where.push(`a.created_at >= ${params.micros(min)} and a.created_at <= ${params.micros(max)}`);
  }
  const rows = await warehouse.query(
    `select ${activityColumns('a')}, ${userColumns('u', 'u_')} from marts.activities a ` +
      `left join marts.users u on u.user_id = a.actor_user_id and ${userVersionAt('u', 'a.created_at')} ` +
      `where ${where.join(' and ')} ` +
      `qualify row_number() over (partition by a.id order by (u.organization_uuid = a.organization_uuid) desc nulls last, u.valid_from desc nulls last) = 1`,
    params.values,
  );
  for (const row of rows) out.set(String(row.id), { activity: toActivity(row), actor: toUser(row, 'u_') });
  return out;
}

/** Who may appear in `by`: printable text of a sensible length (it is shown to people and sent on). */
export function checkBy(by: string): string {
  const name = by.trim();
  if (name === '') throw userInputError('"by" must name who does it (a name or email)');
  if (name.length > MAX_BY_LENGTH) throw userInputError(`"by" is ${name.length} characters long; at most ${MAX_BY_LENGTH} are allowed`);
  if (/[\p{Cc}]/u.test(name)) throw userInputError('"by" must not contain control characters');
  return name;
}

function checkNote(note: string | null | undefined): string | null {
  if (note === null || note === undefined) return null;
  if (note.length > MAX_NOTE_LENGTH) throw userInputError(`"note" is ${note.length} characters long; at most ${MAX_NOTE_LENGTH} are allowed`);
  return note;
}

const ACTION: Record<AlertStatus, StatusAction> = { [AlertStatus.ACKNOWLEDGED]: 'acknowledge', [AlertStatus.RESOLVED]: 'resolve', [AlertStatus.OPEN]: 'reopen' };

/**
 * Acknowledges, resolves or reopens an alert through the engine (src/detections/status.ts: the store records who
 * and when, then marts.alerts is rewritten; the transitions are its, detections.md §4). Asking for the status
 * the alert already has returns it unchanged, so a client may retry; a change that does not apply
 * (acknowledging a resolved alert) is an input error. Returns the alert as stored after the change.
 */
export async function changeStatus(
  store: AlertStoreSession,
  dataDir: string,
  change: { id: string; to: AlertStatus; by: string; note: string | null | undefined },
  logger: Logger,
): Promise<Alert> {
  checkText('id', change.id);
  const who = `write-token:${checkBy(change.by)}`;
  const why = checkNote(change.note) ?? undefined;
  const db = store.read();
  if (!db) throw new AlertStoreUnavailableError('there is no alert store yet (alerts.sqlite in the data dir): no rule has been evaluated');
  const current = db.select().from(alerts).where(eq(alerts.id, change.id)).get();
  if (!current) throw userInputError(`there is no alert with id "${change.id.slice(0, 64)}"`);
  if (current.status === change.to) return toAlert(current);
  try {
    return toAlert(await changeAlertStatus(dataDir, change.id, ACTION[change.to], who, why));
  } catch (err) {
    if (err instanceof AlertStatusError || err instanceof AlertNotFoundError) throw userInputError(err.message.replace(/; `compliance-lake .*$/, ''));
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new AlertStoreUnavailableError('the alert store stayed locked by the engine; nothing was changed, try again');
    // the change may be recorded with only the marts' rewrite failed: then it stands (the next evaluation
    // rewrites the marts), and the client is told what the store holds
    const after = db.select().from(alerts).where(eq(alerts.id, change.id)).get();
    if (after && after.status === change.to && after.updatedAt !== current.updatedAt) {
      logger.warn({ alert: change.id, error: (err as Error).message }, 'graphql: status changed, but marts.alerts was not rewritten; the next evaluation rewrites it');
      return toAlert(after);
    }
    throw err;
  }
}
