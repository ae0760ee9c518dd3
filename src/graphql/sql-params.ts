// Bound parameters for the services' SQL: every value a client sends reaches DuckDB as a parameter,
// never as SQL text. Placeholder names are generated here, so they cannot carry client input either.
import { timestampTZValue, type DuckDBValue } from '@duckdb/node-api';
import { Instant } from './scalars.js';
import type { Params } from './warehouse.js';

export class SqlParams {
  readonly values: Params = {};
  #n = 0;

  /** A placeholder bound to `value`. */
  add(value: DuckDBValue): string {
    const name = `p${++this.#n}`;
    this.values[name] = value;
    return `$${name}`;
  }

  /** A TIMESTAMPTZ placeholder (compares with TIMESTAMPTZ columns without a cast, so filters push down). */
  time(value: Date): string {
    return this.add(timestampTZValue(Instant.microsOf(value)));
  }

  /** A TIMESTAMPTZ placeholder from microseconds since the epoch (cursor positions keep microseconds). */
  micros(us: bigint): string {
    return this.add(timestampTZValue(us));
  }

  /** `($p1, $p2, ...)` for an IN list; callers never pass an empty list. */
  list(values: readonly string[]): string {
    return `(${values.map((v) => this.add(v)).join(', ')})`;
  }
}

/** Microseconds since the epoch (a BIGINT from `epoch_us(...)`) as an Instant; null stays null. */
export function usToDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return new Instant(typeof value === 'bigint' ? value : BigInt(value as number));
}

export function toInt(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}

export function toStringOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A JSON column (DuckDB hands it over as text) parsed; text that is not JSON is kept as a string. */
export function parseJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * The rows after a keyset position in an order over `columns` (all ascending or all descending):
 * `(c1 > $1) or (c1 = $1 and (c2 > $2 ...))`. Columns are our SQL; positions are placeholders.
 */
export function keysetAfter(columns: readonly string[], positions: readonly string[], direction: 'asc' | 'desc'): string {
  const op = direction === 'asc' ? '>' : '<';
  let sql = `${columns[columns.length - 1]} ${op} ${positions[positions.length - 1]}`;
  for (let i = columns.length - 2; i >= 0; i--) {
    sql = `${columns[i]} ${op} ${positions[i]} or (${columns[i]} = ${positions[i]} and (${sql}))`;
  }
  return `(${sql})`;
}
