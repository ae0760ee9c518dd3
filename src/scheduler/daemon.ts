// The daemon (`compliance-lake run`): syncs on cron schedules through one job queue, refreshes the models
// after every sync that committed data, serves GraphQL alongside, and exposes /healthz, /readyz and /metrics.
//
// Jobs and the streams they sync (each job is one runSync, or two when --since applies to streams that have
// no cursor yet; compaction happens inside it, above compactMaxFiles; a model refresh follows when it
// committed files). A stream's job group is declared by the stream (src/extract/registry.ts):
//   startup    every stream, once at start, with reconciliation (a no-op if today's was done already)
//   activities the `feed` group, without reconciliation (reconcileDays 0)
//   directory  the `directory` group (organizations, organization_settings, users, roles, role_permissions, groups, group_members)
//   content    the `content` group (chats, projects, project_attachments)
//   reconcile  the activity feed with reconcileDays: the stream re-reads the last closed days once per UTC
//              day (its cursor remembers the last day done), so this schedule decides *when* that happens;
//              the default 00:15 UTC leaves a closed day a quarter of an hour to finish indexing.
//
// Every job and run shares one API session: one client and one rate budget for the life of the process
// (design.md invariant 4), so the client-side window does not start over with each job. With an Admin key
// only the feed is scheduled (compliance-api.md §1.2), and the start log says so.
//
// Shutdown: the cron tasks stop, waiting jobs are dropped, and the running job gets shutdownTimeoutMs to
// finish. After that its API requests are cut: the window being read is abandoned (its staged files are
// never committed, and are quarantined by the next start), everything committed stays, cursors never pass
// what was committed (design.md invariant 2), and runSync releases the lake lock as it unwinds. A model
// refresh due after a run that ends during shutdown is left to the next start, which always builds once.
// The cron tasks are destroyed one by one rather than with node-cron's shutdown(), which would stop every
// task in the process (a demo or a test may run more than one daemon).
//
// Detections and delivery (src/scheduler/alerting.ts): after each successful model refresh the enabled rules
// are evaluated inside the job, then the outbox is delivered by a loop on its own timer, outside the job queue,
// so a slow or failing destination never delays a sync and is retried without waiting for new data.
//
// Readiness: /readyz answers 200 once a sync since start has committed at least one stream, a model build
// since start has succeeded and data/warehouse.duckdb exists; 503 with the reason otherwise, and while
// shutting down.
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import type { ComplianceClientOptions, Logger } from '../api/index.js';
import { streamsOfJob } from '../extract/registry.js';
import { stderrLogger } from '../cli/log.js';
import { DEFAULTS } from '../cli/config.js';
import { StreamSelectionError, planStreams } from '../pipeline/keys.js';
import { type SyncResult, runSync } from '../pipeline/run.js';
import { openSession } from '../pipeline/session.js';
import { DEFAULT_GRAPHQL_HOST, DEFAULT_GRAPHQL_PORT, type GraphqlServer, type TlsFiles, startGraphqlServer } from '../graphql/server.js';
import { acquireLock, type Lock } from '../lake/lock.js';
import { buildModels, type BuildReport } from '../models/build.js';
import { WAREHOUSE_FILE } from '../models/warehouse.js';
import { STATE_FILE, StateStore } from '../state/index.js';
import { DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, type HealthServer, type Readiness, startHealthServer } from './health-server.js';
import { defineMetrics, recordLag, recordSync, seedLastSuccess } from './sync-metrics.js';
import { type Alerting, type AlertingStatus, defineAlertingMetrics, startAlerting } from './alerting.js';
import type { DestinationConfig } from '../delivery/config.js';
import type { DetectionsConfig } from '../detections/config.js';
import type { Rule } from '../detections/rules.js';
import { PUBLISH_JOB, definePublishMetrics, runPublishJob } from './publishing.js';
import type { ResolvedPublish } from '../publish/config.js';
import { type RunningJob, type TickOutcome, type TriggerReason, Scheduler, cronProblem } from './scheduler.js';
import { FORWARD_JOB, runForwardJob } from '../siem/forward-job.js';
import type { ForwardConfig } from '../siem/forward-config.js';

export const SCHEDULED_JOBS = ['activities', 'directory', 'content', 'reconcile'] as const;
export type ScheduledJobName = (typeof SCHEDULED_JOBS)[number];
export const STARTUP_JOB = 'startup';
export type JobName = ScheduledJobName | typeof STARTUP_JOB | typeof PUBLISH_JOB;

