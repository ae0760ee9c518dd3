// The activity feed. Primary key `id`; partition: UTC day of `created_at`; cursor: `covered_until`, the end
// of the last window read completely and committed.
//
// The incremental rule (design.md invariant 3): a run reads the window [covered_until - overlap, end), where
// `end` is fixed when the run starts as one minute before the server's clock (its `date` header), or
// --until. The window is cut at UTC midnights; each piece is walked to the end (newest first, the feed's
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
  scope: 'read:compliance_activities',
  async run(ctx, stats) {
    const { settings } = ctx;
    const before = ctx.state.cursor<ActivityCursor>('activities');
    // A first request fixes the server's clock for this run (and proves the key can read the feed).
    const probe = await ctx.client.activities.list({ limit: 1 });
    const serverNow = probe.serverTimeMs ?? ctx.serverNow();
    const endMs = settings.untilMs ?? serverNow - INDEXING_MARGIN_MS;
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

    // Pipelined: the next window is read while the previous one is written and committed (commits stay in order).
    let committing: Promise<unknown> | null = null;
    try {
      for (let a = startMs; a < endMs; ) {
        const b = Math.min(endMs, Math.floor(a / DAY_MS) * DAY_MS + DAY_MS);
        const foundBy: FoundBy = a < coveredBefore ? 'overlap' : null;
        const found = await readWindow(ctx, stats, a, b, foundBy, coveredBefore);
        covered = Math.max(covered, b);
        cursor = { ...cursor, covered_until: isoMicros(covered) };
        if (committing) await committing;
        committing = commitBatch(ctx, 'activities', found.writer, { cursor, coverage: found.events }, stats);
        a = b;
      }
    } finally {
      if (committing) await committing;
    }

    // Reconciliation: once per UTC day, re-read the last closed days (only what a previous run covered).
    const today = Math.floor(serverNow / DAY_MS) * DAY_MS;
    const lastClosedDay = isoDay(today - DAY_MS);
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
  const writer = newWriter(ctx, TABLES.activities, ENDPOINT, params, `${a}`, activityPageSelect);
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
      // Which records of the page are not stored (`drop`), and which need the per-record path (`slow`);
      // the others are split into columns by DuckDB from the page's raw text (activityPageSelect).
      const drop: number[] = [];
      const slow: number[] = [];
      let date: string | null = null;
      for (let i = 0; i < page.data.length; i++) {
        const record = page.data[i];
        checkRecord(record, page);
        if (thisPage.has(record.id) || previousPage.has(record.id)) {
          drop.push(i); // a duplicate across a page boundary
          continue;
        }
        thisPage.add(record.id);
        if (existing.has(record.id)) {
          drop.push(i);
          continue;
        }
        stats.newRecords++;
        const day = record.created_at.slice(0, 10);
        date ??= day;
        if (page.raw === undefined || day !== date || !regular(record)) {
          drop.push(i);
          slow.push(i);
        }
        if (foundBy && Date.parse(record.created_at) < coveredBefore) {
          events.push({
            stream: 'activities',
            record_id: record.id,
            record_time: record.created_at,
            found_by: foundBy,
            found_at: foundAt,
            run_id: ctx.runId,
            ...(foundBy === 'reconciliation' ? { window_start: fromIso, window_end: toIso } : {}),
          });
        }
      }
      const fast = page.data.length - drop.length;
      if (fast > 0 && drop.length <= MAX_DROPPED && page.raw !== undefined && date !== null) {
        // one line per page: what SQL needs besides the page itself, then the body exactly as received
        const doc = `{"request_id":${JSON.stringify(page.requestId)},"own":${JSON.stringify([...own])},"drop":${JSON.stringify(drop)},"page":${page.raw}}`;
        writer.addPage(doc, fast, date, page.requestId);
      } else if (fast > 0) {
        // many records dropped (a re-read overlap): the per-record path for the rest keeps SQL's list checks short
        const dropped = new Set(drop);
        for (let i = 0; i < page.data.length; i++) if (!dropped.has(i)) slow.push(i);
        slow.sort((x, y) => x - y);
      }
      for (const i of slow) {
        const record = page.data[i];
        writer.add(activityRow(record, own).row, record.created_at.slice(0, 10), page.requestId);
      }
      ctx.onProgress('activities', pages, stats.recordsRead);
    }
  } catch (err) {
    writer.discard();
    throw err;
  }
  return { writer, events };
}

/** Above this many records left out of a page, the rest take the per-record path (SQL checks the list per row). */
const MAX_DROPPED = 64;

/**
 * Whether activityPageSelect gives this record the same columns as activityRow: an object actor and a
 * `created_at` the client found canonical with at most six fractional digits (everything else, e.g. a
 * non-string `type` or actor field, both paths keep in `rest` / `actor_rest` alike).
 */
