// data/warehouse.duckdb, the database analysts and the GraphQL server open: views over the models' Parquet
// files and the lake's committed files, and the small catalog table. It is written whole under a temporary
// name and renamed over the old one, so no build ever holds a lock on the file people have open, and a
// reader that opened the old file keeps reading it until it reconnects (invariant 8).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connectUtc, createDuck } from '../lake/duck.js';
import { fsyncDir } from '../lake/manifest.js';

export const WAREHOUSE_FILE = 'warehouse.duckdb';

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

export async function writeWarehouse(dataDir: string, objects: readonly WarehouseObject[]): Promise<string> {
  const final = warehousePath(dataDir);
  const tmp = `${final}.tmp`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const instance = await createDuck({ path: tmp, threads: 2 });
  try {
    const connection = await connectUtc(instance);
    try {
      const schemas = [...new Set(objects.map((o) => o.relation.split('.')[0]))];
      for (const schema of schemas) await connection.run(`create schema if not exists ${schema}`);
      for (const o of objects) {
        await connection.run(`create ${o.table ? 'table' : 'view'} ${o.relation} as ${o.sql}`);
        if (o.comment) await connection.run(`comment on ${o.table ? 'table' : 'view'} ${o.relation} is '${o.comment.replaceAll("'", "''")}'`);
      }
      await connection.run('checkpoint');
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  // A write-ahead log left by someone who opened the old file read-write would be replayed into the new one.
  rmSync(`${final}.wal`, { force: true });
  renameSync(tmp, final);
  fsyncDir(dirname(final));
  return final;
}

export function warehouseExists(dataDir: string): boolean {
  return existsSync(warehousePath(dataDir));
}
