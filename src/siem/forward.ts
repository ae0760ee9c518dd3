// One `forward` pass (schema/ocsf.md §5): for each destination, the activities that arrived in the lake since
// its cursor, oldest first, in batches; the cursor moves only after the destination accepted a batch, in the
// state store (durable on return). Then the alerts created since the alert cursor, the same way.
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Logger } from '../api/index.js';
import { buildDocument, type RuleInfo } from '../delivery/document.js';
import { openAlertsDb } from '../delivery/alerts-db.js';
import { ALERTS_FILE } from '../detections/store.js';
import { loadRules } from '../detections/rules.js';
import { acquireLock, type LockInfo } from '../lake/lock.js';
import type { StateStore } from '../state/index.js';
import { ActivityReader } from './events.js';
import { type EventBatch, type EventSender, type ForwardKind, eventSender } from './destinations.js';
import type { ForwardDestination } from './forward-config.js';
import { type MappedSlice, mapInOrder, openMappingPool } from './mapping.js';

/** The cursor of a destination's activities: first-arrival watermark (µs, as text: beyond 2^53) and the pass in progress. */
export interface ActivityCursor {
  from: string;
  to?: string;
  after?: { createdAt: string; id: string } | null;
  position?: unknown;
}

export interface AlertCursor {
  rowid: number;
  position?: unknown;
}

export interface DestinationResult {
  destination: string;
  activities: number;
  alerts: number;
  batches: number;
  ok: boolean;
  error: string | null;
}

export interface ForwardOptions {
  dataDir: string;
  state: StateStore;
  destinations: readonly ForwardDestination[];
  /** Attempts per batch before the destination is given up for this pass. */
  maxAttempts: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Called after each accepted batch (tests stop here to play a crash). */
  onBatch?: (destination: string, kind: ForwardKind, count: number) => void;
  random?: () => number;
  /** Threads that build the events (0: this one; default src/siem/mapping.ts defaultMappingThreads). */
  mappingThreads?: number;
}

const BACKOFF_BASE_MS = 1_000;

export async function forwardPass(o: ForwardOptions): Promise<DestinationResult[]> {
  // one forward at a time per data dir (the CLI and the daemon's job would send the same batches twice);
  // a lock left by a killed forward is taken over (src/lake/lock.ts)
  const lock = acquireLock(join(o.dataDir, 'forward'), 'forward');
  try {
    return await forwardDestinations(o);
  } finally {
    lock.release();
    try {
      rmdirSync(join(o.dataDir, 'forward'));
    } catch {
      // not empty or already gone
    }
  }
}

async function forwardDestinations(o: ForwardOptions): Promise<DestinationResult[]> {
  const results: DestinationResult[] = [];
  for (const d of o.destinations) {
    if (o.signal?.aborted) break;
    const result: DestinationResult = { destination: d.name, activities: 0, alerts: 0, batches: 0, ok: true, error: null };
    results.push(result);
    try {
      await forwardActivities(o, d, result);
      if (d.alerts) await forwardAlerts(o, d, result);
    } catch (err) {
      result.ok = false;
      result.error = (err as Error).message;
      o.logger?.error({ destination: d.name, error: result.error, activities: result.activities, alerts: result.alerts }, 'forward: destination failed; its cursor stays at the last accepted batch');
    }
  }
  return results;
}

/**
 * The first-arrival bound of a new pass, in µs: now, or just before the writer lock was taken when a sync is
 * writing (its rows have `_extracted_at` at or after its lock: src/pipeline/run.ts takes the lock first).
 */
export function arrivalBound(dataDir: string, nowMs = Date.now()): bigint {
  const holder = lockHolder(join(dataDir, 'lake.lock'));
  if (holder && (holder.host !== hostname() || holder.pid === process.pid || alive(holder.pid))) {
    const started = Date.parse(holder.started_at);
    if (!Number.isNaN(started)) return BigInt(Math.min(started, nowMs)) * 1000n - 1n;
  }
  return BigInt(nowMs) * 1000n;
}

