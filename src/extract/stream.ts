// What every stream is and what it gets to work with. A stream declares its table, the scope it needs and
// its incremental rule, then reads pages through the client and commits them through `commitBatch`; it
// never speaks HTTP itself and never writes a file the manifest does not record.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComplianceClient, PageOf } from '../api/index.js';
import type { Duck } from '../lake/duck.js';
import { sqlString } from '../lake/duck.js';
import type { Lake } from '../lake/lake.js';
import type { CoverageEvent, ManifestEntry } from '../lake/manifest.js';
import type { TableSpec } from '../lake/tables.js';
import { StreamWriter, isoSql, type StagedFile, type StreamWriterOptions } from '../lake/writer.js';
import type { StateStore } from '../state/index.js';

export interface SyncSettings {
  /** Backfill start (epoch ms); undefined = as far back as the feed goes. */
  sinceMs?: number;
  /** Upper bound for this run (epoch ms); default the server's clock (cursors stop one minute before it). */
  untilMs?: number;
  overlapMs: number;
  reconcileDays: number;
}

export interface StreamStats {
  recordsRead: number;
  newRecords: number;
  filesWritten: number;
  commits: number;
  coverageEvents: number;
}

export interface SyncContext {
  client: ComplianceClient;
  dataDir: string;
  runId: string;
  lake: Lake;
  state: StateStore;
  duck: Duck;
  settings: SyncSettings;
  /** The server's clock (latest `date` header seen), else the local clock. */
  serverNow(): number;
  /** Request ids made since the last commit (they go into the next manifest entry). */
  drainRequestIds(): string[];
  /** Request ids made by this run so far (to mark our own compliance_api_accessed events). */
  runRequestIds: Set<string>;
  onProgress(stream: string, pages: number, records: number): void;
  /** Directory lists read once per run and shared by the directory streams. */
  cache: Map<string, unknown>;
}

/** Which daemon job syncs a stream: the feed every minute, directory snapshots hourly, content every five minutes. */
export type JobGroup = 'feed' | 'directory' | 'content';

/**
 * How a stream's cursor moves and which of its fields is its time (for lag, status and summaries):
 * `window` the feed's `covered_until`, `snapshot` a directory snapshot's `snapshot_at`, `updated` content's
 * `updated_until`.
 */
export type CursorSpec =
  | { kind: 'window'; timeKey: 'covered_until' }
  | { kind: 'snapshot'; timeKey: 'snapshot_at' }
  | { kind: 'updated'; timeKey: 'updated_until' };

/**
 * A stream's contract, declared where the stream is defined. Its key and partition are its table's
 * (`table.key`, the UTC day of `table.timeColumn`).
 */
export interface Stream {
  name: string;
  table: TableSpec;
  /**
   * Every scope the stream's requests need (compliance-api.md §1.3), including those of the lists it reads
   * first: users list the organizations (read:compliance_org_data) before their members (read:compliance_user_data).
   */
  scopes: readonly string[];
  /** Streams whose lists this one reads first (users need organizations, group members need groups). */
  dependsOn: readonly string[];
  cursor: CursorSpec;
  job: JobGroup;
  run(ctx: SyncContext, stats: StreamStats): Promise<void>;
}

/** The time a stored cursor stands for (its `cursor.timeKey`), or null. */
export function cursorTime(stream: Pick<Stream, 'cursor'>, cursor: unknown): string | null {
  if (!cursor || typeof cursor !== 'object') return null;
  const value = (cursor as Record<string, unknown>)[stream.cursor.timeKey];
  return typeof value === 'string' ? value : null;
}

/** A record the stream cannot store (no id, no timestamp): the page is quarantined and the stream stops. */
export class BadRecordError extends Error {
  constructor(
    message: string,
    readonly page: PageOf<unknown>,
  ) {
    super(message);
    this.name = 'BadRecordError';
  }
}

export function newWriter(
  ctx: SyncContext,
  table: TableSpec,
  endpoint: string,
  params: Record<string, string | string[]>,
  part: string,
  arrival?: StreamWriterOptions['arrival'],
): StreamWriter {
  return new StreamWriter({ dataDir: ctx.dataDir, spec: table, runId: ctx.runId, extractedAt: new Date().toISOString(), endpoint, params, part, arrival });
}

/**
 * Finishes `writer` and commits its files with the stream's new cursor in one manifest entry, then
 * applies the entry to the state store. The cursor moves only here, after the files are durable.
 */
