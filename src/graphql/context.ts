// What every resolver gets: the request's warehouse session (one file for the whole request), the data
// dir (for the state store that syncStatus reads) and the time the request started.
import type { Params, Row } from './warehouse.js';

export interface Db {
  query(sql: string, params?: Params): Promise<Row[]>;
}

export interface GraphqlContext {
  db: Db;
  dataDir: string;
  /** When the warehouse file was last replaced; null when there is none. */
  warehouseBuiltAt(): Date | null;
  now: Date;
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
