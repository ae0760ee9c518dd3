// What every resolver gets: the request's warehouse session (one file for the whole request), the data
// dir (for the state store that syncStatus reads), the alert store, what the request's token allows, and
// the time the request started.
import type { Logger } from '../api/index.js';
import type { AlertStoreSession } from './alert-store.js';
import type { Params, Row } from './warehouse.js';

export interface Db {
  query(sql: string, params?: Params): Promise<Row[]>;
  /** Whether the warehouse has `relation` (schema.name); without this method, every relation is taken as there. */
  has?(relation: string): Promise<boolean>;
}

/** Db.has, or true for a Db that cannot tell. */
export async function hasRelation(db: Db, relation: string): Promise<boolean> {
  return db.has ? db.has(relation) : true;
}

export interface GraphqlContext {
  db: Db;
  dataDir: string;
  /** When the warehouse file was last replaced; null when there is none. */
  warehouseBuiltAt(): Date | null;
  now: Date;
  /** The alert store (data/alerts.sqlite), opened on first use and closed after the request. */
  alerts: AlertStoreSession;
  /** What the request may do: `write` only with the write token or a session it started (the read token cannot
   * change anything); `authenticated` when a token or a console session was checked (console.md §2). */
  auth: { write: boolean; writeConfigured: boolean; authenticated: boolean };
  /** The config file the rules' settings come from (detections.md §2). */
  configPath: string;
  logger: Logger;
  /** Per-request memo for lookups many fields repeat (a membership's group). */
  memo: Map<string, Promise<unknown>>;
}

/** `load()` once per request and key. */
export function memoized<T>(ctx: GraphqlContext, key: string, load: () => Promise<T>): Promise<T> {
  let hit = ctx.memo.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    ctx.memo.set(key, hit);
  }
  return hit;
}
