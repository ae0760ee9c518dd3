// The one way this code opens DuckDB (`createDuck`, `connectUtc`): every connection runs in UTC (design.md
// invariant 9), read-only or read-write as asked. `openDuck` is the lake's own in-process connection (writing
// Parquet, reading stats, compaction): memory is capped so a large backfill stays flat, and what does not fit
// (the sort of a very large day) spills under the data dir, never into the cwd.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * DuckDB's module, loaded on first use: its native library costs about 0.6 s of CPU to load, which a command
 * that opens no database (usage errors, `--help`, `simulate`, a missing data dir) should not pay.
 */
export type DuckApi = typeof import('@duckdb/node-api');
let api: Promise<DuckApi> | null = null;
export function duckApi(): Promise<DuckApi> {
  return (api ??= import('@duckdb/node-api'));
}

export interface CreateDuckOptions {
  /** A database file, or ':memory:' (the default). */
  path?: string;
  /** Opens the file with access_mode READ_ONLY (readers of the warehouse never take its write lock). */
  readOnly?: boolean;
  memoryLimit?: string;
  threads?: number;
  /** Where DuckDB spills what does not fit in memory. */
  tempDirectory?: string;
  /** Other start-up settings (DuckDB config names). */
  settings?: Record<string, string>;
}

/** A DuckDB instance; open its connections with `connectUtc`. */
export async function createDuck(options: CreateDuckOptions = {}): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await duckApi();
  return DuckDBInstance.create(options.path ?? ':memory:', {
    ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}),
    ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
    ...(options.threads === undefined ? {} : { threads: String(options.threads) }),
    ...(options.tempDirectory ? { temp_directory: options.tempDirectory } : {}),
    ...options.settings,
  });
}

/**
 * A connection in UTC (design.md invariant 9). TimeZone is a per-connection setting, and the ICU extension
 * that owns it loads on first use, so it cannot go into the instance's config.
 */
export async function connectUtc(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run("SET TimeZone='UTC'");
  return connection;
}

export interface Duck {
  connection: DuckDBConnection;
  /** Rows of a query as plain objects (BIGINT as bigint, timestamps as DuckDB values). */
  all(sql: string, values?: Record<string, string | number | boolean | null>): Promise<Record<string, unknown>[]>;
  /** Runs a statement; resolves to the rows it changed (a COPY: the rows it wrote). */
  run(sql: string): Promise<number>;
  close(): void;
}

export interface DuckOptions {
  memoryLimit?: string;
  threads?: number;
  /** The data dir whose `tmp/duckdb/` takes spilled data; without it DuckDB would spill to `./.tmp`. */
  dataDir?: string;
}

/** Where a lake connection on `dataDir` spills (DuckDB writes and deletes its files there as needed). */
export function spillDir(dataDir: string): string {
  return join(dataDir, 'tmp', 'duckdb');
}

export async function openDuck(options: DuckOptions = {}): Promise<Duck> {
  // DuckDB creates the spill directory itself, but not its parents
  if (options.dataDir) mkdirSync(spillDir(options.dataDir), { recursive: true });
  const instance = await createDuck({
    memoryLimit: options.memoryLimit ?? '256MB',
    threads: options.threads ?? 1,
    tempDirectory: options.dataDir ? spillDir(options.dataDir) : undefined,
    settings: {
      preserve_insertion_order: 'false',
      // DuckDB's allocator keeps what a COPY freed (up to 512 MB by default) for the next one; a sync COPYs one
      // day after another, so that was the largest part of its peak RSS (420-481 MB for 1 M activities). At
      // 16 MB every day's COPY handed its memory back and faulted it in again: half of the COPY's CPU. 64 MB
      // keeps one unsorted day's buffers (BENCHMARKS.md, issue 3 and issue 11 "syncspeed2").
      allocator_bulk_deallocation_flush_threshold: '64MB',
    },
  });
  const connection = await connectUtc(instance);
  // Queries get their own connection, so a lookup can run while a COPY is in progress on `connection`.
  const reads = await connectUtc(instance);
  return {
    connection,
    async all(sql, values) {
      const reader = await reads.runAndReadAll(sql, values);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    },
    async run(sql) {
      return (await connection.run(sql)).rowsChanged;
    },
    close() {
      reads.closeSync();
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A string literal for SQL (paths and the like; values go through parameters). */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A lake connection opened when first needed, or ahead of that by `start`. */
export interface DeferredDuck extends Duck {
  /** Starts opening now (once); what uses the connection waits for it. */
  start(): void;
  /** Whether opening was started and failed (the error), else null. */
  failure(): unknown;
}

/**
 * A run's lake connection whose opening overlaps the run's first requests: loading DuckDB's native library and
 * starting an instance cost about 0.35 s of CPU, before the first request when opened up front (BENCHMARKS.md,
 * issue 11, sync throughput). `all` and `run` wait for the opening; `connection` exists once it is done.
 */
export function deferDuck(open: () => Promise<Duck>): DeferredDuck {
  let opening: Promise<Duck> | null = null;
  let opened: Duck | null = null;
  let failed: unknown = null;
  let closed = false;
  const ready = (): Promise<Duck> => {
    if (closed) return Promise.reject(new Error('the lake connection is closed'));
    if (!opening) {
      opening = open().then(
        (duck) => {
          // a run that ended before its connection was open closes it as soon as it is
          if (closed) duck.close();
          else opened = duck;
          return duck;
        },
        (err: unknown) => {
          failed = err;
          throw err;
        },
      );
      opening.catch(() => {}); // raised where it is awaited
    }
    return opening;
  };
  return {
    get connection(): DuckDBConnection {
      if (!opened) throw new Error('the lake connection is not open yet');
      return opened.connection;
    },
    async all(sql, values) {
      return (await ready()).all(sql, values);
    },
    async run(sql) {
      return (await ready()).run(sql);
    },
    close() {
      closed = true;
      opened?.close();
      opened = null;
    },
    start() {
      if (!opening && !closed) void ready();
    },
    failure: () => failed,
  };
}
