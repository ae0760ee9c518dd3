// The activity feed. Primary key `id`; partition: UTC day of `created_at`; cursor: `covered_until`, the end
// of the last window read completely and committed.
//
// The incremental rule (design.md invariant 3): a run reads the window [covered_until - overlap, end), where
// `end` is fixed when the run starts as the server's clock (its `date` header), or --until. What the last
// minute before that clock holds is stored at once (an alert on it need not wait a run), but the cursor never
// passes one minute before the clock: the feed may still be indexing that minute, so the next run reads it
// again, and what it finds there then is not late. The window is cut at UTC midnights; each piece is walked to the end (newest first, the feed's
// documented order) and committed with the cursor in one manifest entry, so a crash loses at most the piece
// in progress and the next run repeats it. A first run is the same code from --since, or from the oldest
// activity the feed returns. Once per UTC day a reconciliation re-reads the last `reconcileDays` closed days.
// Activities already committed are skipped; one that should have been in an earlier window (a late
// arrival) is stored and recorded as a coverage event saying whether the overlap or reconciliation found it.
import { MAX_ACTIVITY_PAGE, type Activity, type PageOf } from '../api/index.js';
import type { CoverageEvent } from '../lake/manifest.js';
import { TABLES } from '../lake/tables.js';
import {
  BadRecordError,
  type Stream,
  type StreamStats,
  type SyncContext,
  commitBatch,
  committedKeys,
  isoMicros,
  sixDigits,
  newWriter,
} from './stream.js';

const DAY_MS = 86_400_000;
/** The feed indexes an activity within about a minute (compliance-api.md §7.1): never read closer to now. */
export const INDEXING_MARGIN_MS = 60_000;
const ENDPOINT = '/v1/compliance/activities';

export interface ActivityCursor {
  /** Exclusive end of the last completely read and committed window (RFC 3339 UTC). */
  covered_until: string;
  /** The last closed UTC day re-read by reconciliation (YYYY-MM-DD). */
  last_reconciled_day: string | null;
}

type FoundBy = CoverageEvent['found_by'] | null;

export const activitiesStream: Stream = {
  name: 'activities',
  table: TABLES.activities,
  scopes: ['read:compliance_activities'],
  dependsOn: [],
  cursor: { kind: 'window', timeKey: 'covered_until' },
  job: 'feed',
  async run(ctx, stats) {
    const { settings } = ctx;
    const before = ctx.state.cursor<ActivityCursor>('activities');
    // A first request fixes the server's clock for this run (and proves the key can read the feed).
    const probe = await ctx.client.activities.list({ limit: 1 });
    const serverNow = probe.serverTimeMs ?? ctx.serverNow();
    const endMs = settings.untilMs ?? serverNow;
    // the cursor's bound: the feed may still be indexing the last minute (compliance-api.md §7.1)
    const trustedMs = settings.untilMs ?? serverNow - INDEXING_MARGIN_MS;
    let startMs: number;
    if (before) {
      startMs = Date.parse(before.covered_until) - settings.overlapMs;
      if (settings.sinceMs !== undefined && settings.sinceMs < startMs) startMs = settings.sinceMs;
    } else {
      startMs = settings.sinceMs ?? (await oldestActivityMs(ctx)) ?? endMs;
    }
    const coveredBefore = before ? Date.parse(before.covered_until) : Number.NEGATIVE_INFINITY;
    let covered = before ? coveredBefore : startMs;
    let cursor: ActivityCursor = before ? { ...before } : { covered_until: isoMicros(startMs), last_reconciled_day: null };

    const today = Math.floor(serverNow / DAY_MS) * DAY_MS;
    const lastClosedDay = isoDay(today - DAY_MS);

    // Pipelined: the next window is read while the previous one is written and committed (commits stay in order).
    let committing: Promise<unknown> | null = null;
    try {
      for (let a = startMs; a < endMs; ) {
        const b = Math.min(endMs, Math.floor(a / DAY_MS) * DAY_MS + DAY_MS);
        const foundBy: FoundBy = a < coveredBefore ? 'overlap' : null;
        const found = await readWindow(ctx, stats, a, b, foundBy, coveredBefore);
        covered = Math.max(covered, Math.min(b, trustedMs));
        cursor = { ...cursor, covered_until: isoMicros(covered) };
        // a first run has read every closed day itself: its last window says so (one commit less on the run's tail)
        if (!before && b >= endMs) cursor = { ...cursor, last_reconciled_day: lastClosedDay };
        if (committing) await committing;
        committing = commitBatch(ctx, 'activities', found.writer, { cursor, coverage: found.events }, stats);
        a = b;
      }
    } finally {
      if (committing) await committing;
    }

    // Reconciliation: once per UTC day, re-read the last closed days (only what a previous run covered).
    if (!before) {
      // a first run has just read every closed day itself
      if (cursor.last_reconciled_day !== lastClosedDay) {
        cursor = { ...cursor, last_reconciled_day: lastClosedDay };
        await commitBatch(ctx, 'activities', null, { cursor }, stats);
      }
      return;
    }
    if (settings.reconcileDays > 0 && (cursor.last_reconciled_day ?? '') < lastClosedDay) {
      const coveredUntil = Date.parse(cursor.covered_until);
      for (let d = today - settings.reconcileDays * DAY_MS; d < today; d += DAY_MS) {
        const b = Math.min(d + DAY_MS, coveredUntil);
        if (b <= d) continue;
        const found = await readWindow(ctx, stats, d, b, 'reconciliation', coveredUntil);
        await commitBatch(ctx, 'activities', found.writer, { cursor: { ...cursor, last_reconciled_day: isoDay(d) }, coverage: found.events }, stats);
      }
      cursor = { ...cursor, last_reconciled_day: lastClosedDay };
      await commitBatch(ctx, 'activities', null, { cursor }, stats);
    }
  },
};

