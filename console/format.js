// How the console writes times, numbers and durations, and the CSV it saves.

/** An API DateTime as "2026-10-01 12:00:00Z" (UTC, to the second); null as an em dash. */
export function when(iso) {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

export function day(iso) {
  return iso ? iso.slice(0, 10) : '—';
}

export function num(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** A `<input type="date">` value (YYYY-MM-DD) as the start of that UTC day; '' as null. */
export function dayStart(value) {
  return value ? `${value}T00:00:00Z` : null;
}

/** The day after a YYYY-MM-DD value, as the start of that UTC day (an "until" that includes the day). */
export function dayEnd(value) {
  if (!value) return null;
  const t = Date.parse(`${value}T00:00:00Z`) + 86_400_000;
  return new Date(t).toISOString();
}

export function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * One CSV field: quoted, quotes doubled; a value a spreadsheet would run as a formula (= + - @, tab, CR at its
 * start) gets a leading apostrophe so it stays text (OWASP's CSV-injection advice).
 */
export function csvField(value) {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replaceAll('"', '""')}"`;
}

export function csv(headers, rows) {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * The time window of a page from its parameters: `from`/`to` (YYYY-MM-DD, UTC, both days included) or the
 * last `days` days up to the end of today (UTC). Returns { since, until, from, to, days } (ISO instants).
 */
export function timeWindow(params, defaultDays = 30) {
  const days = Number(params.get('days')) > 0 ? Math.min(Number(params.get('days')), 3660) : defaultDays;
  const endOfToday = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
  let to = params.get('to') || '';
  let from = params.get('from') || '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) to = isoDay(endOfToday - 86_400_000);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) from = isoDay(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000);
  if (from > to) from = to;
  return { since: dayStart(from), until: dayEnd(to), from, to, days };
}
