// Detection state for syncStatus, read from the alert store: per rule its evaluation, per destination its
// outbox rows, judged "failing" by the delivery's own rule (detections.md §5: failing for more than 15 minutes).
import { asc, count, eq, sql } from 'drizzle-orm';
import { destinationState } from '../delivery/outbox.js';
import { alertOutbox, alerts, detectionRulesState } from '../detections/schema.js';
import type { AlertStoreSession } from './alert-store.js';
import { storedTime } from './alert.service.js';
import type { DestinationStatus, DetectionStatus } from './detection-status.type.js';

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
  const nowMs = now.getTime();
  const rows = db
    .select({
      name: alertOutbox.destination,
      delivered: sql<number>`sum(case when ${alertOutbox.state} = 'delivered' then 1 else 0 end)`,
      oldestPending: sql<string | null>`min(case when ${alertOutbox.state} = 'pending' then ${alertOutbox.createdAt} end)`,
    })
    .from(alertOutbox)
    .groupBy(alertOutbox.destination)
    .orderBy(asc(alertOutbox.destination))
    .all();
  const destinations = rows.map((r): DestinationStatus => {
    // pending, failing and the last error as the delivery itself judges them (src/delivery/outbox.ts)
    const state = destinationState(db, r.name, nowMs);
    return {
      name: r.name,
      pending: state.pending,
      delivered: Number(r.delivered ?? 0),
      failing: state.failing,
      failingSince: state.failingSince === null ? null : new Date(state.failingSince),
      oldestPendingSince: storedTime(r.oldestPending),
      lastDeliveredAt: storedTime(state.lastDeliveredAt),
      lastError: state.lastError,
    };
  });
  const lastEvaluatedAt = rules.reduce<Date | null>((m, r) => (r.lastEvaluatedAt && (!m || r.lastEvaluatedAt > m) ? r.lastEvaluatedAt : m), null);
  return { available: true, openAlerts, lastEvaluatedAt, rules, destinations };
}