/** The created_at of the oldest activity the feed returns (epoch ms), or null for an empty feed. */
async function oldestActivityMs(ctx: SyncContext): Promise<number | null> {
  const page = await ctx.client.activities.list({ limit: 1, order: 'asc' });
  const first = page.data[0];
  return first ? Math.floor(Date.parse(first.created_at) / DAY_MS) * DAY_MS : null;
}

/** Walks [a, b) completely and stages every activity not already committed. */
async function readWindow(ctx: SyncContext, stats: StreamStats, a: number, b: number, foundBy: FoundBy, coveredBefore: number) {
  const fromIso = isoMicros(a);
  const toIso = isoMicros(b);
  const existing = await committedKeys(ctx, TABLES.activities, fromIso, toIso);
  const params = { 'created_at.gte': fromIso, 'created_at.lt': toIso, limit: String(MAX_ACTIVITY_PAGE) };
  // pages come newest first (compliance-api.md §2.1): the writer skips its sort when they did
  const writer = newWriter(ctx, TABLES.activities, ENDPOINT, params, `${a}`, 'descending');
  // The feed redelivers an activity across a page boundary (design.md invariant 1: at-least-once). The ids of
  // the last two pages catch that without holding a whole day's ids (a million a day, 100 MB of heap, for a
  // large organization); an activity redelivered further apart is removed by compaction and the models.
  let previousPage = new Set<string>();
  let thisPage = new Set<string>();
  const events: CoverageEvent[] = [];
  const foundAt = new Date().toISOString();
  let pages = 0;
  try {
    for await (const page of ctx.client.activities.pages({ 'created_at.gte': fromIso, 'created_at.lt': toIso, limit: MAX_ACTIVITY_PAGE })) {
      pages++;
      stats.recordsRead += page.data.length;
      const own = await ownRequestIds(ctx, page);
      previousPage = thisPage;
      thisPage = new Set();
      // records a page that lied would have lost (compliance-api.md §7.2) are recorded as found by the check
      const pageFoundBy: FoundBy = page.check?.outcome === 'more' ? 'page-check' : foundBy;
      for (const record of page.data) {
        checkRecord(record, page);
        if (thisPage.has(record.id) || previousPage.has(record.id)) continue; // a duplicate across a page boundary
        thisPage.add(record.id);
        if (existing.has(record.id)) continue;
        const { row, createdMs } = activityRow(record, own);
        writer.add(row, record.created_at.slice(0, 10), page.requestId);
        stats.newRecords++;
        if (pageFoundBy === 'page-check' || (pageFoundBy && createdMs < coveredBefore)) {
          events.push({
            stream: 'activities',
            record_id: record.id,
            record_time: record.created_at,
            found_by: pageFoundBy,
            found_at: foundAt,
            run_id: ctx.runId,
            ...(pageFoundBy !== 'overlap' ? { window_start: fromIso, window_end: toIso } : {}),
          });
        }
      }
      ctx.onProgress('activities', pages, stats.recordsRead);
    }
  } catch (err) {
    writer.discard();
    throw err;
  }
  return { writer, events };
}

function checkRecord(record: Activity, page: PageOf<Activity>): void {
  if (!record || typeof record !== 'object' || typeof record.id !== 'string' || record.id === '') {
    throw new BadRecordError(`an activity without an \`id\` (request ${page.requestId ?? 'unknown'})`, page);
  }
  if (typeof record.created_at !== 'string' || Number.isNaN(Date.parse(record.created_at))) {
    throw new BadRecordError(`activity ${record.id} has no valid \`created_at\` (request ${page.requestId ?? 'unknown'})`, page);
  }
}

