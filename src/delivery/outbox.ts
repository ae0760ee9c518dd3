// The outbox worker (detections.md §5): delivers the due rows of `alert_outbox`, one destination at a time
// per row but every destination at once, and marks a row delivered only after its destination accepted it.
// A failure backs the row off exponentially with jitter (1 s doubling to 5 min), and the destination with
// it: while its latest attempt failed and that backoff runs, none of its rows is tried, so a dead destination
// is tried once per backoff step, not once per alert, and never holds up the others. The row retried first is
// the one tried most, so a destination's backoff keeps growing while new alerts queue behind it. A crash between the send and the mark repeats the send with
// the same frozen body (at least once; receivers drop the repeat by the alert id).
import { and, asc, count, desc, eq, isNotNull, lte, max, min, notInArray, sql } from 'drizzle-orm';
import type { Logger } from '../api/index.js';
import { alertOutbox } from '../detections/schema.js';
import { DEFAULT_MAX_BACKOFF_MS, type DestinationConfig } from './config.js';
import { type AlertDocument, type AlertsDb, buildDocument, type RuleInfo } from './document.js';
import { DeliveryError, type Sender } from './destinations/index.js';

export const BACKOFF_BASE_MS = 1_000;
/** The default cap; a destination's `maxBackoff` sets its own. */
export const BACKOFF_MAX_MS = DEFAULT_MAX_BACKOFF_MS;
/** A destination whose oldest undelivered alert has been failing this long is reported as failing. */
export const FAILING_AFTER_MS = 15 * 60_000;
/** Rows one pass tries per destination; the next pass takes the rest. */
export const DEFAULT_BATCH = 200;

export interface Destination {
  config: DestinationConfig;
  sender: Sender;
}

export interface DestinationReport {
  destination: string;
  attempted: number;
  delivered: number;
  failed: number;
  /** Undelivered rows after the pass. */
  pending: number;
  /** Epoch ms of the first failed attempt of the oldest undelivered alert (null: nothing failing). */
  failingSince: number | null;
  /** failingSince is FAILING_AFTER_MS or more ago. */
  failing: boolean;
  lastError: string | null;
  /** ISO time of the last delivery this destination accepted (any process), or null. */
  lastDeliveredAt: string | null;
}

export interface DeliveryReport {
  destinations: DestinationReport[];
  /** Undelivered rows for destinations no longer configured (kept; delivered if the destination comes back). */
  orphaned: { destination: string; pending: number }[];
}

export interface DeliverOptions {
  db: AlertsDb;
  destinations: readonly Destination[];
  /** Epoch ms (tests move it). */
  now?: () => number;
  /** Uniform in [0, 1): the jitter. */
  random?: () => number;
  logger?: Logger;
  /** Cuts the attempts in flight (the daemon stopping). */
  signal?: AbortSignal;
  rules?: ReadonlyMap<string, RuleInfo>;
  batch?: number;
}

/** Equal jitter: half the exponential step, plus up to the other half at random. */
export function backoffMs(attempts: number, random: () => number = Math.random, maxMs = BACKOFF_MAX_MS): number {
  const step = Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(40, attempts - 1)));
  return Math.round(step / 2 + (random() * step) / 2);
}

/** One pass over the due rows of every destination. Never throws for a destination's failure. */
export async function deliverOutbox(options: DeliverOptions): Promise<DeliveryReport> {
  const now = options.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  const reports = await Promise.all(options.destinations.map((d) => deliverTo(d, options, now, signal)));
  const names = options.destinations.map((d) => d.config.name);
  const db = options.db;
  const orphaned = db
    .select({ destination: alertOutbox.destination, pending: count() })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.state, 'pending'), names.length ? notInArray(alertOutbox.destination, names) : undefined))
    .groupBy(alertOutbox.destination)
    .all();
  return { destinations: reports.map((r) => ({ ...r, ...destinationState(db, r.destination, now()) })), orphaned };
}

