// The daemon's metrics: their names and help, and how a sync result, the state store's cursors (lag against
// the server's clock) and the run ledger (last success, after a restart) turn into samples.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../api/index.js';
import { cursorTimeOf } from '../extract/registry.js';
import type { SyncResult } from '../pipeline/run.js';
import { STATE_FILE, StateStore } from '../state/index.js';
import { Metrics } from './metrics.js';

export function defineMetrics(): Metrics {
  const m = new Metrics();
  m.define('compliance_lake_start_time_seconds', 'gauge', 'When the daemon started (Unix seconds).');
  m.define('compliance_lake_ready', 'gauge', '1 when /readyz answers 200.');
  m.define('compliance_lake_sync_lag_seconds', 'gauge', "Server clock minus the stream's cursor time (covered_until, snapshot_at or updated_until).");
  m.define('compliance_lake_sync_cursor_timestamp_seconds', 'gauge', "The stream's cursor time (Unix seconds).");
  m.define('compliance_lake_sync_last_success_timestamp_seconds', 'gauge', 'When a run last committed the stream (Unix seconds).');
  m.define('compliance_lake_sync_records_read_total', 'counter', 'Records read from the API by this process.');
  m.define('compliance_lake_sync_records_committed_total', 'counter', 'New records committed to the lake by this process.');
  m.define('compliance_lake_sync_coverage_events_total', 'counter', 'Late arrivals found by the overlap window or reconciliation.');
  m.define('compliance_lake_sync_errors_total', 'counter', 'Stream runs that did not commit (not counting runs cut by shutdown).');
  m.define('compliance_lake_api_requests_total', 'counter', 'Compliance API requests (every attempt).');
  m.define('compliance_lake_api_retries_total', 'counter', 'Compliance API attempts that were retries.');
  m.define('compliance_lake_api_rate_limited_total', 'counter', 'Compliance API responses with status 429.');
  m.define('compliance_lake_compacted_partitions_total', 'counter', 'Lake partitions compacted after syncs.');
  m.define('compliance_lake_model_builds_total', 'counter', 'Model builds by result (success, failed).');
  m.define('compliance_lake_model_build_duration_seconds', 'gauge', 'Duration of the last model build.');
  m.define('compliance_lake_model_build_last_success_timestamp_seconds', 'gauge', 'When a model build last succeeded (Unix seconds).');
  m.define('compliance_lake_jobs_total', 'counter', 'Jobs run, by job and result (success, partial, failed, abandoned).');
  m.define('compliance_lake_job_running', 'gauge', '1 while the job runs.');
  m.define('compliance_lake_job_last_duration_seconds', 'gauge', 'Duration of the last run of the job (sync and model refresh).');
  m.define('compliance_lake_job_ticks_dropped_total', 'counter', 'Triggers dropped because the job was running (skipped) or already waiting (coalesced).');
  return m;
}

export function recordSync(metrics: Metrics, result: SyncResult, abandoned: boolean): void {
  for (const s of result.streams) {
    const labels = { stream: s.stream };
    metrics.inc('compliance_lake_sync_records_read_total', labels, s.recordsRead);
    metrics.inc('compliance_lake_sync_records_committed_total', labels, s.newRecords);
    metrics.inc('compliance_lake_sync_coverage_events_total', labels, s.coverageEvents);
    metrics.inc('compliance_lake_api_requests_total', labels, s.requests);
    metrics.inc('compliance_lake_api_retries_total', labels, s.retries);
    metrics.inc('compliance_lake_api_rate_limited_total', labels, s.rateLimited);
    if (s.status === 'committed') metrics.set('compliance_lake_sync_last_success_timestamp_seconds', labels, Date.now() / 1000);
    else if (!abandoned) metrics.inc('compliance_lake_sync_errors_total', labels);
  }
}

/** Cursor time and lag per stream, read from the state store (read-only; the writer is never blocked). */
export function recordLag(dataDir: string, metrics: Metrics, serverNowMs: number, log: Logger): void {
  if (!existsSync(join(dataDir, STATE_FILE))) return;
  let state: StateStore | null = null;
  try {
    state = StateStore.open(dataDir, { readonly: true });
    for (const row of state.cursors()) {
      if (row.stream.startsWith('_')) continue;
      const ms = cursorTimeMs(row.stream, row.cursor);
      if (ms === null) continue;
      metrics.set('compliance_lake_sync_cursor_timestamp_seconds', { stream: row.stream }, ms / 1000);
      metrics.set('compliance_lake_sync_lag_seconds', { stream: row.stream }, Math.max(0, (serverNowMs - ms) / 1000));
    }
  } catch (err) {
    log.warn({ error: err instanceof Error ? err.message : String(err) }, 'metrics: cannot read the state store');
  } finally {
    state?.close();
  }
}

/** Last success per stream from the run ledger, so a restart does not report "never". */
export function seedLastSuccess(dataDir: string, metrics: Metrics, log: Logger): void {
  if (!existsSync(join(dataDir, STATE_FILE))) return;
  let state: StateStore | null = null;
  try {
    state = StateStore.open(dataDir, { readonly: true });
    const seen = new Set<string>();
    for (const run of state.runs(500)) {
      const summary = Array.isArray(run.summary) ? (run.summary as { stream?: string; status?: string }[]) : [];
      for (const s of summary) {
        if (!s.stream || seen.has(s.stream) || s.status !== 'committed' || !run.finishedAt) continue;
        seen.add(s.stream);
        metrics.set('compliance_lake_sync_last_success_timestamp_seconds', { stream: s.stream }, Date.parse(run.finishedAt) / 1000);
      }
    }
  } catch (err) {
    log.warn({ error: err instanceof Error ? err.message : String(err) }, 'metrics: cannot read the run ledger');
  } finally {
    state?.close();
  }
}

/** The time the stream declares its cursor stands for (src/extract/registry.ts), in ms. */
function cursorTimeMs(stream: string, cursor: unknown): number | null {
  const ms = Date.parse(cursorTimeOf(stream, cursor) ?? '');
  return Number.isNaN(ms) ? null : ms;
}
