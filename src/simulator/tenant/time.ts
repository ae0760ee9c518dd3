// Timestamp rendering for the simulated tenant: RFC 3339 with `Z` by default, or the odd forms the
// reference documents (microseconds, `+00:00`, no offset on roles and groups) to harden connectors.

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export type TimestampStyle = 'z' | 'reference';

/** RFC 3339 with `Z` and microseconds when the value has them. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const base = new Date(ms).toISOString(); // ...sss Z
  if (micros === 0) return base;
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Directory timestamps: the reference's role and group examples carry no offset
 * (`2025-03-12T18:22:41.123456`), organization examples use `+00:00` with microseconds.
 */
export function directoryTime(ms: number, style: TimestampStyle, form: 'no-offset' | 'plus-offset'): string {
  if (style === 'z') return iso(ms);
  const base = new Date(ms).toISOString().slice(0, 23) + '000';
  return form === 'no-offset' ? base : `${base}+00:00`;
}
