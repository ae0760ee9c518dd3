// Detection state for syncStatus, read from the alert store: per rule its evaluation, per destination its
// outbox rows. "Failing" is the contract's (detections.md §5): a destination whose alert has waited, with at
// least one failed attempt, for longer than 15 minutes.
import { and, asc, count, eq, max, sql } from 'drizzle-orm';
import { alertOutbox, alerts, detectionRulesState } from '../detections/schema.js';
import type { AlertStoreSession } from './alert-store.js';
import { storedTime } from './alert.service.js';
import type { DestinationStatus, DetectionStatus } from './detection-status.type.js';

export const FAILING_AFTER_MS = 15 * 60_000;

export function readDetectionStatus(store: AlertStoreSession, now: Date): DetectionStatus {
  const db = store.read();
  if (!db) return { available: false, openAlerts: 0, lastEvaluatedAt: null, rules: [], destinations: [] };
  const rules = db
    .select()
    .from(detectionRulesState)
    .orderBy(asc(detectionRulesState.ruleId))
    .all()
    .map((r) => ({
      ruleId: r.ruleId,
      evaluatedSeq: r.evaluatedSeq,
      lastEvaluatedAt: storedTime(r.lastEvaluatedAt),
      lastDurationMs: r.lastDurationMs,
      lastError: r.lastError,
      alertsTotal: r.alertsTotal,
    }));
  const openAlerts = db.select({ n: count() }).from(alerts).where(eq(alerts.status, 'open')).get()?.n ?? 0;
  const failingBefore = now.getTime() - FAILING_AFTER_MS;
  const rows = db
    .select({
      name: alertOutbox.destination,
      pending: sql<number>`sum(case when ${alertOutbox.state} = 'pending' then 1 else 0 end)`,
      delivered: sql<number>`sum(case when ${alertOutbox.state} = 'delivered' then 1 else 0 end)`,
      oldestPending: sql<string | null>`min(case when ${alertOutbox.state} = 'pending' then ${alertOutbox.createdAt} end)`,
      oldestFailed: sql<string | null>`min(case when ${alertOutbox.state} = 'pending' and ${alertOutbox.attempts} > 0 then ${alertOutbox.createdAt} end)`,
      lastDelivered: max(alertOutbox.deliveredAt),
    })
    .from(alertOutbox)
    .groupBy(alertOutbox.destination)
    .orderBy(asc(alertOutbox.destination))
    .all();
  const destinations = rows.map((r): DestinationStatus => {
    const lastError = db
      .select({ e: alertOutbox.lastError })
      .from(alertOutbox)
      .where(and(eq(alertOutbox.destination, r.name), eq(alertOutbox.state, 'pending'), sql`${alertOutbox.lastError} is not null`))
      .orderBy(sql`${alertOutbox.nextAttemptAt} desc`)
      .limit(1)
      .get();
    const oldestFailed = storedTime(r.oldestFailed);
    return {
      name: r.name,
      pending: Number(r.pending ?? 0),
      delivered: Number(r.delivered ?? 0),
      failing: oldestFailed !== null && oldestFailed.getTime() <= failingBefore,
      oldestPendingSince: storedTime(r.oldestPending),
      lastDeliveredAt: storedTime(r.lastDelivered),
      lastError: lastError?.e ?? null,
    };
  });
  const lastEvaluatedAt = rules.reduce<Date | null>((m, r) => (r.lastEvaluatedAt && (!m || r.lastEvaluatedAt > m) ? r.lastEvaluatedAt : m), null);
  return { available: true, openAlerts, lastEvaluatedAt, rules, destinations };
}

