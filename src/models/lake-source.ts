// How staging models read the lake: `{{ lake('activities') }}` in a staging file becomes a read of exactly
// the files the manifest lists as committed for that stream (never a glob: a file of an interrupted run is
// not part of the lake), or an empty relation with the stream's columns while it has no files yet; and
// `{{ lake_manifest() }}` a read of the manifest entries themselves (one row per commit).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
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

/** The SQL relation for the committed files of `stream` (those `keep` accepts). */
export function lakeRelation(lake: Lake, stream: string, keep: FileFilter = () => true): string {
  const spec = TABLES[stream];
  if (!spec) throw new Error(`{{ lake('${stream}') }}: no such stream; known: ${Object.keys(TABLES).join(', ')}`);
  const files = lake
    .files(stream)
    .filter(keep)
    .map((f) => lake.absolute(f))
    .sort();
  if (files.length === 0) {
    const columns = Object.entries(allColumns(spec)).map(([name, type]) => `cast(null as ${type}) as ${name}`);
    return `(select ${columns.join(', ')} where false)`;
  }
  return `read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`;
}

/**
 * Writes the fields of the manifest entries the lake was opened with (the file lists stay in the JSON) as one
 * Parquet file, renamed into place: a daemon commits every minute, and reading hundreds of thousands of
 * entry files in every build (and every query of the view) would not do.
 */
export async function writeManifestTable(lake: Lake, connection: DuckDBConnection, path: string, scratchDir: string): Promise<void> {
  const ndjson = join(scratchDir, 'manifest-entries.ndjson');
  const fields = Object.keys(MANIFEST_COLUMNS) as (keyof ManifestEntry)[];
  writeFileSync(ndjson, lake.entries.map((e) => JSON.stringify(Object.fromEntries(fields.map((f) => [f, e[f]])))).join('\n') + '\n');
  const columns = Object.entries(MANIFEST_COLUMNS).map(([name, type]) => `${name}: '${type}'`);
  mkdirSync(dirname(path), { recursive: true });
  await connection.run(
    `copy (select * from read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {${columns.join(', ')}}) order by seq) ` +
      `to ${sqlString(`${path}.tmp`)} (format parquet, compression zstd)`,
  );
  renameSync(`${path}.tmp`, path);
}

/** The SQL relation for the manifest entries written by writeManifestTable. */
export function manifestRelation(path: string): string {
  return `read_parquet(${sqlString(path)})`;
}

/** A staging model's SQL with every `{{ lake('stream') }}` and `{{ lake_manifest() }}` replaced. */
export function renderLakeSources(sql: string, lake: Lake, manifestTable: string, keep: FileFilter = () => true): string {
  return sql.replace(PLACEHOLDER, (_m, stream: string) => lakeRelation(lake, stream, keep)).replace(MANIFEST_PLACEHOLDER, () => manifestRelation(manifestTable));
}

/** The streams a staging model reads. */
export function lakeStreams(sql: string): string[] {
  return [...sql.matchAll(PLACEHOLDER)].map((m) => m[1]);
}
