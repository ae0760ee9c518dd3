// Benchmark (issue 4): the baselines a user might pick instead of compliance-lake, asked the same questions
// on the same machine: (a) the activities as NDJSON files queried with DuckDB `read_json`, (b) PostgreSQL 15
// with the activities as one jsonb column, indexed. The ratios are baseline median ÷ compliance-lake median.
//
// Questions (the ones of bench/graphql-query.ts): (1) admin actions by actors who were members of group G at
// the event time and had been added at most 30 days before it, first 50 newest + totalCount, over the last
// 30 days; (2) the same over the whole subset; (3) activity counts by month over the whole subset.
//
// Data. The bench lake (bench/lake-generate.ts, CL_BENCH_LAKE_DIR, default /tmp/cl-bench-100m) is only read:
// its warehouse opened READ_ONLY, its manifest and Parquet files read. The subset is the most recent whole
// UTC days of the lake summing to at least CL_BENCH_BASELINE_ACTIVITIES (default 10 000 000) activities, the
// window [S, E) with E the lake's end. It is written once to CL_BENCH_BASELINE_DIR (default
// /tmp/cl-bench-baselines) and reused while baseline.json there matches the lake and the window:
//   activities/YYYY-MM-DD.ndjson  one file per day, like a naive user's archive: each line the activity as the
//                                 API served it, rebuilt from the committed lake files by the sync's own
//                                 inverse (reassembleActivity of src/extract/activities.ts: exact text of
//                                 created_at, actor object, type-specific fields at the top level), in the
//                                 files' (the API's) order;
//   group_memberships.ndjson,     marts.group_memberships and marts.users exported whole. The baselines get
//   users.ndjson                  compliance-lake's reconciled membership and user history (from snapshots
//                                 and events) for free: a real user of the raw API would have to build it.
//                                 That favours the baselines, and so does holding only 10 M activities (no
//                                 time filter needed for "whole") while compliance-lake filters its 35 M.
//
// Systems, run alternately (the order rotates each round; several rounds after a warm-up that also
// checks the answers), medians compared:
//   graphql   compliance-lake's GraphQL server (startServe, as graphql-query does) with since/until set to the
//             window (since = S, until = E for the "whole" questions), timed per request over loopback;
//   direct    the SQL that server runs (headlineSql / countsSql), in this process on the warehouse opened as
//             the server opens it (openWarehouseDirect);
//   ndjson    DuckDB (same @duckdb/node-api, in-memory database, memory_limit 1GB, TimeZone UTC, default
//             threads) over read_json('<dir>/activities/*.ndjson'). The columns are given explicitly (id,
//             created_at TIMESTAMPTZ, type, organization ids, actor as a STRUCT): auto-detection samples the
//             first files, guesses created_at as a naive TIMESTAMP and the org uuid as UUID, and would fail on
//             a type it did not see; giving the columns is what a user does after the first error, and it lets
//             DuckDB skip the type-specific fields (so the page returns envelope + actor, not `details`). The
//             admin types are the catalog's (schema/activity-types.json, category 'admin') as an IN list; the
//             membership and user history is read from its NDJSON in the same query. The SQL mirrors the
//             server's (same join conditions, one membership per activity, the actor's version at the event);
//   ndjsonDayFiles  (30-day question only) the same, reading only the 30 daily files of the window: what a
//             user who knows the archive's layout would do;
//   postgres  PostgreSQL 15 (initdb/pg_ctl/psql from PATH or CL_BENCH_PG_BIN; as the `postgres` user when this
//             runs as root) on 127.0.0.1 and a free port, cluster under <dir>/pg, reused while its marker
//             matches the export. Settings a user would make for a 10 M-row load: shared_buffers 1GB (DuckDB's
//             memory_limit), work_mem 64MB, maintenance_work_mem 1GB, max_wal_size 8GB; fsync etc. left on.
//             Table `activities(data jsonb, created_at timestamptz generated from data->>'created_at')` (the
//             cast is not immutable, so through an immutable SQL wrapper: the texts all carry 'Z'), loaded
//             with one COPY FROM PROGRAM 'cat <dir>/activities/*.ndjson' (CSV mode with quote and delimiter
//             bytes that never occur in JSON text, so backslashes stay as they are); btree indexes on
//             created_at, (data->>'type'), (data->'actor'->>'user_id'); no GIN (no question uses @>, and a
//             jsonb GIN over 10 M documents costs gigabytes and a long build). group_memberships and users are
//             typed tables built from their NDJSON with btree (group_id, user_id) and (user_id). VACUUM
//             ANALYZE. Queries go through one long-lived psql (-X -A -t, \timing on) fed on stdin; each
//             statement is timed by wall clock from writing it to reading an \echo sentinel after its output
//             (a warm connection; output transfer and psql's printing included, as the GraphQL and direct
//             timings include materialising the rows); psql's own \timing is reported beside it. The server
//             is stopped at the end, also on error or signal.
//
// Answers: every case is run once on every system before timing (the warm-up); totalCount and the ordered
// ids of the first page, and the month counts, must equal compliance-lake's GraphQL answer; any difference
// is listed under `mismatches` (and logged) with the first difference, never dropped.
//
// Knobs: CL_BENCH_LAKE_DIR, CL_BENCH_BASELINE_DIR, CL_BENCH_BASELINE_ACTIVITIES, CL_BENCH_BASELINE_RUNS
// (rounds for the long questions, default 7; the 30-day question gets twice as many), CL_BENCH_PG_BIN,
// CL_BENCH_BASELINE_SYSTEMS (comma list of the baselines to time, e.g. `postgres`: the NDJSON ones take
// minutes per round on a loaded machine; graphql and direct are always timed). The server inherits this
// process's environment, so COMPLIANCE_LAKE_QUERY_CACHE=off times it without its result cache.
import type { DuckDBInstance, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, chownSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reassembleActivity } from '../src/extract/activities.js';
import { connectUtc, createDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { loadCatalog } from '../src/models/catalog.js';
import { COUNTS_QUERY, HEADLINE_QUERY, countsSql, headlineSql, lakeSummary, openWarehouseDirect, requireLake, type Timing } from './graphql-query.js';
import type { LakeMarker } from './lake-generate.js';
import { lakeDir } from './lake-generate.js';
import { filesUnder, graphqlRequest, median, percentile, startServe, type ServeProcess } from './sim-process.js';

const DAY_MS = 86_400_000;
const DEFAULT_BASELINE_DIR = '/tmp/cl-bench-baselines';
const EXPORT_MARKER = 'baseline.json';
const PG_MARKER = 'pg-loaded.json';
const EXPORT_VERSION = 1;
const ADDED_WITHIN_DAYS = 30;
const FIRST = 50;
const ISO_US = "'%Y-%m-%dT%H:%M:%S.%fZ'";

type SystemName = 'graphql' | 'direct' | 'ndjson' | 'ndjsonDayFiles' | 'postgres';
type Captured = Awaited<ReturnType<typeof headlineSql>>[number];

interface HeadlineAnswer {
  totalCount: number;
  ids: string[];
}
type CountsAnswer = Record<string, number>;
type Answer = HeadlineAnswer | CountsAnswer;

interface RunOutcome {
  answer: Answer;
  /** Postgres only: the sum of psql's \timing for the statements. */
  psqlMs?: number;
}

interface QuestionCase {
  label: string;
  systems: Partial<Record<SystemName, () => Promise<RunOutcome>>>;
}

export interface Mismatch {
  question: string;
  case: string;
  system: SystemName;
  /** When the answer was taken: the warm-up, or a timed round that answered differently from its warm-up. */
  phase: string;
  detail: string;
}

export interface QuestionResult {
  name: string;
  cases: string[];
  rounds: number;
  timings: Partial<Record<SystemName, Timing>>;
  /** psql's \timing (server round trip as psql sees it), summed over the statements of a run. */
  postgresPsqlTiming: Timing;
  /** Baseline median ÷ compliance-lake GraphQL median, and ÷ compliance-lake direct median. */
  ratios: Partial<Record<SystemName, { vsGraphql: number; vsDirect: number }>>;
  answersEqual: boolean;
  /** compliance-lake's answer per case (totalCount and page size, or the number of months and the total). */
  answers: { case: string; answer: string }[];
}

export interface BaselinesResult {
  dataDir: string;
  baselineDir: string;
  lake: ReturnType<typeof lakeSummary>;
  window: { since: string; until: string; days: number; activities: number; targetActivities: number };
  window30: { since: string; until: string; groups: string[]; addedWithinDays: number };
  export: ExportInfo & { reused: boolean };
  postgres: PgLoadInfo & { reused: boolean; version: string; sizes: PgSizes; settings: Record<string, string>; timingMethod: string };
  questions: QuestionResult[];
  mismatches: Mismatch[];
  explainFile: string;
  /** os.loadavg() when the timed questions started and ended (the machine is shared). */
  loadAverage: { start: number[]; end: number[] };
  notes: string[];
}

function timing(xs: number[]): Timing {
  if (xs.length === 0) return { runs: 0, medianMs: NaN, p95Ms: NaN, minMs: NaN, maxMs: NaN };
  return { runs: xs.length, medianMs: median(xs), p95Ms: percentile(xs, 95), minMs: Math.min(...xs), maxMs: Math.max(...xs) };
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoDay = (ms: number) => iso(ms).slice(0, 10);
const tsLiteral = (isoText: string) => `${sqlString(isoText)}::timestamptz`;
const log = (s: string) => process.stderr.write(`[baselines ${new Date().toISOString()}] ${s}\n`);

// ---------------------------------------------------------------------------------------------------------
// The export: NDJSON of the window's activities (as the API served them) and of the directory history.

export interface ExportInfo {
  version: number;
  lake: { endDayMs: number; activities: number; params: LakeMarker['params'] };
  sinceMs: number;
  untilMs: number;
  targetActivities: number;
  days: number;
  /** Activities written (must equal marts.activities in the window). */
  activities: number;
  martsActivitiesInWindow: number;
  /** Committed lake Parquet files of the window's days, and their bytes (what compliance-lake stores for them). */
  lakeFiles: number;
  lakeParquetBytes: number;
  ndjsonFiles: number;
  ndjsonBytes: number;
  membershipRows: number;
  membershipBytes: number;
  userRows: number;
  userBytes: number;
  exportMs: number;
  exportedAt: string;
}

async function writeLines(out: ReturnType<typeof createWriteStream>, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function closeStream(out: ReturnType<typeof createWriteStream>): Promise<void> {
  out.end();
  await once(out, 'close');
}

/** Streams `sql` into `path` as NDJSON, each row through `toRecord`. Returns the rows written. */
async function streamNdjson(connection: DuckDBConnection, sql: string, path: string, toRecord: (row: Record<string, DuckDBValue>) => unknown): Promise<number> {
  const result = await connection.stream(sql);
  const names = result.columnNames();
  const out = createWriteStream(path);
  let rows = 0;
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      let text = '';
      for (const row of chunk.getRowObjects(names)) {
        text += JSON.stringify(toRecord(row)) + '\n';
        rows++;
      }
      await writeLines(out, text);
    }
  } finally {
    await closeStream(out);
  }
  return rows;
}

/** The select list of `relation` with every TIMESTAMPTZ column as RFC 3339 UTC text with microseconds. */
async function isoSelectList(connection: DuckDBConnection, relation: string): Promise<string> {
  const cols = (await connection.runAndReadAll(`describe ${relation}`)).getRowObjectsJS();
  return cols
    .map((c) => {
      const name = `"${String(c.column_name)}"`;
      return String(c.column_type) === 'TIMESTAMP WITH TIME ZONE' ? `strftime(${name}, ${ISO_US}) as ${name}` : name;
    })
    .join(', ');
}

async function exportBaseline(dataDir: string, baseDir: string, identity: Omit<ExportInfo, 'days' | 'activities' | 'lakeFiles' | 'lakeParquetBytes' | 'ndjsonFiles' | 'ndjsonBytes' | 'membershipRows' | 'membershipBytes' | 'userRows' | 'userBytes' | 'exportMs' | 'exportedAt'>, warehouse: DuckDBConnection): Promise<ExportInfo> {
  const started = performance.now();
  const { sinceMs, untilMs } = identity;
  // whatever was there is stale: the Postgres cluster loaded from it too
  rmSync(join(baseDir, EXPORT_MARKER), { force: true });
  rmSync(join(baseDir, PG_MARKER), { force: true });
  const tmp = join(baseDir, 'activities.tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });

  // Lake.open only reads (it creates the manifest directory if missing, which it is not on a bench lake).
  const lake = Lake.open(dataDir);
  const byDay = new Map<string, string[]>();
  let lakeParquetBytes = 0;
  let lakeFiles = 0;
  for (const f of lake.files('activities')) {
    if (f.date < isoDay(sinceMs) || f.date >= isoDay(untilMs)) continue;
    byDay.set(f.date, [...(byDay.get(f.date) ?? []), lake.absolute(f)]);
    lakeParquetBytes += f.bytes;
    lakeFiles++;
  }
  const days = [...byDay.keys()].sort();
  const duckInstance = await createDuck({ memoryLimit: '1GB' });
  const duck = await connectUtc(duckInstance);
  let activities = 0;
  try {
    for (const [i, day] of days.entries()) {
      const files = byDay.get(day)!.sort();
      // created_at as the six-digit text reassembleActivity expects (it cuts it back to the served digits);
      // no ORDER BY: the files hold the rows in the order the API served them.
      activities += await streamNdjson(
        duck,
        `select id, strftime(created_at, ${ISO_US}) as created_at, created_at_digits, type, organization_id, organization_uuid, actor_type, actor_user_id, ` +
          `actor_email, actor_ip, actor_user_agent, actor_api_key_id, actor_rest::varchar as actor_rest, rest::varchar as rest ` +
          `from read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false) ` +
          `where created_at >= ${tsLiteral(iso(sinceMs))} and created_at < ${tsLiteral(iso(untilMs))}`,
        join(tmp, `${day}.ndjson`),
        (row) => reassembleActivity(row),
      );
      if (i % 50 === 49 || i === days.length - 1) log(`exported ${i + 1}/${days.length} days, ${activities} activities`);
    }
  } finally {
    duck.closeSync();
    duckInstance.closeSync();
  }
  rmSync(join(baseDir, 'activities'), { recursive: true, force: true });
  renameSync(tmp, join(baseDir, 'activities'));

  const membershipsPath = join(baseDir, 'group_memberships.ndjson');
  const membershipRows = await streamNdjson(
    warehouse,
    `select ${await isoSelectList(warehouse, 'marts.group_memberships')} from marts.group_memberships order by group_id, user_id, valid_from nulls first`,
    membershipsPath,
    (r) => r,
  );
  const usersPath = join(baseDir, 'users.ndjson');
  const userRows = await streamNdjson(warehouse, `select ${await isoSelectList(warehouse, 'marts.users')} from marts.users order by user_id, valid_from nulls first`, usersPath, (r) => r);
  const ndjson = filesUnder(join(baseDir, 'activities'), '.ndjson');
  const info: ExportInfo = {
    ...identity,
    days: days.length,
    activities,
    lakeFiles,
    lakeParquetBytes,
    ndjsonFiles: ndjson.length,
    ndjsonBytes: ndjson.reduce((s, f) => s + f.bytes, 0),
    membershipRows,
    membershipBytes: statSync(membershipsPath).size,
    userRows,
    userBytes: statSync(usersPath).size,
    exportMs: performance.now() - started,
    exportedAt: new Date().toISOString(),
  };
  writeFileSync(join(baseDir, EXPORT_MARKER), JSON.stringify(info, null, 2) + '\n');
  return info;
}

function sameIdentity(a: ExportInfo, b: Pick<ExportInfo, 'version' | 'lake' | 'sinceMs' | 'untilMs' | 'targetActivities'>): boolean {
  return a.version === b.version && a.sinceMs === b.sinceMs && a.untilMs === b.untilMs && a.targetActivities === b.targetActivities && JSON.stringify(a.lake) === JSON.stringify(b.lake);
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL: a cluster of our own under the baseline dir, and one long-lived psql session.

export interface PgLoadInfo {
  /** The export it was loaded from (its exportedAt). */
  exportedAt: string;
  initdbMs: number;
  copyActivitiesMs: number;
  loadDirectoryMs: number;
  indexMs: Record<string, number>;
  vacuumAnalyzeMs: number;
  totalMs: number;
}

export interface PgSizes {
  activitiesHeapBytes: number;
  /** Heap + TOAST (pg_table_size). */
  activitiesTableBytes: number;
  activitiesIndexesBytes: number;
  /** pg_total_relation_size('activities'). */
  activitiesTotalBytes: number;
  indexBytes: Record<string, number>;
  directoryTotalBytes: number;
  databaseBytes: number;
  rows: number;
}

const PG_SETTINGS: Record<string, string> = {
  listen_addresses: "'127.0.0.1'",
  unix_socket_directories: "''",
  shared_buffers: "'1GB'",
  work_mem: "'64MB'",
  maintenance_work_mem: "'1GB'",
  max_wal_size: "'8GB'",
  timezone: "'UTC'",
};

const PG_INDEXES: [string, string][] = [
  ['activities_created_at', 'create index activities_created_at on activities (created_at)'],
  ['activities_type', "create index activities_type on activities ((data->>'type'))"],
  ['activities_actor_user_id', "create index activities_actor_user_id on activities ((data->'actor'->>'user_id'))"],
  ['group_memberships_group_user', 'create index group_memberships_group_user on group_memberships (group_id, user_id)'],
  ['users_user_id', 'create index users_user_id on users (user_id)'],
];

interface PgOwner {
  uid: number;
  gid: number;
}

/** The `postgres` user when running as root (initdb and the server refuse root), else none (run as we are). */
function pgOwner(): PgOwner | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function pgBin(name: string): string {
  return process.env.CL_BENCH_PG_BIN ? join(process.env.CL_BENCH_PG_BIN, name) : name;
}

function runPgTool(owner: PgOwner | null, cwd: string, tool: string, args: string[]): string {
  const r = spawnSync(pgBin(tool), args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

class PgCluster {
  running = false;
  constructor(
    readonly dir: string,
    readonly owner: PgOwner | null,
    readonly port: number,
  ) {}
  get dataDir(): string {
    return join(this.dir, 'data');
  }
  static async init(dir: string, owner: PgOwner | null): Promise<{ cluster: PgCluster; initdbMs: number }> {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const t = performance.now();
    runPgTool(owner, dir, 'initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const initdbMs = performance.now() - t;
    appendFileSync(join(dir, 'data', 'postgresql.conf'), `\n# bench/baselines.ts\n${Object.entries(PG_SETTINGS).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
    return { cluster: new PgCluster(dir, owner, await freePort()), initdbMs };
  }
  static async existing(dir: string, owner: PgOwner | null): Promise<PgCluster> {
    const c = new PgCluster(dir, owner, await freePort());
    // a server left running by a killed run holds the data dir: stop it first
    if (existsSync(join(c.dataDir, 'postmaster.pid'))) {
      try {
        runPgTool(owner, dir, 'pg_ctl', ['-D', c.dataDir, '-m', 'fast', '-w', 'stop']);
      } catch {
        // not running (a stale pid file): pg_ctl start copes
      }
    }
    return c;
  }
  start(): void {
    runPgTool(this.owner, this.dir, 'pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '300', '-o', `-p ${this.port}`, 'start']);
    this.running = true;
  }
  stop(): void {
    if (!this.running) return;
    this.running = false;
    runPgTool(this.owner, this.dir, 'pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '300', 'stop']);
  }
}

/** One psql process fed on stdin; each statement followed by an \echo sentinel that marks the end of its output. */
class Psql {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private seq = 0;
  private pending: { marker: string; resolve: (text: string) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;
  private readonly exited: Promise<void>;

  constructor(port: number) {
    this.child = spawn(pgBin('psql'), ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PGTZ: 'UTC' },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (s: string) => {
      this.out += s;
      this.check();
    });
    this.child.stderr.on('data', (s: string) => {
      this.err = (this.err + s).slice(-4000);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        this.failed = new Error(`psql exited with ${code}: ${this.err.trim()}`);
        this.pending?.reject(this.failed);
        this.pending = null;
        resolve();
      }),
    );
    this.child.stdin.write('\\timing on\n');
  }

  private check(): void {
    if (!this.pending) return;
    const i = this.out.indexOf(this.pending.marker);
    if (i < 0) return;
    const text = this.out.slice(0, i);
    this.out = this.out.slice(i + this.pending.marker.length);
    const p = this.pending;
    this.pending = null;
    p.resolve(text);
  }

  /** Runs one statement; its rows (tab-separated fields), wall-clock time to the sentinel, psql's \timing. */
  async run(sql: string): Promise<{ rows: string[][]; wallMs: number; psqlMs: number }> {
    if (this.failed) throw this.failed;
    const marker = `__cl_baselines_end_${++this.seq}__\n`;
    const done = new Promise<string>((resolve, reject) => {
      this.pending = { marker, resolve, reject };
    });
    const t = performance.now();
    this.child.stdin.write(`${sql.trim().replace(/;$/, '')};\n\\echo ${marker.trim()}\n`);
    const text = await done;
    const wallMs = performance.now() - t;
    const rows: string[][] = [];
    let psqlMs = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const m = /^Time: ([\d.]+) ms/.exec(line);
      if (m) psqlMs += Number(m[1]);
      else rows.push(line.split('\t'));
    }
    return { rows, wallMs, psqlMs };
  }

  async close(): Promise<void> {
    if (!this.failed) this.child.stdin.end();
    await this.exited;
  }
}

async function loadPostgres(psql: Psql, baseDir: string): Promise<Omit<PgLoadInfo, 'exportedAt' | 'initdbMs' | 'totalMs'>> {
  const q = (sql: string) => psql.run(sql);
  const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const program = (file: string) => sqlString(`cat ${shellQuote(join(baseDir, file))}`);
  await q("create function iso_ts(text) returns timestamptz language sql immutable strict parallel safe as $$ select $1::timestamptz $$");
  await q("create table activities (data jsonb not null, created_at timestamptz generated always as (iso_ts(data->>'created_at')) stored)");
  log('postgres: COPY activities ...');
  const copy = await q(
    `copy activities (data) from program ${sqlString(`cat ${shellQuote(join(baseDir, 'activities'))}/*.ndjson`)} with (format csv, quote e'\\x01', delimiter e'\\x02')`,
  );
  log(`postgres: COPY activities ${Math.round(copy.wallMs)} ms`);
  let t = performance.now();
  for (const [table, file] of [
    ['group_memberships_json', 'group_memberships.ndjson'],
    ['users_json', 'users.ndjson'],
  ]) {
    await q(`create temporary table ${table} (data jsonb not null)`);
    await q(`copy ${table} (data) from program ${program(file)} with (format csv, quote e'\\x01', delimiter e'\\x02')`);
  }
  await q(
    `create table group_memberships as select data->>'group_id' as group_id, data->>'user_id' as user_id, iso_ts(data->>'valid_from') as valid_from, ` +
      `iso_ts(data->>'valid_to') as valid_to, data->>'valid_from_source' as valid_from_source, data->>'valid_to_source' as valid_to_source from group_memberships_json`,
  );
  await q(
    `create table users as select data->>'user_id' as user_id, data->>'organization_uuid' as organization_uuid, data->>'email' as email, data->>'full_name' as full_name, ` +
      `data->>'organization_role' as organization_role, iso_ts(data->>'valid_from') as valid_from, iso_ts(data->>'valid_to') as valid_to from users_json`,
  );
  const loadDirectoryMs = performance.now() - t;
  const indexMs: Record<string, number> = {};
  for (const [name, sql] of PG_INDEXES) {
    log(`postgres: ${sql} ...`);
    indexMs[name] = (await q(sql)).wallMs;
  }
  log('postgres: vacuum analyze ...');
  t = performance.now();
  for (const table of ['activities', 'group_memberships', 'users']) await q(`vacuum analyze ${table}`);
  return { copyActivitiesMs: copy.wallMs, loadDirectoryMs, indexMs, vacuumAnalyzeMs: performance.now() - t };
}

async function pgSizes(psql: Psql): Promise<PgSizes> {
  const one = async (sql: string) => Number((await psql.run(sql)).rows[0][0]);
  const indexBytes: Record<string, number> = {};
  for (const [name] of PG_INDEXES) indexBytes[name] = await one(`select pg_relation_size('${name}')`);
  return {
    activitiesHeapBytes: await one("select pg_relation_size('activities')"),
    activitiesTableBytes: await one("select pg_table_size('activities')"),
    activitiesIndexesBytes: await one("select pg_indexes_size('activities')"),
    activitiesTotalBytes: await one("select pg_total_relation_size('activities')"),
    indexBytes,
    directoryTotalBytes: await one("select pg_total_relation_size('group_memberships') + pg_total_relation_size('users')"),
    databaseBytes: await one('select pg_database_size(current_database())'),
    rows: await one('select count(*) from activities'),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The questions' SQL for the baselines (mirroring the server's: src/graphql/admin-action.service.ts and
// activity.service.ts).

const NDJSON_ACTIVITY_COLUMNS =
  `{id: 'VARCHAR', created_at: 'TIMESTAMPTZ', type: 'VARCHAR', organization_id: 'VARCHAR', organization_uuid: 'VARCHAR', ` +
  `actor: 'STRUCT("type" VARCHAR, user_id VARCHAR, email_address VARCHAR, ip_address VARCHAR, user_agent VARCHAR, api_key_id VARCHAR)'}`;

function ndjsonActivities(files: string | string[]): string {
  const list = typeof files === 'string' ? sqlString(files) : `[${files.map(sqlString).join(', ')}]`;
  return `read_json(${list}, format = 'newline_delimited', columns = ${NDJSON_ACTIVITY_COLUMNS})`;
}

function ndjsonMemberships(baseDir: string): string {
  return (
    `read_json(${sqlString(join(baseDir, 'group_memberships.ndjson'))}, format = 'newline_delimited', columns = {group_id: 'VARCHAR', user_id: 'VARCHAR', ` +
    `valid_from: 'TIMESTAMPTZ', valid_to: 'TIMESTAMPTZ', valid_from_source: 'VARCHAR', valid_to_source: 'VARCHAR'})`
  );
}

function ndjsonUsers(baseDir: string): string {
  return (
    `read_json(${sqlString(join(baseDir, 'users.ndjson'))}, format = 'newline_delimited', columns = {user_id: 'VARCHAR', organization_uuid: 'VARCHAR', ` +
    `email: 'VARCHAR', full_name: 'VARCHAR', organization_role: 'VARCHAR', valid_from: 'TIMESTAMPTZ', valid_to: 'TIMESTAMPTZ'})`
  );
}

interface HeadlineSpec {
  groupId: string;
  days: number;
  since: string | null;
  until: string | null;
  first: number;
}

function timeConditions(column: string, since: string | null, until: string | null): string[] {
  return [...(since ? [`${column} >= ${tsLiteral(since)}`] : []), ...(until ? [`${column} < ${tsLiteral(until)}`] : [])];
}

/** Page (with the actor's version at the event) and count over NDJSON, in DuckDB. */
function ndjsonHeadlineSql(acts: string, baseDir: string, adminTypes: string[], h: HeadlineSpec): { page: string; count: string } {
  const where = [`a.type in (${adminTypes.map(sqlString).join(', ')})`, ...timeConditions('a.created_at', h.since, h.until)].join(' and ');
  const joined =
    `from ${acts} a join ${ndjsonMemberships(baseDir)} m on m.group_id = ${sqlString(h.groupId)} and m.user_id = a.actor.user_id ` +
    `and m.valid_from <= a.created_at and (m.valid_to is null or a.created_at < m.valid_to) and a.created_at <= m.valid_from + to_days(${h.days})`;
  return {
    page:
      `with hits as (select a.id, a.created_at, a.type, a.organization_id, a.organization_uuid, a.actor, m.group_id as m_group_id, m.user_id as m_user_id, ` +
      `m.valid_from as m_valid_from, m.valid_from_source as m_valid_from_source, m.valid_to as m_valid_to, m.valid_to_source as m_valid_to_source ${joined} where ${where} ` +
      `qualify row_number() over (partition by a.id order by m.valid_from desc) = 1 order by a.created_at desc, a.id desc limit ${h.first + 1}) ` +
      `select h.*, u.email as u_email, u.full_name as u_full_name, u.organization_role as u_organization_role, u.organization_uuid as u_organization_uuid, ` +
      `u.valid_from as u_valid_from, u.valid_to as u_valid_to from hits h left join ${ndjsonUsers(baseDir)} u on u.user_id = h.actor.user_id ` +
      `and coalesce(u.valid_from, '-infinity'::timestamptz) <= h.created_at and (u.valid_to is null or h.created_at < u.valid_to) ` +
      `qualify row_number() over (partition by h.id order by (u.organization_uuid = h.organization_uuid) desc nulls last, u.valid_from desc nulls last) = 1 ` +
      `order by h.created_at desc, h.id desc`,
    count: `select count(distinct a.id) as n ${joined} where ${where}`,
  };
}

function ndjsonCountsSql(acts: string): string {
  return `select date_trunc('month', created_at) as month, count(*) as n from ${acts} group by 1 order by 1`;
}

/** Page and count in PostgreSQL, written to use the expression indexes (->> on the same paths). */
function pgHeadlineSql(adminTypes: string[], h: HeadlineSpec): { page: string; count: string } {
  const where = [`m.group_id = ${sqlString(h.groupId)}`, `a.data->>'type' in (${adminTypes.map(sqlString).join(', ')})`, ...timeConditions('a.created_at', h.since, h.until)].join(' and ');
  const joined =
    `from group_memberships m join activities a on a.data->'actor'->>'user_id' = m.user_id ` +
    `and m.valid_from <= a.created_at and (m.valid_to is null or a.created_at < m.valid_to) and a.created_at <= m.valid_from + interval '${h.days} days'`;
  return {
    page:
      `with hits as (select distinct on (a.data->>'id') a.data->>'id' as id, a.created_at, a.data, m.group_id as m_group_id, m.user_id as m_user_id, ` +
      `m.valid_from as m_valid_from, m.valid_from_source as m_valid_from_source, m.valid_to as m_valid_to, m.valid_to_source as m_valid_to_source ` +
      `${joined} where ${where} order by a.data->>'id', m.valid_from desc) ` +
      `select h.id, h.created_at, h.m_valid_from, h.m_valid_from_source, h.m_valid_to, h.m_valid_to_source, u.email, u.full_name, u.organization_role, ` +
      `u.organization_uuid, u.valid_from, u.valid_to, h.data from (select * from hits order by created_at desc, id desc limit ${h.first + 1}) h ` +
      `left join lateral (select * from users u where u.user_id = h.data->'actor'->>'user_id' and coalesce(u.valid_from, '-infinity') <= h.created_at ` +
      `and (u.valid_to is null or h.created_at < u.valid_to) order by (u.organization_uuid = h.data->>'organization_uuid') desc nulls last, u.valid_from desc nulls last limit 1) u on true ` +
      `order by h.created_at desc, h.id desc`,
    count: `select count(distinct a.data->>'id') ${joined} where ${where}`,
  };
}

const PG_COUNTS_SQL = `select date_trunc('month', created_at) as month, count(*) as n from activities group by 1 order by 1`;

// ---------------------------------------------------------------------------------------------------------
// Answers and their comparison.

const monthOf = (v: unknown): string => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? iso(Number(v / 1000n)) : String(v)).slice(0, 7);

function describeAnswer(a: Answer): string {
  if ('ids' in a && Array.isArray(a.ids)) return `totalCount ${a.totalCount}, page ${a.ids.length}, first ${a.ids[0] ?? '-'}`;
  const c = a as CountsAnswer;
  return `${Object.keys(c).length} months, ${Object.values(c).reduce((s, n) => s + n, 0)} activities`;
}

/** Null when equal, else the first difference in words. */
function difference(expected: Answer, got: Answer): string | null {
  if (JSON.stringify(expected) === JSON.stringify(got)) return null;
  if ('ids' in expected && 'ids' in got) {
    const e = expected as HeadlineAnswer;
    const g = got as HeadlineAnswer;
    const parts: string[] = [];
    if (e.totalCount !== g.totalCount) parts.push(`totalCount ${g.totalCount}, expected ${e.totalCount}`);
    const k = e.ids.findIndex((id, i) => g.ids[i] !== id);
    if (k >= 0 || e.ids.length !== g.ids.length) {
      const at = k >= 0 ? k : Math.min(e.ids.length, g.ids.length);
      const missing = e.ids.filter((id) => !g.ids.includes(id)).length;
      parts.push(`page differs from position ${at} (got ${g.ids[at] ?? 'nothing'}, expected ${e.ids[at] ?? 'nothing'}; ${g.ids.length} ids vs ${e.ids.length}, ${missing} expected ids missing)`);
    }
    return parts.join('; ') || 'answers differ';
  }
  const e = expected as CountsAnswer;
  const g = got as CountsAnswer;
  const months = [...new Set([...Object.keys(e), ...Object.keys(g)])].sort();
  const diffs = months.filter((m) => e[m] !== g[m]).map((m) => `${m}: ${g[m] ?? 'none'} (expected ${e[m] ?? 'none'})`);
  return diffs.length ? diffs.slice(0, 6).join('; ') + (diffs.length > 6 ? `; ${diffs.length - 6} more` : '') : 'answers differ';
}

async function duckRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

function headlineFromRows(page: Record<string, unknown>[], count: Record<string, unknown>[]): HeadlineAnswer {
  return { totalCount: Number(count[0]?.n ?? NaN), ids: page.slice(0, FIRST).map((r) => String(r.id)) };
}

// ---------------------------------------------------------------------------------------------------------
// Timing: every case once on every system (warm-up, answers checked), then `rounds` rounds cycling over the
// cases with the systems' order rotating.

async function measure(name: string, cases: QuestionCase[], rounds: number, mismatches: Mismatch[]): Promise<QuestionResult> {
  const wanted = process.env.CL_BENCH_BASELINE_SYSTEMS?.split(',').map((x) => x.trim());
  // graphql is the reference answer and direct the second denominator: always measured
  const systems = (Object.keys(cases[0].systems) as SystemName[]).filter((x) => !wanted || x === 'graphql' || x === 'direct' || wanted.includes(x));
  const reference = new Map<string, Answer>();
  const warm = new Map<string, Answer>();
  const report = (m: Mismatch) => {
    mismatches.push(m);
    log(`MISMATCH ${m.question} / ${m.case} / ${m.system} (${m.phase}): ${m.detail}`);
  };
  for (const c of cases) {
    for (const s of systems) {
      const { answer } = await c.systems[s]!();
      warm.set(`${c.label}|${s}`, answer);
      if (s === 'graphql') reference.set(c.label, answer);
    }
    for (const s of systems) {
      const d = difference(reference.get(c.label)!, warm.get(`${c.label}|${s}`)!);
      if (d) report({ question: name, case: c.label, system: s, phase: 'warm-up', detail: d });
    }
  }
  const times: Partial<Record<SystemName, number[]>> = Object.fromEntries(systems.map((s) => [s, []]));
  const psqlTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c = cases[i % cases.length];
    const order = systems.map((_s, k) => systems[(k + i) % systems.length]);
    for (const s of order) {
      const t = performance.now();
      const out = await c.systems[s]!();
      times[s]!.push(performance.now() - t);
      if (out.psqlMs !== undefined) psqlTimes.push(out.psqlMs);
      const d = difference(warm.get(`${c.label}|${s}`)!, out.answer);
      if (d) report({ question: name, case: c.label, system: s, phase: `round ${i + 1}`, detail: d });
    }
  }
  const timings = Object.fromEntries(systems.map((s) => [s, timing(times[s]!)])) as Partial<Record<SystemName, Timing>>;
  const ratios: QuestionResult['ratios'] = {};
  for (const s of systems) {
    if (s === 'graphql' || s === 'direct') continue;
    ratios[s] = { vsGraphql: timings[s]!.medianMs / timings.graphql!.medianMs, vsDirect: timings[s]!.medianMs / timings.direct!.medianMs };
  }
  const result: QuestionResult = {
    name,
    cases: cases.map((c) => c.label),
    rounds,
    timings,
    postgresPsqlTiming: timing(psqlTimes),
    ratios,
    answersEqual: !mismatches.some((m) => m.question === name),
    answers: cases.map((c) => ({ case: c.label, answer: describeAnswer(reference.get(c.label)!) })),
  };
  log(JSON.stringify(result));
  return result;
}

// ---------------------------------------------------------------------------------------------------------

export async function benchBaselines(): Promise<BaselinesResult> {
  const dataDir = lakeDir();
  const marker = requireLake(dataDir);
  const baseDir = process.env.CL_BENCH_BASELINE_DIR ?? DEFAULT_BASELINE_DIR;
  const targetActivities = Number(process.env.CL_BENCH_BASELINE_ACTIVITIES ?? 10_000_000);
  const rounds = Number(process.env.CL_BENCH_BASELINE_RUNS ?? 7);
  const rounds30 = 2 * rounds;
  mkdirSync(baseDir, { recursive: true });
  const notes: string[] = [];
  const mismatches: Mismatch[] = [];

  const direct = await openWarehouseDirect(dataDir);
  let server: ServeProcess | null = null;
  let cluster: PgCluster | null = null;
  let psql: Psql | null = null;
  let ndjsonInstance: DuckDBInstance | null = null;
  let ndjson: DuckDBConnection | null = null;
  // a signal must not leave a Postgres server (or the GraphQL server) behind
  const cleanupSync = () => {
    try {
      cluster?.stop();
    } catch (err) {
      process.stderr.write(`stopping postgres: ${(err as Error).message}\n`);
    }
    if (server && server.child.exitCode === null) server.child.kill('SIGTERM');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping postgres and the server`);
    cleanupSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', cleanupSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // ---- the window: the newest whole days summing to the target
    const endRow = (await duckRows(direct.connection, 'select epoch_ms(max(created_at)) as ms from marts.activities'))[0];
    const untilMs = Math.min(marker.endDayMs, Math.floor(Number(endRow.ms) / DAY_MS) * DAY_MS + DAY_MS);
    if (untilMs !== marker.endDayMs) notes.push(`the warehouse ends before the lake marker's end (${isoDay(marker.endDayMs)}): the window ends at ${isoDay(untilMs)}`);
    const dayCounts = await duckRows(
      direct.connection,
      `select epoch_us(created_at) // 86400000000 as day, count(*) as n from marts.activities where created_at < ${tsLiteral(iso(untilMs))} group by 1 order by 1 desc`,
    );
    let sinceMs = untilMs;
    let windowActivities = 0;
    for (const r of dayCounts) {
      if (windowActivities >= targetActivities) break;
      sinceMs = Number(r.day) * DAY_MS;
      windowActivities += Number(r.n);
    }
    const since = iso(sinceMs);
    const until = iso(untilMs);
    log(`window [${since}, ${until}): ${windowActivities} activities in ${Math.round((untilMs - sinceMs) / DAY_MS)} days`);

    // ---- the export (reused when it matches)
    const identity = {
      version: EXPORT_VERSION,
      lake: { endDayMs: marker.endDayMs, activities: marker.activities, params: marker.params },
      sinceMs,
      untilMs,
      targetActivities,
      martsActivitiesInWindow: windowActivities,
    };
    const markerPath = join(baseDir, EXPORT_MARKER);
    const previous = existsSync(markerPath) ? (JSON.parse(readFileSync(markerPath, 'utf8')) as ExportInfo) : null;
    let exportInfo: ExportInfo;
    let exportReused = false;
    if (previous && sameIdentity(previous, identity) && existsSync(join(baseDir, 'activities'))) {
      exportInfo = previous;
      exportReused = true;
      log(`reusing the export of ${previous.exportedAt} in ${baseDir}`);
    } else {
      log(`exporting to ${baseDir} ...`);
      exportInfo = await exportBaseline(dataDir, baseDir, identity, direct.connection);
      log(`exported ${exportInfo.activities} activities, ${exportInfo.ndjsonBytes} bytes of NDJSON in ${Math.round(exportInfo.exportMs)} ms`);
    }
    if (exportInfo.activities !== windowActivities) {
      const m: Mismatch = {
        question: 'export',
        case: 'activities in the window',
        system: 'ndjson',
        phase: 'export',
        detail: `${exportInfo.activities} activities exported from the committed lake files, ${windowActivities} in marts.activities (duplicates in the lake, or rows outside their day's partition)`,
      };
      mismatches.push(m);
      log(`MISMATCH ${m.detail}`);
    }

    // ---- Postgres (loaded once per export)
    const owner = pgOwner();
    const pgDir = join(baseDir, 'pg');
    const pgMarkerPath = join(baseDir, PG_MARKER);
    const pgPrevious = existsSync(pgMarkerPath) ? (JSON.parse(readFileSync(pgMarkerPath, 'utf8')) as PgLoadInfo) : null;
    let pgLoad: PgLoadInfo;
    let pgReused = false;
    if (pgPrevious && pgPrevious.exportedAt === exportInfo.exportedAt && existsSync(join(pgDir, 'data', 'PG_VERSION'))) {
      cluster = await PgCluster.existing(pgDir, owner);
      cluster.start();
      psql = new Psql(cluster.port);
      pgLoad = pgPrevious;
      pgReused = true;
      log(`postgres: reusing the cluster loaded from this export, on port ${cluster.port}`);
    } else {
      rmSync(pgMarkerPath, { force: true });
      const t = performance.now();
      const init = await PgCluster.init(pgDir, owner);
      cluster = init.cluster;
      cluster.start();
      log(`postgres: initdb ${Math.round(init.initdbMs)} ms, server on port ${cluster.port}`);
      psql = new Psql(cluster.port);
      const loaded = await loadPostgres(psql, baseDir);
      pgLoad = { exportedAt: exportInfo.exportedAt, initdbMs: init.initdbMs, ...loaded, totalMs: performance.now() - t };
      writeFileSync(pgMarkerPath, JSON.stringify(pgLoad, null, 2) + '\n');
      log(`postgres: loaded in ${Math.round(pgLoad.totalMs)} ms`);
    }
    const pgVersion = (await psql.run('show server_version')).rows[0][0];
    const pgSettings: Record<string, string> = {};
    for (const name of ['shared_buffers', 'work_mem', 'maintenance_work_mem', 'max_wal_size', 'max_parallel_workers_per_gather', 'jit', 'effective_cache_size', 'random_page_cost', 'TimeZone']) {
      pgSettings[name] = (await psql.run(`show ${name}`)).rows[0]?.[0] ?? '';
    }
    const sizes = await pgSizes(psql);
    log(`postgres ${pgVersion}: ${JSON.stringify(sizes)}`);
    if (sizes.rows !== exportInfo.activities) {
      const m: Mismatch = { question: 'load', case: 'rows', system: 'postgres', phase: 'load', detail: `${sizes.rows} rows in postgres, ${exportInfo.activities} exported` };
      mismatches.push(m);
      log(`MISMATCH ${m.detail}`);
    }

    // ---- the NDJSON side: DuckDB in memory, set as the server sets its warehouse
    ndjsonInstance = await createDuck({ memoryLimit: '1GB' });
    ndjson = await connectUtc(ndjsonInstance);
    const ndjsonConn = ndjson;
    const pg = psql;
    const allFiles = ndjsonActivities(join(baseDir, 'activities', '*.ndjson'));
    const adminTypes = loadCatalog()
      .filter((e) => e.category === 'admin')
      .map((e) => e.type)
      .sort();

    // ---- compliance-lake's server and the groups (picked as bench/graphql-query.ts picks them)
    server = await startServe(dataDir);
    const url = server.url;
    const since30 = iso(untilMs - 30 * DAY_MS);
    const hitGroups = await duckRows(
      direct.connection,
      `select m.group_id, count(*) as n from marts.admin_actions a join marts.group_memberships m on m.user_id = a.actor_user_id ` +
        `and m.valid_from <= a.created_at and (m.valid_to is null or a.created_at < m.valid_to) and a.created_at <= m.valid_from + to_days(${ADDED_WITHIN_DAYS}) ` +
        `where a.created_at >= ${tsLiteral(since30)} and a.created_at < ${tsLiteral(until)} group by 1 order by 2 desc, 1 limit 6`,
    );
    const recent = await duckRows(
      direct.connection,
      `select group_id, count(*) as n from marts.group_memberships where valid_from >= ${tsLiteral(iso(untilMs - 60 * DAY_MS))} and valid_from < ${tsLiteral(until)} group by 1 order by 2 desc, 1 limit 6`,
    );
    const groups = [...hitGroups, ...recent.filter((r) => !hitGroups.some((h) => h.group_id === r.group_id))].slice(0, 6).map((r) => String(r.group_id));
    if (groups.length === 0) throw new Error('no group has memberships starting in the window');
    log(`groups: ${groups.join(', ')}`);

    const runDuck = async (statements: Captured[]): Promise<Record<string, unknown>[][]> => {
      const out: Record<string, unknown>[][] = [];
      for (const s of statements) out.push((await direct.connection.runAndReadAll(s.sql, s.params)).getRowObjectsJS() as Record<string, unknown>[]);
      return out;
    };

    const headlineCase = async (label: string, groupId: string, lakeSince: string, baselineSince: string | null, baselineUntil: string | null, dayFiles: string[] | null): Promise<QuestionCase> => {
      const args = { groupId, days: ADDED_WITHIN_DAYS, since: lakeSince, until, first: FIRST };
      const statements = await headlineSql(args);
      const countIndex = statements.findIndex((s) => /^select count\(/.test(s.sql.trim()));
      const spec: HeadlineSpec = { groupId, days: ADDED_WITHIN_DAYS, since: baselineSince, until: baselineUntil, first: FIRST };
      const nd = ndjsonHeadlineSql(allFiles, baseDir, adminTypes, spec);
      const pq = pgHeadlineSql(adminTypes, spec);
      const systems: QuestionCase['systems'] = {
        graphql: async () => {
          const { data } = await graphqlRequest(url, HEADLINE_QUERY, args);
          const conn = data.adminActionsByRecentGroupMembers as { totalCount: number; edges: { node: { id: string } }[] };
          return { answer: { totalCount: conn.totalCount, ids: conn.edges.map((e) => e.node.id) } };
        },
        direct: async () => {
          const results = await runDuck(statements);
          return { answer: headlineFromRows(results[countIndex === 0 ? 1 : 0], results[countIndex]) };
        },
        ndjson: async () => ({ answer: headlineFromRows(await duckRows(ndjsonConn, nd.page), await duckRows(ndjsonConn, nd.count)) }),
      };
      if (dayFiles) {
        const pruned = ndjsonHeadlineSql(ndjsonActivities(dayFiles), baseDir, adminTypes, spec);
        systems.ndjsonDayFiles = async () => ({ answer: headlineFromRows(await duckRows(ndjsonConn, pruned.page), await duckRows(ndjsonConn, pruned.count)) });
      }
      systems.postgres = async () => {
        const page = await pg.run(pq.page);
        const count = await pg.run(pq.count);
        return { answer: { totalCount: Number(count.rows[0]?.[0] ?? NaN), ids: page.rows.slice(0, FIRST).map((r) => r[0]) }, psqlMs: page.psqlMs + count.psqlMs };
      };
      return { label, systems };
    };

    // the 30 daily files of the last 30 days (the files are named by their UTC day)
    const dayFiles30: string[] = [];
    for (let d = untilMs - 30 * DAY_MS; d < untilMs; d += DAY_MS) {
      const f = join(baseDir, 'activities', `${isoDay(d)}.ndjson`);
      if (existsSync(f)) dayFiles30.push(f);
    }
    const cases30 = await Promise.all(groups.map((g) => headlineCase(`group ${g}, 30 days`, g, since30, since30, until, dayFiles30)));
    const casesWhole = await Promise.all(groups.slice(0, 3).map((g) => headlineCase(`group ${g}, whole subset`, g, since, null, null, null)));
    const countsStatements = await countsSql({ since, until });
    const countsCase: QuestionCase = {
      label: 'whole subset',
      systems: {
        graphql: async () => {
          const { data } = await graphqlRequest(url, COUNTS_QUERY, { filter: { since, until } });
          const rows = data.activityCounts as { bucket: string; count: number }[];
          return { answer: Object.fromEntries(rows.map((r) => [monthOf(r.bucket), r.count])) };
        },
        direct: async () => {
          const [rows] = await runDuck(countsStatements);
          return { answer: Object.fromEntries(rows.map((r) => [monthOf(r.bucket_us), Number(r.n)])) };
        },
        ndjson: async () => ({ answer: Object.fromEntries((await duckRows(ndjsonConn, ndjsonCountsSql(allFiles))).map((r) => [monthOf(r.month), Number(r.n)])) }),
        postgres: async () => {
          const r = await pg.run(PG_COUNTS_SQL);
          return { answer: Object.fromEntries(r.rows.map((row) => [row[0].slice(0, 7), Number(row[1])])), psqlMs: r.psqlMs };
        },
      },
    };

    const loadStart = os.loadavg();
    log('headline, 30 days ...');
    const q30 = await measure('headline, 30-day window (first 50 + totalCount)', cases30, rounds30, mismatches);
    log('headline, whole subset ...');
    const qWhole = await measure('headline, whole subset (first 50 + totalCount)', casesWhole, rounds, mismatches);
    log('activityCounts by month, whole subset ...');
    const qCounts = await measure('activityCounts(by: MONTH), whole subset', [countsCase], rounds, mismatches);
    const loadEnd = os.loadavg();

    // where Postgres spends its time, one case per question
    let explain = '';
    for (const [label, sql] of [
      [cases30[0].label, pgHeadlineSql(adminTypes, { groupId: groups[0], days: ADDED_WITHIN_DAYS, since: since30, until, first: FIRST })],
      [casesWhole[0].label, pgHeadlineSql(adminTypes, { groupId: groups[0], days: ADDED_WITHIN_DAYS, since: null, until: null, first: FIRST })],
    ] as const) {
      for (const [part, s] of Object.entries(sql)) {
        explain += `==== postgres: ${label}, ${part}\n${s}\n\n${(await pg.run(`explain (analyze, buffers) ${s}`)).rows.map((r) => r.join('\t')).join('\n')}\n\n`;
      }
    }
    explain += `==== postgres: counts by month\n${PG_COUNTS_SQL}\n\n${(await pg.run(`explain (analyze, buffers) ${PG_COUNTS_SQL}`)).rows.map((r) => r.join('\t')).join('\n')}\n\n`;
    const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    const explainFile = join(resultsDir, 'baselines-explain.txt');
    writeFileSync(explainFile, explain);

    notes.push(
      'compliance-lake answers over its whole 35 M-activity lake restricted to the window; the baselines hold only the window (no time filter for "whole"), and get the reconciled membership and user history for free',
      'ndjson reads explicit columns (type-specific fields not parsed; its page returns envelope + actor); postgres returns the whole jsonb document per page row',
      'postgres timings: wall clock from writing the statement to a warm psql until the sentinel after its output; postgresPsqlTiming is psql\'s own \\timing',
    );
    return {
      dataDir,
      baselineDir: baseDir,
      lake: lakeSummary(marker),
      window: { since, until, days: Math.round((untilMs - sinceMs) / DAY_MS), activities: windowActivities, targetActivities },
      window30: { since: since30, until, groups, addedWithinDays: ADDED_WITHIN_DAYS },
      export: { ...exportInfo, reused: exportReused },
      postgres: {
        ...pgLoad,
        reused: pgReused,
        version: pgVersion,
        sizes,
        settings: pgSettings,
        timingMethod: 'one long-lived psql fed on stdin; wall clock per statement to an \\echo sentinel (warm connection)',
      },
      questions: [q30, qWhole, qCounts],
      mismatches,
      explainFile,
      loadAverage: { start: loadStart, end: loadEnd },
      notes,
    };
  } finally {
    await server?.stop();
    await psql?.close().catch(() => undefined);
    try {
      cluster?.stop();
    } catch (err) {
      log(`stopping postgres: ${(err as Error).message}`);
    }
    ndjson?.closeSync();
    ndjsonInstance?.closeSync();
    direct.close();
    process.off('exit', cleanupSync);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
