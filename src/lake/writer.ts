// Writing one stream's rows into Parquet: rows go to per-partition NDJSON files under data/staging/, and
// `finish` turns each into a zstd Parquet file with DuckDB COPY (typed columns, sorted by time and id),
// fsyncs it and measures it (SHA-256, rows, time range, first and last id). Nothing here touches the lake
// itself: src/lake/commit.ts moves staged files into place and records them in the manifest.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, rmSync, statSync, write } from 'node:fs';
import { join } from 'node:path';
import type { Duck } from './duck.js';
import { sqlString } from './duck.js';
import type { ManifestFile } from './manifest.js';
import { allColumns, type TableSpec } from './tables.js';

/**
 * NDJSON is encoded into buffers of this many bytes, each written to disk when full by the thread pool while
 * the next one fills (memory stays flat, and the event loop never waits for the disk or joins strings).
 */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Rows per Parquet row group. DuckDB buffers a whole row group before writing it, so this bounds the
 * writer's memory whatever the size of a day: at a million rows a group, a day of a million activities
 * ran out of the connection's 256 MB. Days below this size are one group, as before.
 */
export const PARQUET_ROW_GROUP_SIZE = 122_880;

export interface StagedFile extends ManifestFile {
  /** Absolute path of the finished Parquet file under data/staging/. */
  stagedPath: string;
}

interface PartitionBuffer {
  ndjson: string;
  fd: number;
  chunk: Buffer;
  used: number;
  /** The writes handed to the thread pool, in order (each starts when the one before it finished). */
  written: Promise<void>;
  rows: number;
  requestIds: Set<string>;
}

export interface StreamWriterOptions {
  dataDir: string;
  spec: TableSpec;
  runId: string;
  /** RFC 3339 UTC: stamped on every row as `_extracted_at`. */
  extractedAt: string;
  endpoint: string;
  params: Record<string, string | string[]>;
  /** Distinguishes several writers of one run and stream (file names stay unique). */
  part: string;
}

export class StreamWriter {
  readonly #o: StreamWriterOptions;
  readonly #dir: string;
  readonly #partitions = new Map<string, PartitionBuffer>();
  #rows = 0;

