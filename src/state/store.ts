// The sync's state store: cursors, file catalog, coverage events and own request ids as a cache of the
// lake's manifest (applied entry by entry, in chain order), plus the run ledger. SQLite in WAL mode, so
// separate read-only readers (status, GraphQL) can open it while the writer runs (design.md invariant 8).
import Database from 'better-sqlite3';
import { and, asc, desc, eq, gte, inArray, isNull, lte, type SQL } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GENESIS, type CoverageEvent, type ManifestEntry, type ManifestFile } from '../lake/manifest.js';
import { applied, coverageEvents, cursors, files, forwardCursors, ownRequests, runs, STATE_DDL, STATE_SCHEMA_VERSION, stateTables } from './schema.js';

export const STATE_FILE = 'state.sqlite';
const BUSY_TIMEOUT_MS = 5_000;
// Rows per multi-row INSERT and ids per IN list: far below SQLite's 32766 bound variables, and small
// enough that drizzle's statement building stays cheap.
const INSERT_CHUNK_ROWS = 50;
const IN_CHUNK = 500;
const REBUILD_HINT = 'run `compliance-lake state rebuild` to rebuild the state store from the manifest';

type StateDb = BetterSQLite3Database<typeof stateTables>;
// A drizzle transaction over the same schema; it has the query builders of the database itself.
type StateTx = Parameters<Parameters<StateDb['transaction']>[0]>[0];

export type RunStatus = 'success' | 'partial' | 'failed';

export interface CursorRow {
  stream: string;
  cursor: unknown;
  seq: number;
  updatedAt: string;
}

export interface RunRow {
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  status: string | null;
  streams: string[];
  pid: number;
  summary: unknown;
}

export interface FileFilter {
  stream?: string;
  /** One partition date, `YYYY-MM-DD`. */
  date?: string;
  /** Partition dates from `from` to `to`, both included. */
  dates?: { from: string; to: string };
}

export class StateStore {
  private constructor(
    readonly path: string,
    private readonly readOnly: boolean,
    private readonly sqlite: Database.Database,
    private readonly db: StateDb,
  ) {}

  /** Opens (and, unless read-only, creates) `<dataDir>/state.sqlite`. */
  static open(dataDir: string, options: { readonly?: boolean } = {}): StateStore {
    if (!options.readonly) mkdirSync(dataDir, { recursive: true });
    return StateStore.openFile(join(dataDir, STATE_FILE), options);
  }

