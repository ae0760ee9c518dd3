// One in-process DuckDB connection for the lake's own work (writing Parquet, reading stats, compaction).
// Every connection runs in UTC (design.md invariant 9); memory is capped so a large backfill stays flat, and
// what does not fit (the sort of a very large day) spills under the data dir, never into the cwd.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface Duck {
  connection: DuckDBConnection;
  /** Rows of a query as plain objects (BIGINT as bigint, timestamps as DuckDB values). */
  all(sql: string, values?: Record<string, string | number | boolean | null>): Promise<Record<string, unknown>[]>;
  run(sql: string): Promise<void>;
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
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? '256MB',
    threads: String(options.threads ?? 1),
    preserve_insertion_order: 'false',
    // DuckDB's allocator keeps what a COPY freed (up to 512 MB by default) for the next one; a sync COPYs one
    // day after another, so that was the largest part of its peak RSS. At 16 MB a backfill of 1 M
    // activities peaked at 330-341 MB instead of 420-481 MB, at the same speed (BENCHMARKS.md, issue 3).
    allocator_bulk_deallocation_flush_threshold: '16MB',
    ...(options.dataDir ? { temp_directory: spillDir(options.dataDir) } : {}),
  });
  const connection = await instance.connect();
  await connection.run("SET TimeZone='UTC'");
  // Queries get their own connection, so a lookup can run while a COPY is in progress on `connection`.
  const reads = await instance.connect();
  await reads.run("SET TimeZone='UTC'");
  return {
    connection,
    async all(sql, values) {
      const reader = await reads.runAndReadAll(sql, values);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    },
    async run(sql) {
      await connection.run(sql);
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
