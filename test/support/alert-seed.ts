// Alerts written straight into the alert store through drizzle (src/detections/schema.ts), as the engine's
// upsert would: the alert, its evidence and, for a new non-historical alert, its outbox rows (tests that need
// alerts in given shapes without running rules).
import { alertEvidence, alertOutbox, alerts, type Level } from '../../src/detections/schema.js';
import type { DestinationConfig } from '../../src/delivery/config.js';
import type { AlertsDb } from '../../src/delivery/document.js';
import { alertId, destinationTakes } from '../../src/detections/store.js';

export interface SeedAlert {
  ruleId?: string;
  level?: Level;
  entityId?: string;
  windowStart?: string;
  evidence?: string[];
  historical?: boolean;
  actor?: unknown;
}


export function seedAlert(db: AlertsDb, n: number, a: SeedAlert, destinations: readonly DestinationConfig[], nowMs = Date.now()): string {
  const ruleId = a.ruleId ?? 'sso_disabled';
  const entityId = a.entityId ?? `user_${String(n).padStart(4, '0')}`;
  const windowStart = a.windowStart ?? new Date(Date.parse('2026-11-01T00:00:00Z') + n * 60_000).toISOString().replace('Z', '000Z');
  const id = alertId(ruleId, entityId, windowStart);
  const evidence = a.evidence ?? [`act_${n}_a`, `act_${n}_b`];
  const iso = new Date(nowMs).toISOString();
  db.transaction((tx) => {
    tx.insert(alerts)
      .values({
        id,
        ruleId,
        level: a.level ?? 'high',
        entityType: 'user',
        entityId,
        windowStart,
        windowEnd: windowStart,
        firstSeen: windowStart,
        lastSeen: windowStart,
        summary: `test alert ${n} for ${entityId}`,
        status: 'open',
        historical: a.historical ?? false,
        evidenceCount: evidence.length,
        actorJson: a.actor === undefined ? null : JSON.stringify(a.actor),
        createdAt: iso,
        updatedAt: iso,
      })
      .run();
    for (const e of evidence) tx.insert(alertEvidence).values({ alertId: id, activityId: e, createdAt: windowStart }).run();
    // as AlertStore.upsert does: new, not historical, wanted by the destination
    if (!(a.historical ?? false)) {
      for (const d of destinations.filter((d) => destinationTakes(d, ruleId, a.level ?? 'high'))) {
        tx.insert(alertOutbox).values({ alertId: id, destination: d.name, state: 'pending', attempts: 0, nextAttemptAt: 0, createdAt: iso }).run();
      }
    }
  });
  return id;
}
