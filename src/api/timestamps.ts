// Lenient timestamp parsing: whatever RFC 3339 / ISO 8601 variant the API returns becomes UTC with `Z`.
//
// The API mixes `Z`, `+00:00`, microseconds and (roles, groups, members examples) no offset at all
// (compliance-api.md §2.2, §4.2). Everything is normalised to `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, keeping
// every fractional digit, so that string order is time order and no precision is lost.

// Already canonical: the hot path on every record, checked without allocating a Date.
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

const LENIENT =
  /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?$/;

/** RFC 3339 in UTC with `Z`, fractional digits kept; throws RangeError on anything else. */
export function normalizeTimestamp(s: string): string {
  if (typeof s === 'string' && CANONICAL.test(s)) {
    if (!fieldsInRange(s)) throw invalid(s);
    return s;
  }
  const m = typeof s === 'string' ? LENIENT.exec(s) : null;
  if (!m) throw invalid(s);
  const [, y, mo, d, h, mi, sec, frac, , sign, offH, offM] = m;
  const fraction = frac ? `.${frac}` : '';
  const offsetMinutes = sign ? (Number(offH) * 60 + Number(offM ?? 0)) * (sign === '-' ? -1 : 1) : 0;
  if (!inRange(+y, +mo, +d, +h, +mi, +sec) || Number(offH ?? 0) > 23 || Number(offM ?? 0) > 59) {
    throw invalid(s);
  }
  if (offsetMinutes === 0) return `${y}-${mo}-${d}T${h}:${mi}:${sec}${fraction}Z`;
  // Offsets are whole minutes, so shifting the whole-second part leaves the fraction untouched.
  const utcMs = utcMillis(+y, +mo, +d, +h, +mi, +sec) - offsetMinutes * 60_000;
  const iso = new Date(utcMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  if (iso.length !== 24) throw invalid(s); // shifted outside years 0000-9999
  return `${iso.slice(0, 19)}${fraction}Z`;
}

/** Microseconds since the Unix epoch (digits beyond microseconds are truncated). */
export function toEpochMicros(s: string): number {
  const n = normalizeTimestamp(s);
  const wholeMs = utcMillis(
    Number(n.slice(0, 4)),
    Number(n.slice(5, 7)),
    Number(n.slice(8, 10)),
    Number(n.slice(11, 13)),
    Number(n.slice(14, 16)),
    Number(n.slice(17, 19)),
  );
  const micros = n.length > 20 ? Number(n.slice(20, -1).slice(0, 6).padEnd(6, '0')) : 0;
  return wholeMs * 1000 + micros;
}

/** Milliseconds since the epoch, or null when the text is not a timestamp. */
export function parseTimestampMs(s: string | null | undefined): number | null {
  if (!s) return null;
  try {
    return Math.floor(toEpochMicros(s) / 1000);
  } catch {
    return null;
  }
}

/** A query-string timestamp: a Date or any accepted string, sent as RFC 3339 UTC with `Z`. */
export function toQueryTimestamp(value: string | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError('invalid Date');
    return value.toISOString();
  }
  return normalizeTimestamp(value);
}

/**
 * Normalise the named timestamp fields of one record in place. A value that is not a timestamp is
 * left as the API sent it: the extractor, not the client, decides what a bad record means.
 */
export function normalizeFields(record: unknown, fields: readonly string[]): void {
  if (record === null || typeof record !== 'object') return;
  const r = record as Record<string, unknown>;
  for (const f of fields) {
    const v = r[f];
    if (typeof v !== 'string' || CANONICAL.test(v)) continue;
    try {
      r[f] = normalizeTimestamp(v);
    } catch {
      // kept untouched, see above
    }
  }
}

// Date.UTC maps years 0-99 to 1900-1999; set the year separately so every 4-digit year is itself.
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  t.setUTCFullYear(y, mo - 1, d);
  return t.getTime();
}

function invalid(s: unknown): RangeError {
  const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 64)) : typeof s;
  return new RangeError(`not an RFC 3339 timestamp: ${shown}`);
}

function digits2(s: string, at: number): number {
  return (s.charCodeAt(at) - 48) * 10 + (s.charCodeAt(at + 1) - 48);
}

function fieldsInRange(s: string): boolean {
  const year = digits2(s, 0) * 100 + digits2(s, 2);
  return inRange(year, digits2(s, 5), digits2(s, 8), digits2(s, 11), digits2(s, 14), digits2(s, 17));
}

function inRange(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}