const names = (job: Parameters<typeof streamsOfJob>[0]) => streamsOfJob(job).map((s) => s.name);

/** The streams each job may sync (the daemon's enabled streams narrow them); startup takes them all. */
export const JOB_STREAMS: Readonly<Record<JobName, readonly string[]>> = {
  startup: [...names('feed'), ...names('directory'), ...names('content')],
  activities: names('feed'),
  directory: names('directory'),
  content: names('content'),
  reconcile: names('feed'),
  publish: [],
};

/** Cron expressions (UTC): five fields from the minute, or six from the second. */
export const DEFAULT_SCHEDULES: Readonly<Record<ScheduledJobName, string>> = {
  activities: '* * * * *',
  directory: '0 * * * *',
  content: '*/5 * * * *',
  reconcile: '15 0 * * *',
};

/**
 * The demo's schedules (`npm start`): the feed every 10 s so that new activity and its alerts show up within
 * half a minute (issue 13's freshness target for the demo, measured by bench/freshness.ts), the chats every
 * minute, the directory every five minutes.
 */
export const DEMO_SCHEDULES: Readonly<Partial<Record<ScheduledJobName, string>>> = {
  activities: '*/10 * * * * *',
  content: '0 * * * * *',
  directory: '30 */5 * * * *',
};

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/** After the shutdown timeout the job's requests are cut; it then has this long to unwind. */
const ABANDON_GRACE_MS = 5_000;

export interface DaemonOptions {
  dataDir: string;
  apiKey: string;
  baseUrl: string;
  requestsPerMinute: number;
  maxRetries?: number;
  /** Streams the daemon syncs (default all); a job whose streams are all left out is not scheduled. */
  streams?: readonly string[];
  overlapMs?: number;
  /** Closed days the reconcile job re-reads (default 3; 0 = no reconciliation). */
  reconcileDays?: number;
  /** First run only: where the backfill starts (default: as far back as the feed goes). */
  sinceMs?: number;
  compactMaxFiles?: number;
  schedules?: Partial<Record<ScheduledJobName, string>>;
  /** GraphQL server: port (0 = a free one), host, bearer token (null: loopback only), TLS files (console.md §4). */
  graphql?: { port?: number; host?: string; token?: string | null; writeToken?: string | null; configPath?: string; tls?: TlsFiles | null; secureCookie?: boolean };
  /** /healthz, /readyz, /metrics: port (0 = a free one) and host. */
  health?: { port?: number; host?: string };
  shutdownTimeoutMs?: number;
  /** Run every stream once at start (default true). */
  runAtStart?: boolean;
  /** Rules evaluated after each model refresh (none: no evaluation). */
  detections?: { config: DetectionsConfig; rules: readonly Rule[] } | null;
  /** Where alerts are delivered (detections.md §5); validated by parseDestinations. */
  destinations?: readonly DestinationConfig[];
  /** How often the delivery loop looks for due outbox rows (default 2 s). */
  deliveryIntervalMs?: number;
  /** The opt-in `forward` job (schema/ocsf.md §5): scheduled only when the config file's forward block has destinations. */
  forward?: ForwardConfig;
  /** The opt-in publish job (schema/publish.md §9): null or absent, no publishing. */
  publish?: { settings: ResolvedPublish; schedule: string } | null;
  /** Default: pino JSON lines on stderr at info. */
  logger?: Logger;
  fetch?: typeof fetch;
  clientOptions?: Partial<ComplianceClientOptions>;
}

/** A setting the daemon cannot start with; the message names it. */
export class DaemonConfigError extends Error {
  override name = 'DaemonConfigError';
}

export type JobResult = 'success' | 'partial' | 'failed' | 'abandoned';

export interface JobStatus {
  runs: number;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastResult: JobResult | null;
  lastRunId: string | null;
  lastError: string | null;
}

export interface DaemonStatus {
  startedAt: string;
  ready: boolean;
  readyReason: string | null;
  stopping: boolean;
  running: RunningJob | null;
  pending: string[];
  schedules: Partial<Record<ScheduledJobName, string>>;
  nextRuns: Record<string, string | null>;
  jobs: Record<string, JobStatus>;
  models: { builds: number; lastSuccessAt: string | null; lastError: string | null; lastReport: BuildReport | null };
  /** Evaluations and, per destination, the delivery state. */
  alerting: AlertingStatus;
  graphqlUrl: string;
  healthUrl: string;
}

