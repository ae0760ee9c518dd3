// Opens the alert store (`data/alerts.sqlite`, detections.md §4) for the outbox worker: WAL, so the engine's
// upserts and the worker's marks interleave, with a busy timeout instead of "database is locked".
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS_DDL, alertTables } from '../detections/schema.js';
import type { AlertsDb } from './document.js';

export const ALERTS_FILE = 'alerts.sqlite';
const BUSY_TIMEOUT_MS = 5_000;

export interface OpenAlertsDb {
  db: AlertsDb;
  sqlite: Database.Database;
  close(): void;
}

export function openAlertsDb(dataDir: string): OpenAlertsDb {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new Database(join(dataDir, ALERTS_FILE), { timeout: BUSY_TIMEOUT_MS });
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('journal_mode = WAL');
  // "delivered" must survive a crash, or a delivery would be repeated needlessly: durable on commit.
  sqlite.pragma('synchronous = FULL');
  sqlite.exec(ALERTS_DDL);
  return { db: drizzle(sqlite, { schema: alertTables }), sqlite, close: () => sqlite.close() };
}