/** Which `compliance_api_accessed` activities of this page record requests this connector made. */
async function ownRequestIds(ctx: SyncContext, page: PageOf<Activity>): Promise<Set<string>> {
  const candidates: string[] = [];
  for (const r of page.data) {
    if (r?.type === 'compliance_api_accessed' && typeof r.request_id === 'string') candidates.push(r.request_id);
  }
  const own = new Set<string>();
  if (candidates.length === 0) return own;
  const unknown: string[] = [];
  for (const id of candidates) {
    if (ctx.runRequestIds.has(id)) own.add(id);
    else unknown.push(id);
  }
  for (const id of ctx.state.ownRequests(unknown)) own.add(id);
  return own;
}

const ENVELOPE = ['id', 'type', 'organization_id', 'organization_uuid'] as const;
const ENVELOPE_SET: ReadonlySet<string> = new Set(ENVELOPE);
const ACTOR_FIELDS: [string, string][] = [
  ['type', 'actor_type'],
  ['user_id', 'actor_user_id'],
  ['email_address', 'actor_email'],
  ['ip_address', 'actor_ip'],
  ['user_agent', 'actor_user_agent'],
  ['api_key_id', 'actor_api_key_id'],
];
const ACTOR_COLUMNS: ReadonlyMap<string, string> = new Map(ACTOR_FIELDS);
const CANONICAL_UTC = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/;

/**
 * Splits an activity into the table's columns without losing anything: string values of the envelope and
 * the common actor fields go to typed columns, everything else (nulls, other types, type-specific fields,
 * other actor fields) stays as JSON in `rest` / `actor_rest`. `reassembleActivity` is the inverse.
 */
export function activityRow(record: Activity, own: Set<string>): { row: Record<string, unknown>; createdMs: number } {
  const row: Record<string, unknown> = {};
  // Plain objects, not Object.create(null): V8 makes those dictionaries, which JSON.stringify serialises on its
  // slow path (BENCHMARKS.md, issue 11). `keep` stores a field named `__proto__` as a field.
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(record)) {
    if (k === 'actor' || k === 'created_at') continue;
    const v = record[k];
    if (ENVELOPE_SET.has(k) && typeof v === 'string') row[k] = v;
    else keep(rest, k, v);
  }
  const created = record.created_at;
  const m = CANONICAL_UTC.exec(created);
  row.created_at = sixDigits(created);
  // The column holds microseconds; the text's number of fractional digits (when not 6) is kept beside it
  // so the exact text comes back. Anything the two cannot reproduce is kept as text in `rest`.
  const digits = m ? (m[2] ?? '').length : -1;
  if (digits >= 0 && digits < 6) row.created_at_digits = digits;
  else if (digits !== 6) rest.created_at = created;
  const actor = record.actor as unknown;
  if (actor && typeof actor === 'object' && !Array.isArray(actor)) {
    const actorRest: Record<string, unknown> = {};
    for (const k of Object.keys(actor)) {
      const v = (actor as Record<string, unknown>)[k];
      const column = ACTOR_COLUMNS.get(k);
      if (column && typeof v === 'string') row[column] = v;
      else keep(actorRest, k, v);
    }
    row.actor_rest = actorRest;
  } else {
    if ('actor' in record) rest.actor = actor;
    row.actor_rest = null;
  }
  row.rest = rest;
  row.is_own_request = record.type === 'compliance_api_accessed' && typeof record.request_id === 'string' && own.has(record.request_id);
  return { row, createdMs: Date.parse(created) };
}

/** Sets an own enumerable field, `__proto__` included (an assignment would set the prototype instead). */
function keep(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The activity as the API sent it (timestamps in UTC), from a lake row. */
export function reassembleActivity(row: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const k of ENVELOPE) if (typeof row[k] === 'string') record[k] = row[k];
  if (typeof row.created_at === 'string') record.created_at = servedCreatedAt(row.created_at, row.created_at_digits);
  const actorRest = parseJson(row.actor_rest);
  if (actorRest && typeof actorRest === 'object') {
    const actor: Record<string, unknown> = {};
    for (const [field, column] of ACTOR_FIELDS) if (typeof row[column] === 'string') actor[field] = row[column];
    record.actor = { ...actor, ...(actorRest as object) };
  }
  return { ...record, ...(parseJson(row.rest) as object) };
}

/** created_at as served: the lake's six fractional digits cut back to the number the API sent (`created_at_digits`). */
export function servedCreatedAt(created: string, digits: unknown): string {
  if (digits === null || digits === undefined) return created;
  return created.replace(/\.(\d{6})Z$/, (_m, f: string) => (Number(digits) === 0 ? 'Z' : `.${f.slice(0, Number(digits))}Z`));
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
