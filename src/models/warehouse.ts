// data/warehouse.duckdb, the database analysts and the GraphQL server open: views over the models' Parquet
// files and the lake's committed files, and the small catalog table. It is written whole under a temporary
// name and renamed over the old one, so no build ever holds a lock on the file people have open, and a
// reader that opened the old file keeps reading it until it reconnects (invariant 8).
//
// DuckDB resolves a relative path in a view against the working directory of whoever queries it, not
// against the database file (checked with 1.5.5; duckdb/duckdb#2342), and `file_search_path` is a setting of
// the session, not of the file. So the views name their files by absolute paths, the data directory they
// were written for is recorded in `meta.warehouse`, and every command of this project that opens the
// warehouse first calls relocateWarehouse(): when the directory was moved or restored from a copy, the
// views are rewritten (views only: cheap) into a new file renamed over the old one.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { fsyncDir } from '../lake/manifest.js';

export const WAREHOUSE_FILE = 'warehouse.duckdb';
/** The table recording where the warehouse's files were when its views were written. */
export const LOCATION_TABLE = 'meta.warehouse';

export interface WarehouseObject {
  /** `schema.name` */
  relation: string;
  sql: string;
  /** A table holding the result (small seeds); otherwise a view. */
  table?: boolean;
  comment?: string;
}

export function warehousePath(dataDir: string): string {
  return join(dataDir, WAREHOUSE_FILE);
}

/** The data directory as an absolute, symlink-free path: what the views name and the location check compares. */
export function canonicalDataDir(dataDir: string): string {
  const abs = resolve(dataDir);
  return existsSync(abs) ? realpathSync(abs) : abs;
}

/** What an object of the warehouse is made of: a build that finds the same digest leaves the object as it is. */
export function objectDigest(o: WarehouseObject): string {
  return createHash('sha256').update(JSON.stringify([o.table === true, o.sql, o.comment ?? null])).digest('hex');
}

/**
 * Writes the warehouse for `dataDir`. Every path in `objects` must be absolute and under
 * canonicalDataDir(dataDir) (buildModels passes the canonical directory), so relocateWarehouse() can move them.
 * Given the digests of the objects the current warehouse was written with (`previous`, from the last build's
 * state), the new file starts as a copy of it and only the objects that differ are dropped or created again:
 * most of a refresh's views read the same files as before, and creating a view over Parquet files opens them.
 * Without them, or when the file is missing or was written for another directory, it is written from nothing.
 * Returns the digests of the new warehouse's objects.
 */
export async function writeWarehouse(
  dataDir: string,
  objects: readonly WarehouseObject[],
  previous: Record<string, string> | null = null,
): Promise<{ path: string; objects: Record<string, string> }> {
  const final = warehousePath(dataDir);
  const here = canonicalDataDir(dataDir);
  const digests = Object.fromEntries(objects.map((o) => [o.relation, objectDigest(o)]));
  const fill = async (connection: Connection, reuse: Record<string, string> | null) => {
    const schemas = [...new Set(objects.map((o) => o.relation.split('.')[0]))];
    for (const schema of schemas) await connection.run(`create schema if not exists ${schema}`);
    if (reuse) {
      const kept = new Map(objects.map((o) => [o.relation, o]));
      for (const [relation, digest] of Object.entries(reuse)) {
        const now = kept.get(relation);
        if (now && digests[relation] === digest) continue;
        // gone, or made differently (a table may have become a view): dropped, and created again below
        await connection.run(`drop view if exists ${relation}`);
        await connection.run(`drop table if exists ${relation}`);
      }
    }
    for (const o of objects) {
      if (reuse && reuse[o.relation] === digests[o.relation]) continue;
      await connection.run(`create ${o.table ? 'table' : 'view'} ${o.relation} as ${o.sql}`);
      if (o.comment) await connection.run(`comment on ${o.table ? 'table' : 'view'} ${o.relation} is ${sqlString(o.comment)}`);
    }
    await recordLocation(connection, here);
  };
  // the copy's location record is read through the connection that fills it (one open of the file, not two);
  // a copy written for another directory is thrown away and the warehouse written from nothing
  const reused =
    previous !== null &&
    existsSync(final) &&
    (await replaceWarehouse(final, final, async (connection) => {
      if ((await recordedIn(connection)) !== here) return false;
      await fill(connection, previous);
      return true;
    }));
  if (!reused) await replaceWarehouse(final, null, (connection) => fill(connection, null));
  return { path: final, objects: digests };
}

