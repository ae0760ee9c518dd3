// Compaction: rewrites a day partition's small files into one deduplicated file and swaps it in with one
// manifest entry (kind `compact`: the new file added, the old ones removed), so a reader of the manifest sees
// either the old files or the new one, never both and never half. Duplicates only ever share a partition (an
// activity's created_at never changes), so deduplicating each partition makes the whole lake unique.
// compactPartition's callers hold the writer's lock; compactLake takes it unless told it is held.
import { existsSync, mkdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Duck, sqlString } from './duck.js';
import { Lake } from './lake.js';
import { acquireLock } from './lock.js';
import { type ManifestEntry, type ManifestFile, fsyncDir } from './manifest.js';
import { TABLES, type TableSpec } from './tables.js';
import { PARQUET_ROW_GROUP_SIZE, type StagedFile, fsyncFile, isoSql, sha256File } from './writer.js';

export class CompactError extends Error {
  constructor(
    message: string,
    /** True when the request itself is wrong (an unknown stream, a bad threshold). */
    readonly usage = false,
  ) {
    super(message);
    this.name = 'CompactError';
  }
}

export interface PartitionRef {
  stream: string;
  /** `YYYY-MM-DD` */
  date: string;
}

export interface PartitionFiles extends PartitionRef {
  files: number;
}

export interface CompactedPartition extends PartitionRef {
  filesIn: number;
  rowsIn: number;
  bytesIn: number;
  rowsOut: number;
  bytesOut: number;
  /** The new file, relative to lake/. */
  path: string;
  /** The manifest entry that swapped it in. */
  seq: number;
}

export interface CompactReport {
  runId: string;
  partitions: CompactedPartition[];
  filesRemoved: number;
  rowsIn: number;
  rowsOut: number;
}

export interface CompactPartitionOptions {
  runId: string;
  duck: Duck;
  /**
   * Called right after the manifest commit and before the old files are deleted (e.g. to apply the entry to
   * the state store, whose readers must stop naming the old files before they disappear).
   */
  onCommit?: (entry: ManifestEntry, lake: Lake) => void;
}

export interface CompactOptions extends CompactPartitionOptions {
  /** Default every stream. */
  streams?: string[];
  /** Compact partitions holding at least this many committed files (default 2). */
  minFiles?: number;
  /** The caller already holds the writer's lock (a sync, the CLI); otherwise compactLake takes it for the run. */
  lockHeld?: boolean;
}

/** Partitions holding more than `maxFiles` committed files, by stream and date (the automatic trigger). */
export function partitionsNeedingCompaction(lake: Lake, maxFiles: number): PartitionFiles[] {
  const counts = new Map<string, PartitionFiles>();
  for (const f of lake.files()) {
    const key = `${f.stream}\u0001${f.date}`;
    const p = counts.get(key) ?? { stream: f.stream, date: f.date, files: 0 };
    p.files++;
    counts.set(key, p);
  }
  return [...counts.values()]
    .filter((p) => p.files > maxFiles)
    .sort((a, b) => a.stream.localeCompare(b.stream) || a.date.localeCompare(b.date));
}

/**
 * Opens the lake and compacts every partition (of the given streams) with at least `minFiles` files. A caller that keeps its
 * own Lake open (a sync) must reopen it afterwards: this commits through a Lake of its own.
 */
export async function compactLake(dataDir: string, options: CompactOptions): Promise<CompactReport> {
  const minFiles = options.minFiles ?? 2;
  if (!Number.isInteger(minFiles) || minFiles < 1) throw new CompactError(`--min-files must be a whole number >= 1; got ${minFiles}`, true);
  const unknown = (options.streams ?? []).filter((s) => !TABLES[s]);
  if (unknown.length) throw new CompactError(`unknown stream${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; the streams are ${Object.keys(TABLES).join(', ')}`, true);
  const lock = options.lockHeld ? null : acquireLock(dataDir, `compact (run ${options.runId})`);
  try {
    return await compactOpenLake(Lake.open(dataDir), minFiles, options);
  } finally {
    lock?.release();
  }
}