export interface Daemon {
  /** The GraphQL endpoint. */
  url: string;
  authenticated: boolean;
  /** Base URL of /healthz, /readyz and /metrics. */
  healthUrl: string;
  status(): DaemonStatus;
  /** Triggers a job now, through the queue like a cron tick. */
  trigger(job: JobName): TickOutcome;
  /** Resolves when no job runs or waits. */
  idle(): Promise<void>;
  /** Graceful shutdown (see the top of this file); safe to call twice. */
  close(): Promise<void>;
}

/** Thrown into the client when the daemon stops: not retried, so the running sync unwinds quickly. */
class DaemonStoppingError extends Error {
  override name = 'DaemonStopping';
  constructor() {
    super('the daemon is shutting down; the request was not sent');
  }
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const log = options.logger ?? stderrLogger('info').logger;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const session = openSession({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    requestsPerMinute: options.requestsPerMinute,
    maxRetries: options.maxRetries,
    fetch: stoppableFetch(options.fetch ?? globalThis.fetch, stop.signal),
    clientOptions: { ...options.clientOptions, sleep: stoppableSleep(stop.signal, options.clientOptions?.sleep) },
    logger: stoppingLogger(log, stop.signal),
  });
  let plan: ReturnType<typeof planStreams>;
  try {
    plan = planStreams(options.streams, session.keyKind);
  } catch (err) {
    if (err instanceof StreamSelectionError) throw new DaemonConfigError(`streams: ${err.message}`);
    throw err;
  }
  const streams = plan.streams.map((s) => s.name);
  const schedules: Partial<Record<ScheduledJobName, string>> = {};
  for (const job of SCHEDULED_JOBS) {
    const expression = options.schedules?.[job] ?? DEFAULT_SCHEDULES[job];
    const problem = cronProblem(expression);
    if (problem) throw new DaemonConfigError(`schedules.${job}: "${expression}" is not a valid cron expression: ${problem}`);
    if (job === 'reconcile' && (options.reconcileDays ?? DEFAULTS.reconcileDays) === 0) continue;
    if (JOB_STREAMS[job].some((s) => streams.includes(s))) schedules[job] = expression;
  }
  const forwardSchedule = options.forward?.destinations.length ? options.forward.schedule : null;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (!(shutdownTimeoutMs >= 0)) throw new DaemonConfigError(`shutdownTimeoutMs must be >= 0; got ${shutdownTimeoutMs}`);

  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  // One daemon per data dir (a manual sync can still run between two jobs: runSync takes the lake lock).
  const daemonLockDir = join(dataDir, 'daemon');
  const daemonLock: Lock = acquireLock(daemonLockDir, 'run');
  const releaseDaemonLock = () => {
    daemonLock.release();
    try {
      rmdirSync(daemonLockDir);
    } catch {
      // not empty or already gone: leave it
    }
  };
  if (daemonLock.recoveredFrom) log.warn({ pid: daemonLock.recoveredFrom.pid }, 'run: took over the daemon lock of a process that no longer runs');

  const startedAt = new Date();
  const metrics = defineMetrics();
  defineAlertingMetrics(metrics);
  if (options.publish) definePublishMetrics(metrics);
  metrics.set('compliance_lake_start_time_seconds', {}, startedAt.getTime() / 1000);
  seedLastSuccess(dataDir, metrics, log);

  const jobs: Record<string, JobStatus> = {};
  const models: DaemonStatus['models'] = { builds: 0, lastSuccessAt: null, lastError: null, lastReport: null };
  let firstCommit: string | null = null;
  let lastSyncError: string | null = null;
  let stopping = false;

  const readiness = (): Readiness => {
    if (stopping) return { ready: false, reason: 'shutting down' };
    if (!firstCommit) {
      return { ready: false, reason: lastSyncError ? `no sync has committed since start: ${lastSyncError}` : 'the first sync has not finished yet' };
    }
    if (!models.lastSuccessAt) {
      return { ready: false, reason: models.lastError ? `the model build failed: ${models.lastError}` : 'the first model build has not finished yet' };
    }
    if (!existsSync(join(dataDir, WAREHOUSE_FILE))) return { ready: false, reason: `${WAREHOUSE_FILE} is missing` };
    return { ready: true, reason: null };
  };

