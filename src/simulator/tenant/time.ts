// Timestamp rendering for the simulated tenant: RFC 3339 with `Z` by default, or the odd forms the
// reference documents (microseconds, `+00:00`, no offset on roles and groups) to harden connectors.

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export type TimestampStyle = 'z' | 'reference';

// isoMicros runs once per generated activity (5000 per page). The `YYYY-MM-DDTHH:` prefix is cached
// per hour, and the result is built from character codes in one call so that it is a flat string
// (concatenated strings make JSON.stringify of a page markedly slower).
let prefixHour = NaN;
const CODES: number[] = new Array<number>(27).fill(0);

/** RFC 3339 with `Z` and microseconds when the value has them (as `new Date(ms).toISOString()` otherwise). */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const hour = Math.floor(ms / HOUR);
  if (hour !== prefixHour) {
    const prefix = new Date(hour * HOUR).toISOString().slice(0, 14); // YYYY-MM-DDTHH:
    if (!/^\d{4}-\d\d-\d\dT\d\d:$/.test(prefix)) {
      // extended years: rare, not worth a cache
      const base = new Date(ms).toISOString();
      return micros === 0 ? base : `${base.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
    }
    for (let i = 0; i < 14; i++) CODES[i] = prefix.charCodeAt(i);
    prefixHour = hour;
  }
  const inHour = ms - hour * HOUR;
  const minute = Math.floor(inHour / MINUTE);
  const second = Math.floor((inHour - minute * MINUTE) / 1000);
  const milli = inHour - minute * MINUTE - second * 1000;
  digits(14, minute, 2);
  CODES[16] = 58; // ':'
  digits(17, second, 2);
  CODES[19] = 46; // '.'
  digits(20, milli, 3);
  if (micros === 0) {
    CODES[23] = 90; // 'Z'
    return String.fromCharCode.apply(null, CODES.slice(0, 24));
  }
  digits(23, micros, 3);
  CODES[26] = 90;
  return String.fromCharCode.apply(null, CODES);
}

function digits(at: number, value: number, width: number): void {
  for (let i = width - 1; i >= 0; i--) {
    CODES[at + i] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
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
