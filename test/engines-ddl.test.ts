// `compliance-lake ddl` (schema/ddl.md): the DuckDB statements run against a lake synced from the simulator
// and its built marts, and every table must return exactly the rows of the files it stands for; the other
// engines' statements are compared with golden files (they cannot run here); bad locations and a directory
// with no lake are refused with messages that say what to do.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderDdl } from '../src/engines/ddl.js';
import { parseLocation } from '../src/engines/location.js';
import { type Sources, type TableSource, describeSources } from '../src/engines/sources.js';
import { ENGINES, type Engine } from '../src/engines/types.js';
import { connectUtc, createDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { STREAMS, TABLES, allColumns } from '../src/lake/tables.js';
import { buildModels } from '../src/models/build.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { type Transport, connect, makeSim } from './support/sim-harness.js';

const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./fixtures/ddl/', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The statements of a script, without its comment lines. */
function statements(script: string): string[] {
  return script
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

describe('ddl --engine duckdb against a synced lake and its marts', () => {
  let t: Transport;
  let data: { dir: string; cleanup: () => void };
  let sources: Sources;
  let script: string;

  beforeAll(async () => {
    t = await connect(makeSim({ tenant: { horizonDays: 2, activitiesPerDay: 800 } }), 'in-process');
    data = tempDataDir('cl-ddl-');
    await syncWith(t, data.dir);
    await buildModels(data.dir);
    sources = await describeSources(data.dir, Lake.open(data.dir));
    script = renderDdl(sources, { engine: 'duckdb', location: parseLocation(undefined, data.dir), database: 'compliance_lake' });
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    data?.cleanup();
  });

  test('defines every stream with files and every built mart', () => {
    const lake = Lake.open(data.dir);
    const streams = STREAMS.filter((s) => lake.files(s).length > 0);
    expect(streams.length).toBeGreaterThan(5);
    for (const s of streams) expect(script).toContain(`CREATE OR REPLACE VIEW compliance_lake.${s} AS`);
    for (const m of ['activities', 'users', 'group_memberships', 'admin_actions', 'alerts']) expect(script).toContain(`compliance_lake.marts_${m} AS`);
    const activities = sources.tables.find((x) => x.name === 'marts_activities')!;
    expect(activities.layout.kind).toBe('hive');
    expect(sources.tables.find((x) => x.name === 'marts_alerts')!.layout.kind).toBe('folders');
  });

  test("every table returns exactly the rows of the files it stands for", async () => {
    const instance = await createDuck({ threads: 2 });
    const c = await connectUtc(instance);
    try {
      for (const s of statements(script)) await c.run(s);
      const lake = Lake.open(data.dir);
      const count = async (sql: string) => Number((await c.runAndReadAll(sql)).getRowObjects()[0].n);
      for (const table of sources.tables.filter((x) => x.relation.startsWith('lake.'))) {
        const stream = table.name;
        const files = `read_parquet([${lake.files(stream).map((f) => sqlString(lake.absolute(f))).join(', ')}], union_by_name = true)`;
        const cols = Object.keys(allColumns(TABLES[stream])).map((n) => `"${n}"`).join(', ');
        const view = `(select ${cols} from compliance_lake.${stream})`;
        const truth = `(select ${cols} from ${files})`;
        const n = await count(`select count(*) as n from ${truth}`);
        expect(n, stream).toBeGreaterThan(0);
        expect(await count(`select count(*) as n from ${view}`), stream).toBe(n);
        expect(await count(`select count(*) as n from (${view} except all ${truth})`), stream).toBe(0);
        expect(await count(`select count(*) as n from (${truth} except all ${view})`), stream).toBe(0);
        // the partition column is the UTC day of the stream's time column
        expect(await count(`select count(*) as n from compliance_lake.${stream} where "date" <> cast("${TABLES[stream].timeColumn}" as date)`), stream).toBe(0);
      }
      await c.run(`attach ${sqlString(join(data.dir, 'warehouse.duckdb'))} as wh (read_only)`);
      for (const table of sources.tables.filter((x) => x.relation.startsWith('marts.'))) {
        const mart = table.relation;
        const view = `(select * exclude (${table.layout.kind === 'hive' ? 'month' : 'xx_none'}) from compliance_lake.${table.name})`.replace(' exclude (xx_none)', '');
        const truth = `(select * from wh.${mart})`;
        const n = await count(`select count(*) as n from ${truth}`);
        expect(await count(`select count(*) as n from ${view}`), mart).toBe(n);
        expect(await count(`select count(*) as n from (${view} except all ${truth})`), mart).toBe(0);
        expect(await count(`select count(*) as n from (${truth} except all ${view})`), mart).toBe(0);
      }
      expect(await count('select count(*) as n from compliance_lake.marts_activities')).toBeGreaterThan(1000);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  test('the CLI prints the same statements, and the Iceberg registration once the table exists', async () => {
    const printed = await run(['ddl', '--engine', 'duckdb', '--data-dir', data.dir]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout.trim()).toBe(script.trim());
    expect(printed.stdout).toContain('iceberg refresh');
    const refreshed = await run(['iceberg', 'refresh', '--data-dir', data.dir]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toMatch(/iceberg: create snapshot \d+: \+\d+ \/ -0 files/);
    const trino = await run(['ddl', '--engine', 'trino', '--data-dir', data.dir]);
    expect(trino.code, trino.stderr).toBe(0);
    expect(trino.stdout).toContain(`table_location => 'file://${data.dir}/iceberg/activities', metadata_file_name => 'v1.metadata.json'`);
    // once the table exists, `compact` refreshes it after its commits (a replace snapshot)
    const compact = await run(['compact', '--streams', 'activities', '--min-files', '1', '--data-dir', data.dir]);
    expect(compact.code, compact.stderr).toBe(0);
    expect(compact.stdout).toMatch(/iceberg: replace snapshot \d+ \(\+\d+ \/ -\d+ files\)/);
    const after = await run(['ddl', '--engine', 'trino', '--data-dir', data.dir]);
    expect(after.stdout).toContain("metadata_file_name => 'v2.metadata.json'");
  });

  test('refused: a location the engine cannot read, a bad database name, a directory with no lake', async () => {
    const athena = await run(['ddl', '--engine', 'athena', '--data-dir', data.dir]);
    expect(athena.code).toBe(2);
    expect(athena.stderr).toMatch(/ddl --engine athena: it cannot read files at the local path .*; it takes s3:\/\/bucket\/prefix \(pass --location\)/);
    const db = await run(['ddl', '--engine', 'spark', '--database', 'x; drop', '--data-dir', data.dir]);
    expect(db.code).toBe(2);
    expect(db.stderr).toContain('--database x; drop: use letters, digits and _ only');
    const scheme = await run(['ddl', '--engine', 'spark', '--location', 'ftp://host/x', '--data-dir', data.dir]);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('unknown scheme');
    const empty = tempDataDir('cl-ddl-empty-');
    try {
      const none = await run(['ddl', '--engine', 'duckdb', '--data-dir', join(empty.dir, 'nowhere')]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(`ddl: ${join(empty.dir, 'nowhere')} does not exist`);
      const refresh = await run(['iceberg', 'refresh', '--data-dir', empty.dir]);
      expect(refresh.code).toBe(2);
      expect(refresh.stderr).toContain('holds no lake');
      expect(existsSync(join(empty.dir, 'iceberg'))).toBe(false);
    } finally {
      empty.cleanup();
    }
  });
});

/** A fixed description of a lake and its marts: the golden files change only when the renderers do. */
function fixedSources(): Sources {
  const streams: TableSource[] = STREAMS.map((stream) => ({
    name: stream,
    relation: `lake.${stream}`,
    dir: `lake/${stream}`,
    columns: Object.entries(allColumns(TABLES[stream])).map(([name, type]) => ({ name, type })),
    layout: { kind: 'hive', partition: { name: 'date', type: 'DATE' }, format: 'yyyy-MM-dd', first: '2020-11-02' },
  }));
  const marts: TableSource[] = [
    {
      name: 'marts_activities',
      relation: 'marts.activities',
      dir: 'models/marts/activities',
      columns: [
        { name: 'id', type: 'VARCHAR' },
        { name: 'created_at', type: 'TIMESTAMP WITH TIME ZONE' },
        { name: 'is_own_request', type: 'BOOLEAN' },
        { name: 'details', type: 'JSON' },
      ],
      layout: { kind: 'hive', partition: { name: 'month', type: 'VARCHAR' }, format: 'yyyy-MM', first: '2020-11' },
    },
    {
      name: 'marts_admin_groups',
      relation: 'marts.admin_groups',
      dir: 'models/marts/admin_groups',
      columns: [
        { name: 'user_id', type: 'VARCHAR' },
        { name: 'group_ids', type: 'VARCHAR[]' },
        { name: 'versions_seen', type: 'BIGINT' },
        { name: 'evidence_count', type: 'INTEGER' },
      ],
      layout: { kind: 'file' },
    },
    {
      name: 'marts_alerts',
      relation: 'marts.alerts',
      dir: 'models/marts/alerts',
      columns: [
        { name: 'id', type: 'VARCHAR' },
        { name: 'window_start', type: 'TIMESTAMP WITH TIME ZONE' },
      ],
      layout: { kind: 'folders', first: '2021-03' },
    },
  ];
  return { tables: [...streams, ...marts], skipped: [{ relation: 'marts.roles', reason: 'no Parquet files in its folder' }] };
}

const GOLDEN_LOCATION: Record<Engine, string> = {
  duckdb: 's3://acme-compliance/lake-copy',
  athena: 's3://acme-compliance/lake-copy',
  trino: 's3://acme-compliance/lake-copy',
  spark: 's3a://acme-compliance/lake-copy',
  bigquery: 'gs://acme-compliance/lake-copy',
  snowflake: 's3://acme-compliance/lake-copy',
  clickhouse: 's3://acme-compliance/lake-copy',
};

describe('ddl golden files (engines that cannot run here)', () => {
  test.each([...ENGINES])('%s', (engine) => {
    const text = renderDdl(fixedSources(), {
      engine,
      location: parseLocation(GOLDEN_LOCATION[engine], '/unused'),
      database: 'compliance_lake',
      iceberg: { metadataFile: 'v3.metadata.json' },
    });
    const file = join(GOLDEN, `${engine}.sql`);
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text + '\n');
    }
    expect(text + '\n').toBe(readFileSync(file, 'utf8'));
  });

  test('a type with no mapping stops ddl naming the table and column', () => {
    const sources = fixedSources();
    sources.tables[sources.tables.length - 1].columns.push({ name: 'score', type: 'HUGEINT' });
    expect(() => renderDdl(sources, { engine: 'spark', location: parseLocation('s3://b/p', '/x'), database: 'd' })).toThrow(
      /marts\.alerts\.score: DuckDB type HUGEINT has no mapping for other engines/,
    );
  });
});