function regular(record: Activity): boolean {
  const actor = record.actor as unknown;
  if (actor === null || typeof actor !== 'object' || Array.isArray(actor)) return false;
  const m = CANONICAL_UTC.exec(record.created_at);
  return m !== null && (m[2] === undefined || m[2].length <= 6);
}

const str = (json: string) => `CASE WHEN json_type(${json}) = 'VARCHAR' THEN ${json}->>'$' END`;
/** A merge patch (RFC 7396) deleting each of `fields` of `list` (json_extract's list) that is a string. */
const dropStrings = (list: string, fields: readonly string[], always: string[] = []) =>
  `('{' || concat_ws(',', ${[...always.map((f) => `'"${f}":null'`), ...fields.map((f, i) => `CASE WHEN json_type(${list}[${i + 1}]) = 'VARCHAR' THEN '"${f}":null' END`)].join(', ')}) || '}')`;

/**
 * The columns of the activities staged as pages (StreamWriter.addPage): one document per page,
 * {"request_id", "own": [request ids of ours], "drop": [indexes not to store], "page": the body as received}.
 * The same split as activityRow, in SQL over the raw text: string envelope and actor fields to typed
 * columns, the rest of each object (key order and values as sent) to `rest` / `actor_rest`.
 */
export function activityPageSelect(file: string, maxBytes: number): string {
  const actorPaths = ACTOR_FIELDS.map(([field]) => `'$.${field}'`).join(', ');
  const envelopePaths = ENVELOPE.map((f) => `'$.${f}'`).join(', ');
  const createdText = `replace(upper(created->>'$'), ',', '.')`;
  return `WITH pages AS (
      SELECT request_id, own, "drop", page.data AS data
      FROM read_json(${file}, format = 'unstructured', maximum_object_size = ${Math.max(1 << 20, maxBytes + 1024)},
        columns = {request_id: 'VARCHAR', own: 'VARCHAR[]', "drop": 'INTEGER[]', page: 'STRUCT(data JSON[])'})
    ), records AS (
      SELECT request_id, own, "drop", unnest(data) AS r, unnest(range(len(data))) AS i FROM pages
    ), parts AS (
      SELECT request_id, own, r, json_extract(r, [${envelopePaths}]) AS e, json_extract(r, '$.created_at') AS created, json_extract(r, '$.actor') AS actor
      FROM records WHERE NOT list_contains("drop", i::INTEGER)
    ), split AS (
      SELECT *, json_extract(actor, [${actorPaths}]) AS a, length(regexp_extract(${createdText}, '^[^.]*\\.(\\d+)', 1)) AS digits FROM parts
    )
    SELECT
      ${ENVELOPE.map((f, i) => `${str(`e[${i + 1}]`)} AS ${f}`).join(', ')},
      ${createdText}::TIMESTAMPTZ AS created_at,
      CASE WHEN digits < 6 THEN digits END::UTINYINT AS created_at_digits,
      ${ACTOR_FIELDS.map(([, column], i) => `${str(`a[${i + 1}]`)} AS ${column}`).join(', ')},
      json_merge_patch(actor, ${dropStrings('a', ACTOR_FIELDS.map(([f]) => f))}) AS actor_rest,
      json_merge_patch(r, ${dropStrings('e', ENVELOPE, ['actor', 'created_at'])}) AS rest,
      coalesce(${str('e[2]')} = 'compliance_api_accessed' AND json_type(r, '$.request_id') = 'VARCHAR'
        AND list_contains(own, r->>'$.request_id'), false) AS is_own_request,
      request_id AS _request_id
    FROM split`;
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
  // no prototype: a field named `__proto__` is kept as a field instead of silently setting the prototype
  const rest: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(record)) {
    if (k === 'actor' || k === 'created_at') continue;
    const v = record[k];
    if (ENVELOPE_SET.has(k) && typeof v === 'string') row[k] = v;
    else rest[k] = v;
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
    const actorRest: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(actor)) {
      const v = (actor as Record<string, unknown>)[k];
      const column = ACTOR_COLUMNS.get(k);
      if (column && typeof v === 'string') row[column] = v;
      else actorRest[k] = v;
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

/** The activity as the API sent it (timestamps in UTC), from a lake row. */
export function reassembleActivity(row: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const k of ENVELOPE) if (typeof row[k] === 'string') record[k] = row[k];
  if (typeof row.created_at === 'string') {
    const digits = row.created_at_digits;
    record.created_at =
      digits === null || digits === undefined ? row.created_at : row.created_at.replace(/\.(\d{6})Z$/, (_m, f: string) => (Number(digits) === 0 ? 'Z' : `.${f.slice(0, Number(digits))}Z`));
  }
  const actorRest = parseJson(row.actor_rest);
  if (actorRest && typeof actorRest === 'object') {
    const actor: Record<string, unknown> = {};
    for (const [field, column] of ACTOR_FIELDS) if (typeof row[column] === 'string') actor[field] = row[column];
    record.actor = { ...actor, ...(actorRest as object) };
  }
  return { ...record, ...(parseJson(row.rest) as object) };
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
