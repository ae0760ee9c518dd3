// One sync run, orchestrated in one place: take the data dir's lock, check the lake and quarantine anything
// uncommitted, bring the state store up to the manifest, plan the streams (the registry, less what the key
// cannot read), run each in turn through the process's one API session (one client, one rate budget), record
// the run in the ledger, then compact. A stream that fails (missing scope, malformed response, bad record)
// stops alone; what it had committed stays, its cursor does not move, and the other streams continue.
import { randomBytes } from 'node:crypto';
import { AuthenticationError, ConnectionError, DEFAULT_REQUESTS_PER_MINUTE, type ComplianceClientOptions, type Logger, type RequestInfo } from '../api/index.js';
import { type StreamStats, type SyncContext, type SyncSettings, emptyStats } from '../extract/stream.js';
import { compactLake } from '../lake/compact.js';
import { refreshIcebergAfterCommit } from '../iceberg/hook.js';
import type { RefreshReport } from '../iceberg/refresh.js';
import { type DeferredDuck, deferDuck, openDuck } from '../lake/duck.js';
import { Lake } from '../lake/lake.js';
import { acquireLock } from '../lake/lock.js';
import { StateStore } from '../state/index.js';
import { describeFailure } from './failure.js';
import { planStreams } from './keys.js';
import { type ApiSession, openSession } from './session.js';

export interface SyncOptions {
  dataDir: string;
  /** The process's API session; without one, the run opens its own from the connection settings below. */
  session?: ApiSession;
  apiKey?: string;
  baseUrl?: string;
  requestsPerMinute?: number;
  /** Default: every stream the key can read (the others are reported as skipped). */
  streams?: readonly string[];
  settings: SyncSettings;
  maxRetries?: number;
  fetch?: typeof fetch;
  /** Extra client options (tests pass a simulated sleep and clock). */
  clientOptions?: Partial<ComplianceClientOptions>;
  logger?: Logger;
  onProgress?: (stream: string, pages: number, records: number) => void;
  /** Called when a stream starts and ends (for progress displays). */
  onStream?: (stream: string, phase: 'start' | 'end', summary?: StreamSummary) => void;
  /** Called as soon as leftovers of an interrupted run were moved to quarantine (before any request). */
  onRecovery?: (moved: string[], quarantineDir: string | null) => void;
  /** After the streams: compact partitions holding more files than this (0 = never). */
  compactMaxFiles?: number;
}

export type StreamStatus = 'committed' | 'failed' | 'skipped';

export interface StreamSummary extends StreamStats {
  stream: string;
  status: StreamStatus;
  error?: string;
  /** Where the unusable response or page was saved. */
  quarantined?: string;
  /** The failure is a setting to fix (a base URL that never answered: wrong host, port, scheme or TLS trust). */
  configuration?: true;
  cursorBefore: unknown;
  cursorAfter: unknown;
  requests: number;
  retries: number;
  rateLimited: number;
  durationMs: number;
}

