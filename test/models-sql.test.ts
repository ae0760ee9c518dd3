// The SQL project and the commands around it: the layering and ordering rules of sql/, a build on an empty
// lake, a failing sql/tests query that stops the build and publishes nothing, and `sql` with each output
// format, streaming, a refused write and a missing warehouse; then the commander commands themselves.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../src/cli/config.js';
import { registerModelsCommands } from '../src/cli/models-commands.js';
import { type BuildReport, ModelTestError, buildModels } from '../src/models/build.js';
import { packageRoot } from '../src/models/catalog.js';
import { ReadOnlyWarehouseError, WarehouseMissingError, queryWarehouse, warehouseRows } from '../src/models/query.js';
import { asOfHorizon } from '../src/models/horizon.js';
import { compactLake } from '../src/lake/compact.js';
import { connectUtc, createDuck, openDuck } from '../src/lake/duck.js';
import { SqlProjectError, readSqlProject } from '../src/models/sql-files.js';
import { lakeFileSchemas, lakeRelation, writeManifestTable } from '../src/models/lake-source.js';
import { Lake } from '../src/lake/lake.js';
import { statePath, touchedMonths } from '../src/models/state.js';
import type { ManifestEntry } from '../src/lake/manifest.js';
import { connect, makeSim } from './support/sim-harness.js';
import { lakeActivityIds, syncWith, tempDataDir } from './support/lake-harness.js';
import { CLI, requireBuiltCli } from './support/crash-harness.js';

const cleanups: (() => void)[] = [];
let dir: string;

