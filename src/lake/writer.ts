// Writing one stream's rows into Parquet: rows go to per-partition NDJSON files under data/staging/, and
// `finish` turns each into a zstd Parquet file with DuckDB COPY (typed columns, sorted by time and id),
// fsyncs it and measures it (SHA-256, rows, time range, first and last id). Nothing here touches the lake
// itself: src/lake/commit.ts moves staged files into place and records them in the manifest.
//
// A stream whose rows arrive newest first (the activity feed) says so (`arrival: 'descending'`): each chunk
// of its NDJSON is then a file of its own with the lines reversed, and when every row of a partition came
// strictly after the previous one in that order, DuckDB reads the files in reverse and writes them as they
// come, with no sort (the sort was a third of a day's COPY; BENCHMARKS.md, issue 11). Anything else (a row
// out of order, a tie, a timestamp not in the canonical form) falls back to the sort.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, rmSync, statSync, write, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
/** Chunks a partition may have in the thread pool; beyond that a chunk is written synchronously (backpressure). */
const MAX_CHUNKS_IN_FLIGHT = 3;
/**
 * Partitions that keep a chunk between rows. A stream read in time order fills its days one after another, so a
 * day it has left hands its chunk to the thread pool and keeps none: 200 000 chats over a few weeks otherwise
 * held a partly filled 4 MB chunk per day until `finish` (BENCHMARKS.md, "A full sync of every stream on a large
 * tenant").
 */
export const MAX_BUFFERED_PARTITIONS = 4;
/** The chunk of a partition that holds none. */
const NO_CHUNK = Buffer.alloc(0);
/**
 * Written chunks kept for the next one. A fresh 4 MB buffer is fresh pages the kernel has to fault in and zero
 * (a 10-day sync took 260 000 page faults, a tenth of them here); a reused one is already mapped.
 */
const SPARE_CHUNKS: Buffer[] = [];
const MAX_SPARE_CHUNKS = 4;

function takeChunk(): Buffer {
  return SPARE_CHUNKS.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

function giveBack(chunk: Buffer): void {
  if (chunk.length === CHUNK_BYTES && SPARE_CHUNKS.length < MAX_SPARE_CHUNKS) SPARE_CHUNKS.push(chunk);
}

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
  /** Descending arrival: the chunk files written so far, oldest first (the single file otherwise). */
  segments: string[] | null;
  /** Byte offset of each line in `chunk` (descending arrival only: the lines are reversed when it is written). */
  starts: number[];
  /** Every row so far came strictly after the one before it in the arrival order (by time, then id). */
  inOrder: boolean;
  /** In order: the first row's time (the newest), the last row's (the oldest), and the least and greatest id. */
  firstTime: string;
  lastTime: string;
  lastId: string;
  minId: string;
  maxId: string;
  /** Every id so far is ASCII (minId and maxId are DuckDB's min and max). */
  asciiIds: boolean;
  fd: number;
  chunk: Buffer;
  used: number;
  /** Bytes handed out for writing so far: the file position of the next chunk. */
  offset: number;
  /** Chunks being written by the thread pool, each at its own position. */
  inFlight: Set<Promise<void>>;
  /** The first write that failed; raised by finish. */
  failure: Error | null;
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
  /**
   * The order in which the stream's rows arrive within a partition when the API behaves as documented:
   * `descending` (newest first) lets `finish` skip the sort when they did. Unset: always sorted.
   */
  arrival?: 'descending';
}

/** The `\udXXX` escape of a surrogate, after an even number of backslashes (an escaped backslash is not one). */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

export class StreamWriter {
  readonly #o: StreamWriterOptions;
  readonly #dir: string;
  readonly #partitions = new Map<string, PartitionBuffer>();
  /** The partitions holding a chunk, least recently written first. */
  readonly #buffered = new Map<string, PartitionBuffer>();
  #lastDate: string | undefined;
  #rows = 0;
  readonly #presorted: string[] = [];

