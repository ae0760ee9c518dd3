// The alert store (data/alerts.sqlite, detections.md §4) as the GraphQL server uses it: opened read-only at
// most once per request for queries (the engine writes it in WAL mode, so reading never blocks it), and
// read-write (the engine's AlertStore, which owns the status transitions) only for one status change.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALERTS_SCHEMA_VERSION, alertTables } from '../detections/schema.js';
import { ALERTS_FILE, AlertStore } from '../detections/store.js';
/** How long a status change waits for the engine's write transaction to end. */
const BUSY_TIMEOUT_MS = 5_000;

export type AlertsDb = BetterSQLite3Database<typeof alertTables>;

/** The alert store cannot be opened or is of a newer build (a usage problem, said to the client as it is). */
export class AlertStoreUnavailableError extends Error {
  override name = 'AlertStoreUnavailableError';
}

export interface AlertStoreSession {
  /** The store, read-only, opened on first use; null when there is none yet (no rule has been evaluated). */
  read(): AlertsDb | null;
  /** Runs `change` on the store opened read-write, closed right after. */
  write<T>(change: (store: AlertStore) => T): T;
  close(): void;
}

export function alertStoreSession(dataDir: string): AlertStoreSession {
  const path = join(dataDir, ALERTS_FILE);
  let reader: { sqlite: Database.Database; db: AlertsDb } | null | undefined;
  return {
    read() {
      if (reader !== undefined) return reader?.db ?? null;
      reader = existsSync(path) ? open(path, true) : null;
      return reader?.db ?? null;
    },
    write(change) {
      if (!existsSync(path)) throw new AlertStoreUnavailableError('there is no alert store yet (alerts.sqlite in the data dir): no rule has been evaluated');
      let store: AlertStore;
      try {
        store = AlertStore.open(dataDir);
      } catch (err) {
        throw new AlertStoreUnavailableError(`the alert store could not be opened for writing: ${(err as Error).message.replace(path, ALERTS_FILE)}`);
      }
      try {
        return change(store);
      } catch (err) {
        if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
          throw new AlertStoreUnavailableError(`the alert store stayed locked by the engine for ${BUSY_TIMEOUT_MS / 1000} s; nothing was changed, try again`);
        }
        throw err;
      } finally {
        store.close();
      }
    },
    close() {
      reader?.sqlite.close();
      reader = null;
    },
  };
}

/** The store, or null when its tables do not exist yet (the engine creates them on its first evaluation). */
function open(path: string, readonly: boolean): { sqlite: Database.Database; db: AlertsDb } | null {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
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
