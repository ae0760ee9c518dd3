// Sync status from data/state.sqlite (cursors, run ledger, file catalog, coverage events), opened
// read-only for each request: the sync writes it in WAL mode, so reading never blocks it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STREAM_NAMES as STREAMS, cursorTimeOf as streamCursorTime } from '../extract/registry.js';
import { STATE_FILE, StateStore, type RunRow } from '../state/index.js';
import { readDeliveryStatus } from '../delivery/status.js';
import type { DestinationStatus, StreamStatus, SyncRun, SyncStatus } from './sync-status.type.js';

/** Runs read to find each stream's last attempt and success (a stream not tried in that many runs shows none). */
const RUNS_SCANNED = 500;

interface StreamAttempt {
  at: Date | null;
  status: string;
  error: string | null;
}

export function readSyncStatus(dataDir: string, now: Date, warehouseBuiltAt: Date | null): SyncStatus {
  const destinations: DestinationStatus[] = readDeliveryStatus(dataDir, now.getTime()).map((d) => ({
    destination: d.destination,
    pending: d.pending,
    failing: d.failing,
    failingSince: d.failingSince === null ? null : new Date(d.failingSince),
    lastError: d.lastError,
    lastDeliveredAt: date(d.lastDeliveredAt),
  }));
  const empty: SyncStatus = { generatedAt: now, stateAvailable: false, lastRun: null, warehouseBuiltAt, streams: [], destinations };
  if (!existsSync(join(dataDir, STATE_FILE))) return { ...empty, streams: STREAMS.map((s) => emptyStream(s)) };
  const state = StateStore.open(dataDir, { readonly: true });
  try {
    const runs = state.runs(RUNS_SCANNED);
    const cursors = new Map(state.cursors().map((c) => [c.stream, c.cursor]));
    const names = [...new Set([...STREAMS, ...[...cursors.keys()].filter((s) => !s.startsWith('_'))])];
    const streams = names.map((stream): StreamStatus => {
      const files = state.files({ stream });
      const coverage = state.coverage({ stream });
      const cursor = cursors.get(stream) ?? null;
      const cursorTime = cursorTimeOf(stream, cursor);
      const attempts = attemptsOf(runs, stream);
      const success = attempts.find((a) => a.status === 'committed') ?? null;
      const last = attempts[0] ?? null;
      return {
        stream,
        lastSuccessAt: success?.at ?? null,
        lastAttemptAt: last?.at ?? null,
        lastAttemptStatus: last?.status ?? null,
        lastError: last?.error ?? null,
        cursor,
        cursorTime,
        lagSeconds: cursorTime ? (now.getTime() - cursorTime.getTime()) / 1000 : null,
        records: files.reduce((n, f) => n + f.rows, 0),
        files: files.length,
        coverageEvents: coverage.length,
        lastCoverageEventAt: latest(coverage.map((c) => c.found_at)),
      };
    });
    return { ...empty, stateAvailable: true, lastRun: runs[0] ? toRun(runs[0]) : null, streams };
  } finally {
    state.close();
  }
}

function emptyStream(stream: string): StreamStatus {
  return {
    stream,
    lastSuccessAt: null,
    lastAttemptAt: null,
    lastAttemptStatus: null,
    lastError: null,
    cursor: null,
    cursorTime: null,
    lagSeconds: null,
    records: 0,
    files: 0,
    coverageEvents: 0,
    lastCoverageEventAt: null,
  };
}

function toRun(run: RunRow): SyncRun {
  return {
    runId: run.runId,
    startedAt: new Date(run.startedAt),
    finishedAt: date(run.finishedAt),
    status: run.status,
    streams: run.streams,
  };
}

/** The stream's attempts, newest first, from the per-stream summaries finished runs record. */
function attemptsOf(runs: readonly RunRow[], stream: string): StreamAttempt[] {
  const out: StreamAttempt[] = [];
  for (const run of runs) {
    if (!Array.isArray(run.summary)) continue;
    for (const s of run.summary as unknown[]) {
      if (!s || typeof s !== 'object') continue;
      const summary = s as { stream?: unknown; status?: unknown; error?: unknown };
      if (summary.stream !== stream || typeof summary.status !== 'string') continue;
      out.push({ at: date(run.finishedAt), status: summary.status, error: typeof summary.error === 'string' ? summary.error : null });
    }
  }
  return out;
}

/** The time the stream declares its cursor stands for (src/extract/registry.ts). */
function cursorTimeOf(stream: string, cursor: unknown): Date | null {
  return date(streamCursorTime(stream, cursor));
}

function date(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function latest(values: readonly string[]): Date | null {
  let best: Date | null = null;
  for (const v of values) {
    const d = date(v);
    if (d && (!best || d > best)) best = d;
  }
  return best;
}
