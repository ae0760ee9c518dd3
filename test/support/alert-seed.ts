// Alerts written straight into the alert store through drizzle (src/detections/schema.ts), as the engine's
// upsert would: the alert, its evidence and, for a new non-historical alert, its outbox rows.
import { createHash } from 'node:crypto';
import { alertEvidence, alerts, type Level } from '../../src/detections/schema.js';
import type { DestinationConfig } from '../../src/delivery/config.js';
import type { AlertsDb } from '../../src/delivery/document.js';
import { enqueueAlert } from '../../src/delivery/outbox.js';

export interface SeedAlert {
  ruleId?: string;
  level?: Level;
  entityId?: string;
  windowStart?: string;
  evidence?: string[];
  historical?: boolean;
  actor?: unknown;
}

/** detections.md §4: first 32 hex of SHA-256 of rule \0 entity \0 window_start. */
export function alertId(ruleId: string, entityId: string, windowStart: string): string {
  return createHash('sha256').update(`${ruleId}\0${entityId}\0${windowStart}`).digest('hex').slice(0, 32);
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
    enqueueAlert(tx as unknown as AlertsDb, { id, ruleId, level: a.level ?? 'high', historical: a.historical ?? false }, destinations, { now: nowMs });
  });
  return id;
}