  const refreshModels = async (job: string): Promise<Record<string, unknown>> => {
    const started = Date.now();
    try {
      const report = await buildModels(dataDir);
      const seconds = (Date.now() - started) / 1000;
      models.builds++;
      models.lastSuccessAt = new Date().toISOString();
      models.lastError = null;
      models.lastReport = report;
      metrics.inc('compliance_lake_model_builds_total', { result: 'success' });
      metrics.set('compliance_lake_model_build_duration_seconds', {}, seconds);
      metrics.set('compliance_lake_model_build_last_success_timestamp_seconds', {}, Date.now() / 1000);
      const counts = { models: report.mode, models_ms: Date.now() - started, models_relations: report.relations.length };
      return { ...counts, ...(alerting && !stopping ? await alerting.afterRefresh(job) : {}) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      models.lastError = message.split('\n')[0];
      metrics.inc('compliance_lake_model_builds_total', { result: 'failed' });
      metrics.set('compliance_lake_model_build_duration_seconds', {}, (Date.now() - started) / 1000);
      log.error({ job, error: message }, 'models: build failed; the previous warehouse stays');
      return { models: 'failed', models_ms: Date.now() - started };
    }
  };

  const runJob = async (job: string, reason: TriggerReason): Promise<void> => {
    if (job === FORWARD_JOB && options.forward) return runForwardJob(options.forward, dataDir, log, metrics, reason, () => stopping);
    if (job === PUBLISH_JOB && options.publish) {
      return runPublishJob(dataDir, options.publish.settings, (jobs[job] ??= { runs: 0, lastStartedAt: null, lastFinishedAt: null, lastResult: null, lastRunId: null, lastError: null }), metrics, log, stop.signal);
    }
    const jobStreams = (JOB_STREAMS[job as JobName] ?? []).filter((s) => streams.includes(s));
    if (jobStreams.length === 0) {
      log.warn({ job, reason }, 'job: nothing to do, none of its streams is enabled');
      return;
    }
    const status = (jobs[job] ??= { runs: 0, lastStartedAt: null, lastFinishedAt: null, lastResult: null, lastRunId: null, lastError: null });
    const started = Date.now();
    status.runs++;
    status.lastStartedAt = new Date(started).toISOString();
    metrics.set('compliance_lake_job_running', { job }, 1);
    log.info({ job, reason, streams: jobStreams }, 'job: start');
    let result: SyncResult | null = null;
    let error: string | null = null;
    try {
      // --since widens every window that starts later, so it goes only to streams that have no cursor yet.
      const fresh = options.sinceMs === undefined ? [] : streamsWithoutCursor(dataDir, jobStreams);
      const groups = [jobStreams.filter((s) => fresh.includes(s)), jobStreams.filter((s) => !fresh.includes(s))];
      for (const group of groups) {
        if (group.length === 0 || stop.signal.aborted) continue;
        const part = await runSync({
          dataDir,
          session,
          streams: group,
          settings: {
            sinceMs: group === groups[0] ? options.sinceMs : undefined,
            overlapMs: options.overlapMs ?? DEFAULTS.overlapMs,
            reconcileDays: job === 'reconcile' || job === STARTUP_JOB ? (options.reconcileDays ?? DEFAULTS.reconcileDays) : 0,
          },
          compactMaxFiles: options.compactMaxFiles ?? DEFAULTS.compactMaxFiles,
          logger: stoppingLogger(log, stop.signal),
          onRecovery: (moved, dir) => log.warn({ job, quarantined: moved.length, quarantine_dir: dir }, `run: moved ${moved.length} uncommitted file(s) left by an interrupted run to quarantine`),
        });
        result = result ? mergeResults(result, part) : part;
      }
    } catch (err) {
      // The lake lock is held by another process, the lake is damaged, or something unexpected.
      error = err instanceof Error ? err.message : String(err);
    }
    const abandoned = stop.signal.aborted;
    let counts: Record<string, unknown> = {};
    let jobResult: JobResult;
    if (result) {
      const committed = result.streams.filter((s) => s.status === 'committed');
      const failed = result.streams.filter((s) => s.status !== 'committed');
      jobResult = abandoned && failed.length ? 'abandoned' : result.ok ? 'success' : committed.length ? 'partial' : 'failed';
      if (committed.length && !firstCommit) firstCommit = new Date().toISOString();
      error = !failed.length
        ? null
        : jobResult === 'abandoned'
          ? `cut by shutdown before ${failed.map((s) => s.stream).join(', ')} finished; what they committed stays`
          : failed.map((s) => `${s.stream}: ${s.error}`).join('; ');
      if (!abandoned) lastSyncError = error;
      recordSync(metrics, result, abandoned);
      counts = {
        run_id: result.runId,
        records_read: sum(result.streams, 'recordsRead'),
        new_records: sum(result.streams, 'newRecords'),
        files: sum(result.streams, 'filesWritten'),
        commits: sum(result.streams, 'commits'),
        coverage_events: sum(result.streams, 'coverageEvents'),
        requests: sum(result.streams, 'requests'),
        retries: sum(result.streams, 'retries'),
        rate_limited: sum(result.streams, 'rateLimited'),
        compacted_partitions: result.compactedPartitions,
        ...(failed.length ? { failed_streams: failed.map((s) => s.stream) } : {}),
      };
      if (result.compactedPartitions) metrics.inc('compliance_lake_compacted_partitions_total', {}, result.compactedPartitions);
      const newData = result.streams.some((s) => s.filesWritten > 0) || result.compactedPartitions > 0;
      if (!stopping && (newData || !models.lastSuccessAt)) counts = { ...counts, ...(await refreshModels(job)) };
    } else {
      jobResult = abandoned ? 'abandoned' : 'failed';
      if (!abandoned) lastSyncError = error;
      for (const stream of jobStreams) metrics.inc('compliance_lake_sync_errors_total', { stream });
    }
    const ms = Date.now() - started;
    status.lastFinishedAt = new Date().toISOString();
    status.lastResult = jobResult;
    status.lastRunId = result?.runId ?? null;
    status.lastError = error;
    metrics.set('compliance_lake_job_running', { job }, 0);
    metrics.inc('compliance_lake_jobs_total', { job, result: jobResult });
    metrics.set('compliance_lake_job_last_duration_seconds', { job }, ms / 1000);
    const level = jobResult === 'success' ? 'info' : jobResult === 'abandoned' || jobResult === 'partial' ? 'warn' : 'error';
    log[level]({ job, result: jobResult, ms, ...counts, ...(error ? { error } : {}) }, 'job: end');
  };

  let alerting: Alerting | null = null;
  const scheduler = new Scheduler({
    jobs: [...Object.entries(schedules), ...(forwardSchedule ? [[FORWARD_JOB, forwardSchedule]] : []), ...(options.publish ? [[PUBLISH_JOB, options.publish.schedule]] : [])].map(([name, expression]) => ({ name, cron: expression })),
    run: runJob,
    logger: log,
    onTrigger: (job, _reason, outcome) => {
      if (outcome === 'skipped' || outcome === 'coalesced') metrics.inc('compliance_lake_job_ticks_dropped_total', { job, outcome });
    },
  });

  let graphql: GraphqlServer | null = null;
  let health: HealthServer | null = null;
  try {
    graphql = await startGraphqlServer({
      dataDir,
      port: options.graphql?.port ?? DEFAULT_GRAPHQL_PORT,
      host: options.graphql?.host ?? DEFAULT_GRAPHQL_HOST,
      token: options.graphql?.token ?? null,
      writeToken: options.graphql?.writeToken ?? null,
      configPath: options.graphql?.configPath,
      tls: options.graphql?.tls ?? null,
      secureCookie: options.graphql?.secureCookie,
      logger: log,
    });
    health = await startHealthServer({
      port: options.health?.port ?? DEFAULT_METRICS_PORT,
      host: options.health?.host ?? DEFAULT_METRICS_HOST,
      readiness,
      // without destinations /healthz stays { status: 'ok' }
      details: () => (!options.destinations?.length ? {} : {
        destinations: (alerting?.status().destinations ?? []).map((d) => ({
          destination: d.destination,
          pending: d.pending,
          failing: d.failing,
          failing_since: d.failingSince === null ? null : new Date(d.failingSince).toISOString(),
          last_error: d.lastError,
          last_delivered_at: d.lastDeliveredAt,
        })),
      }),
      metrics: () => {
        metrics.set('compliance_lake_ready', {}, readiness().ready ? 1 : 0);
        recordLag(dataDir, metrics, session.serverNow(), log);
        return metrics.render();
      },
      logger: log,
    });
  } catch (err) {
    await graphql?.close();
    releaseDaemonLock();
    throw err;
  }
  const graphqlUrl = graphql.url;
  const healthUrl = health.url;
  alerting = startAlerting({
    dataDir,
    detections: options.detections ?? null,
    destinations: options.destinations ?? [],
    metrics,
    log,
    intervalMs: options.deliveryIntervalMs,
  });
  scheduler.start(options.runAtStart === false ? [] : [STARTUP_JOB]);
  log.info({ graphql: graphqlUrl, authenticated: graphql.authenticated, health: healthUrl, schedules, streams }, 'run: started');
  if (plan.skipped.length) {
    log.warn({ skipped: plan.skipped.map((s) => s.stream), key_kind: session.keyKind }, `run: not scheduling ${plan.skipped.map((s) => s.stream).join(', ')}: ${plan.skipped[0].reason}`);
  }

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    stopping = true;
    const running = scheduler.running();
    const done = scheduler.stop();
    if (running) {
      log.info({ job: running.job, timeout_ms: shutdownTimeoutMs }, 'run: stopping, waiting for the running job');
      if (!(await settlesWithin(done, shutdownTimeoutMs))) {
        log.warn({ job: running.job }, 'run: the running job did not finish in time; abandoning it (what it committed stays)');
        stop.abort();
        if (!(await settlesWithin(done, ABANDON_GRACE_MS))) log.error({ job: running.job }, 'run: the job is still unwinding; exiting without it (the next start quarantines what it left)');
      }
    }
    stop.abort();
    await Promise.all([graphql!.close(), health!.close(), alerting!.close()]);
    releaseDaemonLock();
    log.info({ uptime_s: Math.round((Date.now() - startedAt.getTime()) / 1000) }, 'run: stopped');
  };

