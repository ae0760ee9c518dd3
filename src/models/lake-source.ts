// How staging models read the lake: `{{ lake('activities') }}` in a staging file becomes a read of exactly
// the files the manifest lists as committed for that stream (never a glob: a file of an interrupted run is
// not part of the lake), or an empty relation with the stream's columns while it has no files yet; and
// `{{ lake_manifest() }}` a read of the manifest entries themselves (one row per commit).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../lake/duck.js';
import type { Lake } from '../lake/lake.js';
import type { ManifestEntry, ManifestFile } from '../lake/manifest.js';
import { TABLES, allColumns } from '../lake/tables.js';

const PLACEHOLDER = /\{\{\s*lake\(\s*'([a-z_]+)'\s*\)\s*\}\}/g;
const MANIFEST_PLACEHOLDER = /\{\{\s*lake_manifest\(\s*\)\s*\}\}/g;
/** The fields of a manifest entry staging reads. */
const MANIFEST_COLUMNS: Record<string, string> = {
  seq: 'BIGINT',
  kind: 'VARCHAR',
  stream: 'VARCHAR',
  run_id: 'VARCHAR',
  committed_at: 'TIMESTAMPTZ',
  hash: 'VARCHAR',
  prev: 'VARCHAR',
};

/** DuckDB's error for a lake file a rendered relation names but that is gone (a compaction replaced it). */
export function namesMissingLakeFile(message: string): boolean {
  return /No files found|No such file or directory|Cannot open file/i.test(message) && message.includes('/lake/');
}

/** Which committed files of a stream a rendering reads (default: all). */
export type FileFilter = (file: ManifestFile) => boolean;

/**
 * The columns of each committed file (lake path -> a digest of its `name type` list), as the models build
 * keeps them in its state (lakeFileSchemas). Files with the same columns are read by one `read_parquet`
 * without `union_by_name`: with it DuckDB opens every file to bind the relation (4-8 s over the 2 200 files of
 * six years at 100 M, where binding on the first file takes 0.3 s), and a build makes that view twice.
 */
export type FileSchemas = Record<string, string>;

/** The SQL relation for the committed files of `stream` (those `keep` accepts). */
export function lakeRelation(lake: Lake, stream: string, keep: FileFilter = () => true, schemas?: FileSchemas): string {
  const spec = TABLES[stream];
  if (!spec) throw new Error(`{{ lake('${stream}') }}: no such stream; known: ${Object.keys(TABLES).join(', ')}`);
  const committed = lake
    .files(stream)
    .filter(keep)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (committed.length === 0) {
    const columns = Object.entries(allColumns(spec)).map(([name, type]) => `cast(null as ${type}) as ${name}`);
    return `(select ${columns.join(', ')} where false)`;
  }
  const files = committed.map((f) => lake.absolute(f));
  if (!schemas || committed.some((f) => schemas[f.path] === undefined)) {
    return `read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`;
  }
  // in the order of each group's first file: `union all by name` then orders the columns as union_by_name does
  const groups = new Map<string, string[]>();
  committed.forEach((f, i) => {
    const group = groups.get(schemas[f.path]) ?? [];
    group.push(files[i]);
    groups.set(schemas[f.path], group);
  });
  const reads = [...groups.values()].map((group) => `read_parquet([${group.map(sqlString).join(', ')}], hive_partitioning = false)`);
  return reads.length === 1 ? reads[0] : `(${reads.map((r) => `select * from ${r}`).join(' union all by name ')})`;
}

/**
 * The FileSchemas of every committed file of `streams`: the last build's record for the files it saw, and
 * `describe` of each file it did not (a refresh's few new files; every file on a first build).
 */
