// Per destination, where delivery stands, read from the alert store's outbox without writing (GraphQL
// syncStatus; the daemon's own status comes from its delivery passes).
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alertOutbox, alertTables } from '../detections/schema.js';
import { ALERTS_FILE } from '../detections/store.js';
import { type DestinationReport, destinationState } from './outbox.js';

export type DestinationState = Pick<DestinationReport, 'destination' | 'pending' | 'failingSince' | 'failing' | 'lastError' | 'lastDeliveredAt'>;

/** Every destination the outbox has rows for, by name; [] when there is no alert store (or no outbox table yet). */
export function readDeliveryStatus(dataDir: string, nowMs: number): DestinationState[] {
  const path = join(dataDir, ALERTS_FILE);
  if (!existsSync(path)) return [];
  const sqlite = new Database(path, { readonly: true, fileMustExist: true, timeout: 5_000 });
  try {
    const hasOutbox = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'alert_outbox'").get();
    if (!hasOutbox) return [];
    const db = drizzle(sqlite, { schema: alertTables });
    const names = db.selectDistinct({ d: alertOutbox.destination }).from(alertOutbox).orderBy(alertOutbox.destination).all().map((r) => r.d);
    return names.map((destination) => ({ destination, ...destinationState(db, destination, nowMs) }));
  } finally {
    sqlite.close();
  }
}