  return {
    url: graphqlUrl,
    authenticated: graphql.authenticated,
    healthUrl,
    status: () => {
      const r = readiness();
      return {
        startedAt: startedAt.toISOString(),
        ready: r.ready,
        readyReason: r.reason,
        stopping,
        running: scheduler.running(),
        pending: scheduler.pending(),
        schedules,
        nextRuns: Object.fromEntries(Object.entries(scheduler.nextRuns()).map(([k, v]) => [k, v?.toISOString() ?? null])),
        jobs: structuredClone(jobs),
        models: { ...models },
        alerting: alerting!.status(),
        graphqlUrl,
        healthUrl,
      };
    },
    trigger: (job) => scheduler.trigger(job, 'manual'),
    idle: () => scheduler.idle(),
    close: () => (closing ??= close()),
  };
}

function streamsWithoutCursor(dataDir: string, streams: readonly string[]): string[] {
  if (!existsSync(join(dataDir, STATE_FILE))) return [...streams];
  const state = StateStore.open(dataDir, { readonly: true });
  try {
    const have = new Set(state.cursors().map((c) => c.stream));
    return streams.filter((s) => !have.has(s));
  } finally {
    state.close();
  }
}

function mergeResults(a: SyncResult, b: SyncResult): SyncResult {
  return {
    ...a,
    ok: a.ok && b.ok,
    streams: [...a.streams, ...b.streams],
    quarantined: [...a.quarantined, ...b.quarantined],
    compactedPartitions: a.compactedPartitions + b.compactedPartitions,
  };
}

