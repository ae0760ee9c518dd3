// Opens the alert store (`data/alerts.sqlite`, detections.md §4) for the outbox worker, which needs its tables
// through drizzle (AlertStore keeps its connection to itself): WAL, so the engine's
// upserts and the worker's marks interleave, with a busy timeout instead of "database is locked".
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS_DDL, ALERTS_SCHEMA_VERSION, alertTables } from '../detections/schema.js';
import { ALERTS_FILE } from '../detections/store.js';
import type { AlertsDb } from './document.js';

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
  // as AlertStore.open does (src/detections/store.ts): create or migrate, and stamp the version
  const version = sqlite.pragma('user_version', { simple: true }) as number;
  if (version > ALERTS_SCHEMA_VERSION) {
    sqlite.close();
    throw new Error(`alert store ${join(dataDir, ALERTS_FILE)} has schema version ${version}, newer than this build's ${ALERTS_SCHEMA_VERSION}; upgrade compliance-lake`);
  }
  sqlite
    .transaction(() => {
      sqlite.exec(ALERTS_DDL);
      sqlite.pragma(`user_version = ${ALERTS_SCHEMA_VERSION}`);
    })
    .immediate();
  return { db: drizzle(sqlite, { schema: alertTables }), sqlite, close: () => sqlite.close() };
}
