// The warehouse opens from anywhere: from another working directory in a separate DuckDB process, and after
// the data directory was copied or moved (the copy answers from its own files: the original is deleted).
// DuckDB resolves relative paths in views against the reader's working directory (models/warehouse.ts).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Warehouse } from '../src/graphql/warehouse.js';
import { buildModels } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import { relocateWarehouse, recordedDataDir, warehousePath } from '../src/models/warehouse.js';
import { lakeActivityIds, syncWith, tempDataDir } from './support/lake-harness.js';
import { connect, makeSim, makeTenant } from './support/sim-harness.js';

const run = promisify(execFile);
const DUCKDB_MODULE = createRequire(import.meta.url).resolve('@duckdb/node-api');
const COUNT_SQL = 'select (select count(*) from marts.activities)::INTEGER as activities, (select count(*) from staging.stg_compliance__activities)::INTEGER as staged';

let base: string;
let elsewhere: string;
let script: string;
let activities: number;
const cleanups: (() => void)[] = [];

/** A separate node process, working directory `elsewhere`, that opens `file` with @duckdb/node-api and runs `sql`. */
async function duckdbElsewhere(file: string, sql: string): Promise<{ ok: true; rows: Record<string, unknown>[] } | { ok: false; error: string }> {
  const { stdout } = await run(process.execPath, [script, DUCKDB_MODULE, file, sql], { cwd: elsewhere });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'cl-wh-loc-'));
  elsewhere = mkdtempSync(join(tmpdir(), 'cl-wh-cwd-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }), () => rmSync(elsewhere, { recursive: true, force: true }));
  script = join(elsewhere, 'open.mjs');
  writeFileSync(
    script,
    `const { DuckDBInstance } = await import(process.argv[2]);
try {
  const instance = await DuckDBInstance.create(process.argv[3], { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(process.argv[4]);
  console.log(JSON.stringify({ ok: true, rows: reader.getRowObjectsJson() }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: err.message }));
}
`,
  );
  const sim = makeSim({ shared: makeTenant({ horizonDays: 2, activitiesPerDay: 800 }) });
  const t = await connect(sim, 'in-process');
  const data = tempDataDir('cl-wh-data-');
  cleanups.push(data.cleanup);
  const synced = await syncWith(t, data.dir, { streams: ['activities', 'organizations', 'users', 'groups', 'group_members'] });
  expect(synced.ok, JSON.stringify(synced.streams)).toBe(true);
  // the data dir lives under `base` and is built through a path relative to this process's working directory
  renameSync(data.dir, join(base, 'data'));
  await buildModels(relative(process.cwd(), join(base, 'data')), { threads: 2 });
  activities = new Set(await lakeActivityIds(join(base, 'data'))).size;
  expect(activities).toBeGreaterThan(1000);
}, 240_000);

afterAll(() => {
  while (cleanups.length) cleanups.pop()!();
});

test('a separate DuckDB process in another working directory reads every mart', async () => {
  const got = await duckdbElsewhere(warehousePath(join(base, 'data')), COUNT_SQL);
  expect(got).toEqual({ ok: true, rows: [{ activities, staged: activities }] });
  expect(await recordedDataDir(warehousePath(join(base, 'data')))).toBe(realpathSync(join(base, 'data')));
  // the storage format the README names: DuckDB 1.0 and later open the file
  const tags = await duckdbElsewhere(warehousePath(join(base, 'data')), "select tags['storage_version'] as v from duckdb_databases() where database_name = current_database()");
  expect(tags).toEqual({ ok: true, rows: [{ v: 'v1.0.0+' }] });
});

test('a copy of the data dir answers from its own files once a project command opened it; the original is gone', async () => {
  const copy = join(base, 'copy');
  cpSync(join(base, 'data'), copy, { recursive: true });
  // before any project command, the copy's views still name the original's files: hide them to prove it
  renameSync(join(base, 'data'), join(base, 'data-away'));
  const stale = await duckdbElsewhere(warehousePath(copy), COUNT_SQL);
  expect(stale.ok).toBe(false);
  expect(!stale.ok && stale.error).toMatch(/No files found|No such file|Cannot open/);
  renameSync(join(base, 'data-away'), join(base, 'data'));

  // `compliance-lake sql` (warehouseRows goes through the same openWarehouse) rewrites the views for the copy
  expect(await warehouseRows(copy, COUNT_SQL)).toEqual([{ activities, staged: activities }]);
  expect(await recordedDataDir(warehousePath(copy))).toBe(realpathSync(copy));
  rmSync(join(base, 'data'), { recursive: true, force: true });
  const own = await duckdbElsewhere(warehousePath(copy), COUNT_SQL);
  expect(own).toEqual({ ok: true, rows: [{ activities, staged: activities }] });
  // nothing moved since: the second look is a no-op
  expect((await relocateWarehouse(copy)).moved).toBe(false);

  // the GraphQL server's warehouse does the same for a data dir moved while nothing had it open
  const moved = join(base, 'moved');
  renameSync(copy, moved);
  const warehouse = new Warehouse(moved);
  try {
    const lease = await warehouse.lease();
    try {
      const rows = await lease.query('select count(*)::INTEGER as n from marts.activities');
      expect(rows).toEqual([{ n: activities }]);
    } finally {
      lease.release();
    }
  } finally {
    await warehouse.close();
  }
  expect(await recordedDataDir(warehousePath(moved))).toBe(realpathSync(moved));
  // the view comments survive the rewrite
  const comments = await warehouseRows(moved, "select count(*)::INTEGER as n from duckdb_views() where schema_name = 'marts' and comment is not null");
  expect(Number(comments[0].n)).toBeGreaterThan(0);
});

test('a build in a copy whose warehouse still names the original writes the warehouse anew for the copy', async () => {
  // `moved` from the test above is the only data dir left; the copy is made without any project command
  const from = join(base, 'moved');
  const copy = join(base, 'copy-built');
  cpSync(from, copy, { recursive: true });
  expect(await recordedDataDir(warehousePath(copy))).toBe(realpathSync(from));
  const report = await buildModels(copy, { threads: 2 });
  expect(report.mode).toBe('incremental');
  expect(await recordedDataDir(warehousePath(copy))).toBe(realpathSync(copy));
  expect(existsSync(`${warehousePath(copy)}.tmp`)).toBe(false);
  rmSync(from, { recursive: true, force: true });
  const own = await duckdbElsewhere(warehousePath(copy), COUNT_SQL);
  expect(own).toEqual({ ok: true, rows: [{ activities, staged: activities }] });
}, 240_000);
