// Detection state for syncStatus, read from the alert store: per rule its evaluation, and the open alerts.
import { asc, count, eq } from 'drizzle-orm';
import { alerts, detectionRulesState } from '../detections/schema.js';
import type { AlertStoreSession } from './alert-store.js';
import { storedTime } from './alert.service.js';
import type { DetectionStatus } from './detection-status.type.js';

export function readDetectionStatus(store: AlertStoreSession): DetectionStatus {
  const db = store.read();
  if (!db) return { available: false, openAlerts: 0, lastEvaluatedAt: null, rules: [] };
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
  const lastEvaluatedAt = rules.reduce<Date | null>((m, r) => (r.lastEvaluatedAt && (!m || r.lastEvaluatedAt > m) ? r.lastEvaluatedAt : m), null);
  return { available: true, openAlerts, lastEvaluatedAt, rules };
}