  constructor(options: StreamWriterOptions) {
    this.#o = options;
    this.#dir = join(options.dataDir, 'staging', options.runId, `${options.spec.stream}-${options.part}`);
    mkdirSync(this.#dir, { recursive: true });
  }

  get rows(): number {
    return this.#rows;
  }

  /** The partitions (dates) `finish` wrote in arrival order, without a sort. */
  get presorted(): readonly string[] {
    return this.#presorted;
  }

  /** Partitions holding a chunk now (at most MAX_BUFFERED_PARTITIONS). */
  get bufferedPartitions(): number {
    return this.#buffered.size;
  }

  /** Adds one row (typed columns by name) to the partition `date` (YYYY-MM-DD). */
  add(row: Record<string, unknown>, date: string, requestId: string | null): void {
    let p = this.#partitions.get(date);
    const descending = this.#o.arrival === 'descending';
    if (!p) {
      const ndjson = join(this.#dir, `date=${date}.ndjson`);
      p = {
        ndjson,
        segments: descending ? [] : null,
        starts: [],
        inOrder: descending,
        firstTime: '',
        lastTime: '',
        lastId: '',
        minId: '',
        maxId: '',
        asciiIds: true,
        fd: descending ? -1 : openSync(ndjson, 'w'),
        chunk: NO_CHUNK,
        used: 0,
        offset: 0,
        inFlight: new Set(),
        failure: null,
        rows: 0,
        requestIds: new Set(),
      };
      this.#partitions.set(date, p);
    }
    if (p.inOrder) checkDescending(p, row[this.#o.spec.timeColumn], row[this.#o.spec.idColumn]);
    if (p.chunk === NO_CHUNK) this.#holdChunk(date, p);
    else if (date !== this.#lastDate) {
      // most recently written last
      this.#buffered.delete(date);
      this.#buffered.set(date, p);
    }
    this.#lastDate = date;
    // run id, extraction time and endpoint are the same for the whole file: COPY adds them as constants
    row._request_id = requestId;
    let line = JSON.stringify(row);
    // JSON.stringify writes a lone UTF-16 surrogate (text that is not Unicode, which JSON allows and the API
    // may send) as an escape; Parquet strings are UTF-8, so DuckDB refuses it. It becomes U+FFFD, as any
    // UTF-8 conversion would (lake-tables.md): one such string must not stop the stream for good.
    if (line.includes('\\ud')) line = line.replace(LONE_SURROGATE, '$1\\ufffd');
    appendLine(p, line);
    p.rows++;
    this.#rows++;
    if (requestId) p.requestIds.add(requestId);
  }

  /** Gives `p` a chunk, taking the one of the partition written least recently when too many hold one. */
  #holdChunk(date: string, p: PartitionBuffer): void {
    if (this.#buffered.size >= MAX_BUFFERED_PARTITIONS) {
      const [oldDate, old] = this.#buffered.entries().next().value as [string, PartitionBuffer];
      this.#buffered.delete(oldDate);
      flushChunk(old, false);
    }
    p.chunk = takeChunk();
    this.#buffered.set(date, p);
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
    this.#buffered.clear();
    for (const [date, p] of [...this.#partitions].sort(([a], [b]) => a.localeCompare(b))) {
      await closePartition(p);
      const name = `${runId}-${part}.parquet`;
      const staged = join(this.#dir, `date=${date}.parquet`);
      // newest first, every chunk reversed: the chunks in reverse are the rows in the lake's order
      const sorted = p.segments !== null && p.inOrder;
      const sources = p.segments === null ? sqlString(p.ndjson) : `[${(sorted ? [...p.segments].reverse() : p.segments).map(sqlString).join(', ')}]`;
      const copy =
        `COPY (SELECT ${selectSql} FROM read_json(${sources}, format='newline_delimited', columns=${columnsSql})` +
        `${sorted ? '' : ` ORDER BY ${spec.timeColumn}, ${spec.idColumn}`}) ` +
        `TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 6, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP_SIZE})`;
      // The lake's connection does not keep insertion order (less memory); rows taken in file order must.
      let copied: number;
      if (sorted) {
        this.#presorted.push(date);
        const [{ keep }] = await duck.all("SELECT current_setting('preserve_insertion_order') AS keep");
        await duck.run('SET preserve_insertion_order = true');
        try {
          copied = await duck.run(copy);
        } finally {
          await duck.run(`SET preserve_insertion_order = ${keep === true}`);
        }
      } else {
        copied = await duck.run(copy);
      }
      if (copied !== p.rows) throw new Error(`staged ${staged} holds ${copied} rows but ${p.rows} were written; not committing it`);
      // in the thread pool: the next day's pages are read meanwhile (a synchronous fsync stalled them on a busy disk)
      const synced = fsyncFileAsync(staged);
      synced.catch(() => {}); // raised below, where it is awaited
      // A day written in arrival order has its stats known here (its first and last rows, the ids seen); any
      // other is read back (BENCHMARKS.md, issue 11: the read-back was on the path of the sync's last day).
      const stats =
        (sorted ? knownStats(p) : null) ??
        (
          await duck.all(
            `SELECT ${isoSql(`min(${spec.timeColumn})`)} AS min_time, ${isoSql(`max(${spec.timeColumn})`)} AS max_time, ` +
              `min(${spec.idColumn}) AS first_id, max(${spec.idColumn}) AS last_id FROM read_parquet(${sqlString(staged)})`,
          )
        )[0];
      await synced;
      files.push({
        stagedPath: staged,
        path: `${spec.stream}/date=${date}/${name}`,
        stream: spec.stream,
        date,
        sha256: await sha256File(staged),
        bytes: statSync(staged).size,
        rows: copied,
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
      if (p.segments !== null) {
        // each chunk file's write closes its own descriptor
        giveBack(p.chunk);
        p.chunk = NO_CHUNK;
      } else if (p.fd >= 0) {
        // Closed only once the thread pool is done with it: a descriptor closed under a queued write could be
        // reused by another file and receive that write. The file itself is removed below either way.
        const fd = p.fd;
        p.fd = -1;
        giveBack(p.chunk);
        p.chunk = NO_CHUNK;
        void Promise.all(p.inFlight).finally(() => closeSync(fd));
      }
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * Descending arrival: `p` stays in order while each row's (time, id) is strictly below the previous one's.
 * Times compare as text in the canonical form (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, 27 characters, the order of the
 * instants); ids only on a tie, and only when both are ASCII (JavaScript compares UTF-16 units, DuckDB bytes).
 */
function checkDescending(p: PartitionBuffer, time: unknown, id: unknown): void {
  if (typeof time !== 'string' || typeof id !== 'string' || time.length !== 27) p.inOrder = false;
  else if (p.rows > 0 && (time > p.lastTime || (time === p.lastTime && !(id < p.lastId && ASCII.test(id) && ASCII.test(p.lastId))))) p.inOrder = false;
  else if (!ASCII.test(id)) p.asciiIds = false; // DuckDB orders text by bytes, JavaScript by UTF-16 units: same only for ASCII
  else if (p.rows === 0) {
    p.firstTime = time;
    p.minId = p.maxId = id;
  } else if (id < p.minId) p.minId = id;
  else if (id > p.maxId) p.maxId = id;
  p.lastTime = time as string;
  p.lastId = id as string;
}

/** A real instant in the lake's canonical form: as DuckDB renders the TIMESTAMPTZ it parses from this text. */
const CANONICAL_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function renderedAsIs(time: string): boolean {
  if (!CANONICAL_MICROS.test(time)) return false;
  const ms = Date.parse(time);
  // 2026-02-30 or 24:00 parse as another instant: its text comes back different
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 23) === time.slice(0, 23);
}

/**
 * The stats of a partition whose rows came strictly newest first (`inOrder`): its time range is its last and
 * first rows', its ids the least and greatest seen. Null when a time is not one DuckDB renders back as is.
 */
function knownStats(p: PartitionBuffer): Record<string, unknown> | null {
  if (p.rows === 0 || !p.asciiIds || !renderedAsIs(p.firstTime) || !renderedAsIs(p.lastTime)) return null;
  return { min_time: p.lastTime, max_time: p.firstTime, first_id: p.minId, last_id: p.maxId };
}

const ASCII = /^[\x00-\x7f]*$/;

function appendLine(p: PartitionBuffer, line: string): void {
  // one byte per character for ASCII; a line with other characters may need up to three
  if (p.used + line.length * 3 + 1 > p.chunk.length) {
    flushChunk(p);
    if (line.length * 3 + 1 > p.chunk.length) p.chunk = Buffer.allocUnsafe(line.length * 3 + 1);
  }
  if (p.segments !== null) p.starts.push(p.used);
  p.used += p.chunk.write(line, p.used, 'utf8');
  p.chunk[p.used++] = 0x0a;
}

/**
 * Hands the filled chunk to the thread pool, at its own file position, and starts a new one (`keep`) or leaves
 * the partition without one. When the disk falls behind, the chunk is written synchronously instead, so memory
 * stays bounded.
 */
function flushChunk(p: PartitionBuffer, keep = true): void {
  if (p.segments !== null) {
    flushSegment(p, keep);
    return;
  }
  const chunk = p.chunk;
  const length = p.used;
  if (!keep) p.chunk = NO_CHUNK;
  if (length === 0) {
    if (!keep) giveBack(chunk);
    return;
  }
  const position = p.offset;
  p.offset += length;
  p.used = 0;
  if (p.inFlight.size >= MAX_CHUNKS_IN_FLIGHT) {
    for (let done = 0; done < length; ) done += writeSync(p.fd, chunk, done, length - done, position + done);
    if (!keep) giveBack(chunk);
    return;
  }
  if (keep) p.chunk = takeChunk();
  const written: Promise<void> = writeAt(p.fd, chunk, length, position)
    .catch((err: Error) => {
      p.failure ??= err;
    })
    .finally(() => {
      p.inFlight.delete(written);
      giveBack(chunk);
    });
  p.inFlight.add(written);
}

/** Descending arrival: the chunk's lines, last first, become a file of their own (written by the thread pool). */
function flushSegment(p: PartitionBuffer, keep: boolean): void {
  const chunk = p.chunk;
  const length = p.used;
  const starts = p.starts;
  p.chunk = keep ? takeChunk() : NO_CHUNK;
  p.used = 0;
  p.starts = [];
  if (length === 0) {
    giveBack(chunk);
    return;
  }
  const reversed = length <= CHUNK_BYTES ? takeChunk() : Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = starts.length - 1, end = length; i >= 0; end = starts[i--]) at += chunk.copy(reversed, at, starts[i], end);
  giveBack(chunk);
  const file = p.ndjson.replace(/\.ndjson$/, `.${p.segments!.length}.ndjson`);
  p.segments!.push(file);
  const fd = openSync(file, 'w');
  if (p.inFlight.size >= MAX_CHUNKS_IN_FLIGHT) {
    try {
      for (let done = 0; done < length; ) done += writeSync(fd, reversed, done, length - done, done);
    } finally {
      closeSync(fd);
      giveBack(reversed);
    }
    return;
  }
  const written: Promise<void> = writeAt(fd, reversed, length, 0)
    .catch((err: Error) => {
      p.failure ??= err;
    })
    .finally(() => {
      closeSync(fd);
      p.inFlight.delete(written);
      giveBack(reversed);
    });
  p.inFlight.add(written);
}

function writeAt(fd: number, buffer: Buffer, length: number, position: number, done = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    write(fd, buffer, done, length - done, position + done, (err, n) => {
      if (err) reject(err);
      else if (done + n < length) writeAt(fd, buffer, length, position, done + n).then(resolve, reject);
      else resolve();
    });
  });
}

async function closePartition(p: PartitionBuffer): Promise<void> {
  if (p.segments !== null) {
    flushChunk(p, false);
    await Promise.all(p.inFlight);
    if (p.failure) throw p.failure;
    return;
  }
  if (p.fd < 0) return;
  flushChunk(p, false);
  try {
    await Promise.all(p.inFlight);
    if (p.failure) throw p.failure;
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

export async function fsyncFileAsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
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