export interface SyncResult {
  runId: string;
  ok: boolean;
  streams: StreamSummary[];
  /** Streams a default run left out because the key cannot read them, with the reason. */
  skipped: { stream: string; reason: string }[];
  /** Uncommitted files found at start and moved to quarantine. */
  quarantined: string[];
  quarantineDir: string | null;
  recoveredLockFrom: { pid: number; command: string } | null;
  compactedPartitions: number;
  /** The Iceberg table's refresh after the commits (schema/iceberg.md), when the table exists. */
  iceberg?: RefreshReport | null;
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const session = options.session ?? openSession(connectionOf(options));
  const plan = planStreams(options.streams, session.keyKind);
  const streams = plan.streams;
  for (const s of plan.skipped) options.logger?.info({ stream: s.stream, reason: s.reason }, 'sync: stream skipped');
  const runId = newRunId();
  const lock = acquireLock(options.dataDir, `sync --streams ${streams.map((s) => s.name).join(',')}`);
  let state: StateStore | null = null;
  let duck: DeferredDuck | null = null;
  // Request accounting: per stream counts, and request ids for the manifest.
  let current = '';
  const counts = new Map<string, { requests: number; retries: number; rateLimited: number }>();
  const pending: string[] = [];
  const runRequestIds = new Set<string>();
  const detach = session.attach((info: RequestInfo) => {
    // DuckDB loads while the next page is prepared by the server (it is needed first at the first commit)
    duck?.start();
    const c = counts.get(current) ?? { requests: 0, retries: 0, rateLimited: 0 };
    c.requests++;
    if (info.attempt > 1) c.retries++;
    if (info.status === 429) c.rateLimited++;
    counts.set(current, c);
    if (info.requestId) {
      pending.push(info.requestId);
      runRequestIds.add(info.requestId);
    }
  });
  try {
    const lake = Lake.open(options.dataDir);
    const recovery = lake.quarantineUncommitted(runId);
    if (recovery.quarantined.length) options.onRecovery?.(recovery.quarantined, recovery.quarantineDir);
    state = StateStore.open(options.dataDir);
    state.catchUp(lake.entries);
    const dataDir = options.dataDir;
    duck = deferDuck(() => openDuck({ dataDir }));
    const ctx: SyncContext = {
      client: session.client,
      dataDir: options.dataDir,
      runId,
      lake,
      state,
      duck,
      settings: options.settings,
      serverNow: session.serverNow,
      drainRequestIds: () => pending.splice(0, pending.length),
      runRequestIds,
      onProgress: (stream, pages, records) => options.onProgress?.(stream, pages, records),
      cache: new Map(),
    };
    state.startRun({ runId, startedAt: new Date().toISOString(), streams: streams.map((s) => s.name), pid: process.pid });

    const summaries: StreamSummary[] = [];
    let stopAll: string | null = null;
    for (const stream of streams) {
      current = stream.name;
      const cursorBefore = state.cursor(stream.name);
      const stats = emptyStats();
      const started = Date.now();
      let status: StreamStatus = 'committed';
      let error: string | undefined;
      let quarantined: string | undefined;
      let configuration = false;
      options.onStream?.(stream.name, 'start');
      if (stopAll) {
        status = 'skipped';
        error = stopAll;
      } else {
        try {
          await stream.run(ctx, stats);
        } catch (err) {
          // DuckDB that cannot start fails the run as a whole, as it did when it opened before any request
          if (duck.failure()) {
            state.finishRun(runId, { finishedAt: new Date().toISOString(), status: 'failed', summary: summaries });
            throw duck.failure();
          }
          status = 'failed';
          ({ error, quarantined } = describeFailure(ctx, stream, err));
          options.logger?.error({ stream: stream.name, error, quarantined }, 'sync: stream failed');
          if (err instanceof AuthenticationError) stopAll = `not attempted: the key was rejected (${err.apiMessage ?? 'authentication_error'})`;
          if (err instanceof ConnectionError && err.configuration) {
            configuration = true;
            stopAll = `not attempted: ${err.baseUrl} never answered (${err.reason})`;
          }
        }
      }
      const c = counts.get(stream.name) ?? { requests: 0, retries: 0, rateLimited: 0 };
      const summary: StreamSummary = {
        stream: stream.name,
        status,
        ...(error ? { error } : {}),
        ...(quarantined ? { quarantined } : {}),
        ...(configuration ? { configuration: true as const } : {}),
        ...stats,
        cursorBefore,
        cursorAfter: state.cursor(stream.name),
        ...c,
        durationMs: Date.now() - started,
      };
      summaries.push(summary);
      options.onStream?.(stream.name, 'end', summary);
    }
    // Requests made after the last commit still go into the manifest: our own access events stay recognisable.
    const leftover = ctx.drainRequestIds();
    if (leftover.length) {
      const entry = lake.commit([], {
        kind: 'append',
        run_id: runId,
        stream: '_run',
        committed_at: new Date().toISOString(),
        removed: [],
        coverage: [],
        request_ids: leftover,
      });
      state.apply(entry);
    }
    let compactedPartitions = 0;
    if ((options.compactMaxFiles ?? 0) > 0) {
      const store = state;
      const r = await compactLake(options.dataDir, {
        runId,
        duck,
        minFiles: options.compactMaxFiles! + 1,
        lockHeld: true,
        onCommit: (_entry, compacted) => store.catchUp(compacted.entries),
      });
      compactedPartitions = r.partitions.length;
    }
    // `lake` saw every commit of the streams, but not a compaction's (compactLake opens its own)
    const iceberg = await refreshIcebergAfterCommit(options.dataDir, options.logger, compactedPartitions === 0 ? lake : undefined);
    const ok = summaries.every((s) => s.status === 'committed');
    state.finishRun(runId, {
      finishedAt: new Date().toISOString(),
      status: ok ? 'success' : summaries.some((s) => s.status === 'committed') ? 'partial' : 'failed',
      summary: summaries,
    });
    return {
      runId,
      ok,
      streams: summaries,
      skipped: plan.skipped,
      quarantined: recovery.quarantined,
      quarantineDir: recovery.quarantineDir,
      recoveredLockFrom: lock.recoveredFrom ? { pid: lock.recoveredFrom.pid, command: lock.recoveredFrom.command } : null,
      compactedPartitions,
      iceberg,
    };
  } finally {
    detach();
    duck?.close();
    state?.close();
    lock.release();
  }
}

function connectionOf(options: SyncOptions) {
  if (options.apiKey === undefined || options.baseUrl === undefined) throw new Error('runSync: pass a session, or apiKey and baseUrl');
  return {
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    requestsPerMinute: options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE,
    maxRetries: options.maxRetries,
    fetch: options.fetch,
    clientOptions: options.clientOptions,
    logger: options.logger,
  };
}
