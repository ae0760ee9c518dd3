// The alert store (data/alerts.sqlite, detections.md §4) as the GraphQL queries read it: opened read-only at
// most once per request (the engine writes it in WAL mode, so reading never blocks it). Status changes go
// through the engine (src/detections/status.ts), which opens it read-write for the length of one change.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS_SCHEMA_VERSION, alertTables } from '../detections/schema.js';
import { ALERTS_FILE } from '../detections/store.js';

/** How long a read waits for the engine's checkpoint to end. */
const BUSY_TIMEOUT_MS = 5_000;

export type AlertsDb = BetterSQLite3Database<typeof alertTables>;

/** The alert store cannot be opened or is of a newer build (a usage problem, said to the client as it is). */
export class AlertStoreUnavailableError extends Error {
  override name = 'AlertStoreUnavailableError';
}

export interface AlertStoreSession {
  /** The store, read-only, opened on first use; null when there is none yet (no rule has been evaluated). */
  read(): AlertsDb | null;
  close(): void;
}

export function alertStoreSession(dataDir: string): AlertStoreSession {
  const path = join(dataDir, ALERTS_FILE);
  let reader: { sqlite: Database.Database; db: AlertsDb } | null | undefined;
  return {
    read() {
      if (reader !== undefined) return reader?.db ?? null;
      reader = existsSync(path) ? openReadonly(path) : null;
      return reader?.db ?? null;
    },
    close() {
      reader?.sqlite.close();
      reader = null;
    },
  };
}

/** The store, or null when its tables do not exist yet (the engine creates them on its first evaluation). */
function openReadonly(path: string): { sqlite: Database.Database; db: AlertsDb } | null {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new AlertStoreUnavailableError(`the alert store could not be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = sqlite.pragma('user_version', { simple: true }) as number;
    if (version > ALERTS_SCHEMA_VERSION) {
      throw new AlertStoreUnavailableError(`the alert store has schema version ${version}, newer than this build (${ALERTS_SCHEMA_VERSION}); upgrade compliance-lake`);
    }
    const hasTables = sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = 'alerts'`).get() !== undefined;
    if (!hasTables) {
      sqlite.close();
      return null;
    }
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return { sqlite, db: drizzle({ client: sqlite, schema: alertTables }) };
}
