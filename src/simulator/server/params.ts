// Query-string parsing and the validation rules shared by every endpoint (compliance-api.md §1.1, §2, §6.2).
import { MESSAGES, invalidRequest } from './errors.js';

/** A parsed query string: names as sent (`activity_types[]`; URLSearchParams decodes `%5B%5D`), values in order. */
export class Query {
  readonly values = new Map<string, string[]>();

  constructor(search: string) {
    for (const [name, value] of new URLSearchParams(search)) {
      const list = this.values.get(name);
      if (list) list.push(value);
      else this.values.set(name, [value]);
    }
  }

  /** Unknown parameters are rejected, not ignored (compliance-api.md §1.1, WIRE). */
  allowOnly(allowed: ReadonlySet<string>): this {
    for (const name of this.values.keys()) {
      if (!allowed.has(name)) throw invalidRequest(MESSAGES.unknownParameter(name));
    }
    return this;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A scalar parameter; when repeated, the first value counts. */
  one(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  /** A repeated array parameter (`name[]`). */
  list(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  limit(defaultLimit: number, max: number): number {
    const raw = this.one('limit');
    if (raw === undefined) return defaultLimit;
    return parseLimit(raw, max);
  }

  /** `limit` for endpoints where omitting it means "everything" (messages, compliance-api.md §2.3). */
  optionalLimit(max: number): number | undefined {
    const raw = this.one('limit');
    return raw === undefined ? undefined : parseLimit(raw, max);
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.one(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw invalidRequest(`Invalid \`${name}\` value "${raw}". Must be one of: ${allowed.map((a) => `"${a}"`).join(', ')}.`);
    }
    return raw as T;
  }

  /** `<field>.gte/.gt/.lte/.lt` as a half-open microsecond range [minUs, maxUs). */
  timeRange(field: string): TimeRange {
    const range: TimeRange = {};
    for (const op of ['gte', 'gt', 'lte', 'lt'] as const) {
      const name = `${field}.${op}`;
      const raw = this.one(name);
      if (raw === undefined) continue;
      const t = parseTimestamp(raw);
      if (!t) throw invalidRequest(MESSAGES.invalidTimestamp(name, raw));
      // Sub-microsecond digits make the bound fall between two representable instants.
      const lower = op === 'gte' ? t.us + (t.remainder ? 1 : 0) : op === 'gt' ? t.us + 1 : undefined;
      const upper = op === 'lt' ? t.us + (t.remainder ? 1 : 0) : op === 'lte' ? t.us + 1 : undefined;
      if (lower !== undefined) range.minUs = range.minUs === undefined ? lower : Math.max(range.minUs, lower);
      if (upper !== undefined) range.maxUs = range.maxUs === undefined ? upper : Math.min(range.maxUs, upper);
    }
    return range;
  }

  hasAny(field: string): boolean {
    return ['gte', 'gt', 'lte', 'lt'].some((op) => this.values.has(`${field}.${op}`));
  }

  /** Everything but the paging parameters: page tokens are bound to it. */
  fingerprint(path: string, exclude: readonly string[] = ['page', 'limit']): string {
    const parts = [...this.values.entries()]
      .filter(([name]) => !exclude.includes(name))
      .map(([name, values]) => `${name}=${[...values].sort().join(',')}`)
      .sort();
    return `${path}?${parts.join('&')}`;
  }
}

export interface TimeRange {
  /** Inclusive, microseconds since the epoch. */
  minUs?: number;
  /** Exclusive, microseconds since the epoch. */
  maxUs?: number;
}

export function inRange(us: number, r: TimeRange): boolean {
  return (r.minUs === undefined || us >= r.minUs) && (r.maxUs === undefined || us < r.maxUs);
}

function parseLimit(raw: string, max: number): number {
  const n = /^[+]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw invalidRequest(MESSAGES.invalidLimit(max, raw));
  return n;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * RFC 3339 to microseconds since the epoch. The offset may be missing (read as UTC): the live server
 * accepted `created_at.gte` without one (compliance-api.md §1.1, WIRE). `remainder` is set when digits below the
 * microsecond were cut.
 */
export function parseTimestamp(raw: string): { us: number; remainder: boolean } | undefined {
  const m = RFC3339.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  let offsetMin = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s)) - offsetMin * 60_000;
  const micros = Number(frac.slice(0, 6).padEnd(6, '0'));
  const remainder = /[1-9]/.test(frac.slice(6));
  return { us: ms * 1000 + micros, remainder };
}

/** Lenient reading of a record's own timestamp (any of the tenant's styles); NaN when unreadable. */
export function recordTimeUs(value: string | null | undefined): number {
  if (!value) return NaN;
  return parseTimestamp(value)?.us ?? NaN;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