async function compactOpenLake(lake: Lake, minFiles: number, options: CompactOptions): Promise<CompactReport> {
  const wanted = (s: string) => TABLES[s] !== undefined && (options.streams === undefined || options.streams.includes(s));
  const report: CompactReport = { runId: options.runId, partitions: [], filesRemoved: 0, rowsIn: 0, rowsOut: 0 };
  for (const p of partitionsNeedingCompaction(lake, minFiles - 1).filter((p) => wanted(p.stream))) {
    const done = await compactPartition(lake, p, options);
    report.partitions.push(done);
    report.filesRemoved += done.filesIn;
    report.rowsIn += done.rowsIn;
    report.rowsOut += done.rowsOut;
  }
  return report;
}

/**
 * Rewrites one partition: checks the inputs against the manifest (a damaged file is never laundered into a
 * new, validly hashed one), writes the deduplicated union to staging, measures it, commits it in place of
 * the inputs, then deletes the inputs. A crash before the commit leaves only uncommitted files (quarantined
 * at the next start); a crash after it leaves removed files on disk, quarantined the same way.
 */
export async function compactPartition(lake: Lake, partition: PartitionRef, options: CompactPartitionOptions): Promise<CompactedPartition> {
  const { stream, date } = partition;
  const { runId, duck } = options;
  const spec = TABLES[stream];
  if (!spec) throw new CompactError(`cannot compact ${stream}: not a stream this build knows`, true);
  const inputs = lake
    .files(stream)
    .filter((f) => f.date === date)
    .sort((a, b) => a.path.localeCompare(b.path));
  if (inputs.length === 0) throw new CompactError(`nothing to compact: ${stream}/date=${date} holds no committed files`, true);
  await checkInputs(lake, inputs);

  const stagingDir = join(lake.dataDir, 'staging', runId, 'compact');
  mkdirSync(stagingDir, { recursive: true });
  const stagedPath = join(stagingDir, `${stream}-date=${date}.parquet`);
  const name = freeName(lake, stream, date, runId);
  try {
    const list = `[${inputs.map((f) => sqlString(lake.absolute(f))).join(', ')}]`;
    await duck.run(dedupeCopySql(spec, list, stagedPath));
    fsyncFile(stagedPath);
    const [stats] = await duck.all(
      `SELECT count(*) AS rows, ${isoSql(`min(${spec.timeColumn})`)} AS min_time, ${isoSql(`max(${spec.timeColumn})`)} AS max_time, ` +
        `min(${spec.idColumn}) AS first_id, max(${spec.idColumn}) AS last_id FROM read_parquet(${sqlString(stagedPath)})`,
    );
    const [distinct] = await duck.all(`SELECT count(*) AS n FROM (SELECT DISTINCT ${spec.key.join(', ')} FROM read_parquet(${list}, union_by_name=true))`);
    const rows = Number(stats.rows);
    if (rows !== Number(distinct.n)) {
      throw new CompactError(`compacting ${stream}/date=${date}: the new file holds ${rows} rows but the inputs hold ${String(distinct.n)} distinct keys; not committing it`);
    }
    const staged: StagedFile = {
      stagedPath,
      path: `${stream}/date=${date}/${name}`,
      stream,
      date,
      sha256: await sha256File(stagedPath),
      bytes: statSync(stagedPath).size,
      rows,
      min_time: (stats.min_time as string | null) ?? null,
      max_time: (stats.max_time as string | null) ?? null,
      first_id: (stats.first_id as string | null) ?? null,
      last_id: (stats.last_id as string | null) ?? null,
      endpoint: [...new Set(inputs.map((f) => f.endpoint))].sort().join(', '),
      params: mergeParams(inputs.map((f) => f.params)),
      run_id: runId,
      request_ids: [...new Set(inputs.flatMap((f) => f.request_ids))],
    };
    const entry = lake.commit([staged], {
      kind: 'compact',
      run_id: runId,
      stream,
      committed_at: new Date().toISOString(),
      removed: inputs.map((f) => f.path),
      cursor: undefined,
      coverage: [],
      request_ids: [],
    });
    options.onCommit?.(entry, lake);
    for (const f of inputs) rmSync(lake.absolute(f), { force: true });
    fsyncDir(dirname(lake.absolute(staged.path)));
    return {
      stream,
      date,
      filesIn: inputs.length,
      rowsIn: inputs.reduce((n, f) => n + f.rows, 0),
      bytesIn: inputs.reduce((n, f) => n + f.bytes, 0),
      rowsOut: rows,
      bytesOut: staged.bytes,
      path: staged.path,
      seq: entry.seq,
    };
  } finally {
    rmSync(stagingDir, { recursive: true, force: true });
    try {
      rmdirSync(dirname(stagingDir)); // the run's staging dir, when nothing else of the run is staged
    } catch {
      // not empty: another part of the run is staging files there
    }
  }
}