async function forwardActivities(o: ForwardOptions, d: ForwardDestination, result: DestinationResult): Promise<void> {
  const saved = o.state.forwardCursor(d.name, 'activities') as ActivityCursor | null;
  let cursor: ActivityCursor = saved ?? { from: '0' };
  // the bound is fixed before the manifest is read: a commit after it has rows above it
  const to = cursor.to ?? String(arrivalBound(o.dataDir));
  cursor = { from: cursor.from, to, after: cursor.after ?? null, position: cursor.position };
  const sender = eventSender(d, 'activities');
  sender.resume?.(cursor.position);
  const reader = await ActivityReader.open(o.dataDir, { noHistory: d.format !== 'ocsf', onWarning: (m) => o.logger?.warn({ destination: d.name }, `forward: ${m}`) });
  try {
    const q = { arrival: { fromUs: BigInt(cursor.from), toUs: BigInt(to) }, after: cursor.after ?? undefined, sinceMs: d.sinceMs ?? undefined };
    let batch = sender.batch();
    /** created_at of the last event added to `batch` (its id is the batch's `lastId`). */
    let lastCreatedAt = '';
    // One batch in flight while the next is built: a batch is sent only after the one before it was accepted
    // and its cursor recorded, so the order of acceptance, and what a crash leaves, are those of one at a time.
    let inFlight: Promise<void> | null = null;
    const flush = async () => {
      if (inFlight) await inFlight;
      inFlight = null;
      if (!batch.count) return;
      const full = batch;
      const end = { createdAt: lastCreatedAt, id: full.lastId };
      full.body();
      batch = sender.batch();
      inFlight = (async () => {
        await sendWithRetry(o, d, sender, full);
        cursor = { ...cursor, after: end, position: sender.position?.() };
        o.state.setForwardCursor(d.name, 'activities', cursor);
        result.activities += full.count;
        result.batches++;
        o.onBatch?.(d.name, 'activities', full.count);
      })();
      // its failure is thrown where it is awaited (the next flush), not as an unhandled rejection meanwhile
      inFlight.catch(() => undefined);
    };
    // a slice's events go into the batch in order, the batch cut at batchSize wherever that falls in the slice
    const take = async (slice: MappedSlice) => {
      for (let i = 0; i < slice.ids.length; ) {
        const k = Math.min(slice.ids.length - i, d.batchSize - batch.count);
        batch.addFramed(slice.bytes.subarray(i ? slice.ends[i - 1] : 0, slice.ends[i + k - 1]), k, slice.ids[i], slice.ids[i + k - 1]);
        lastCreatedAt = slice.createdAts[i + k - 1];
        i += k;
        if (batch.count >= d.batchSize) await flush();
      }
      slice.done();
    };
    const pool = openMappingPool({ ocsf: d.format === 'ocsf', frame: sender.frame }, o.mappingThreads);
    try {
      for await (const slice of mapInOrder(pool, reader.texts(q))) await take(slice);
      await flush();
      if (inFlight) await inFlight;
    } finally {
      // a batch still in flight after a failure ends (and records its cursor if accepted) before the reader closes
      await (inFlight as Promise<void> | null)?.catch(() => undefined);
      await pool.close();
    }
    o.state.setForwardCursor(d.name, 'activities', { from: to, position: sender.position?.() ?? cursor.position });
  } finally {
    reader.close();
    sender.close?.();
  }
}

async function forwardAlerts(o: ForwardOptions, d: ForwardDestination, result: DestinationResult): Promise<void> {
  if (!existsSync(join(o.dataDir, ALERTS_FILE))) return;
  const cursor = (o.state.forwardCursor(d.name, 'alerts') as AlertCursor | null) ?? { rowid: 0 };
  const sender = eventSender(d, 'alerts');
  sender.resume?.(cursor.position);
  const rules = new Map<string, RuleInfo>();
  try {
    for (const r of loadRules()) rules.set(r.id, { title: r.title, mitre: r.mitre });
  } catch {
    // titles are a courtesy: the document carries the rule id either way
  }
  const alerts = openAlertsDb(o.dataDir);
  try {
    let after = cursor.rowid;
    for (;;) {
      const rows = alerts.sqlite.prepare('select rowid as rowid, id, historical from alerts where rowid > ? order by rowid limit ?').all(after, d.batchSize) as { rowid: number; id: string; historical: number }[];
      if (!rows.length) break;
      const batch = sender.batch();
      for (const r of rows) {
        if (r.historical && d.alerts !== 'all') continue;
        const doc = buildDocument(alerts.db, r.id, rules);
        if (doc) batch.add(doc.id, Date.parse(doc.createdAt), JSON.stringify(doc));
      }
      if (batch.count) await sendWithRetry(o, d, sender, batch);
      after = rows[rows.length - 1].rowid;
      o.state.setForwardCursor(d.name, 'alerts', { rowid: after, position: sender.position?.() });
      result.alerts += batch.count;
      if (batch.count) {
        result.batches++;
        o.onBatch?.(d.name, 'alerts', batch.count);
      }
    }
  } finally {
    alerts.close();
    sender.close?.();
  }
}

async function sendWithRetry(o: ForwardOptions, d: ForwardDestination, sender: EventSender, batch: EventBatch): Promise<void> {
  const signal = o.signal ?? new AbortController().signal;
  const random = o.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      await sender.send(batch, signal);
      return;
    } catch (err) {
      if (signal.aborted || attempt >= o.maxAttempts) throw err;
      const wait = Math.min(d.maxBackoffMs, BACKOFF_BASE_MS * 2 ** (attempt - 1)) * (0.5 + random() / 2);
      o.logger?.warn({ destination: d.name, attempt, wait_ms: Math.round(wait), error: (err as Error).message }, 'forward: batch not accepted; retrying');
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        throw err;
      }
    }
  }
}

function lockHolder(path: string): LockInfo | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Read-only view of the alert store's size, for status output. */
export function alertCount(dataDir: string): number {
  const path = join(dataDir, ALERTS_FILE);
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('select count(*) as n from alerts').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