function tempDir(prefix: string): string {
  const t = tempDataDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

beforeAll(async () => {
  dir = tempDir('cl-models-sql-');
  const t = await connect(makeSim(), 'in-process');
  const r = await syncWith(t, dir);
  expect(r.ok).toBe(true);
  await buildModels(dir);
}, 120_000);

afterAll(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function collect(sql: string, format: 'table' | 'json' | 'csv', dataDir = dir): Promise<{ text: string; writes: number; rows: number }> {
  let text = '';
  let writes = 0;
  const rows = await queryWarehouse(dataDir, sql, format, {
    write: (chunk) => {
      text += chunk;
      writes++;
    },
  });
  return { text, writes, rows };
}

/** A copy of sql/ to change in a test. */
function sqlCopy(): string {
  const copy = join(tempDir('cl-sql-copy-'), 'sql');
  cpSync(join(packageRoot(), 'sql'), copy, { recursive: true });
  return copy;
}

describe('the SQL project', () => {
  test('sql/ builds staging, then intermediate, then marts, each model after what it reads', () => {
    const project = readSqlProject(join(packageRoot(), 'sql'));
    const order = project.models.map((m) => m.relation);
    for (const [i, m] of project.models.entries()) {
      expect(m.grain, m.path).toMatch(/^one row per /);
      for (const ref of m.refs) if (!ref.startsWith('seeds.')) expect(order.indexOf(ref), `${m.relation} reads ${ref}`).toBeLessThan(i);
      if (m.layer === 'staging') expect(m.name).toMatch(/^stg_[a-z]+__[a-z_]+$/);
      if (m.layer === 'intermediate') expect(m.name).toMatch(/^int_[a-z_]+$/);
      if (m.layer === 'marts') expect(m.name).not.toMatch(/^(stg|int)_/);
    }
    expect(project.models.filter((m) => m.layer === 'staging').map((m) => m.name)).toEqual(
      expect.arrayContaining(
        ['activities', 'organizations', 'users', 'roles', 'role_permissions', 'groups', 'group_members', 'chats', 'projects', 'project_attachments'].map(
          (s) => `stg_compliance__${s}`,
        ),
      ),
    );
    expect(project.models.find((m) => m.relation === 'marts.activities')!.materialized).toEqual({ kind: 'monthly', columns: ['created_at'], fold: ['id'] });
    expect(project.tests.length).toBeGreaterThanOrEqual(15);
    for (const t of project.tests) expect(t.rule.length, t.path).toBeGreaterThan(10);
    // the scope line: `all` for rules across months, `added` for rules about each row alone, else `rebuilt`
    const scopes = Object.fromEntries(project.tests.map((t) => [t.name, t.scope]));
    expect(scopes).toMatchObject({
      activity_types_counts_match: 'all',
      activities_not_null: 'added',
      activities_category_accepted: 'added',
      activities_category_from_catalog: 'added',
      activities_id_unique: 'keys',
      admin_actions_are_admin_activities: 'rebuilt',
    });
    // `added key(...)`: a key rule, shown the written months' rows whose key the added rows have
    expect(project.tests.find((t) => t.name === 'activities_id_unique')!.key).toEqual(['id']);
    const dir = mkdtempSync(join(tmpdir(), 'cl-scope-'));
    try {
      mkdirSync(join(dir, 'tests'));
      writeFileSync(join(dir, 'tests', 'bad_key.sql'), '-- a rule with a bad key\n-- scope: added key(id; drop)\nselect 1 where false\n');
      expect(() => readSqlProject(dir)).toThrow(/bad_key\.sql: `-- scope: added key\(\.\.\.\)` names columns/);
      writeFileSync(join(dir, 'tests', 'bad_key.sql'), '-- a rule on a pair\n-- scope: added key(group_id, user_id)\nselect 1 where false\n');
      expect(readSqlProject(dir).tests[0]).toMatchObject({ scope: 'keys', key: ['group_id', 'user_id'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a model that reads a later layer, an unknown relation or the lake outside staging, or a cycle, is refused', () => {
    const cases: [string, string, RegExp][] = [
      ['intermediate/int_x_read.sql', '-- one row per x\nselect * from marts.activities', /cannot read marts\.activities \(a later layer\)/],
      ['marts/things.sql', '-- one row per thing\nselect * from intermediate.int_nothing_here', /reads intermediate\.int_nothing_here, which no file/],
      ['marts/things.sql', "-- one row per thing\nselect * from {{ lake('activities') }}", /only staging models read the lake/],
      ['marts/things.sql', 'select 1', /first line must say the grain/],
      ['marts/things.sql', '-- one row per thing\n-- materialized: incremental\nselect * from previous.things', /declares its columns: `-- previous: name type, \.\.\.`/],
      ['marts/things.sql', '-- one row per thing\n-- materialized: incremental\n-- previous: id varchar\nselect 1 as id', /reads its previous output as previous\.things/],
      ['marts/things.sql', '-- one row per thing\n-- previous: id varchar\nselect * from previous.activities', /previous\.activities is not the last output of an incremental model/],
      ['marts/things.sql', '-- one row per thing\nselect * from previous.things', /previous\.things is not the last output of an incremental model/],
      ['marts/things.sql', '-- one row per thing\n-- materialized: incremental\n-- previous: id varchar, bad\nselect * from previous.things', /"bad" in `-- previous:` is not `name type`/],
      ['marts/things.sql', '-- one row per thing\n-- materialized: table fold(id)\nselect 1 as id', /fold\(key, \.\.\.\) goes with monthly\(column, \.\.\.\)/],
      [
        'marts/things.sql',
        '-- one row per thing\n-- new lake files: staging.stg_compliance__users\nselect * from staging.stg_compliance__users',
        /`-- new lake files:` goes with `-- materialized: incremental`/,
      ],
      [
        'marts/things.sql',
        '-- one row per thing\n-- materialized: incremental\n-- previous: id varchar\n-- new lake files: staging.stg_compliance__groups\nselect user_id as id from staging.stg_compliance__users union all select * from previous.things',
        /"staging\.stg_compliance__groups" in `-- new lake files:` is not a staging view this model reads/,
      ],
      [
        'marts/things.sql',
        '-- one row per thing\n-- materialized: incremental\n-- previous: id varchar\n-- new lake files: marts.activities\nselect id from marts.activities union all select * from previous.things',
        /"marts\.activities" in `-- new lake files:` is not a staging view this model reads/,
      ],
      [
        'marts/things.sql',
        '-- one row per thing\n-- materialized: monthly(created_at) fold(id) merge(marts.activities)\nselect * from marts.activities',
        /merge\(schema\.relation\) goes with monthly\(column, \.\.\.\), without fold/,
      ],
      [
        'marts/things.sql',
        '-- one row per thing\n-- materialized: monthly(day) merge(marts.activities)\nselect created_at as day, count(*) as n from marts.activities group by 1',
        /combines a month's rows in its header: `-- merge: select \.\.\. from month_rows/,
      ],
      [
        'marts/things.sql',
        '-- one row per thing\n-- materialized: monthly(day) merge(marts.users)\n-- merge: select * from month_rows\nselect valid_from as day from marts.users',
        /merge\(marts\.users\) names a monthly fold\(\.\.\.\) model this model reads/,
      ],
    ];
    for (const [file, sql, error] of cases) {
      const copy = sqlCopy();
      writeFileSync(join(copy, file), sql);
      expect(() => readSqlProject(copy), file).toThrow(error);
    }
    // the last output of another incremental model is readable: what changed since the last build
    const readsOther = sqlCopy();
    writeFileSync(join(readsOther, 'marts/things.sql'), '-- one row per thing\nselect * from previous.int_directory_snapshots_numbered');
    expect(readSqlProject(readsOther).models.find((m) => m.relation === 'marts.things')!.previousRefs).toEqual(['int_directory_snapshots_numbered']);
    // the snapshot intermediates read only the new lake files of the snapshot streams in a refresh
    expect(readSqlProject(sqlCopy()).models.find((m) => m.relation === 'intermediate.int_directory_snapshots_numbered')!.newLakeFiles).toContain('staging.stg_compliance__users');
    const copy = sqlCopy();
    writeFileSync(join(copy, 'marts/a_things.sql'), '-- one row per a\nselect * from marts.b_things');
    writeFileSync(join(copy, 'marts/b_things.sql'), '-- one row per b\nselect * from marts.a_things');
    expect(() => readSqlProject(copy)).toThrow(SqlProjectError);
    expect(() => readSqlProject(copy)).toThrow(/dependency cycle: marts\.a_things -> marts\.b_things -> marts\.a_things/);
  });

  test('a model whose SQL fails stops the build with the file named; nothing is published', async () => {
    const copy = sqlCopy();
    writeFileSync(join(copy, 'marts/zz_broken.sql'), '-- one row per nothing\nselect no_such_column from marts.activities\n');
    const err = await buildModels(dir, { sqlDir: copy }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ModelBuildError');
    expect((err as Error).message).toMatch(/marts\/zz_broken\.sql \(marts\.zz_broken\): Binder Error: .*no_such_column/);
    expect(existsSync(join(dir, 'models', 'marts', 'zz_broken'))).toBe(false);
  });

  test('an incremental model must give the columns it declares, and {{ literal() }} must give one value', async () => {
    const copy = sqlCopy();
    writeFileSync(
      join(copy, 'marts/zz_folded.sql'),
      '-- one row per thing\n-- materialized: incremental\n-- previous: id varchar, n bigint\nselect id, 1 as n from previous.zz_folded union all select \'x\' as id, 2.5 as n\n',
    );
    const err = await buildModels(dir, { sqlDir: copy }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ModelBuildError');
    expect((err as Error).message).toMatch(/zz_folded\.sql: the output's columns \(id VARCHAR, n DECIMAL.*\) are not the ones `-- previous:` declares \(id VARCHAR, n BIGINT\)/);
    writeFileSync(
      join(copy, 'marts/zz_folded.sql'),
      '-- one row per thing\n-- materialized: incremental\n-- previous: id varchar\nselect id from previous.zz_folded where id > {{ literal(select id from marts.activities limit 2) }}\n',
    );
    const twoRows = await buildModels(dir, { sqlDir: copy }).catch((e: unknown) => e);
    expect((twoRows as Error).message).toMatch(/\{\{ literal\(select id from marts\.activities limit 2\) \}\} must return one row; it returned 2/);
    expect(existsSync(join(dir, 'models', 'marts', 'zz_folded'))).toBe(false);
  });

  test('a build on an empty lake gives empty relations with their columns, and passes its tests', async () => {
    const empty = tempDir('cl-models-empty-');
    const report = await buildModels(empty);
    expect(report.mode).toBe('full');
    expect(report.relations.find((r) => r.relation === 'marts.activities')).toMatchObject({ rows: 0, rebuiltMonths: [] });
    const rows = await warehouseRows(empty, 'select count(*) as n from marts.admin_actions');
    expect(rows).toEqual([{ n: 0 }]);
    const columns = await warehouseRows(empty, `select column_name, data_type from duckdb_columns() where schema_name = 'marts' and table_name = 'activities' order by column_index`);
    expect(columns.slice(0, 2)).toEqual([
      { column_name: 'id', data_type: 'VARCHAR' },
      { column_name: 'created_at', data_type: 'TIMESTAMP WITH TIME ZONE' },
    ]);
    // every known type is listed, none seen yet
    const types = await warehouseRows(empty, 'select count(*) as n, sum(activity_count) as seen, bool_and(known) as known from marts.activity_types');
    expect(types[0]).toMatchObject({ seen: 0, known: true });
    expect(Number(types[0].n)).toBeGreaterThan(300);
  });

  test('a sql/tests query that returns rows fails the build, names the file, shows the rows, and publishes nothing', async () => {
    const copy = sqlCopy();
    writeFileSync(join(copy, 'tests/zz_no_admin_actions.sql'), '-- no admin action ever happens\nselect id, type from marts.admin_actions order by id;\n');
    const warehouse = statSync(join(dir, 'warehouse.duckdb'));
    const state = readFileSync(statePath(join(dir, 'models')), 'utf8');
    const failure = await buildModels(dir, { sqlDir: copy, full: true }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ModelTestError);
    const message = (failure as Error).message;
    expect(message).toMatch(/tests\/zz_no_admin_actions\.sql: \d+ row\(s\) break "no admin action ever happens"/);
    expect(message.match(/\{"id":"activity_/g)).toHaveLength(5);
    expect(message).toMatch(/… and \d+ more/);
    expect(message).toMatch(/nothing was published/);
    expect(statSync(join(dir, 'warehouse.duckdb')).ino).toBe(warehouse.ino);
    expect(readFileSync(statePath(join(dir, 'models')), 'utf8')).toBe(state);
    expect(existsSync(join(dir, 'models', '_build'))).toBe(false);
  });
});

describe('incremental rules', () => {
  test('touched months: the months of activity files appended after the last build; compaction touches nothing', () => {
    const entry = (seq: number, kind: 'append' | 'compact', stream: string, dates: string[]) =>
      ({ seq, kind, added: dates.map((date) => ({ stream, date })) }) as unknown as ManifestEntry;
    const entries = [
      entry(1, 'append', 'activities', ['2026-08-31']),
      entry(2, 'append', 'activities', ['2026-09-30', '2026-10-01']),
      entry(3, 'append', 'users', ['2026-07-01']),
      entry(4, 'compact', 'activities', ['2026-06-01']),
    ];
    expect([...touchedMonths(entries, 1, 'activities')].sort()).toEqual(['2026-09', '2026-10']);
    expect([...touchedMonths(entries, 0, 'activities')].sort()).toEqual(['2026-08', '2026-09', '2026-10']);
    expect(touchedMonths(entries, 4, 'activities').size).toBe(0);
  });

  test('a last build of another lake (its manifest entry differs) makes the next build full', async () => {
    const state = JSON.parse(readFileSync(statePath(join(dir, 'models')), 'utf8'));
    expect(state.head_hash).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(statePath(join(dir, 'models')), JSON.stringify({ ...state, head_hash: '0'.repeat(64) }));
    const report = await buildModels(dir);
    expect(report.mode).toBe('full');
    expect(report.reason).toBe(`the lake's manifest entry ${state.seq} is not the one the last build read (another lake, or one rebuilt since)`);
    const again = await buildModels(dir);
    expect(again.mode).toBe('incremental');
  });

  test('the as-of horizon is the earliest moment a join over the new history can differ from the old', async () => {
    const instance = await createDuck();
    const c = await connectUtc(instance);
    try {
      await c.run('create schema marts');
      const previous = join(tempDir('cl-horizon-'), 'old.parquet');
      const row = (group: string, from: string | null, to: string | null) =>
        `('${group}', 'user_1', ${from ? `timestamptz '${from}'` : 'null'}, ${to ? `timestamptz '${to}'` : 'null'})`;
      const table = (rows: string[]) =>
        `select * from (values ${rows.join(', ')}) as t(group_id, user_id, valid_from, valid_to)`;
      const base = [row('g1', '2026-01-05', null), row('g2', '2026-02-01', '2026-03-01')];
      await c.run(`copy (${table(base)}) to '${previous}' (format parquet)`);
      const horizon = async (rows: string[]) => {
        await c.run(`create or replace view marts.group_memberships as ${table(rows)}`);
        return asOfHorizon(c, 'marts.group_memberships', previous);
      };
      expect(await horizon(base)).toEqual({ kind: 'none' });
      // an open membership ended: joins change from its end on, not from its start
      expect(await horizon([row('g1', '2026-01-05', '2026-06-10'), base[1]])).toEqual({ kind: 'from', month: '2026-06', at: '2026-06-10 00:00:00.000000' });
      // an end moved earlier
      expect(await horizon([base[0], row('g2', '2026-02-01', '2026-02-15')])).toEqual({ kind: 'from', month: '2026-02', at: '2026-02-15 00:00:00.000000' });
      // a new interval: from its start
      expect(await horizon([...base, row('g3', '2026-04-30', null)])).toEqual({ kind: 'from', month: '2026-04', at: '2026-04-30 00:00:00.000000' });
      // a removed interval: from its start
      expect(await horizon([base[0]])).toEqual({ kind: 'from', month: '2026-02', at: '2026-02-01 00:00:00.000000' });
      // an interval that began before the lake's history: everything
      expect(await horizon([...base, row('g4', null, '2026-05-01')])).toEqual({ kind: 'all' });
      expect(await asOfHorizon(c, 'marts.group_memberships', null)).toEqual({ kind: 'all' });
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});

describe('staging reads the lake', () => {
  test('files with the same columns are one read_parquet without union_by_name; several sets of columns are unioned by name; both read what union_by_name reads', async () => {
    const lake = Lake.open(dir);
    const instance = await createDuck({ threads: 2 });
    const connection = await connectUtc(instance);
    try {
      const schemas = await lakeFileSchemas(lake, connection, ['activities', 'users']);
      expect(Object.keys(schemas).sort()).toEqual([...lake.files('activities'), ...lake.files('users')].map((f) => f.path).sort());
      const files = lake.files('activities').map((f) => f.path).sort();
      expect(files.length).toBeGreaterThan(2);
      expect(new Set(files.map((f) => schemas[f])).size).toBe(1);
      // what union_by_name over every file reads (the rendering without a record of the columns)
      const reference = lakeRelation(lake, 'activities');
      expect(reference).toMatch(/union_by_name = true/);
      const same = async (relation: string) => {
        const describe = async (r: string) => (await connection.runAndReadAll(`describe select * from ${r}`)).getRowObjectsJS();
        expect(await describe(relation)).toEqual(await describe(reference));
        for (const [a, b] of [[relation, reference], [reference, relation]]) {
          const extra = await connection.runAndReadAll(`select count(*) as n from (select * from ${a} except all select * from ${b})`);
          expect(Number(extra.getRowObjectsJS()[0].n)).toBe(0);
        }
      };
      const one = lakeRelation(lake, 'activities', () => true, schemas);
      expect(one).not.toMatch(/union_by_name|union all/);
      await same(one);
      // files recorded with two sets of columns: one read_parquet per set, in the order of their first file
      const split = { ...schemas, ...Object.fromEntries(files.slice(0, 2).map((f) => [f, 'other'])) };
      const two = lakeRelation(lake, 'activities', () => true, split);
      expect(two.match(/read_parquet\(/g)).toHaveLength(2);
      expect(two).toMatch(/union all by name/);
      await same(two);
      // a file the record does not know: union_by_name, as without a record
      expect(lakeRelation(lake, 'activities', () => true, Object.fromEntries(files.slice(1).map((f) => [f, 'x'])))).toBe(reference);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('models at once', () => {
  test('a build runs models two at a time, each after every model it reads; with concurrency 1 one after another', async () => {
    const project = readSqlProject(join(packageRoot(), 'sql'));
    const check = (report: BuildReport, concurrent: boolean) => {
      const by = new Map(report.relations.map((r) => [r.relation, r]));
      for (const model of project.models) {
        const r = by.get(model.relation)!;
        for (const ref of model.refs) {
          const d = by.get(ref);
          if (d?.startedMs !== undefined) expect(r.startedMs!, `${model.relation} starts after ${ref} ends`).toBeGreaterThanOrEqual(d.startedMs + d.ms);
        }
      }
      const timed = report.relations.filter((r) => r.startedMs !== undefined).sort((a, b) => a.startedMs! - b.startedMs!);
      expect(timed).toHaveLength(project.models.length);
      expect(timed.some((r, i) => timed.slice(i + 1).some((o) => o.startedMs! < r.startedMs! + r.ms))).toBe(concurrent);
      // the report lists the models in the project's order
      expect(report.relations.map((r) => r.relation).slice(1)).toEqual(project.models.map((m) => m.relation));
    };
    check(await buildModels(dir, { full: true }), true);
    check(await buildModels(dir, { full: true, concurrency: 1 }), false);
  }, 600_000);
});

describe('the manifest table', () => {
  test('a refresh adds the entries after the last one the table holds; a table of another chain is written anew', async () => {
    const lake = Lake.open(dir);
    const path = join(dir, 'models', 'lake_manifest.parquet');
    const scratch = tempDir('cl-manifest-table-');
    const instance = await createDuck({ threads: 2 });
    const connection = await connectUtc(instance);
    const rows = async () =>
      (await connection.runAndReadAll(`select seq, kind, stream, run_id, hash, prev from read_parquet('${path}') order by seq`)).getRowObjectsJS().map((r) => ({ ...r, seq: Number(r.seq) }));
    const expected = (entries: readonly ManifestEntry[]) => entries.map((e) => ({ seq: e.seq, kind: e.kind, stream: e.stream, run_id: e.run_id, hash: e.hash, prev: e.prev }));
    try {
      const all = lake.entries;
      expect(all.length).toBeGreaterThan(3);
      // a table of the first entries, with a marker in an old row: appending keeps it, a rewrite would not
      await connection.run(
        `copy (select * replace (case when seq = 1 then 'kept' else run_id end as run_id) from read_parquet('${path}') where seq <= ${all.length - 2}) to '${path}.old' (format parquet)`,
      );
      cpSync(`${path}.old`, path);
      await writeManifestTable(lake, connection, path, scratch);
      const marked = expected(all).map((r) => (r.seq === 1 ? { ...r, run_id: 'kept' } : r));
      expect(await rows()).toEqual(marked);
      // nothing new: the table stays as it is
      await writeManifestTable(lake, connection, path, scratch);
      expect(await rows()).toEqual(marked);
      // its last entry is not this chain's (another hash), or an entry is missing: every entry is written again
      await connection.run(`copy (select * replace (case when seq = ${all.length} then 'x' else hash end as hash) from read_parquet('${path}')) to '${path}.old' (format parquet)`);
      cpSync(`${path}.old`, path);
      await writeManifestTable(lake, connection, path, scratch);
      expect(await rows()).toEqual(expected(all));
      await connection.run(`copy (select * replace (case when seq = 1 then 'kept' else run_id end as run_id) from read_parquet('${path}') where seq <> 2) to '${path}.old' (format parquet)`);
      cpSync(`${path}.old`, path);
      await writeManifestTable(lake, connection, path, scratch);
      expect(await rows()).toEqual(expected(all));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('schema/models.md', () => {
  test('documents every column of every mart with its type, in order', async () => {
    const doc = readFileSync(join(packageRoot(), 'schema/models.md'), 'utf8');
    const documented = new Map<string, [string, string][]>();
    let section = '';
    for (const line of doc.split('\n')) {
      const h = /^## (marts\.[a-z_]+)$/.exec(line);
      if (h) section = h[1];
      else if (line.startsWith('## ')) section = '';
      const row = /^\| `([a-z0-9_]+)` \| ([A-Z[\]]+) \|/.exec(line);
      if (section && row) documented.set(section, [...(documented.get(section) ?? []), [row[1], row[2]]]);
      // a mart whose columns are another's says so instead of repeating the table
      const same = /^Columns: those of `(marts\.[a-z_]+)`, in the same order\.$/.exec(line);
      if (section && same) documented.set(section, documented.get(same[1]) ?? []);
    }
    const rows = await warehouseRows(
      dir,
      `select schema_name || '.' || table_name as relation, column_name, data_type
       from duckdb_columns() where schema_name = 'marts' order by relation, column_index`,
    );
    const actual = new Map<string, [string, string][]>();
    for (const r of rows) {
      const type = String(r.data_type).replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ');
      actual.set(String(r.relation), [...(actual.get(String(r.relation)) ?? []), [String(r.column_name), type]]);
    }
    expect([...documented.keys()].sort()).toEqual([...actual.keys()].sort());
    for (const [relation, columns] of actual) expect(documented.get(relation), relation).toEqual(columns);
  });
});

describe('`sql` against the warehouse', () => {
  test('json: one object per row, timestamps as ISO 8601 UTC with microseconds, JSON columns as JSON', async () => {
    const { text, rows } = await collect('select id, created_at, type, details, is_own_request from marts.activities order by created_at, id limit 3', 'json');
    expect(rows).toBe(3);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed).toHaveLength(3);
    for (const r of parsed) {
      expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(typeof r.details).toBe('object');
      expect(typeof r.is_own_request).toBe('boolean');
    }
    const total = await collect('select count(*) as n from marts.activities', 'json');
    expect(JSON.parse(total.text)).toEqual([{ n: new Set(await lakeActivityIds(dir)).size }]);
    expect((await collect('select 1 as x where false', 'json')).text).toBe('[]\n');
  });

  test('csv: a header, quoted where needed; table: aligned columns and a row count', async () => {
    const csv = await collect(`select 'a,b' as text, 'say "hi"' as quote, null as nothing, timestamptz '2026-01-02 03:04:05.123456+00' as at, [1, 2] as list`, 'csv');
    expect(csv.text).toBe('text,quote,nothing,at,list\n"a,b","say ""hi""",,2026-01-02T03:04:05.123456Z,"[1,2]"\n');
    const table = await collect('select type, count(*) as n from marts.activities group by type order by n desc, type limit 3', 'table');
    const lines = table.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^type\s+n$/);
    expect(lines[1]).toMatch(/^-+\s+-+$/);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('(3 rows)');
  });

  test('results stream in chunks instead of being read whole', async () => {
    const { rows, writes, text } = await collect('select range as n from range(100000)', 'csv');
    expect(rows).toBe(100_000);
    expect(writes).toBeGreaterThan(10);
    expect(text.split('\n')).toHaveLength(100_002);
  });

  test('a write is refused with a clear message; the warehouse is unchanged', async () => {
    for (const sql of ['create table marts.scratch as select 1 as x', 'drop view marts.activities', 'insert into seeds.activity_types (type) values (\'x\')']) {
      const err = await collect(sql, 'table').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, sql).toBeInstanceOf(ReadOnlyWarehouseError);
      expect((err as Error).message).toMatch(/the warehouse is read-only: `sql` runs queries/);
    }
    expect((await collect('select count(*) as n from seeds.activity_types where type = \'x\'', 'json')).text).toBe('[\n  {"n":0}\n]\n');
  });

  test('a statement that would write a file, attach a database or load an extension is refused before anything runs', async () => {
    const out = join(tempDir('cl-sql-copy-out-'), 'out.csv');
    const attached = join(tempDir('cl-sql-attach-'), 'other.duckdb');
    const cases: [string, RegExp][] = [
      [`copy (select 1) to '${out}' (format csv)`, /not COPY statements/],
      [`select 1; copy marts.activities to '${out}' (format csv)`, /not COPY statements/],
      [`attach '${attached}' as other`, /not ATTACH statements/],
      [`export database '${join(out, '..', 'export')}'`, /not EXPORT statements/],
      [`load parquet`, /not LOAD statements/],
    ];
    for (const [sql, error] of cases) {
      const err = await collect(sql, 'table').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, sql).toBeInstanceOf(ReadOnlyWarehouseError);
      expect((err as Error).message, sql).toMatch(error);
      expect((err as Error).message).toMatch(/nothing was run/);
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(attached)).toBe(false);
    // DuckDB's planner creates EXPORT's directory while preparing the statement (before its type can be
    // checked): it stays empty
    const exported = join(out, '..', 'export');
    expect(existsSync(exported) ? readdirSync(exported) : []).toEqual([]);
    // queries, EXPLAIN and session settings still run
    expect((await collect("set TimeZone = 'UTC'; select 2 as n", 'json')).text).toBe('[\n  {"n":2}\n]\n');
    expect((await collect('explain select 1', 'table')).rows).toBeGreaterThan(0);
  });

  test('after a compaction replaced lake files, a staging query says to run `models build`; the marts still answer', async () => {
    const own = tempDir('cl-models-compacted-');
    const t = await connect(makeSim(), 'in-process');
    expect((await syncWith(t, own)).ok).toBe(true);
    await buildModels(own);
    const before = await warehouseRows(own, 'select count(*) as n from staging.stg_compliance__users');
    const duck = await openDuck();
    try {
      const report = await compactLake(own, { runId: 'run_test_compact', duck, minFiles: 1, streams: ['users'] });
      expect(report.partitions.length).toBeGreaterThan(0);
    } finally {
      duck.close();
    }
    const err = await collect('select count(*) as n from staging.stg_compliance__users', 'json', own).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/a lake file this warehouse's staging views name is gone: a compaction .* Run `compliance-lake models build`/);
    expect((await collect('select count(*) as n from marts.users', 'json', own)).rows).toBe(1);
    const rebuilt = await buildModels(own);
    expect(rebuilt.mode).toBe('incremental');
    expect(await warehouseRows(own, 'select count(*) as n from staging.stg_compliance__users')).toEqual(before);
  });

  test('without a warehouse it says to run `models build` first', async () => {
    const err = await collect('select 1', 'json', tempDir('cl-no-warehouse-')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseMissingError);
    expect((err as Error).message).toMatch(/no warehouse at .*warehouse\.duckdb: run `compliance-lake models build` first/);
  });
});

describe('the commands', () => {
  function program(): { program: Command; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const p = new Command('compliance-lake').exitOverride();
    registerModelsCommands(p, { write: (t) => void out.push(t), err: (t) => void err.push(t) });
    return { program: p, out, err };
  }

  test('`models build` prints what it rebuilt; `sql` prints the result; a bad --format is a usage error', async () => {
    const build = program();
    await build.program.parseAsync(['node', 'cl', 'models', 'build', '--data-dir', dir]);
    const report = build.out.join('');
    expect(report).toMatch(/^models build: incremental \(no lake entry since the last build\)/);
    expect(report).toMatch(/marts\.activities\s+monthly\s+\d+ rows\s+rebuilt no month; kept \d+/);
    expect(report).toMatch(/tests: \d+ passed/);

    const sql = program();
    await sql.program.parseAsync(['node', 'cl', 'sql', 'select 42 as answer', '--format', 'json', '--data-dir', dir]);
    expect(sql.out.join('')).toBe('[\n  {"answer":42}\n]\n');

    const bad = program();
    await expect(bad.program.parseAsync(['node', 'cl', 'sql', 'select 1', '--format', 'xml', '--data-dir', dir])).rejects.toThrow(ConfigError);
  });

  test('a refused write and a missing warehouse print the reason and set exit status 1', async () => {
    const previous = process.exitCode;
    try {
      const p = program();
      await p.program.parseAsync(['node', 'cl', 'sql', 'drop view marts.users', '--data-dir', dir]);
      expect(p.err.join('\n')).toMatch(/read-only/);
      expect(process.exitCode).toBe(1);
      process.exitCode = undefined;
      // a lake (an empty one) without a warehouse; a dir without a lake is refused earlier (test/cli.test.ts)
      const missing = tempDir('cl-no-warehouse-');
      mkdirSync(join(missing, 'lake', '_manifests'), { recursive: true });
      const q = program();
      await q.program.parseAsync(['node', 'cl', 'sql', 'select 1', '--data-dir', missing]);
      expect(q.err.join('\n')).toMatch(/run `compliance-lake models build` first/);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = previous;
    }
  });

  test('the installed CLI runs `sql` read-only', async () => {
    requireBuiltCli();
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'sql', 'select count(*) as n from marts.users', '--format', 'csv', '--data-dir', dir]);
    expect(stdout).toMatch(/^n\n\d+\n$/);
  });
});