/**
 * One row per key: the earliest `_extracted_at` wins (ties broken by file and row position, so the result
 * never depends on DuckDB's thread scheduling), sorted by time, id and the rest of the key like the writer.
 * union_by_name keeps every column of files written by older and newer builds.
 */
export function dedupeCopySql(spec: TableSpec, list: string, target: string): string {
  const order = [...new Set([spec.timeColumn, spec.idColumn, ...spec.key])].join(', ');
  return (
    `COPY (SELECT * EXCLUDE (filename, file_row_number) ` +
    `FROM read_parquet(${list}, union_by_name=true, filename=true, file_row_number=true) ` +
    `QUALIFY row_number() OVER (PARTITION BY ${spec.key.join(', ')} ORDER BY _extracted_at, filename, file_row_number) = 1 ` +
    `ORDER BY ${order}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP_SIZE})`
  );
}

async function checkInputs(lake: Lake, inputs: readonly ManifestFile[]): Promise<void> {
  const bad: string[] = [];
  for (const f of inputs) {
    const abs = lake.absolute(f);
    if (!existsSync(abs)) bad.push(`lake/${f.path}: committed but missing from disk`);
    else if ((await sha256File(abs)) !== f.sha256) bad.push(`lake/${f.path}: its SHA-256 no longer matches the manifest`);
  }
  if (bad.length) {
    throw new CompactError(
      `not compacting ${inputs[0].stream}/date=${inputs[0].date}: ${bad.join('; ')}. ` +
        `Run \`compliance-lake verify --data-dir ${lake.dataDir}\` and restore the named files from a backup or export.`,
    );
  }
}

/** `<runId>-compact.parquet`, numbered when this run already compacted the partition once. */
function freeName(lake: Lake, stream: string, date: string, runId: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${runId}-compact.parquet` : `${runId}-compact-${n}.parquet`;
    const path = `${stream}/date=${date}/${name}`;
    if (!existsSync(lake.absolute(path))) return name;
  }
}

/** The query parameters of every walk that produced the inputs: one value stays a string, several become a sorted list. */
export function mergeParams(all: readonly Record<string, string | string[]>[]): Record<string, string | string[]> {
  const values = new Map<string, Set<string>>();
  const listed = new Set<string>();
  for (const params of all) {
    for (const [k, v] of Object.entries(params)) {
      const set = values.get(k) ?? new Set<string>();
      if (Array.isArray(v)) {
        listed.add(k);
        v.forEach((x) => set.add(x));
      } else set.add(v);
      values.set(k, set);
    }
  }
  const merged: Record<string, string | string[]> = {};
  for (const k of [...values.keys()].sort()) {
    const vs = [...values.get(k)!].sort();
    merged[k] = vs.length === 1 && !listed.has(k) ? vs[0] : vs;
  }
  return merged;
}

export function formatCompactReport(r: CompactReport): string {
  if (r.partitions.length === 0) return 'Nothing to compact: no partition holds enough files.';
  const lines = [
    `Compacted ${r.partitions.length} partition${r.partitions.length === 1 ? '' : 's'}: ${r.filesRemoved} files into ${r.partitions.length}, ` +
      `${r.rowsIn.toLocaleString('en-US')} rows into ${r.rowsOut.toLocaleString('en-US')} (${(r.rowsIn - r.rowsOut).toLocaleString('en-US')} duplicates dropped).`,
  ];
  for (const p of r.partitions) {
    lines.push(`  ${p.stream}/date=${p.date}: ${p.filesIn} files, ${p.rowsIn} rows -> ${p.rowsOut} rows, ${p.bytesIn} -> ${p.bytesOut} bytes (manifest entry ${p.seq})`);
  }
  return lines.join('\n');
}