export async function commitBatch(
  ctx: SyncContext,
  stream: string,
  writer: StreamWriter | null,
  commit: { cursor?: unknown; coverage?: CoverageEvent[] },
  stats: StreamStats,
): Promise<ManifestEntry> {
  let staged: StagedFile[] = [];
  if (writer && writer.rows === 0) writer.discard(); // nothing new: the commit carries only the cursor
  else if (writer) staged = await writer.finish(ctx.duck);
  const entry = ctx.lake.commit(staged, {
    kind: 'append',
    run_id: ctx.runId,
    stream,
    committed_at: new Date().toISOString(),
    removed: [],
    cursor: commit.cursor,
    coverage: commit.coverage ?? [],
    request_ids: ctx.drainRequestIds(),
  });
  holdAfterCommitPoint();
  ctx.state.apply(entry);
  writer?.discard();
  stats.filesWritten += staged.length;
  stats.commits++;
  stats.coverageEvents += entry.coverage.length;
  return entry;
}

/**
 * Fault injection for the kill -9 tests (test/sync-crash.test.ts): with COMPLIANCE_LAKE_FAULT_HOLD_AFTER_COMMIT_MS
 * set, each commit holds that long between its commit point (the manifest entry) and the state store's apply,
 * so a kill can land there on any machine, however loaded. Unset (always, outside that test): no effect.
 */
const HOLD_AFTER_COMMIT_MS = Number(process.env.COMPLIANCE_LAKE_FAULT_HOLD_AFTER_COMMIT_MS ?? 0);

function holdAfterCommitPoint(): void {
  if (HOLD_AFTER_COMMIT_MS > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, HOLD_AFTER_COMMIT_MS);
}

/** Keys (joined with U+0001) of the rows already committed for `table` with time in [fromIso, toIso). */
export async function committedKeys(ctx: SyncContext, table: TableSpec, fromIso: string, toIso: string): Promise<Set<string>> {
  const from = fromIso.slice(0, 10);
  const to = toIso.slice(0, 10);
  const files = ctx.lake.files(table.stream).filter((f) => f.date >= from && f.date <= to);
  const keys = new Set<string>();
  if (files.length === 0) return keys;
  const list = `[${files.map((f) => sqlString(ctx.lake.absolute(f))).join(', ')}]`;
  // timestamps render as the API's canonical form with six digits, so keys built from records compare
  const part = (k: string) => (table.columns[k] === 'TIMESTAMPTZ' ? isoSql(k) : `${k}::VARCHAR`);
  const keyExpr = table.key.length === 1 ? part(table.key[0]) : `concat_ws(chr(1), ${table.key.map(part).join(', ')})`;
  let rows: Record<string, unknown>[];
  try {
    rows = await ctx.duck.all(
      `SELECT DISTINCT ${keyExpr} AS k FROM read_parquet(${list}) WHERE ${table.timeColumn} >= $from::TIMESTAMPTZ AND ${table.timeColumn} < $to::TIMESTAMPTZ`,
      { from: fromIso, to: toIso },
    );
  } catch (err) {
    throw new Error(
      `cannot read the committed ${table.stream} files of ${from}..${to} (${(err as Error).message.split('\n')[0]}); ` +
        `a committed file may be damaged: run \`compliance-lake verify --data-dir ${ctx.dataDir}\`. Nothing was written.`,
    );
  }
  for (const r of rows) keys.add(String(r.k));
  return keys;
}

/** Saves a response the stream could not use under data/quarantine/responses/ and returns its path. */
export function quarantineResponse(ctx: SyncContext, stream: string, requestId: string | null, body: string): string {
  const dir = join(ctx.dataDir, 'quarantine', 'responses');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${ctx.runId}-${stream}-${requestId ?? 'no-request-id'}.json`);
  writeFileSync(file, body);
  return file;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, how a TIMESTAMPTZ column renders a canonical UTC timestamp (so keys built
 * from API records and from lake rows compare). */
export function sixDigits(canonical: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(canonical);
  if (!m) return isoMicros(Date.parse(canonical));
  return m[2]?.length === 6 ? canonical : `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** Query parameters as the manifest records them (wire names, string values). */
export function wire(query: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]));
}

/** RFC 3339 UTC with microseconds, the lake's canonical timestamp form. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export function emptyStats(): StreamStats {
  return { recordsRead: 0, newRecords: 0, filesWritten: 0, commits: 0, coverageEvents: 0 };
}