function sum<T>(rows: readonly T[], key: keyof T): number {
  return rows.reduce((n, r) => n + Number(r[key] ?? 0), 0);
}

/** True when `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fetch that refuses new requests and cuts running ones once the daemon stops. */
function stoppableFetch(baseFetch: typeof fetch, stopped: AbortSignal): typeof fetch {
  return async (input, init) => {
    if (stopped.aborted) throw new DaemonStoppingError();
    const signal = init?.signal ? AbortSignal.any([init.signal, stopped]) : stopped;
    return baseFetch(input, { ...init, signal });
  };
}

/** The client's sleep (backoff, rate budget), cut short when the daemon stops; `inner` is a test's simulated sleep. */
function stoppableSleep(stopped: AbortSignal, inner?: (ms: number) => Promise<void>): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (stopped.aborted) return reject(new DaemonStoppingError());
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(new DaemonStoppingError());
      };
      const done = () => {
        stopped.removeEventListener('abort', onAbort);
        resolve();
      };
      stopped.addEventListener('abort', onAbort, { once: true });
      if (inner) inner(ms).then(done, reject);
      else timer = setTimeout(done, ms);
    });
}

/** Once the daemon cuts a run, the failures that follow are expected: logged as such, not as errors. */
function stoppingLogger(log: Logger, stopped: AbortSignal): Logger {
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => (stopped.aborted ? log.info({ ...obj, shutting_down: true }, msg) : log.warn(obj, msg)),
    error: (obj, msg) => (stopped.aborted ? log.warn({ ...obj, shutting_down: true }, msg) : log.error(obj, msg)),
  };
}
