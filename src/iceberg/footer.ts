// Per-file metrics for an Iceberg manifest, from the Parquet footer alone (the data is never read): record
// count, column sizes, value and null counts, and lower/upper bounds in Iceberg's single-value binary form
// (Iceberg spec, Appendix D). The footer's statistics keep their raw bytes, which for these types already are
// that form: UTF-8 for strings, little-endian int64 microseconds for timestamps, int32 for ints.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';

/** Iceberg's truncate(64) metrics mode for strings: bounds longer than this are cut (schema/iceberg.md). */
export const BOUND_CHARS = 64;

export interface FileMetrics {
  recordCount: number;
  fileSize: number;
  columnSizes: Map<string, number>;
  valueCounts: Map<string, number>;
  nullCounts: Map<string, number>;
  lower: Map<string, Buffer>;
  upper: Map<string, Buffer>;
  /** Byte offsets of the row groups (split points for readers). */
  splitOffsets: number[];
}

/** Reads the footer of a Parquet file (only its last bytes) and returns its metrics, by top-level column name. */
export function readFileMetrics(path: string, noBounds: ReadonlySet<string> = new Set()): FileMetrics {
  const { footer, fileSize } = readFooter(path);
  // keep the statistics' bytes as they are: strings as UTF-8, timestamps as int64 (see the module comment)
  const raw = (v: unknown) => v;
  const meta = parquetMetadata(footer, {
    parsers: { stringFromBytes: raw as never, timestampFromMicroseconds: raw as never, timestampFromMilliseconds: raw as never, timestampFromNanoseconds: raw as never },
  });
  const m: FileMetrics = {
    recordCount: Number(meta.num_rows),
    fileSize,
    columnSizes: new Map(),
    valueCounts: new Map(),
    nullCounts: new Map(),
    lower: new Map(),
    upper: new Map(),
    splitOffsets: [],
  };
  const nullsKnown = new Map<string, boolean>();
  const mins = new Map<string, Buffer | null>();
  const maxs = new Map<string, Buffer | null>();
  for (const group of meta.row_groups) {
    const first = group.columns[0]?.meta_data;
    if (first) m.splitOffsets.push(Number(first.dictionary_page_offset ?? first.data_page_offset));
    for (const chunk of group.columns) {
      const md = chunk.meta_data;
      if (!md || md.path_in_schema.length !== 1) continue;
      const name = md.path_in_schema[0];
      m.columnSizes.set(name, (m.columnSizes.get(name) ?? 0) + Number(md.total_compressed_size));
      m.valueCounts.set(name, (m.valueCounts.get(name) ?? 0) + Number(md.num_values));
      const stats = md.statistics;
      if (stats?.null_count === undefined) nullsKnown.set(name, false);
      else {
        if (!nullsKnown.has(name)) nullsKnown.set(name, true);
        m.nullCounts.set(name, (m.nullCounts.get(name) ?? 0) + Number(stats.null_count));
      }
      if (noBounds.has(name)) continue;
      const rows = Number(group.num_rows);
      const nulls = stats?.null_count === undefined ? null : Number(stats.null_count);
      // a chunk of nulls only has no min/max and bounds nothing; any other chunk without them leaves the column unbounded
      if (nulls !== null && nulls === rows) continue;
      const lo = toBound(md.type, stats?.min_value ?? stats?.min);
      const hi = toBound(md.type, stats?.max_value ?? stats?.max);
      mins.set(name, lo === null || mins.get(name) === null ? null : smaller(mins.get(name), lo, md.type));
      maxs.set(name, hi === null || maxs.get(name) === null ? null : larger(maxs.get(name), hi, md.type));
    }
  }
  for (const [name, known] of nullsKnown) if (!known) m.nullCounts.delete(name);
  for (const [name, lo] of mins) {
    const hi = maxs.get(name);
    if (!lo || !hi) continue;
    const bounds = truncateBounds(lo, hi, maxsType(meta, name));
    if (bounds.lower) m.lower.set(name, bounds.lower);
    if (bounds.upper) m.upper.set(name, bounds.upper);
  }
  return m;
}

function readFooter(path: string): { footer: ArrayBuffer; fileSize: number } {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, fileSize - 8);
    if (tail.toString('latin1', 4) !== 'PAR1') throw new Error(`${path} is not a Parquet file (no PAR1 at its end)`);
    const length = tail.readUInt32LE(0) + 8;
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, fileSize - length);
    return { footer: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), fileSize };
  } finally {
    closeSync(fd);
  }
}

function maxsType(meta: ReturnType<typeof parquetMetadata>, name: string): string | undefined {
  return meta.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema[0] === name)?.meta_data?.type;
}

/** A statistic as Iceberg's binary single value, or null when its type is not one we bound. */
function toBound(type: string, value: unknown): Buffer | null {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'BYTE_ARRAY':
      return value instanceof Uint8Array ? Buffer.from(value) : typeof value === 'string' ? Buffer.from(value, 'utf8') : null;
    case 'INT64': {
      if (typeof value !== 'bigint') return null;
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(value);
      return b;
    }
    case 'INT32': {
      if (typeof value !== 'number') return null;
      const b = Buffer.alloc(4);
      b.writeInt32LE(value);
      return b;
    }
    case 'BOOLEAN':
      return typeof value === 'boolean' ? Buffer.from([value ? 1 : 0]) : null;
    default:
      return null;
  }
}

function compare(a: Buffer, b: Buffer, type: string): number {
  if (type === 'INT64') return a.readBigInt64LE() < b.readBigInt64LE() ? -1 : a.readBigInt64LE() > b.readBigInt64LE() ? 1 : 0;
  if (type === 'INT32') return a.readInt32LE() - b.readInt32LE();
  return Buffer.compare(a, b); // UTF-8 strings and booleans compare as unsigned bytes
}

function smaller(current: Buffer | null | undefined, candidate: Buffer, type: string): Buffer {
  return current && compare(current, candidate, type) <= 0 ? current : candidate;
}

function larger(current: Buffer | null | undefined, candidate: Buffer, type: string): Buffer {
  return current && compare(current, candidate, type) >= 0 ? current : candidate;
}

/** Strings longer than BOUND_CHARS: the lower bound is a prefix, the upper a prefix with its last character raised. */
function truncateBounds(lower: Buffer, upper: Buffer, type: string | undefined): { lower: Buffer | null; upper: Buffer | null } {
  if (type !== 'BYTE_ARRAY') return { lower, upper };
  const lo = Array.from(lower.toString('utf8'));
  const hi = Array.from(upper.toString('utf8'));
  const lowerOut = lo.length > BOUND_CHARS ? Buffer.from(lo.slice(0, BOUND_CHARS).join(''), 'utf8') : lower;
  if (hi.length <= BOUND_CHARS) return { lower: lowerOut, upper };
  const prefix = hi.slice(0, BOUND_CHARS);
  for (let i = prefix.length - 1; i >= 0; i--) {
    const next = prefix[i].codePointAt(0)! + 1;
    if (next <= 0x10ffff && !(next >= 0xd800 && next <= 0xdfff)) {
      return { lower: lowerOut, upper: Buffer.from([...prefix.slice(0, i), String.fromCodePoint(next)].join(''), 'utf8') };
    }
  }
  return { lower: lowerOut, upper: null };
}