  constructor(options: StreamWriterOptions) {
    this.#o = options;
    this.#dir = join(options.dataDir, 'staging', options.runId, `${options.spec.stream}-${options.part}`);
    mkdirSync(this.#dir, { recursive: true });
  }

  get rows(): number {
    return this.#rows;
  }

  /** Adds one row (typed columns by name) to the partition `date` (YYYY-MM-DD). */
  add(row: Record<string, unknown>, date: string, requestId: string | null): void {
    let p = this.#partitions.get(date);
    if (!p) {
      const ndjson = join(this.#dir, `date=${date}.ndjson`);
      p = { ndjson, fd: openSync(ndjson, 'w'), chunk: Buffer.allocUnsafe(CHUNK_BYTES), used: 0, written: Promise.resolve(), rows: 0, requestIds: new Set() };
      this.#partitions.set(date, p);
    }
    // run id, extraction time and endpoint are the same for the whole file: COPY adds them as constants
    row._request_id = requestId;
    appendLine(p, JSON.stringify(row));
    p.rows++;
    this.#rows++;
    if (requestId) p.requestIds.add(requestId);
  }

  /** Converts every partition to Parquet in staging and describes each file. */
  async finish(duck: Duck): Promise<StagedFile[]> {
    const files: StagedFile[] = [];
    const { spec, runId, part } = this.#o;
    const columns = allColumns(spec);
    const constant: Record<string, string> = {
      _run_id: sqlString(runId),
      _extracted_at: `${sqlString(this.#o.extractedAt)}::TIMESTAMPTZ`,
      _endpoint: sqlString(this.#o.endpoint),
    };
    const read = Object.entries(columns).filter(([name]) => !(name in constant));
    const columnsSql = `{${read.map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ')}}`;
    const selectSql = Object.keys(columns)
      .map((name) => (name in constant ? `${constant[name]} AS ${name}` : name))
      .join(', ');
    for (const [date, p] of [...this.#partitions].sort(([a], [b]) => a.localeCompare(b))) {
      await closePartition(p);
      const name = `${runId}-${part}.parquet`;
      const staged = join(this.#dir, `date=${date}.parquet`);
      await duck.run(
        `COPY (SELECT ${selectSql} FROM read_json(${sqlString(p.ndjson)}, format='newline_delimited', columns=${columnsSql}) ` +
          `ORDER BY ${spec.timeColumn}, ${spec.idColumn}) TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 6, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP_SIZE})`,
      );
      fsyncFile(staged);
      const [stats] = await duck.all(
        `SELECT count(*) AS rows, ${isoSql(`min(${spec.timeColumn})`)} AS min_time, ${isoSql(`max(${spec.timeColumn})`)} AS max_time, ` +
          `min(${spec.idColumn}) AS first_id, max(${spec.idColumn}) AS last_id FROM read_parquet(${sqlString(staged)})`,
      );
      const rows = Number(stats.rows);
      if (rows !== p.rows) throw new Error(`staged ${staged} holds ${rows} rows but ${p.rows} were written; not committing it`);
      files.push({
        stagedPath: staged,
        path: `${spec.stream}/date=${date}/${name}`,
        stream: spec.stream,
        date,
        sha256: await sha256File(staged),
        bytes: statSync(staged).size,
        rows,
        min_time: (stats.min_time as string | null) ?? null,
        max_time: (stats.max_time as string | null) ?? null,
        first_id: (stats.first_id as string | null) ?? null,
        last_id: (stats.last_id as string | null) ?? null,
        endpoint: this.#o.endpoint,
        params: this.#o.params,
        run_id: runId,
        request_ids: [...p.requestIds],
      });
    }
    return files;
  }

  /** Removes this writer's staging files (after a commit, or when the stream gives up). */
  discard(): void {
    for (const p of this.#partitions.values()) {
      if (p.fd >= 0) {
        // a write still in the thread pool fails on the closed descriptor; that failure is of no interest now
        p.written.catch(() => {});
        closeSync(p.fd);
        p.fd = -1;
      }
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

function appendLine(p: PartitionBuffer, line: string): void {
  // one byte per character for ASCII; a line with other characters may need up to three
  if (p.used + line.length * 3 + 1 > p.chunk.length) {
    flushChunk(p);
    if (line.length * 3 + 1 > p.chunk.length) p.chunk = Buffer.allocUnsafe(line.length * 3 + 1);
  }
  p.used += p.chunk.write(line, p.used, 'utf8');
  p.chunk[p.used++] = 0x0a;
}

/** Hands the filled chunk to the thread pool and starts a new one. */
function flushChunk(p: PartitionBuffer): void {
  if (p.used === 0) return;
  const chunk = p.chunk;
  const length = p.used;
  const fd = p.fd;
  p.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  p.used = 0;
  p.written = p.written.then(() => writeAll(fd, chunk, length));
  // a failure is raised by finish (closePartition); until then it must not be an unhandled rejection
  p.written.catch(() => {});
}

function writeAll(fd: number, buffer: Buffer, length: number, offset = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    write(fd, buffer, offset, length - offset, null, (err, n) => {
      if (err) reject(err);
      else if (offset + n < length) writeAll(fd, buffer, length, offset + n).then(resolve, reject);
      else resolve();
    });
  });
}

async function closePartition(p: PartitionBuffer): Promise<void> {
  if (p.fd < 0) return;
  flushChunk(p);
  try {
    await p.written;
  } finally {
    closeSync(p.fd);
    p.fd = -1;
  }
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A TIMESTAMPTZ rendered as RFC 3339 UTC with microseconds (JS Dates would drop them). */
export function isoSql(expr: string): string {
  return `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%fZ')`;
}

/** `YYYY-MM-DD` of an RFC 3339 UTC timestamp (the partition of a row). */
export function utcDay(canonical: string): string {
  return canonical.slice(0, 10);
}