export async function lakeFileSchemas(lake: Lake, connection: DuckDBConnection, streams: readonly string[], known: FileSchemas = {}): Promise<FileSchemas> {
  const out: FileSchemas = {};
  for (const stream of streams) {
    for (const f of lake.files(stream)) {
      let key = known[f.path];
      if (key === undefined) {
        const reader = await connection.runAndReadAll(`describe select * from read_parquet(${sqlString(lake.absolute(f))}, hive_partitioning = false)`);
        const columns = (reader.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((c) => `${c.column_name} ${c.column_type}`).join(', ');
        key = createHash('sha256').update(columns).digest('hex').slice(0, 16);
      }
      out[f.path] = key;
    }
  }
  return out;
}

/**
 * Writes the fields of the manifest entries the lake was opened with (the file lists stay in the JSON) as one
 * Parquet file, renamed into place: a daemon commits every minute, and reading hundreds of thousands of
 * entry files in every build (and every query of the view) would not do.
 */
export async function writeManifestTable(lake: Lake, connection: DuckDBConnection, path: string, scratchDir: string): Promise<void> {
  // the table the last build wrote already holds the entries up to its last one when that entry is this lake's
  // (same seq and hash): only the entries after it are added (every entry each time: 0.1 s of a refresh at 100 M)
  const kept = existsSync(path) ? await tableHead(connection, path) : null;
  const head = kept === null ? undefined : lake.entries[kept.seq - 1];
  const from = head !== undefined && head.seq === kept!.seq && head.hash === kept!.hash && kept!.rows === kept!.seq ? kept!.seq : 0;
  const added = lake.entries.slice(from);
  if (from > 0 && added.length === 0) return;
  const ndjson = join(scratchDir, 'manifest-entries.ndjson');
  const fields = Object.keys(MANIFEST_COLUMNS) as (keyof ManifestEntry)[];
  writeFileSync(ndjson, added.map((e) => JSON.stringify(Object.fromEntries(fields.map((f) => [f, e[f]])))).join('\n') + '\n');
  const columns = Object.entries(MANIFEST_COLUMNS).map(([name, type]) => `${name}: '${type}'`);
  const fresh = `select * from read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {${columns.join(', ')}})`;
  mkdirSync(dirname(path), { recursive: true });
  await connection.run(
    `copy (${from > 0 ? `select * from read_parquet(${sqlString(path)}) union all ` : ''}select * from (${fresh}) order by seq) ` +
      `to ${sqlString(`${path}.tmp`)} (format parquet, compression zstd)`,
  );
  renameSync(`${path}.tmp`, path);
}

/** The last entry a manifest table holds (seq and hash) and its rows, or null when it cannot be read. */
async function tableHead(connection: DuckDBConnection, path: string): Promise<{ seq: number; hash: string; rows: number } | null> {
  try {
    const reader = await connection.runAndReadAll(`select max(seq) as seq, arg_max(hash, seq) as hash, count(*) as rows from read_parquet(${sqlString(path)})`);
    const [row] = reader.getRowObjectsJS() as { seq: bigint | null; hash: string | null; rows: bigint }[];
    return row.seq === null || row.hash === null ? null : { seq: Number(row.seq), hash: row.hash, rows: Number(row.rows) };
  } catch {
    return null;
  }
}

/** The SQL relation for the manifest entries written by writeManifestTable. */
export function manifestRelation(path: string): string {
  return `read_parquet(${sqlString(path)})`;
}

/** A staging model's SQL with every `{{ lake('stream') }}` and `{{ lake_manifest() }}` replaced. */
export function renderLakeSources(sql: string, lake: Lake, manifestTable: string, keep: FileFilter = () => true, schemas?: FileSchemas): string {
  return sql
    .replace(PLACEHOLDER, (_m, stream: string) => lakeRelation(lake, stream, keep, schemas))
    .replace(MANIFEST_PLACEHOLDER, () => manifestRelation(manifestTable));
}

/** The streams a staging model reads. */
export function lakeStreams(sql: string): string[] {
  return [...sql.matchAll(PLACEHOLDER)].map((m) => m[1]);
}
