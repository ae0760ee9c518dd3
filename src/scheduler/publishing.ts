// The daemon's opt-in `publish` job (schema/publish.md §9): one publish to the configured store through the
// daemon's job queue, so it never runs beside a sync; its outcome in the job status, the log and /metrics.
import type { Logger } from '../api/index.js';
import type { ResolvedPublish } from '../publish/config.js';
import type { Metrics } from './metrics.js';

export const PUBLISH_JOB = 'publish';

export interface PublishJobStatus {
  runs: number;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastResult: 'success' | 'partial' | 'failed' | 'abandoned' | null;
  lastRunId: string | null;
  lastError: string | null;
}

export function definePublishMetrics(metrics: Metrics): void {
  metrics.define('compliance_lake_publish_objects_total', 'counter', 'Objects sent by the publish job, by kind (lake, manifest, mart, iceberg)');
  metrics.define('compliance_lake_publish_bytes_total', 'counter', 'Bytes sent by the publish job');
  metrics.define('compliance_lake_publish_last_success_timestamp_seconds', 'gauge', 'When the publish job last completed');
  metrics.define('compliance_lake_publish_head_seq', 'gauge', 'The manifest entry the remote copy holds up to');
}

export async function runPublishJob(
  dataDir: string,
  settings: ResolvedPublish,
  status: PublishJobStatus,
  metrics: Metrics,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  status.runs++;
  status.lastStartedAt = new Date(started).toISOString();
  metrics.set('compliance_lake_job_running', { job: PUBLISH_JOB }, 1);
  log.info({ job: PUBLISH_JOB, to: `s3://${settings.target.bucket}/${settings.target.prefix}` }, 'job: start');
  try {
    // loaded on the first run: the AWS SDK is not needed by a daemon that never publishes
    const { publish } = await import('../publish/publish.js');
    const r = await publish({ dataDir, ...settings, signal });
    status.lastResult = 'success';
    status.lastError = null;
    metrics.inc('compliance_lake_publish_objects_total', { kind: 'lake' }, r.lake.sent);
    metrics.inc('compliance_lake_publish_objects_total', { kind: 'manifest' }, r.manifests.sent);
    metrics.inc('compliance_lake_publish_objects_total', { kind: 'mart' }, r.marts.sent);
    metrics.inc('compliance_lake_publish_objects_total', { kind: 'iceberg' }, r.iceberg.sent);
    metrics.inc('compliance_lake_publish_bytes_total', {}, r.lake.bytesSent + r.marts.bytesSent + r.iceberg.bytesSent);
    metrics.set('compliance_lake_publish_last_success_timestamp_seconds', {}, Date.now() / 1000);
    metrics.set('compliance_lake_publish_head_seq', {}, r.head.seq);
    for (const w of r.warnings) log.warn({ job: PUBLISH_JOB }, `publish: ${w}`);
    log.info({ job: PUBLISH_JOB, result: 'success', ms: Date.now() - started, head_seq: r.head.seq, lake_sent: r.lake.sent, manifests_sent: r.manifests.sent, marts_sent: r.marts.sent, retries: r.retries }, 'job: end');
  } catch (err) {
    status.lastResult = signal.aborted ? 'abandoned' : 'failed';
    status.lastError = err instanceof Error ? err.message : String(err);
    log[signal.aborted ? 'warn' : 'error']({ job: PUBLISH_JOB, result: status.lastResult, ms: Date.now() - started, error: status.lastError }, 'job: end');
  } finally {
    status.lastFinishedAt = new Date().toISOString();
    metrics.set('compliance_lake_job_running', { job: PUBLISH_JOB }, 0);
    metrics.inc('compliance_lake_jobs_total', { job: PUBLISH_JOB, result: status.lastResult ?? 'failed' });
    metrics.set('compliance_lake_job_last_duration_seconds', { job: PUBLISH_JOB }, (Date.now() - started) / 1000);
  }
}
