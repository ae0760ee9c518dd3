// One sync run: take the data dir's lock, check the lake and quarantine anything uncommitted, bring the
// state store up to the manifest, then run each requested stream in turn through one client (one rate
// budget). A stream that fails (missing scope, malformed response, bad record) stops alone; what it had
// committed stays, its cursor does not move, and the other streams continue.
import { randomBytes } from 'node:crypto';
import {
  AuthenticationError,
  ConnectionError,
  ComplianceApiError,
  ComplianceClient,
  type ComplianceClientOptions,
  type Logger,
  MalformedResponseError,
  PermissionError,
  type RequestInfo,
} from '../api/index.js';
import { openDuck } from '../lake/duck.js';
import { Lake } from '../lake/lake.js';
import { compactLake } from '../lake/compact.js';
import { acquireLock } from '../lake/lock.js';
import { StateStore } from '../state/index.js';
import { activitiesStream } from './activities.js';
import { chatsStream } from './chats.js';
import { groupMembersStream } from './group-members.js';
import { groupsStream } from './groups.js';
import { organizationsStream } from './organizations.js';
import { projectAttachmentsStream } from './project-attachments.js';
import { projectsStream } from './projects.js';
import { rolePermissionsStream } from './role-permissions.js';
import { rolesStream } from './roles.js';
import { BadRecordError, type Stream, type StreamStats, type SyncContext, type SyncSettings, emptyStats, quarantineResponse } from './stream.js';
import { usersStream } from './users.js';

/** Every stream, in the order a run takes them. */
export const ALL_STREAMS: readonly Stream[] = [
  activitiesStream,
  organizationsStream,
  usersStream,
  rolesStream,
  rolePermissionsStream,
  groupsStream,
  groupMembersStream,
  chatsStream,
  projectsStream,
  projectAttachmentsStream,
];
export const STREAM_NAMES = ALL_STREAMS.map((s) => s.name);

export interface SyncOptions {
  dataDir: string;
  apiKey: string;
  baseUrl: string;
  requestsPerMinute: number;
  streams: readonly string[];
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
  /** Uncommitted files found at start and moved to quarantine. */
  quarantined: string[];
  quarantineDir: string | null;
  recoveredLockFrom: { pid: number; command: string } | null;
  compactedPartitions: number;
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const unknown = options.streams.filter((s) => !STREAM_NAMES.includes(s));
  if (unknown.length) throw new Error(`unknown stream(s): ${unknown.join(', ')}; known: ${STREAM_NAMES.join(', ')}`);
  const streams = ALL_STREAMS.filter((s) => options.streams.includes(s.name));
  const runId = newRunId();
  const lock = acquireLock(options.dataDir, `sync --streams ${streams.map((s) => s.name).join(',')}`);
  let state: StateStore | null = null;
  let duck: Awaited<ReturnType<typeof openDuck>> | null = null;
  try {
    const lake = Lake.open(options.dataDir);
    const recovery = lake.quarantineUncommitted(runId);
    if (recovery.quarantined.length) options.onRecovery?.(recovery.quarantined, recovery.quarantineDir);
    state = StateStore.open(options.dataDir);
    state.catchUp(lake.entries);
    duck = await openDuck({ dataDir: options.dataDir });

    // Request accounting: per stream counts, request ids for the manifest, and the server's clock.
    let current = '';
    const counts = new Map<string, { requests: number; retries: number; rateLimited: number }>();
    const pending: string[] = [];
    const runRequestIds = new Set<string>();
    let serverOffsetMs = 0;
    const baseFetch = options.fetch ?? globalThis.fetch;
    const fetchWithClock: typeof fetch = async (input, init) => {
      const res = await baseFetch(input, init);
      const date = res.headers.get('date');
      const ms = date ? Date.parse(date) : NaN;
      if (!Number.isNaN(ms)) serverOffsetMs = ms - Date.now();
      return res;
    };
    const onRequest = (info: RequestInfo) => {
      const c = counts.get(current) ?? { requests: 0, retries: 0, rateLimited: 0 };
      c.requests++;
      if (info.attempt > 1) c.retries++;
      if (info.status === 429) c.rateLimited++;
      counts.set(current, c);
      if (info.requestId) {
        pending.push(info.requestId);
        runRequestIds.add(info.requestId);
      }
    };
    const client = new ComplianceClient({
      apiKey: options.apiKey,
      baseUrl: options.baseUrl,
      fetch: fetchWithClock,
      requestsPerMinute: options.requestsPerMinute,
      maxRetries: options.maxRetries,
      logger: options.logger,
      onRequest,
      ...options.clientOptions,
    });
    const ctx: SyncContext = {
      client,
      dataDir: options.dataDir,
      runId,
      lake,
      state,
      duck,
      settings: options.settings,
      serverNow: () => Date.now() + serverOffsetMs,
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
      quarantined: recovery.quarantined,
      quarantineDir: recovery.quarantineDir,
      recoveredLockFrom: lock.recoveredFrom ? { pid: lock.recoveredFrom.pid, command: lock.recoveredFrom.command } : null,
      compactedPartitions,
    };
  } finally {
    duck?.close();
    state?.close();
    lock.release();
  }
}

/** A failure as one line that says what went wrong and what to do; unusable input is saved first. */
function describeFailure(ctx: SyncContext, stream: Stream, err: unknown): { error: string; quarantined?: string } {
  if (err instanceof PermissionError) {
    const held = err.scopesHeld.length ? err.scopesHeld.join(', ') : 'none listed';
    const kind =
      stream.name === 'activities'
        ? 'a Compliance Access Key or an Admin key with read:compliance_activities'
        : `a Compliance Access Key with ${stream.scope} (Admin keys read only the activity feed)`;
    return { error: `missing scope: ${stream.name} needs ${stream.scope}; the key has ${held}. Use ${kind}. (request ${err.requestId ?? 'unknown'})` };
  }
  if (err instanceof MalformedResponseError) {
    const file = quarantineResponse(ctx, stream.name, err.requestId, err.rawBody);
    return {
      error: `malformed response from ${err.method ?? 'GET'} ${err.path ?? err.endpoint} (request ${err.requestId ?? 'unknown'}), still malformed after ${err.attempts} attempt(s); nothing of it was stored and the cursor did not move. The body was saved to ${file}.`,
      quarantined: file,
    };
  }
  if (err instanceof BadRecordError) {
    const { page } = err;
    const file = quarantineResponse(ctx, stream.name, page.requestId, JSON.stringify({ endpoint: page.endpoint, query: page.query, request_id: page.requestId, data: page.data }, null, 1));
    return {
      error: `bad record from GET ${page.endpoint}?${page.query}: ${err.message}; nothing of this window was stored and the cursor did not move. The page was saved to ${file}.`,
      quarantined: file,
    };
  }
  if (err instanceof ComplianceApiError) return { error: err.message };
  return { error: `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}` };
}
