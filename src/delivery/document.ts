// The alert document every destination sends (detections.md §5): built once from the alert store when the
// first attempt is made, then frozen in the outbox row, so a retry or a redelivery after a crash sends the
// same body and a receiver can drop the repeat by its id.
import { asc, eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { alertEvidence, alerts, type alertTables, type EntityType, type Level } from '../detections/schema.js';

export type AlertsDb = BetterSQLite3Database<typeof alertTables>;

/** Evidence ids a document carries; the rest are counted (the alert store and marts.alert_evidence hold all). */
export const MAX_EVIDENCE_IDS = 1000;

export interface RuleInfo {
  title: string;
  mitre?: readonly string[];
}

export interface AlertDocument {
  /** The alert id: the idempotency key. */
  id: string;
  source: 'compliance-lake';
  rule: { id: string; title: string | null; level: Level; mitre: string[] };
  level: Level;
  entity: { type: EntityType; id: string };
  windowStart: string;
  windowEnd: string;
  firstSeen: string;
  lastSeen: string;
  summary: string;
  status: string;
  historical: boolean;
  createdAt: string;
  evidence: { count: number; activityIds: string[]; truncated: boolean };
  /** The actor's user record, memberships and roles as of the first evidence (detections.md §4), or null. */
  actor: unknown;
}

/** The document of alert `id`, or null when the store has no such alert. */
export function buildDocument(db: AlertsDb, id: string, rules: ReadonlyMap<string, RuleInfo> = new Map()): AlertDocument | null {
  const a = db.select().from(alerts).where(eq(alerts.id, id)).get();
  if (!a) return null;
  const ids = db
    .select({ id: alertEvidence.activityId })
    .from(alertEvidence)
    .where(eq(alertEvidence.alertId, id))
    .orderBy(asc(alertEvidence.createdAt), asc(alertEvidence.activityId))
    .limit(MAX_EVIDENCE_IDS + 1)
    .all()
    .map((r) => r.id);
  const rule = rules.get(a.ruleId);
  let actor: unknown = null;
  if (a.actorJson) {
    try {
      actor = JSON.parse(a.actorJson);
    } catch {
      actor = null;
    }
  }
  return {
    id: a.id,
    source: 'compliance-lake',
    rule: { id: a.ruleId, title: rule?.title ?? null, level: a.level, mitre: [...(rule?.mitre ?? [])] },
    level: a.level,
    entity: { type: a.entityType, id: a.entityId },
    windowStart: a.windowStart,
    windowEnd: a.windowEnd,
    firstSeen: a.firstSeen,
    lastSeen: a.lastSeen,
    summary: a.summary,
    status: a.status,
    historical: a.historical,
    createdAt: a.createdAt,
    evidence: { count: Math.max(a.evidenceCount, Math.min(ids.length, MAX_EVIDENCE_IDS)), activityIds: ids.slice(0, MAX_EVIDENCE_IDS), truncated: ids.length > MAX_EVIDENCE_IDS },
    actor,
  };
}