  /** Opens a state store at an explicit path (rebuild builds the new store beside the old one). */
  static openFile(path: string, options: { readonly?: boolean } = {}): StateStore {
    const readonly = options.readonly ?? false;
    if (readonly && !existsSync(path)) throw new Error(`no state store at ${path}; run a sync first, or ${REBUILD_HINT}`);
    const sqlite = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    try {
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!readonly) {
        sqlite.pragma('journal_mode = WAL');
        // A commit is on disk when apply() returns: the manifest entry it mirrors already is.
        sqlite.pragma('synchronous = FULL');
      }
      const version = sqlite.pragma('user_version', { simple: true }) as number;
      if (version !== STATE_SCHEMA_VERSION && (readonly || version !== 0)) {
        throw new Error(`state store ${path} has schema version ${version}, this build expects ${STATE_SCHEMA_VERSION}; ${REBUILD_HINT}`);
      }
      if (!readonly) {
        sqlite
          .transaction(() => {
            sqlite.exec(STATE_DDL);
            sqlite.pragma(`user_version = ${STATE_SCHEMA_VERSION}`);
          })
          .immediate();
      }
    } catch (err) {
      sqlite.close();
      throw err;
    }
    return new StateStore(path, readonly, sqlite, drizzle({ client: sqlite, schema: stateTables }));
  }

  close(): void {
    this.sqlite.close();
  }

  /** The seq of the last manifest entry applied; 0 when nothing has been. */
  appliedSeq(): number {
    return readHead(this.db).seq;
  }

  /** Applies one manifest entry in one transaction. Entries already applied are skipped. */
  apply(entry: ManifestEntry): void {
    this.assertWritable();
    this.db.transaction((tx) => applyEntry(tx, entry), { behavior: 'immediate' });
  }

  /**
   * Applies, in one transaction, the entries beyond the applied one (after a crash between a manifest
   * commit and its apply, or on a fresh store). Returns how many were applied.
   */
  catchUp(entries: readonly ManifestEntry[]): number {
    this.assertWritable();
    return this.db.transaction(
      (tx) => {
        let count = 0;
        for (const entry of entries) if (applyEntry(tx, entry)) count++;
        return count;
      },
      { behavior: 'immediate' },
    );
  }

  cursor<T = unknown>(stream: string): T | null {
    const row = this.db.select({ cursor: cursors.cursor }).from(cursors).where(eq(cursors.stream, stream)).get();
    return row ? (JSON.parse(row.cursor) as T) : null;
  }

  cursors(): CursorRow[] {
    return this.db
      .select()
      .from(cursors)
      .orderBy(asc(cursors.stream))
      .all()
      .map((r) => ({ stream: r.stream, cursor: JSON.parse(r.cursor) as unknown, seq: r.seq, updatedAt: r.updatedAt }));
  }

  /** The files that are part of the lake (not removed by a compaction), ordered by path. */
  files(filter: FileFilter = {}): ManifestFile[] {
    const where: SQL[] = [isNull(files.removedSeq)];
    if (filter.stream !== undefined) where.push(eq(files.stream, filter.stream));
    if (filter.date !== undefined) where.push(eq(files.date, filter.date));
    if (filter.dates !== undefined) where.push(gte(files.date, filter.dates.from), lte(files.date, filter.dates.to));
    return this.db
      .select()
      .from(files)
      .where(and(...where))
      .orderBy(asc(files.path))
      .all()
      .map(toManifestFile);
  }

  activePaths(): Set<string> {
    const rows = this.db.select({ path: files.path }).from(files).where(isNull(files.removedSeq)).all();
    return new Set(rows.map((r) => r.path));
  }

  /** Which of `ids` are request ids this connector made. */
  ownRequests(ids: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (const chunk of chunks([...new Set(ids)], IN_CHUNK)) {
      const rows = this.db.select({ id: ownRequests.requestId }).from(ownRequests).where(inArray(ownRequests.requestId, chunk)).all();
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  /** Coverage events in the order they were recorded, with the seq of the entry that recorded each. */
  coverage(filter: { stream?: string; runId?: string } = {}): (CoverageEvent & { seq: number })[] {
    const where: SQL[] = [];
    if (filter.stream !== undefined) where.push(eq(coverageEvents.stream, filter.stream));
    if (filter.runId !== undefined) where.push(eq(coverageEvents.runId, filter.runId));
    return this.db
      .select()
      .from(coverageEvents)
      .where(and(...where))
      .orderBy(asc(coverageEvents.id))
      .all()
      .map((r) => {
        const event: CoverageEvent & { seq: number } = {
          stream: r.stream,
          record_id: r.recordId,
          record_time: r.recordTime,
          found_by: r.foundBy,
          found_at: r.foundAt,
          run_id: r.runId,
          seq: r.seq,
        };
        if (r.windowStart !== null) event.window_start = r.windowStart;
        if (r.windowEnd !== null) event.window_end = r.windowEnd;
        return event;
      });
  }

  startRun(run: { runId: string; startedAt: string; streams: string[]; pid: number }): void {
    this.assertWritable();
    this.db.insert(runs).values({ runId: run.runId, startedAt: run.startedAt, streams: run.streams, pid: run.pid }).run();
  }

  finishRun(runId: string, result: { finishedAt: string; status: RunStatus; summary: unknown }): void {
    this.assertWritable();
    const { changes } = this.db
      .update(runs)
      .set({ finishedAt: result.finishedAt, status: result.status, summary: result.summary ?? null })
      .where(eq(runs.runId, runId))
      .run();
    if (changes === 0) throw new Error(`cannot finish run ${runId}: it was never started in ${this.path}`);
  }

  /** The run ledger, newest first. */
  runs(limit?: number): RunRow[] {
    const query = this.db.select().from(runs).orderBy(desc(runs.startedAt), desc(runs.runId));
    const rows = limit === undefined ? query.all() : query.limit(limit).all();
    return rows.map((r) => ({
      runId: r.runId,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      status: r.status,
      streams: r.streams,
      pid: r.pid,
      summary: r.summary ?? null,
    }));
  }

  /**
   * Copies the run ledger from another state file (runs are not in the manifest, so a rebuild carries
   * them over). Returns the number of runs copied; 0 when that file has no readable ledger.
   */
  copyRunsFrom(otherPath: string): number {
    return this.copyTableFrom(otherPath, 'runs', 'run_id, started_at, finished_at, status, streams, pid, summary');
  }

  /**
   * Copies the rows of `table` (these columns) from another state file that are not here yet; 0 when that file
   * cannot be attached or has no readable such table (not a state store, or one from before the table).
   */
  private copyTableFrom(otherPath: string, table: string, columns: string): number {
    this.assertWritable();
    if (!existsSync(otherPath)) return 0;
    try {
      this.sqlite.prepare('ATTACH DATABASE ? AS old_state').run(otherPath);
    } catch {
      return 0;
    }
    try {
      return this.sqlite.prepare(`INSERT OR IGNORE INTO main.${table} (${columns}) SELECT ${columns} FROM old_state.${table}`).run().changes;
    } catch {
      return 0;
    } finally {
      this.sqlite.exec('DETACH DATABASE old_state');
    }
  }

  /** A forward destination's cursor of `kind` (JSON value), or null when it has none (schema/ocsf.md §5). */
  forwardCursor(destination: string, kind: 'activities' | 'alerts'): unknown {
    let row: { activities: string | null; alerts: string | null } | undefined;
    try {
      row = this.db
        .select({ activities: forwardCursors.activities, alerts: forwardCursors.alerts })
        .from(forwardCursors)
        .where(eq(forwardCursors.destination, destination))
        .get();
    } catch (err) {
      // a read-only store written before forward_cursors existed
      if (this.readOnly && /no such table/.test((err as Error).message)) return null;
      throw err;
    }
    const text = row?.[kind];
    return text ? JSON.parse(text) : null;
  }

  /** Sets a forward cursor; durable when it returns (synchronous = FULL). */
  setForwardCursor(destination: string, kind: 'activities' | 'alerts', cursor: unknown): void {
    this.assertWritable();
    const updatedAt = new Date().toISOString();
    const value = JSON.stringify(cursor);
    this.db
      .insert(forwardCursors)
      .values({ destination, [kind]: value, updatedAt })
      .onConflictDoUpdate({ target: forwardCursors.destination, set: { [kind]: value, updatedAt } })
      .run();
  }

  /** Copies forward cursors from another state file (a rebuild keeps them, like the run ledger). */
  copyForwardCursorsFrom(otherPath: string): number {
    return this.copyTableFrom(otherPath, 'forward_cursors', 'destination, activities, alerts, updated_at');
  }

  private assertWritable(): void {
    if (this.readOnly) throw new Error(`state store ${this.path} was opened read-only`);
  }
}

function readHead(db: StateDb | StateTx): { seq: number; hash: string } {
  const row = db.select({ seq: applied.seq, hash: applied.hash }).from(applied).where(eq(applied.id, 1)).get();
  return row ?? { seq: 0, hash: GENESIS };
}

/** Applies one entry inside `tx`; false when it was already applied. */
function applyEntry(tx: StateTx, entry: ManifestEntry): boolean {
  const head = readHead(tx);
  if (entry.seq <= head.seq) {
    // Same seq, different hash: the manifest this store was built from is not the one on disk.
    if (entry.seq === head.seq && entry.hash !== head.hash) {
      throw new Error(
        `manifest entry ${entry.seq} has hash ${short(entry.hash)} but the state store applied entry ${head.seq} with hash ${short(head.hash)}; the state store does not match the manifest; ${REBUILD_HINT}`,
      );
    }
    return false;
  }
  if (entry.seq !== head.seq + 1) {
    throw new Error(
      `cannot apply manifest entry ${entry.seq}: the state store is at entry ${head.seq}, so entries ${head.seq + 1}..${entry.seq - 1} are missing; apply them first, or ${REBUILD_HINT}`,
    );
  }
  if (entry.prev !== head.hash) {
    throw new Error(
      `cannot apply manifest entry ${entry.seq}: its prev ${short(entry.prev)} is not the hash ${short(head.hash)} of entry ${head.seq} the state store applied; the state store does not match the manifest; ${REBUILD_HINT}`,
    );
  }

  // Removed before added, as committedFiles() does: a path removed and re-added in one entry stays.
  for (const chunk of chunks(entry.removed, IN_CHUNK)) {
    tx.update(files)
      .set({ removedSeq: entry.seq })
      .where(and(inArray(files.path, chunk), isNull(files.removedSeq)))
      .run();
  }
  // A re-added path replaces its earlier row.
  for (const chunk of chunks(entry.added, INSERT_CHUNK_ROWS)) {
    tx.delete(files)
      .where(inArray(files.path, chunk.map((f) => f.path)))
      .run();
    tx.insert(files)
      .values(chunk.map((f) => toFileRow(f, entry.seq)))
      .run();
  }
  if (entry.cursor !== undefined) {
    const row = { stream: entry.stream, cursor: JSON.stringify(entry.cursor), seq: entry.seq, updatedAt: entry.committed_at };
    tx.insert(cursors).values(row).onConflictDoUpdate({ target: cursors.stream, set: row }).run();
  }
  for (const chunk of chunks(entry.coverage, INSERT_CHUNK_ROWS)) {
    tx.insert(coverageEvents)
      .values(
        chunk.map((c) => ({
          stream: c.stream,
          recordId: c.record_id,
          recordTime: c.record_time,
          foundBy: c.found_by,
          foundAt: c.found_at,
          runId: c.run_id,
          windowStart: c.window_start ?? null,
          windowEnd: c.window_end ?? null,
          seq: entry.seq,
        })),
      )
      .run();
  }
  // Each entry lists every request id of its run so far; the first entry that listed an id keeps it.
  for (const chunk of chunks([...new Set(entry.request_ids)], IN_CHUNK)) {
    tx.insert(ownRequests)
      .values(chunk.map((id) => ({ requestId: id, runId: entry.run_id, seq: entry.seq })))
      .onConflictDoNothing()
      .run();
  }
  tx.insert(applied)
    .values({ id: 1, seq: entry.seq, hash: entry.hash })
    .onConflictDoUpdate({ target: applied.id, set: { seq: entry.seq, hash: entry.hash } })
    .run();
  return true;
}

function toFileRow(f: ManifestFile, seq: number): typeof files.$inferInsert {
  return {
    path: f.path,
    stream: f.stream,
    date: f.date,
    sha256: f.sha256,
    bytes: f.bytes,
    rows: f.rows,
    minTime: f.min_time,
    maxTime: f.max_time,
    firstId: f.first_id,
    lastId: f.last_id,
    endpoint: f.endpoint,
    params: f.params,
    runId: f.run_id,
    requestIds: f.request_ids,
    addedSeq: seq,
    removedSeq: null,
  };
}

function toManifestFile(r: typeof files.$inferSelect): ManifestFile {
  return {
    path: r.path,
    stream: r.stream,
    date: r.date,
    sha256: r.sha256,
    bytes: r.bytes,
    rows: r.rows,
    min_time: r.minTime,
    max_time: r.maxTime,
    first_id: r.firstId,
    last_id: r.lastId,
    endpoint: r.endpoint,
    params: r.params,
    run_id: r.runId,
    request_ids: r.requestIds,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