async function deliverTo(d: Destination, o: DeliverOptions, now: () => number, signal: AbortSignal): Promise<Omit<DestinationReport, 'pending' | 'failingSince' | 'failing' | 'lastDeliveredAt'>> {
  const name = d.config.name;
  const db = o.db;
  const report = { destination: name, attempted: 0, delivered: 0, failed: 0, lastError: null as string | null };
  // The destination's latest attempt failed and its backoff has not run out: every row waits with it.
  const latest = db
    .select({ error: alertOutbox.lastError, next: alertOutbox.nextAttemptAt })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.destination, name), eq(alertOutbox.state, 'pending'), isNotNull(alertOutbox.lastAttemptAt)))
    .orderBy(desc(alertOutbox.lastAttemptAt))
    .limit(1)
    .get();
  if (latest?.error && latest.next > now()) return report;
  const rows = db
    .select({ alertId: alertOutbox.alertId, attempts: alertOutbox.attempts, body: alertOutbox.body })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.destination, name), eq(alertOutbox.state, 'pending'), lte(alertOutbox.nextAttemptAt, now())))
    .orderBy(desc(alertOutbox.attempts), asc(alertOutbox.createdAt), asc(alertOutbox.alertId))
    .limit(o.batch ?? DEFAULT_BATCH)
    .all();
  for (const row of rows) {
    if (signal.aborted) break;
    const key = and(eq(alertOutbox.alertId, row.alertId), eq(alertOutbox.destination, name));
    const attempts = row.attempts + 1;
    const started = now();
    db.update(alertOutbox)
      .set({ attempts, firstAttemptAt: sql`coalesce(${alertOutbox.firstAttemptAt}, ${started})`, lastAttemptAt: started })
      .where(key)
      .run();
    report.attempted++;
    let error: string;
    let missing = false;
    try {
      const body = row.body ?? freezeBody(db, row.alertId, name, o.rules);
      await d.sender.send(JSON.parse(body) as AlertDocument, body, signal);
      db.update(alertOutbox).set({ state: 'delivered', deliveredAt: new Date(now()).toISOString(), lastError: null }).where(key).run();
      report.delivered++;
      continue;
    } catch (err) {
      missing = err instanceof MissingAlertError;
      error = err instanceof DeliveryError ? err.message : `unexpected: ${err instanceof Error ? err.message : String(err)}`;
    }
    // cut by shutdown: not the destination's failure; the row is simply tried again after the restart
    if (signal.aborted) break;
    const wait = backoffMs(attempts, o.random, d.config.maxBackoffMs);
    const next = now() + wait;
    report.failed++;
    report.lastError = error;
    db.update(alertOutbox).set({ nextAttemptAt: next, lastError: error }).where(key).run();
    o.logger?.warn({ destination: name, type: d.config.type, alert_id: row.alertId, attempts, retry_in_ms: wait, error }, 'delivery: attempt failed; will retry');
    if (!missing) break;
  }
  return report;
}

/** The body of an alert: the one already frozen for another destination, or a new one stored now. */
function freezeBody(db: AlertsDb, alertId: string, destination: string, rules: ReadonlyMap<string, RuleInfo> | undefined): string {
  return db.transaction((tx) => {
    const frozen = tx.select({ body: alertOutbox.body }).from(alertOutbox).where(and(eq(alertOutbox.alertId, alertId), isNotNull(alertOutbox.body))).limit(1).get();
    let body = frozen?.body ?? null;
    if (body === null) {
      const doc = buildDocument(tx as unknown as AlertsDb, alertId, rules);
      if (!doc) throw new MissingAlertError(`alert ${alertId} is not in the alert store`);
      body = JSON.stringify(doc);
    }
    tx.update(alertOutbox).set({ body }).where(and(eq(alertOutbox.alertId, alertId), eq(alertOutbox.destination, destination))).run();
    return body;
  });
}

class MissingAlertError extends DeliveryError {}

/** A destination's delivery state from the outbox alone (any process, survives restarts). */
export function destinationState(db: AlertsDb, destination: string, nowMs: number): Pick<DestinationReport, 'pending' | 'failingSince' | 'failing' | 'lastError' | 'lastDeliveredAt'> {
  const pending = db
    .select({ n: count(), since: min(alertOutbox.firstAttemptAt) })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.destination, destination), eq(alertOutbox.state, 'pending')))
    .get();
  const failed = db
    .select({ error: alertOutbox.lastError })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.destination, destination), eq(alertOutbox.state, 'pending'), isNotNull(alertOutbox.lastError)))
    .orderBy(sql`${alertOutbox.lastAttemptAt} desc`)
    .limit(1)
    .get();
  const delivered = db
    .select({ at: max(alertOutbox.deliveredAt) })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.destination, destination), eq(alertOutbox.state, 'delivered')))
    .get();
  // Only failed attempts count: a row attempted once and cut by a crash has no error and is not "failing".
  const failingSince = failed ? (pending?.since ?? null) : null;
  return {
    pending: pending?.n ?? 0,
    failingSince,
    failing: failingSince !== null && nowMs - failingSince >= FAILING_AFTER_MS,
    lastError: failed?.error ?? null,
    lastDeliveredAt: delivered?.at ?? null,
  };
}