type Connection = DuckDBConnection;

/**
 * Builds the new file under a temporary name (from a copy of `from`, or empty) and renames it over `final`.
 * A `fill` that returns false leaves `final` as it was (the temporary file is removed), and so returns false.
 */
async function replaceWarehouse(final: string, from: string | null, fill: (connection: Connection) => Promise<boolean | void>): Promise<boolean> {
  const tmp = `${final}.tmp`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  if (from) copyFileSync(from, tmp);
  const instance = await createDuck({ path: tmp, threads: 2 });
  let filled = false;
  try {
    const connection = await connectUtc(instance);
    try {
      filled = (await fill(connection)) !== false;
      if (filled) await connection.run('checkpoint');
    } finally {
      connection.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
    throw err;
  }
  instance.closeSync();
  if (!filled) {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
    return false;
  }
  // A write-ahead log left by someone who opened the old file read-write would be replayed into the new one.
  rmSync(`${final}.wal`, { force: true });
  renameSync(tmp, final);
  fsyncDir(dirname(final));
  return true;
}

async function recordLocation(connection: Connection, dataDir: string): Promise<void> {
  await connection.run('create schema if not exists meta');
  await connection.run(`create or replace table ${LOCATION_TABLE} as select ${sqlString(dataDir)} as data_dir, now() as written_at`);
  await connection.run(
    `comment on table ${LOCATION_TABLE} is 'The data directory the views were written for (absolute paths); compliance-lake rewrites them when it moved.'`,
  );
}

/** The data directory the warehouse's views were written for, or null for a warehouse that predates the record. */
export async function recordedDataDir(path: string): Promise<string | null> {
  const instance = await createDuck({ path, readOnly: true, threads: 1 });
  try {
    const connection = await connectUtc(instance);
    try {
      return await recordedIn(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** recordedDataDir() of the database `connection` has open. */
async function recordedIn(connection: Connection): Promise<string | null> {
  const found = await connection.runAndReadAll(
    "select count(*)::INTEGER as n from duckdb_tables() where schema_name = 'meta' and table_name = 'warehouse'",
  );
  if (Number(found.getRowObjects()[0].n) === 0) return null;
  const rows = (await connection.runAndReadAll(`select data_dir from ${LOCATION_TABLE} limit 1`)).getRowObjects();
  return rows.length ? String(rows[0].data_dir) : null;
}

export interface Relocation {
  /** True when the views were rewritten. */
  moved: boolean;
  from: string | null;
  to: string;
}

/**
 * Makes the warehouse's views name the files of `dataDir` where it is now. A no-op (one read-only open)
 * when the directory did not move; a warehouse without a location record (older builds) is left as it is.
 */
export async function relocateWarehouse(dataDir: string): Promise<Relocation> {
  const path = warehousePath(dataDir);
  const to = canonicalDataDir(dataDir);
  if (!existsSync(path)) return { moved: false, from: null, to };
  const from = await recordedDataDir(path);
  if (from === null || from === to) return { moved: false, from, to };
  const oldPrefix = sqlString(`${from}/`).slice(0, -1);
  const newPrefix = sqlString(`${to}/`).slice(0, -1);
  await replaceWarehouse(path, path, async (connection) => {
    // in creation order, so a view is re-created after the views it reads
    const views = (
      await connection.runAndReadAll('select schema_name, view_name, sql, comment from duckdb_views() where not internal order by view_oid')
    ).getRowObjects();
    for (const v of views) {
      const sql = String(v.sql);
      if (!sql.includes(oldPrefix)) continue;
      const relation = `${v.schema_name}.${v.view_name}`;
      await connection.run(sql.split(oldPrefix).join(newPrefix).replace(/^\s*create\s+view\b/i, 'create or replace view'));
      if (v.comment) await connection.run(`comment on view ${relation} is ${sqlString(String(v.comment))}`);
    }
    await recordLocation(connection, to);
  });
  return { moved: true, from, to };
}

export function warehouseExists(dataDir: string): boolean {
  return existsSync(warehousePath(dataDir));
}
