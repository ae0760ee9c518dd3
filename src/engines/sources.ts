// What `ddl` defines: the lake's streams (columns from the contract, src/lake/tables.ts) and the marts (columns
// read from their Parquet files under data/models/marts/), each with where its files sit relative to the data
// dir and how they are laid out (schema/ddl.md § Where the files are).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import type { Lake } from '../lake/lake.js';
import { STREAMS, TABLES, allColumns } from '../lake/tables.js';

export interface Column {
  name: string;
  /** The DuckDB type (canonical names as DESCRIBE prints them, or as src/lake/tables.ts writes them). */
  type: string;
}

export type Layout =
  /** Hive folders `<partition>=<value>/*.parquet` under `dir`. */
  | { kind: 'hive'; partition: Column; format: 'yyyy-MM-dd' | 'yyyy-MM'; first: string | null }
  /** One file, `dir/data.parquet`. */
  | { kind: 'file' }
  /** `dir/<folder>/data.parquet` in folders that are not Hive partitions (the alert marts: `YYYY-MM`, and `_empty`). */
  | { kind: 'folders'; first: string | null };

export interface TableSource {
  /** The table's name in the engine: the stream's name, or `marts_<name>`. */
  name: string;
  /** `lake.<stream>` or `marts.<name>`: what it is, for comments. */
  relation: string;
  /** Relative to the data dir, `/`-separated, no trailing slash. */
  dir: string;
  columns: Column[];
  layout: Layout;
}

export interface Sources {
  tables: TableSource[];
  /** Streams or marts left out, with the reason (printed as comments). */
  skipped: { relation: string; reason: string }[];
}

/** The streams with committed files, then the marts that a build wrote. */
export async function describeSources(dataDir: string, lake: Lake): Promise<Sources> {
  const tables: TableSource[] = [];
  const skipped: Sources['skipped'] = [];
  for (const stream of STREAMS) {
    const files = lake.files(stream);
    if (files.length === 0) {
      skipped.push({ relation: `lake.${stream}`, reason: 'no committed files yet (run ddl again after a sync that writes it)' });
      continue;
    }
    const first = files.reduce((min, f) => (f.date < min ? f.date : min), files[0].date);
    tables.push({
      name: stream,
      relation: `lake.${stream}`,
      dir: `lake/${stream}`,
      columns: Object.entries(allColumns(TABLES[stream])).map(([name, type]) => ({ name, type })),
      layout: { kind: 'hive', partition: { name: 'date', type: 'DATE' }, format: 'yyyy-MM-dd', first },
    });
  }
  const martsDir = join(dataDir, 'models', 'marts');
  const marts = existsSync(martsDir) ? readdirSync(martsDir).filter((n) => statSync(join(martsDir, n)).isDirectory()).sort() : [];
  if (marts.length === 0) skipped.push({ relation: 'marts.*', reason: 'no marts built yet (run `compliance-lake models build`, then ddl again)' });
  const instance = await createDuck({ threads: 1 });
  try {
    const connection = await connectUtc(instance);
    try {
      for (const name of marts) {
        const found = martFiles(join(martsDir, name));
        if (!found) {
          skipped.push({ relation: `marts.${name}`, reason: 'no Parquet files in its folder' });
          continue;
        }
        const reader = await connection.runAndReadAll(
          `describe select * from read_parquet([${found.files.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`,
        );
        const columns = reader.getRowObjects().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
        tables.push({ name: `marts_${name}`, relation: `marts.${name}`, dir: `models/marts/${name}`, columns, layout: found.layout });
      }
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  return { tables, skipped };
}

/** How a mart's folder is laid out (models.md § Materialization, detections.md § 4), and its files. */
function martFiles(dir: string): { layout: Layout; files: string[] } | null {
  if (existsSync(join(dir, 'data.parquet'))) return { layout: { kind: 'file' }, files: [join(dir, 'data.parquet')] };
  const folders = readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort();
  const files = folders.flatMap((f) =>
    readdirSync(join(dir, f))
      .filter((n) => n.endsWith('.parquet'))
      .map((n) => join(dir, f, n)),
  );
  if (files.length === 0) return null;
  if (folders.length > 0 && folders.every((f) => /^month=\d{4}-\d{2}$/.test(f))) {
    return { layout: { kind: 'hive', partition: { name: 'month', type: 'VARCHAR' }, format: 'yyyy-MM', first: folders[0].slice('month='.length) }, files };
  }
  const months = folders.filter((f) => /^\d{4}-\d{2}$/.test(f));
  return { layout: { kind: 'folders', first: months[0] ?? null }, files };
}
