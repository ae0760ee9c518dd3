// `models build`: runs sql/ in dependency order (staging views over the lake's committed files, then
// intermediate and marts written as Parquet under data/models/), runs sql/tests, and only if every test
// returns no row publishes the files (renamed into place) and a fresh data/warehouse.duckdb.
//
// The incremental rule: a build remembers the manifest entry it read up to (data/models/_state.json). The
// next one rebuilds the months of each monthly model that activity files committed since then fall in, plus
// the months from the earliest moment the directory history (users, memberships) changed, for models that
// join it as of the event time; a `fold(key)` model adds the new rows to such a month as a part file instead
// (foldMonth). Everything else is small and rebuilt whole. A model whose SQL changed is rebuilt in full with
// what reads it; a change of the catalog or the runner, a missing output, or --full rebuilds everything.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { Lake, LakeCorruptError } from '../lake/lake.js';
import { acquireLock } from '../lake/lock.js';
import { type CatalogEntry, catalogPath, loadCatalog, packageRoot } from './catalog.js';
import { AS_OF_SOURCES, type Horizon, asOfHorizon } from './horizon.js';
import { type FileSchemas, lakeFileSchemas, lakeStreams, namesMissingLakeFile, renderLakeSources, writeManifestTable } from './lake-source.js';
import type { ManifestFile } from '../lake/manifest.js';
import { type MergeSpec, type Model, type PreviousColumn, type SqlProject, type SqlTest, readSqlProject } from './sql-files.js';
import { type ModelsState, STATE_VERSION, clearState, monthOf, readState, touchedMonths, writeState } from './state.js';
import { type WarehouseObject, canonicalDataDir, writeWarehouse } from './warehouse.js';
import { ALERT_MART_RELATIONS, alertMartObjects, ensureAlertMarts } from '../detections/marts.js';

/** Bumped when the runner lays out or computes outputs differently: the next build is then full. */
export const RUNNER_VERSION = 1;
/** Monthly models are partitioned by the months of this stream's day partitions. */
const MONTHLY_SOURCE_STREAM = 'activities';
/** Rows of a failing test shown in the error. */
const SHOWN_FAILING_ROWS = 5;
/**
 * A folded month holds at most this many part files besides its data.parquet; the fold that would add one
 * more rewrites the month into one file instead. A daemon builds after every sync (every minute by default),
 * so most folds write only their new rows.
 */
export const MAX_FOLD_PARTS = 8;
/**
 * Models a build runs at once. Most statements of a refresh run on one thread (a COPY of a join writes its Parquet
 * on one; the many small statements are one each), so with one model at a time a 2-core machine left a core idle
 * for about a third of a refresh at 100 M; the directory history and the activities' monthly models do not read
 * each other until admin actions (BENCHMARKS.md, issue 13, refresh17).
 */
export const MODEL_CONCURRENCY = 2;

export interface BuildOptions {
  /** Rebuild everything. */
  full?: boolean;
  /** Default: sql/ of this package. */
  sqlDir?: string;
  /** Default: schema/activity-types.json of this package. */
  catalogPath?: string;
  /** DuckDB memory limit of the build (default 1GB); larger intermediate results spill to data/models/_build. */
  memoryLimit?: string;
  /**
   * DuckDB threads of the build (default: the machine's cores, at most 4). More threads than cores cost CPU and
   * gain no time: at 100 M, the history's evidence took about a third more CPU with 4 threads than with 2 on 2 cores.
   */
  threads?: number;
  /** Part files a folded month may have besides its data.parquet (default MAX_FOLD_PARTS). */
  maxFoldParts?: number;
  /**
   * Models built at once, each on its own connection, a model starting once every relation it reads is built
   * (default MODEL_CONCURRENCY). 1: one after another, in the project's order.
   */
  concurrency?: number;
}

export interface RelationReport {
  relation: string;
  materialized: 'view' | 'table' | 'monthly' | 'incremental';
  /** Rows in the published relation (null for views). */
  rows: number | null;
  /** Monthly relations: the months written by this build, and how many were kept from the last one. */
  rebuiltMonths?: string[];
  keptMonths?: number;
  /** `fold(...)` monthly relations: the rebuilt months that kept the last build's rows and only added the new ones. */
  foldedMonths?: string[];
  /** Incremental relations: whether this build started from the previous output (false: from nothing). */
  folded?: boolean;
  /**
   * Tables and incremental relations: nothing the model reads changed since the last build (no new lake file of
   * its staging views, no month or file of the relations it reads rewritten), so its last output was kept as it is.
   */
  kept?: boolean;
  /** Incremental relations with `-- new lake files:`: the lake files those staging views read in this build (null: every file). */
  newLakeFiles?: number | null;
  /** When the model started, in ms from the build's start (models run at once: see MODEL_CONCURRENCY). */
  startedMs?: number;
  ms: number;
}

export interface BuildReport {
  mode: 'full' | 'incremental';
  /** Why the build was full, or what the incremental build started from. */
  reason: string;
  /** The manifest entry the previous build read up to (null: none). */
  fromSeq: number | null;
  toSeq: number;
  relations: RelationReport[];
  tests: { name: string; ms: number }[];
  warehouse: string;
  ms: number;
  /** Where the time went (ms): reading the manifest and planning, the models, the tests, closing the build's DuckDB, renaming the new files into place, writing the warehouse. */
  phases: { open: number; models: number; tests: number; close: number; publish: number; warehouse: number };
}

export interface TestFailure {
  test: string;
  path: string;
  rule: string;
  count: number;
  rows: Record<string, unknown>[];
}

/** One or more sql/tests returned rows: nothing was published. */
export class ModelTestError extends Error {
  override name = 'ModelTestError';
  constructor(readonly failures: TestFailure[]) {
    super(
      `${failures.length} model test(s) failed; nothing was published (the previous warehouse stays):\n` +
        failures.map(formatFailure).join('\n'),
    );
  }
}

/** A model's SQL failed; the message names the file. */
export class ModelBuildError extends Error {
  override name = 'ModelBuildError';
}

interface BuildContext {
  dataDir: string;
  modelsDir: string;
  buildDir: string;
  lake: Lake;
  connection: DuckDBConnection;
  mode: 'full' | 'incremental';
  previous: ModelsState | null;
  /** Incremental builds: relations whose SQL changed since the last build, and everything downstream of them. */
  stale: Set<string>;
  /** The tests differ from the last build's: they see every month, not only the rebuilt ones. */
  testsChanged: boolean;
  touched: Set<string>;
  /** Incremental builds: the lake files (paths) entries after the last build's added, compactions included. */
  addedSince: Set<string>;
  /** Months of the monthly source stream in the lake. */
  universe: string[];
  /** Staging models that read the monthly source stream (narrowed to one month for monthly builds). */
  sourceStaging: Model[];
  /** The month each `month_staging` view currently reads (monthly models of the same month share it). */
  monthViews: Map<string, string>;
  /**
   * The schemas of this connection's narrowed staging views (`month_staging`, `new_staging`, with a suffix per
   * connection when models run at once: each connection redefines its own as it goes).
   */
  monthSchema: string;
  newSchema: string;
  /** The final paths of the files this build writes (each first to tmpFor(final), renamed at publish). */
  outputs: Set<string>;
  warehouse: WarehouseObject[];
  months: Record<string, string[]>;
  /** Monthly relations: the months this build wrote (what the tests see, see runTests). */
  rebuiltMonths: Map<string, string[]>;
  /** Monthly relations: each month's files (final paths; data.parquet first, then its part files). */
  monthFiles: Map<string, Map<string, string[]>>;
  /**
   * Part files this build folds back into their month's data.parquet. They are published empty, so a reader
   * of the last warehouse (whose views still list them) neither fails nor counts their rows twice, and the
   * next build deletes them.
   */
  retired: string[];
  maxFoldParts: number;
  /**
   * `fold(...)` relations: per month this build folded, the file (under _build/) of the rows it added, or null
   * when the new lake files added none. A `merge(...)` model aggregates these rows instead of the month.
   */
  deltas: Map<string, Map<string, string | null>>;
  horizons: Map<string, Horizon>;
  /** The columns of each lake file staging reads (grouped into one read_parquet per set of columns). */
  schemas: FileSchemas;
  /** Incremental models whose `previous.<name>` is their last output (not empty). */
  previousKept: Set<string>;
  /** Staging models by relation (`-- new lake files:` renders them over the files added since the last build). */
  staging: Map<string, Model>;
  /** Incremental builds: relations whose rows are the last build's (see unchangedInputs). */
  unchanged: Set<string>;
  /** Date.now() when the build started. */
  startedAt: number;
  /** The rows of each model file (final path) the report counted or took from the last build's state (modelRows). */
  fileRows: Map<string, number>;
}

export async function buildModels(dataDirGiven: string, options: BuildOptions = {}): Promise<BuildReport> {
  // every path the warehouse's views name is absolute, under the canonical directory (models/warehouse.ts)
  const dataDir = canonicalDataDir(dataDirGiven);
  const project = readSqlProject(options.sqlDir ?? join(packageRoot(), 'sql'));
  const catalogFile = options.catalogPath ?? catalogPath();
  if (!existsSync(catalogFile)) throw new ModelBuildError(`the activity-type catalog ${catalogFile} is missing`);
  const catalog = loadCatalog(catalogFile);
  const modelsDir = join(dataDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const lock = acquireLock(modelsDir, 'models build');
  try {
    try {
      return await buildLocked(dataDir, modelsDir, project, catalog, options);
    } catch (err) {
      // A compaction that committed while we read the manifest removes the files it replaced: read again once.
      if (!vanishedFile(err)) throw err;
      return await buildLocked(dataDir, modelsDir, project, catalog, options);
    }
  } finally {
    lock.release();
  }
}

async function buildLocked(
  dataDir: string,
  modelsDir: string,
  project: SqlProject,
  catalog: CatalogEntry[],
  options: BuildOptions,
): Promise<BuildReport> {
  const started = Date.now();
  const phases = { open: 0, models: 0, tests: 0, close: 0, publish: 0, warehouse: 0 };
  let mark = started;
  const lap = (phase: keyof typeof phases) => {
    const now = Date.now();
    phases[phase] += now - mark;
    mark = now;
  };
  // a refresh reads the manifest entries it read last time from its own index (a --full build reads every entry file)
  const lake = Lake.open(dataDir, options.full === true ? {} : { index: manifestIndexPath(modelsDir) });
  const toSeq = lake.head.seq;
  // the runner and the catalog: a change means a full build; a model's SQL is fingerprinted on its own
  const fingerprint = createHash('sha256').update(`${RUNNER_VERSION}\n${JSON.stringify(catalog)}`).digest('hex');
  const modelHashes = Object.fromEntries(project.models.map((m) => [m.relation, modelHash(m.sql)]));
  const testsHash = createHash('sha256').update(JSON.stringify(project.tests.map((t) => [t.name, t.sql]))).digest('hex');
  const previous = readState(modelsDir);
  const { mode, reason, stale } = planMode(modelsDir, project, previous, fingerprint, modelHashes, lake, options.full === true);
  const buildDir = join(modelsDir, '_build');
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });

  const instance = await createDuck({ memoryLimit: options.memoryLimit ?? '1GB', threads: options.threads ?? Math.min(4, availableParallelism()), tempDirectory: join(buildDir, 'spill') });
  const connection = await connectUtc(instance);
  const ctx: BuildContext = {
    dataDir,
    modelsDir,
    buildDir,
    lake,
    connection,
    mode,
    previous: mode === 'incremental' ? previous : null,
    stale,
    // a new or changed test has not seen the months this build keeps: it sees every month once
    testsChanged: previous?.tests !== testsHash,
    touched: mode === 'incremental' ? touchedMonths(lake.entries, previous!.seq, MONTHLY_SOURCE_STREAM) : new Set(),
    addedSince: new Set(mode === 'incremental' ? lake.entries.filter((e) => e.seq > previous!.seq).flatMap((e) => e.added.map((f) => f.path)) : []),
    universe: [...new Set(lake.files(MONTHLY_SOURCE_STREAM).map((f) => monthOf(f.date)))].sort(),
    sourceStaging: project.models.filter((m) => m.layer === 'staging' && lakeStreams(m.sql).includes(MONTHLY_SOURCE_STREAM)),
    monthViews: new Map(),
    monthSchema: 'month_staging',
    newSchema: 'new_staging',
    outputs: new Set(),
    warehouse: [],
    months: {},
    rebuiltMonths: new Map(),
    monthFiles: new Map(),
    retired: [],
    maxFoldParts: options.maxFoldParts ?? MAX_FOLD_PARTS,
    deltas: new Map(),
    horizons: new Map(),
    schemas: {},
    previousKept: new Set(),
    staging: new Map(project.models.filter((m) => m.layer === 'staging').map((m) => [m.relation, m])),
    // the catalog seed changes only with the fingerprint, which makes the build full
    unchanged: new Set(mode === 'incremental' ? ['seeds.activity_types'] : []),
    fileRows: new Map(),
    startedAt: started,
  };
  const relations: RelationReport[] = [];
  let tests: { name: string; ms: number }[];
  try {
    // every monthly rebuild and staging scan reads the footers of the same lake files (set after start: as a
    // start-up option DuckDB insists on autoloading the built-in parquet extension, which it cannot offline)
    await connection.run('SET parquet_metadata_cache = true');
    for (const schema of ['seeds', 'staging', 'intermediate', 'marts', 'previous', 'month_staging', 'new_staging']) await connection.run(`create schema ${schema}`);
    relations.push(await loadCatalogSeed(ctx, catalog));
    await writeManifestTable(lake, connection, manifestTablePath(modelsDir), buildDir);
    const streams = [...new Set(project.models.filter((m) => m.layer === 'staging').flatMap((m) => lakeStreams(m.sql)))];
    // a full build reads every file's columns again; a refresh only the new files
    ctx.schemas = await lakeFileSchemas(lake, connection, streams, mode === 'incremental' ? previous?.lake_schemas : undefined);
    await createPreviousViews(ctx, project.models);
    lap('open');
    relations.push(...(await buildAll(ctx, instance, project.models, Math.max(1, options.concurrency ?? MODEL_CONCURRENCY))));
    lap('models');
    tests = await runTests(ctx, instance, project.tests, Math.max(1, options.concurrency ?? MODEL_CONCURRENCY));
    // the detection engine writes the alert marts (detections.md §4); empty until its first evaluation
    await ensureAlertMarts(connection, modelsDir);
    ctx.warehouse.push(...alertMartObjects(modelsDir));
    lap('tests');
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    rmSync(buildDir, { recursive: true, force: true });
    throw err;
  }
  connection.closeSync();
  instance.closeSync();
  lap('close');

  publish(ctx);
  lap('publish');
  const warehouse = await writeWarehouse(dataDir, ctx.warehouse, ctx.previous?.warehouse ?? null);
  removeUnused(ctx);
  lap('warehouse');
  writeState(modelsDir, {
    version: STATE_VERSION,
    seq: toSeq,
    head_hash: lake.head.hash,
    fingerprint,
    relations: modelHashes,
    tests: testsHash,
    built_at: new Date().toISOString(),
    months: ctx.months,
    parts: partsOf(ctx.monthFiles),
    retired: ctx.retired.map((f) => relative(modelsDir, f)),
    warehouse: warehouse.objects,
    lake_schemas: ctx.schemas,
    file_rows: Object.fromEntries([...ctx.fileRows].map(([final, rows]) => [relative(modelsDir, final), rows])),
  });
  rmSync(buildDir, { recursive: true, force: true });
  return {
    mode,
    reason,
    fromSeq: previous?.seq ?? null,
    toSeq,
    relations,
    tests,
    warehouse: warehouse.path,
    ms: Date.now() - started,
    phases,
  };
}

/**
 * A model's SQL fingerprint: a change rebuilds it in full. Its `-- new lake files:` line is left out: it changes
 * which files a refresh opens, never the rows (sql-files.ts readsNewLakeFiles), so adding or removing it
 * rebuilds nothing.
 */
export function modelHash(sql: string): string {
  return createHash('sha256').update(sql.replace(/^-- new lake files:.*\n/m, '')).digest('hex');
}

function planMode(
  modelsDir: string,
  project: SqlProject,
  previous: ModelsState | null,
  fingerprint: string,
  modelHashes: Record<string, string>,
  lake: Lake,
  full: boolean,
): { mode: 'full' | 'incremental'; reason: string; stale: Set<string> } {
  const toSeq = lake.head.seq;
  const fullBuild = (reason: string) => ({ mode: 'full' as const, reason, stale: new Set<string>() });
  if (full) return fullBuild('requested (--full)');
  if (!previous) return fullBuild('no previous build');
  if (previous.fingerprint !== fingerprint) return fullBuild('the catalog or the runner changed since the last build');
  if (!previous.relations) return fullBuild('the last build kept no fingerprint per model');
  if (previous.seq > toSeq) return fullBuild(`the lake's manifest ends at entry ${toSeq}, before the last build's ${previous.seq}`);
  const then = lake.entries.find((e) => e.seq === previous.seq);
  if (previous.head_hash !== undefined && previous.seq > 0 && then?.hash !== previous.head_hash) {
    return fullBuild(`the lake's manifest entry ${previous.seq} is not the one the last build read (another lake, or one rebuilt since)`);
  }
  const { changed, stale } = staleRelations(project.models, modelHashes, previous.relations);
  for (const model of project.models) {
    if (stale.has(model.relation)) continue; // rebuilt in full anyway
    const m = model.materialized;
    if ((m.kind === 'table' || m.kind === 'incremental') && !existsSync(finalPath(modelsDir, model.relation))) return fullBuild(`${model.relation} of the last build is missing`);
    if (m.kind === 'monthly') {
      for (const month of previous.months[model.relation] ?? []) {
        const files = [finalPath(modelsDir, model.relation, month), ...partPaths(modelsDir, model.relation, month, previous.parts?.[model.relation]?.[month])];
        if (!files.every((f) => existsSync(f))) return fullBuild(`${model.relation} month ${month} of the last build is missing`);
      }
    }
  }
  let reason = toSeq === previous.seq ? `no lake entry since the last build` : `lake entries ${previous.seq + 1}..${toSeq} since the last build`;
  if (changed.length) {
    const downstream = stale.size - changed.length;
    reason += `; new or changed SQL of ${changed.join(', ')}: rebuilt in full${downstream ? ` with ${downstream} relation${downstream === 1 ? '' : 's'} downstream` : ''}`;
  }
  return { mode: 'incremental', reason, stale };
}

/**
 * Models whose SQL is new or differs from the last build's (`changed`), and those plus every model that reads
 * one of them, directly or not (`stale`). `models` is in build order, dependencies first.
 */
export function staleRelations(
  models: readonly Model[],
  hashes: Record<string, string>,
  previousHashes: Record<string, string>,
): { changed: string[]; stale: Set<string> } {
  const changed: string[] = [];
  const stale = new Set<string>();
  for (const model of models) {
    if (previousHashes[model.relation] !== hashes[model.relation]) {
      changed.push(model.relation);
      stale.add(model.relation);
    } else if (model.refs.some((ref) => stale.has(ref))) stale.add(model.relation);
  }
  return { changed, stale };
}

// ---- outputs -------------------------------------------------------------------------------------

/** data/models/<schema>/<name>/data.parquet, or .../month=YYYY-MM/data.parquet for one month. */
export function finalPath(modelsDir: string, relation: string, month?: string): string {
  const [schema, name] = relation.split('.');
  return join(modelsDir, schema, name, ...(month ? [`month=${month}`] : []), 'data.parquet');
}

/** The manifest entries' fields as Parquet, read by `{{ lake_manifest() }}` (rewritten by every build). */
function manifestTablePath(modelsDir: string): string {
  return join(modelsDir, 'lake_manifest.parquet');
}

/** The manifest entries the last build read, one per line (Lake.open's index). */
export function manifestIndexPath(modelsDir: string): string {
  return join(modelsDir, '_lake_index.ndjson');
}

/** The part files (final paths) of a month, besides its data.parquet. */
function partPaths(modelsDir: string, relation: string, month: string, names: readonly string[] = []): string[] {
  return names.map((name) => join(dirname(finalPath(modelsDir, relation, month)), name));
}

/** Where a build writes a final file before publishing it. */
function tmpFor(ctx: BuildContext, final: string): string {
  return join(ctx.buildDir, relative(ctx.modelsDir, final));
}

/** The file this build reads for a final path: the new one under _build/ if it writes it, else the last build's. */
function asBuilt(ctx: BuildContext, final: string): string {
  return ctx.outputs.has(final) ? tmpFor(ctx, final) : final;
}

/** The state's record of part files: per relation, the months that have some, and their names. */
function partsOf(monthFiles: Map<string, Map<string, string[]>>): Record<string, Record<string, string[]>> {
  const parts: Record<string, Record<string, string[]>> = {};
  for (const [relation, months] of monthFiles) {
    for (const [month, files] of months) {
      if (files.length > 1) (parts[relation] ??= {})[month] = files.slice(1).map((f) => basename(f));
    }
  }
  return parts;
}

function tmpPath(ctx: BuildContext, relation: string, month?: string): string {
  return tmpFor(ctx, finalPath(ctx.modelsDir, relation, month));
}

/**
 * Model outputs are rebuilt from the lake at will, so they favour write speed: zstd level 1 writes a month of
 * `marts.activities` about 12 % faster than the default level 3, for files about 4 % larger (the lake itself,
 * the archive, keeps level 6). Decompression is as fast at either level.
 */
async function copyToParquet(ctx: BuildContext, sql: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await ctx.connection.run(`copy (${sql}) to ${sqlString(path)} (format parquet, compression zstd, compression_level 1)`);
}

/**
 * The rows of a relation's files (final paths), for the report. A file this build did not write has the rows the
 * last build counted (`file_rows` of its state); the others are counted from their Parquet footers. Counting
 * every month's files of every monthly relation opened some 70 footers per relation in each refresh (BENCHMARKS.md,
 * issue 13, refresh17).
 */
async function modelRows(ctx: BuildContext, finals: string[]): Promise<number> {
  const known = ctx.previous?.file_rows ?? {};
  const uncounted: string[] = [];
  let rows = 0;
  for (const final of finals) {
    const kept = ctx.outputs.has(final) ? undefined : known[relative(ctx.modelsDir, final)];
    if (kept === undefined) uncounted.push(final);
    else {
      ctx.fileRows.set(final, kept);
      rows += kept;
    }
  }
  if (uncounted.length) {
    const built = new Map(uncounted.map((f) => [asBuilt(ctx, f), f]));
    const reader = await ctx.connection.runAndReadAll(`select file_name as file, num_rows as n from parquet_file_metadata([${[...built.keys()].map(sqlString).join(', ')}])`);
    for (const { file, n } of reader.getRowObjectsJS() as { file: string; n: bigint | number }[]) {
      ctx.fileRows.set(built.get(file)!, Number(n));
      rows += Number(n);
    }
  }
  return rows;
}

function readParquetSql(files: string[]): string {
  // month=YYYY-MM directories are for other engines; the month is not a column of the relation
  return `select * from read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;
}

// ---- models --------------------------------------------------------------------------------------

async function loadCatalogSeed(ctx: BuildContext, catalog: CatalogEntry[]): Promise<RelationReport> {
  const started = Date.now();
  const relation = 'seeds.activity_types';
  const json = join(ctx.buildDir, 'activity-types.ndjson');
  writeFileSync(json, catalog.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const columns = `{type: 'VARCHAR', family: 'VARCHAR', category: 'VARCHAR', description: 'VARCHAR', actors: 'VARCHAR[]', fields: 'VARCHAR[]', source: 'VARCHAR'}`;
  const tmp = tmpPath(ctx, relation);
  await copyToParquet(ctx, `select * from read_json(${sqlString(json)}, format = 'newline_delimited', columns = ${columns}) order by type`, tmp);
  await ctx.connection.run(`create view ${relation} as ${readParquetSql([tmp])}`);
  const final = finalPath(ctx.modelsDir, relation);
  ctx.outputs.add(final);
  ctx.warehouse.push({ relation, sql: readParquetSql([final]), table: true, comment: 'one row per known activity type (schema/activity-types.json)' });
  return { relation, materialized: 'table', rows: catalog.length, ms: Date.now() - started };
}

/**
 * Builds the models, up to `concurrency` at once, each on a connection of its own (with its own narrowed staging
 * views); a model starts when every model it reads is built. Returns the reports in the project's order, and
 * leaves the warehouse's objects in that order too. After a failure no model starts; the ones running finish,
 * then the first error is thrown.
 */
async function buildAll(ctx: BuildContext, instance: DuckDBInstance, models: Model[], concurrency: number): Promise<RelationReport[]> {
  const timed = async (own: BuildContext, model: Model) => {
    const startedMs = Date.now() - ctx.startedAt;
    return { ...(await buildModel(own, model)), startedMs };
  };
  if (concurrency === 1) {
    const reports: RelationReport[] = [];
    for (const model of models) reports.push(await timed(ctx, model));
    return reports;
  }
  const reports: RelationReport[] = new Array(models.length);
  const inProject = new Set(models.map((m) => m.relation));
  const built = new Set<string>();
  const started = new Set<number>();
  const waiting: (() => void)[] = [];
  let failure: { error: unknown } | null = null;
  const connections: DuckDBConnection[] = [];
  try {
    for (let i = 0; i < concurrency; i++) {
      const connection = await connectUtc(instance);
      connections.push(connection);
      for (const schema of ['month_staging', 'new_staging']) await connection.run(`create schema if not exists ${schema}_${i}`);
    }
    const ready = (m: Model, j: number) => !started.has(j) && m.refs.every((ref) => !inProject.has(ref) || built.has(ref));
    await Promise.all(
      connections.map(async (connection, i) => {
        const own: BuildContext = { ...ctx, connection, monthViews: new Map(), monthSchema: `month_staging_${i}`, newSchema: `new_staging_${i}` };
        for (;;) {
          if (failure) return;
          const next = models.findIndex(ready);
          if (next === -1) {
            if (started.size === models.length) return;
            await new Promise<void>((resolve) => waiting.push(resolve));
            continue;
          }
          started.add(next);
          try {
            reports[next] = await timed(own, models[next]);
            built.add(models[next].relation);
          } catch (error) {
            failure ??= { error };
          } finally {
            for (const wake of waiting.splice(0)) wake();
          }
        }
      }),
    );
  } finally {
    for (const connection of connections) connection.closeSync();
  }
  if (failure) throw (failure as { error: unknown }).error;
  // the warehouse's objects in the project's order, whatever order the models finished in
  const rank = new Map(models.map((m, i) => [m.relation, i]));
  const at = (o: WarehouseObject) => rank.get(o.relation) ?? -1;
  ctx.warehouse.sort((a, b) => at(a) - at(b));
  return reports;
}

async function buildModel(ctx: BuildContext, model: Model): Promise<RelationReport> {
  const started = Date.now();
  const sql = model.layer === 'staging' ? renderLakeSources(body(model.sql), ctx.lake, manifestTablePath(ctx.modelsDir), () => true, ctx.schemas) : body(model.sql);
  try {
    const m = model.materialized;
    if (m.kind === 'view') {
      await ctx.connection.run(`create view ${model.relation} as ${sql}`);
      ctx.warehouse.push({ relation: model.relation, sql, comment: model.grain });
      if (model.layer === 'staging' && ctx.mode === 'incremental' && !ctx.stale.has(model.relation) && !/\blake_manifest\(/.test(model.sql)) {
        // a stream's files are its path's first segment (lake/<stream>/...): entries since the last build that added
        // or removed none of them leave the view's rows as they were
        const since = ctx.lake.entries.filter((e) => e.seq > ctx.previous!.seq);
        const changed = new Set(since.flatMap((e) => [...e.added.map((f) => f.stream), ...(e.removed.length ? [e.stream, ...e.removed.map((path) => path.split('/')[0])] : [])]));
        const streams = lakeStreams(model.sql);
        if (streams.length && !streams.some((stream) => changed.has(stream))) ctx.unchanged.add(model.relation);
      }
      return { relation: model.relation, materialized: 'view', rows: null, ms: Date.now() - started };
    }
    if ((m.kind === 'table' || m.kind === 'incremental') && unchangedInputs(ctx, model)) {
      // the same inputs give the same rows: the last output stays, nothing is written
      const final = finalPath(ctx.modelsDir, model.relation);
      await ctx.connection.run(`create view ${model.relation} as ${readParquetSql([final])}`);
      ctx.warehouse.push({ relation: model.relation, sql: readParquetSql([final]), comment: model.grain });
      ctx.unchanged.add(model.relation);
      return {
        relation: model.relation,
        materialized: m.kind,
        rows: await modelRows(ctx, [final]),
        kept: true,
        ...(m.kind === 'incremental' ? { folded: true } : {}),
        ms: Date.now() - started,
      };
    }
    if (m.kind === 'table') {
      const tmp = tmpPath(ctx, model.relation);
      await copyToParquet(ctx, sql, tmp);
      await ctx.connection.run(`create view ${model.relation} as ${readParquetSql([tmp])}`);
      ctx.outputs.add(finalPath(ctx.modelsDir, model.relation));
      ctx.warehouse.push({ relation: model.relation, sql: readParquetSql([finalPath(ctx.modelsDir, model.relation)]), comment: model.grain });
      return { relation: model.relation, materialized: 'table', rows: await modelRows(ctx, [finalPath(ctx.modelsDir, model.relation)]), ms: Date.now() - started };
    }
    if (m.kind === 'incremental') return await buildIncremental(ctx, model, sql, m.previous, started);
    return await buildMonthly(ctx, model, sql, m.columns, m.fold, m.merge, m.since, started);
  } catch (err) {
    if (err instanceof ModelBuildError) throw err;
    throw new ModelBuildError(`${relative(process.cwd(), model.path) || model.path} (${model.relation}): ${(err as Error).message}`);
  }
}

async function buildMonthly(
  ctx: BuildContext,
  model: Model,
  sql: string,
  columns: string[],
  fold: string[] | undefined,
  merge: MergeSpec | undefined,
  since: string | undefined,
  started: number,
): Promise<RelationReport> {
  const relation = model.relation;
  const { months: rebuild, foldable } = await monthsToRebuild(ctx, model);
  const previousParts = ctx.previous?.parts?.[relation] ?? {};
  const files = new Map<string, string[]>(); // final paths
  const written: string[] = [];
  const folded: string[] = [];
  const deltas = new Map<string, string | null>();
  if (fold) ctx.deltas.set(relation, deltas);
  for (const month of ctx.universe) {
    const base = finalPath(ctx.modelsDir, relation, month);
    const old = partPaths(ctx.modelsDir, relation, month, previousParts[month]);
    files.set(month, [base, ...old]);
    if (!rebuild.includes(month)) continue;
    let outcome: FoldOutcome = { kind: 'rebuild' };
    if (fold && foldable.has(month)) {
      outcome = await foldMonth(ctx, sql, columns, fold, month, [base, ...old]);
      if (outcome.kind === 'unchanged') deltas.set(month, null);
      else if (outcome.kind === 'part' || outcome.kind === 'rewritten') deltas.set(month, outcome.delta);
    } else if (merge && foldable.has(month) && ctx.deltas.get(merge.source)?.has(month)) {
      const delta = ctx.deltas.get(merge.source)!.get(month)!;
      outcome = delta === null ? { kind: 'unchanged' } : await mergeMonth(ctx, model, sql, columns, merge, delta, [base, ...old], tmpFor(ctx, base));
    } else if (since && ctx.mode === 'incremental' && !ctx.stale.has(relation) && ctx.previous?.months[relation]?.includes(month)) {
      const cut = await sinceCut(ctx, model, since, columns[0], month);
      if (cut.kind === 'keep') outcome = { kind: 'unchanged' };
      else if (cut.kind === 'from') outcome = await recomputeSince(ctx, sql, columns, month, cut.at, [base, ...old], tmpFor(ctx, base));
    }
    if (outcome.kind === 'unchanged') continue; // every row of the new files was there already
    written.push(month);
    if (outcome.kind === 'part') {
      // the new rows as one more file of the month
      ctx.outputs.add(outcome.path);
      files.set(month, [base, ...old, outcome.path]);
      folded.push(month);
      continue;
    }
    if (outcome.kind === 'rewritten' || outcome.kind === 'merged' || outcome.kind === 'since') folded.push(month);
    else {
      const monthSql = `select * from (${merge ? fromSourceMonth(ctx, sql, merge, month) : sql}) as model where ${inMonth(columns[0], month)} order by ${columns.join(', ')}`;
      await copyToParquet(ctx, await narrowToMonth(ctx, monthSql, month), tmpFor(ctx, base));
    }
    // one file for the month: the last build's parts are emptied
    ctx.outputs.add(base);
    for (const part of old) {
      await copyToParquet(ctx, `${readParquetSql([part])} limit 0`, tmpFor(ctx, part));
      ctx.outputs.add(part);
      ctx.retired.push(part);
    }
    files.set(month, [base]);
  }
  const finalFiles = ctx.universe.flatMap((m) => files.get(m)!);
  const buildFiles = finalFiles.map((f) => asBuilt(ctx, f));
  ctx.rebuiltMonths.set(relation, written);
  ctx.monthFiles.set(relation, files);
  const hadMonths = ctx.previous?.months[relation]?.join(',');
  if (ctx.mode === 'incremental' && !ctx.stale.has(relation) && written.length === 0 && hadMonths === ctx.universe.join(',')) ctx.unchanged.add(relation);
  const empty = buildFiles.length === 0 ? await emptyRelation(ctx, sql) : null;
  await ctx.connection.run(`create view ${relation} as ${empty ?? readParquetSql(buildFiles)}`);
  ctx.warehouse.push({ relation, sql: empty ?? readParquetSql(finalFiles), comment: model.grain });
  ctx.months[relation] = [...ctx.universe];
  return {
    relation,
    materialized: 'monthly',
    rows: await modelRows(ctx, finalFiles),
    rebuiltMonths: written,
    keptMonths: ctx.universe.length - written.length,
    ...(fold || merge || since ? { foldedMonths: folded } : {}),
    ms: Date.now() - started,
  };
}

/**
 * A table or incremental model of an incremental build whose last output is still its output: its SQL is the
 * last build's, its last output is there (with the declared columns, for an incremental model), it reads no
 * other model's last output (`previous.<other>` moves with every build), and every relation it reads is
 * unchanged (a staging view no new lake file of its streams reached, a monthly relation with no month
 * written, a model kept in turn). A model's rows depend only on what it reads (no clock, no randomness in
 * sql/), and an incremental model refreshed with nothing new gives its last rows (sql-files.ts
 * PreviousColumn), so the daemon's refreshes after an activities sync leave the snapshot chain alone.
 */
function unchangedInputs(ctx: BuildContext, model: Model): boolean {
  if (ctx.mode !== 'incremental' || ctx.stale.has(model.relation)) return false;
  if (model.materialized.kind === 'incremental' && !ctx.previousKept.has(model.relation)) return false;
  if (!existsSync(finalPath(ctx.modelsDir, model.relation))) return false;
  if (model.previousRefs.some((name) => name !== model.name)) return false;
  return model.refs.every((ref) => ctx.unchanged.has(ref));
}

/** A merge model's SQL reading, for its source, only the given files (the source's rows of one month, or its new rows). */
function fromSource(sql: string, merge: MergeSpec, files: string[]): string {
  return sql.replace(new RegExp(`\\b${merge.source.replace('.', '\\.')}\\b`, 'g'), `(${readParquetSql(files)})`);
}

/** A merge model's SQL for one month: its source's files of that month, as this build leaves them. */
function fromSourceMonth(ctx: BuildContext, sql: string, merge: MergeSpec, month: string): string {
  const files = ctx.monthFiles.get(merge.source)?.get(month);
  return files?.length ? fromSource(sql, merge, files.map((f) => asBuilt(ctx, f))) : sql;
}

/**
 * A month of a `merge(source)` model whose source folded new rows into the month: the model over those rows
 * alone, combined with the month's last rows by the `-- merge:` query, written as the month's data.parquet.
 */
async function mergeMonth(
  ctx: BuildContext,
  model: Model,
  sql: string,
  columns: string[],
  merge: MergeSpec,
  delta: string,
  previousFiles: string[],
  tmp: string,
): Promise<FoldOutcome> {
  const previous = readParquetSql(previousFiles);
  const added = fromSource(sql, merge, [delta]);
  const shape = await columnsOf(ctx, previous);
  if (shape !== (await columnsOf(ctx, added))) return { kind: 'rebuild' };
  await ctx.connection.run(`create or replace temp table merge_added as ${added}`);
  // The merge groups on the first column (the day), so only the month's last rows from the new rows' least
  // first value on can combine with them: those are merged with the new rows and written after the earlier
  // ones, which are copied as they are, in their (sorted) order. Merging and sorting the whole month took a
  // second for the actors' counts at 100 M; a new day (and a few late activities of the day before) merges
  // a day or two. A null first value anywhere: the whole month is merged and sorted.
  const [first] = columns;
  const [bound] = (
    await ctx.connection.runAndReadAll(
      `select typeof(lo) as type, cast(lo as varchar) as lo, ` +
        `(select count(*) from merge_added where ${first} is null) + (select count(*) from (${previous}) as p where ${first} is null) as nulls ` +
        `from (select min(${first}) as lo from merge_added) as b`,
    )
  ).getRowObjectsJS() as { type: string; lo: string | null; nulls: bigint | number }[];
  const cut = previousFiles.length === 1 && bound.lo !== null && Number(bound.nulls) === 0 ? `cast(${sqlString(bound.lo)} as ${bound.type})` : null;
  await ctx.connection.run(`create or replace temp view month_rows as ${previous}${cut ? ` where ${first} >= ${cut}` : ''} union all select * from merge_added`);
  try {
    const merged = `select * from (${body(merge.sql)}) as merged`;
    const got = await columnsOf(ctx, merged);
    if (got !== shape) {
      throw new ModelBuildError(`${relative(process.cwd(), model.path) || model.path}: the \`-- merge:\` query gives the columns (${got}), not the model's (${shape})`);
    }
    const order = columns.join(', ');
    await copyToParquet(ctx, cut ? `${previous} where ${first} < ${cut} union all (${merged} order by ${order})` : `${merged} order by ${order}`, tmp);
  } finally {
    await ctx.connection.run('drop view if exists month_rows');
    await ctx.connection.run('drop table if exists merge_added');
  }
  return { kind: 'merged' };
}

type SinceCut = { kind: 'keep' } | { kind: 'full' } | { kind: 'from'; at: string };

/**
 * The moment from which a month of a `since(source)` model must be recomputed: the least of the source's new
 * rows of the month (its fold's delta) and the earliest changed moment of each as-of history it joins
 * (horizon.ts). `keep`: nothing it reads changed in the month; `full`: the whole month (the source recomputed
 * the month, a history changed before it or without bound, or the model reads anything else that may change).
 */
async function sinceCut(ctx: BuildContext, model: Model, since: string, column: string, month: string): Promise<SinceCut> {
  const moments: string[] = [];
  for (const ref of model.refs) {
    if (ref === since || ref.startsWith('seeds.')) continue;
    if (!AS_OF_SOURCES[ref]) return { kind: 'full' };
    const horizon = ctx.horizons.get(ref);
    if (!horizon || horizon.kind === 'all') return { kind: 'full' };
    if (horizon.kind === 'from') moments.push(`timestamptz '${horizon.at}+00'`);
  }
  if (ctx.rebuiltMonths.get(since)?.includes(month)) {
    const delta = ctx.deltas.get(since)?.get(month);
    if (!delta) return { kind: 'full' };
    moments.push(`(select min(${column}) from read_parquet(${sqlString(delta)}))`);
  }
  if (moments.length === 0) return { kind: 'keep' };
  const start = `timestamptz '${month}-01 00:00:00+00'`;
  const reader = await ctx.connection.runAndReadAll(
    `select strftime(cut, '%Y-%m-%d %H:%M:%S.%f') as at, cut < ${start} as before, cut >= ${start} + interval 1 month as after ` +
      `from (select least(${moments.join(', ')}) as cut) as c`,
  );
  const [row] = reader.getRowObjectsJS() as { at: string | null; before: boolean | null; after: boolean | null }[];
  if (row.at === null || row.after) return { kind: 'keep' };
  return row.before ? { kind: 'full' } : { kind: 'from', at: row.at };
}

/** A since model's month: the last build's rows before `at`, and the model's rows from `at` on. */
async function recomputeSince(ctx: BuildContext, sql: string, columns: string[], month: string, at: string, previousFiles: string[], tmp: string): Promise<FoldOutcome> {
  const previous = readParquetSql(previousFiles);
  const cut = `timestamptz '${at}+00'`;
  const recomputed = await narrowToMonth(ctx, `select * from (${sql}) as model where ${inMonth(columns[0], month)} and ${columns[0]} >= ${cut}`, month);
  if ((await columnsOf(ctx, previous)) !== (await columnsOf(ctx, recomputed))) return { kind: 'rebuild' };
  await copyToParquet(ctx, `select * from (${previous} where ${columns[0]} < ${cut} union all ${recomputed}) as month order by ${columns.join(', ')}`, tmp);
  return { kind: 'since' };
}

/** `<column>` within the UTC month. */
function inMonth(column: string, month: string): string {
  const from = `timestamptz '${month}-01 00:00:00+00'`;
  return `${column} >= ${from} and ${column} < ${from} + interval 1 month`;
}

type FoldOutcome =
  /** no new row: the month's files stay */
  | { kind: 'unchanged' }
  /** the new rows, sorted, written as one more file of the month (`path`: its final path; written under _build/) */
  | { kind: 'part'; path: string; delta: string }
  /** the month's files and the new rows written as one data.parquet (under _build/); `delta`: the new rows alone */
  | { kind: 'rewritten'; delta: string }
  /** a merge model's month: its last rows and the new rows' aggregate combined, as one data.parquet (under _build/) */
  | { kind: 'merged' }
  /** a since model's month: its last rows before the cut and the rows from the cut on recomputed, as one data.parquet (under _build/) */
  | { kind: 'since' }
  /** the last build's files do not have the model's columns: the caller recomputes the month */
  | { kind: 'rebuild' };

/**
 * Folds a month of a `fold(key)` model: the rows the model gives for the activity files of the month committed
 * since the last build (appends, and compactions, whose files repeat rows the month has), less those whose
 * key the month's files already have, sorted. Up to MAX_FOLD_PARTS they are written as one more part file of
 * the month; the fold after that writes the month's files and the new rows as one data.parquet, sorted
 * again only if the files do not follow each other (an activity indexed late).
 */
async function foldMonth(ctx: BuildContext, sql: string, columns: string[], key: string[], month: string, previousFiles: string[]): Promise<FoldOutcome> {
  const previous = readParquetSql(previousFiles);
  const newSql = await narrowToMonth(ctx, `select * from (${sql}) as model where ${inMonth(columns[0], month)}`, month, true);
  if ((await columnsOf(ctx, previous)) !== (await columnsOf(ctx, newSql))) return { kind: 'rebuild' };
  const sameKey = key.map((k) => `kept.${k} = model.${k}`).join(' and ');
  // A row the month has is the same row (a fold model's row comes from one source row, the same for every
  // delivery), so its first column lies within the range of the new rows of its day: the month's files, each
  // sorted on that column, are read only within those ranges (Parquet row-group statistics as literal bounds).
  await ctx.connection.run(`create or replace temp table fold_new as ${newSql}`);
  try {
    const [first] = columns;
    // one range per day of the new rows (a timestamp column; else one range): a few late activities of earlier
    // days would otherwise stretch one range back over most of the month
    const dayOf = (await columnsOf(ctx, `select ${first} from fold_new`)).endsWith(' TIMESTAMP WITH TIME ZONE') ? `date_trunc('day', ${first})` : 'true';
    const bounds = await ctx.connection.runAndReadAll(
      `select typeof(lo) as type, cast(lo as varchar) as lo, cast(hi as varchar) as hi ` +
        `from (select min(${first}) as lo, max(${first}) as hi from fold_new where ${first} is not null group by ${dayOf}) as b order by b.lo`,
    );
    const ranges = bounds.getRowObjectsJS() as { type: string; lo: string; hi: string }[];
    if (ranges.length === 0) return { kind: 'unchanged' };
    const kept = ranges
      .map((r) => `select ${key.join(', ')} from (${previous} where ${first} between cast(${sqlString(r.lo)} as ${r.type}) and cast(${sqlString(r.hi)} as ${r.type}))`)
      .join(' union all ');
    // an anti join, not `not exists`: DuckDB plans the correlated subquery as a delim join, 4-5 times slower here
    await ctx.connection.run(`create or replace temp table fold_rows as select model.* from fold_new as model anti join (${kept}) as kept on ${sameKey}`);
  } finally {
    await ctx.connection.run('drop table if exists fold_new');
  }
  try {
    const counted = await ctx.connection.runAndReadAll('select count(*) as n from fold_rows');
    if (Number(counted.getRowObjectsJS()[0].n) === 0) return { kind: 'unchanged' };
    const order = columns.join(', ');
    if (previousFiles.length <= ctx.maxFoldParts) {
      const path = join(dirname(previousFiles[0]), `fold-${ctx.lake.head.seq}.parquet`);
      await copyToParquet(ctx, `select * from fold_rows order by ${order}`, tmpFor(ctx, path));
      return { kind: 'part', path, delta: tmpFor(ctx, path) };
    }
    // the new rows alone, for the models that merge them (in _build/, never published)
    const delta = join(ctx.buildDir, '_delta', relative(ctx.modelsDir, previousFiles[0]));
    await copyToParquet(ctx, `select * from fold_rows`, delta);
    // one file again: in order if every file (and then the new rows) starts after the one before it ends
    type Bounds = { f: string; lo: bigint | null; hi: bigint | null };
    const bounds = async (sql: string) => (await ctx.connection.runAndReadAll(sql)).getRowObjectsJS() as Bounds[];
    const [first] = columns;
    const byFile = new Map(
      (
        await bounds(
          `select filename as f, epoch_us(min(${first})) as lo, epoch_us(max(${first})) as hi ` +
            `from read_parquet([${previousFiles.map(sqlString).join(', ')}], filename = true, hive_partitioning = false) group by filename`,
        )
      ).map((b) => [b.f, b]),
    );
    const [added] = await bounds(`select '' as f, epoch_us(min(${first})) as lo, epoch_us(max(${first})) as hi from fold_rows`);
    const sequence = [...previousFiles.map((f) => byFile.get(f)), added].filter((b): b is Bounds => b !== undefined && b.lo !== null);
    const strict = columns.length > 1; // a tie on the first column may need the others
    const inOrder = sequence.every((b, i) => i === 0 || (strict ? b.lo! > sequence[i - 1].hi! : b.lo! >= sequence[i - 1].hi!));
    await copyToParquet(
      ctx,
      inOrder
        ? `${previous} union all (select * from fold_rows order by ${order})`
        : `select * from (${previous} union all select * from fold_rows) as month order by ${order}`,
      tmpFor(ctx, previousFiles[0]),
    );
    return { kind: 'rewritten', delta };
  } finally {
    await ctx.connection.run('drop table if exists fold_rows');
  }
}

/**
 * A monthly model's SQL for one month, reading the staging views over the activities stream through views of
 * only that month's day partitions (`month_staging.<name>`): the day partitions are the UTC dates of
 * created_at, so the month's rows are all there, and DuckDB binds and opens about 30 files instead of every
 * file of six years (400 ms per view and month at 2 000 files). A monthly model partitioned on another
 * column than the activity's created_at must not read those views (schema/models.md).
 */
async function narrowToMonth(ctx: BuildContext, sql: string, month: string, onlyAddedSince = false): Promise<string> {
  let narrowed = sql;
  const scope = onlyAddedSince ? `${month}, added since the last build` : month;
  for (const staging of ctx.sourceStaging) {
    const reference = new RegExp(`\\b${staging.relation.replace('.', '\\.')}\\b`, 'g');
    if (!reference.test(narrowed)) continue;
    const view = `${ctx.monthSchema}.${staging.name}`;
    if (ctx.monthViews.get(view) !== scope) {
      const keep = (f: ManifestFile) =>
        f.stream !== MONTHLY_SOURCE_STREAM || (monthOf(f.date) === month && (!onlyAddedSince || ctx.addedSince.has(f.path)));
      await ctx.connection.run(`create or replace view ${view} as ${renderLakeSources(body(staging.sql), ctx.lake, manifestTablePath(ctx.modelsDir), keep, ctx.schemas)}`);
      ctx.monthViews.set(view, scope);
    }
    narrowed = narrowed.replace(reference, view);
  }
  return narrowed;
}

/**
 * An incremental model: its last output is `previous.<name>` (empty on a full build, when there is none, or
 * when its columns are not the declared ones), `{{ literal(...) }}` is evaluated, and the result written as
 * one file like a table. The output must have the declared columns, or the next build could not read it.
 */
async function buildIncremental(ctx: BuildContext, model: Model, sql: string, declared: PreviousColumn[], started: number): Promise<RelationReport> {
  const final = finalPath(ctx.modelsDir, model.relation);
  const folded = ctx.previousKept.has(model.relation);
  const narrowed = folded && model.newLakeFiles.length > 0 ? await onlyNewLakeFiles(ctx, model, sql) : { sql, files: null };
  const rendered = await renderLiterals(ctx, narrowed.sql);
  const tmp = tmpPath(ctx, model.relation);
  await copyToParquet(ctx, rendered, tmp);
  const want = await columnsOf(ctx, declaredEmpty(declared));
  const got = await columnsOf(ctx, readParquetSql([tmp]));
  if (want !== got) {
    throw new ModelBuildError(`${relative(process.cwd(), model.path) || model.path}: the output's columns (${got}) are not the ones \`-- previous:\` declares (${want})`);
  }
  await ctx.connection.run(`create view ${model.relation} as ${readParquetSql([tmp])}`);
  ctx.outputs.add(final);
  ctx.warehouse.push({ relation: model.relation, sql: readParquetSql([final]), comment: model.grain });
  return {
    relation: model.relation,
    materialized: 'incremental',
    rows: await modelRows(ctx, [final]),
    folded,
    ...(model.newLakeFiles.length ? { newLakeFiles: narrowed.files } : {}),
    ms: Date.now() - started,
  };
}

/**
 * An incremental model that starts from its last output, with its `-- new lake files:` staging views read
 * through views of only the lake files committed since the last build (`new_staging.<name>`): the snapshots it
 * reads are all in those files (sql-files.ts readsNewLakeFiles), and DuckDB then opens a few files instead of
 * every snapshot file of six years (about 2 s of footers per stream at 100 M on a loaded machine).
 */
async function onlyNewLakeFiles(ctx: BuildContext, model: Model, sql: string): Promise<{ sql: string; files: number }> {
  const keep = (f: ManifestFile) => ctx.addedSince.has(f.path);
  let narrowed = sql;
  let files = 0;
  for (const relation of model.newLakeFiles) {
    const staging = ctx.staging.get(relation)!;
    const view = `${ctx.newSchema}.${staging.name}`;
    await ctx.connection.run(`create or replace view ${view} as ${renderLakeSources(body(staging.sql), ctx.lake, manifestTablePath(ctx.modelsDir), keep, ctx.schemas)}`);
    for (const stream of lakeStreams(staging.sql)) files += ctx.lake.files(stream).filter(keep).length;
    narrowed = narrowed.replace(new RegExp(`\\b${relation.replace('.', '\\.')}\\b`, 'g'), view);
  }
  return { sql: narrowed, files };
}

/** The declared columns of an incremental model, and no rows. */
function declaredEmpty(declared: PreviousColumn[]): string {
  return `select ${declared.map((c) => `cast(null as ${c.type}) as ${c.name}`).join(', ')} where false`;
}

/**
 * Before any model runs, `previous.<name>` of every incremental model: its last output (empty on a full build,
 * when it is stale, missing, or its columns are not the declared ones). Created up front, so a model can read
 * the last output of another incremental model as well as its own, and both come from the same last build.
 */
async function createPreviousViews(ctx: BuildContext, models: Model[]): Promise<void> {
  for (const model of models) {
    const m = model.materialized;
    if (m.kind !== 'incremental') continue;
    const final = finalPath(ctx.modelsDir, model.relation);
    let previous = declaredEmpty(m.previous);
    if (ctx.mode === 'incremental' && !ctx.stale.has(model.relation) && existsSync(final)) {
      const names = (await describe(ctx, readParquetSql([final]))).map((c) => c.column_name);
      if (names.join(',') === m.previous.map((c) => c.name).join(',')) {
        previous = `select ${m.previous.map((c) => `cast(${c.name} as ${c.type}) as ${c.name}`).join(', ')} from read_parquet(${sqlString(final)})`;
        ctx.previousKept.add(model.relation);
      }
    }
    await ctx.connection.run(`create view previous.${model.name} as ${previous}`);
  }
}

async function describe(ctx: BuildContext, sql: string): Promise<{ column_name: string; column_type: string }[]> {
  const reader = await ctx.connection.runAndReadAll(`describe select * from (${sql}) as relation`);
  return reader.getRowObjectsJS() as { column_name: string; column_type: string }[];
}

/** A relation's columns as `name TYPE, ...` (to compare two relations' shapes). */
async function columnsOf(ctx: BuildContext, sql: string): Promise<string> {
  return (await describe(ctx, sql)).map((c) => `${c.column_name} ${c.column_type}`).join(', ');
}

const LITERAL = /\{\{\s*literal\(([\s\S]*?)\)\s*\}\}/g;

/** Replaces each `{{ literal(<query>) }}` by the query's one value as a typed literal (`cast('…' as T)`). */
async function renderLiterals(ctx: BuildContext, sql: string): Promise<string> {
  const values = new Map<string, string>();
  for (const [, query] of sql.matchAll(LITERAL)) {
    if (values.has(query)) continue;
    let rows: { type: string; text: string | null }[];
    try {
      const reader = await ctx.connection.runAndReadAll(`select typeof(v) as type, cast(v as varchar) as text from (${query}) as q(v)`);
      rows = reader.getRowObjectsJS() as { type: string; text: string | null }[];
    } catch (err) {
      throw new ModelBuildError(`{{ literal(${query.trim()}) }}: ${(err as Error).message}`);
    }
    if (rows.length !== 1) throw new ModelBuildError(`{{ literal(${query.trim()}) }} must return one row; it returned ${rows.length}`);
    const [{ type, text }] = rows;
    values.set(query, text === null ? `cast(null as ${type === 'NULL' ? 'varchar' : type})` : `cast(${sqlString(text)} as ${type})`);
  }
  return sql.replace(LITERAL, (_m, query: string) => values.get(query)!);
}

/**
 * Full: every month. Incremental: months new lake files touched, months the last build did not have, and
 * the months from the earliest change of any history the model joins as of the event time. `foldable`: the
 * months rebuilt only because new files touched them (the last build's file of the month is still right).
 */
async function monthsToRebuild(ctx: BuildContext, model: Model): Promise<{ months: string[]; foldable: Set<string> }> {
  if (ctx.mode === 'full' || !ctx.previous || ctx.stale.has(model.relation)) return { months: [...ctx.universe], foldable: new Set() };
  const had = new Set(ctx.previous.months[model.relation] ?? []);
  const foldable = new Set(ctx.universe.filter((m) => ctx.touched.has(m) && had.has(m)));
  const months = new Set(ctx.universe.filter((m) => ctx.touched.has(m) || !had.has(m)));
  const forced = (m: string) => {
    months.add(m);
    foldable.delete(m);
  };
  for (const ref of model.refs) {
    if (!AS_OF_SOURCES[ref]) continue;
    let horizon = ctx.horizons.get(ref);
    if (!horizon) {
      const previousFile = finalPath(ctx.modelsDir, ref);
      horizon = await asOfHorizon(ctx.connection, ref, existsSync(previousFile) ? previousFile : null);
      ctx.horizons.set(ref, horizon);
    }
    if (horizon.kind === 'all') return { months: [...ctx.universe], foldable: new Set() };
    if (horizon.kind === 'from') for (const m of ctx.universe) if (m >= horizon.month) forced(m);
  }
  return { months: ctx.universe.filter((m) => months.has(m)), foldable };
}

/** A relation with the model's columns and no rows (a monthly model before the lake has any month). */
async function emptyRelation(ctx: BuildContext, sql: string): Promise<string> {
  const reader = await ctx.connection.runAndReadAll(`describe select * from (${sql}) as model`);
  const columns = reader.getRowObjectsJS() as { column_name: string; column_type: string }[];
  return `select ${columns.map((c) => `cast(null as ${c.column_type}) as "${c.column_name.replaceAll('"', '""')}"`).join(', ')} where false`;
}

/** The statement of a file: without a trailing semicolon, so it can be wrapped. */
function body(sql: string): string {
  // trailing comment lines go, and the statement ends on a new line: a wrapping `(...)` must not land inside a
  // `-- comment` that ends the file
  const lines = sql.trimEnd().split('\n');
  while (lines.length > 1 && /^\s*(--.*)?$/.test(lines[lines.length - 1])) lines.pop();
  return `${lines.join('\n').replace(/;\s*(--[^\n]*)?$/, '')}\n`;
}

// ---- tests ---------------------------------------------------------------------------------------

/**
 * Runs sql/tests. In an incremental build a test sees, of each monthly relation, only the months this build
 * wrote, any of them (the months it kept passed the same tests when they were written, and a change of the
 * directory history rewrites every month it alters); a test with `-- scope: added` (a rule about each row
 * alone) sees only the rows this build added: of a month a fold added rows to, those rows (the rows it kept
 * passed when they were written); a test with `-- scope: all` sees everything, and so do all tests once after
 * any of them changed. Tables are whole.
 */
async function runTests(ctx: BuildContext, instance: DuckDBInstance, tests: SqlTest[], concurrency: number): Promise<{ name: string; ms: number }[]> {
  const results: ({ passed: { name: string; ms: number } } | { failed: TestFailure })[] = [];
  // one set of months for every monthly relation, so rules across relations compare like with like
  const months = new Set([...ctx.rebuiltMonths.values()].flat());
  const scoped = ctx.mode === 'incremental' && !ctx.testsChanged ? Object.keys(ctx.months).filter((relation) => ctx.months[relation].length > 0) : [];
  // tests that see the same views run together: a `keys` test's views depend on its key
  const group = (t: SqlTest) => (t.scope === 'keys' ? `keys(${t.key!.join(', ')})` : t.scope);
  const order: SqlTest['scope'][] = ['added', 'keys', 'rebuilt', 'all'];
  const ordered = scoped.length ? order.flatMap((scope) => tests.filter((t) => t.scope === scope).sort((a, b) => group(a).localeCompare(group(b)))) : tests;
  const views = new Map<string, Map<string, string>>(['added', 'rebuilt', 'all', ...ordered.map(group)].map((g) => [g, new Map()]));
  for (const relation of scoped) {
    const files = (m: string) => ctx.monthFiles.get(relation)!.get(m)!.map((f) => asBuilt(ctx, f));
    const all = ctx.months[relation].flatMap(files);
    const nothing = `${readParquetSql(all.slice(0, 1))} where false`;
    const shownMonths = ctx.months[relation].filter((m) => months.has(m));
    const shown = shownMonths.flatMap(files);
    // the rows a fold added to a month (a string: its file; null: none), else the month as written
    const deltas = ctx.deltas.get(relation);
    const written = new Set(ctx.rebuiltMonths.get(relation) ?? []);
    const added = shownMonths.filter((m) => written.has(m)).flatMap((m) => {
      const delta = deltas?.get(m);
      return delta === undefined ? files(m) : delta === null ? [] : [delta];
    });
    views.get('added')!.set(relation, added.length ? readParquetSql(added) : nothing);
    views.get('rebuilt')!.set(relation, shown.length ? readParquetSql(shown) : nothing);
    views.get('all')!.set(relation, readParquetSql(all));
    // a key rule sees the months written, narrowed to the keys of the added rows: a refresh probes a month's key
    // column with a day's keys instead of grouping the month (activities_id_unique: 0.4-0.6 s at 100 M,
    // BENCHMARKS.md, issue 13, refresh18). Only for the relations its tests name (the key is theirs).
    for (const test of ordered.filter((t) => t.scope === 'keys' && new RegExp(`\\b${relation.replace('.', '\\.')}\\b`).test(t.sql))) {
      const on = test.key!.map((k) => `month_rows.${k} = added_rows.${k}`).join(' and ');
      const keyed =
        shown.length && added.length
          ? `select month_rows.* from (${readParquetSql(shown)}) as month_rows semi join (select distinct ${test.key!.join(', ')} from (${readParquetSql(added)})) as added_rows on ${on}`
          : nothing;
      views.get(group(test))!.set(relation, keyed);
    }
  }
  const runOne = async (connection: DuckDBConnection, test: SqlTest) => {
    const started = Date.now();
    const sql = body(test.sql);
    let rows: Record<string, unknown>[];
    try {
      const reader = await connection.runAndReadAll(`select * from (${sql}) as failing limit ${SHOWN_FAILING_ROWS}`);
      rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    } catch (err) {
      throw new ModelBuildError(`${relative(process.cwd(), test.path) || test.path} (test ${test.name}): ${(err as Error).message}`);
    }
    if (rows.length === 0) return { passed: { name: test.name, ms: Date.now() - started } };
    const counted = await connection.runAndReadAll(`select count(*) as n from (${sql}) as failing`);
    return { failed: { test: test.name, path: test.path, rule: test.rule, count: Number(counted.getRowObjectsJS()[0].n), rows } };
  };
  // the tests of one scope see the same views: they run at once, on as many connections as models do
  const connections = [ctx.connection];
  try {
    for (let i = 1; i < concurrency; i++) connections.push(await connectUtc(instance));
    let showing: string | null = null;
    for (let from = 0; from < ordered.length; ) {
      const scope = group(ordered[from]);
      let to = from;
      while (to < ordered.length && (!scoped.length || group(ordered[to]) === scope)) to++;
      if (scoped.length && showing !== scope) {
        // a keys test sees every month written of the relations it does not name by its key
        if (ordered[from].scope === 'keys') for (const [relation, sql] of views.get('rebuilt')!) await ctx.connection.run(`create or replace view ${relation} as ${sql}`);
        for (const [relation, sql] of views.get(scope)!) await ctx.connection.run(`create or replace view ${relation} as ${sql}`);
        showing = scope;
      }
      let next = from;
      let failure: { error: unknown } | null = null;
      await Promise.all(
        connections.map(async (connection) => {
          while (next < to && !failure) {
            const i = next++;
            try {
              results[i] = await runOne(connection, ordered[i]);
            } catch (error) {
              failure ??= { error };
            }
          }
        }),
      );
      if (failure) throw (failure as { error: unknown }).error;
      from = to;
    }
    // the views read every month again (ensureAlertMarts and whatever runs after the tests)
    if (showing !== null && showing !== 'all') for (const [relation, sql] of views.get('all')!) await ctx.connection.run(`create or replace view ${relation} as ${sql}`);
  } finally {
    for (const connection of connections.slice(1)) connection.closeSync();
  }
  const failures = results.flatMap((r) => ('failed' in r ? [r.failed] : []));
  if (failures.length) throw new ModelTestError(failures);
  return results.flatMap((r) => ('passed' in r ? [r.passed] : []));
}

function formatFailure(f: TestFailure): string {
  const shown = f.rows.map((r) => `      ${JSON.stringify(r)}`).join('\n');
  const more = f.count > f.rows.length ? `\n      … and ${f.count - f.rows.length} more` : '';
  return `  ${relative(process.cwd(), f.path) || f.path}: ${f.count} row(s) break "${f.rule}"\n${shown}${more}`;
}

// ---- publishing ----------------------------------------------------------------------------------

/**
 * Renames every new file over its final name. The state is cleared first: a crash in the middle leaves
 * no state, so the next build is full.
 */
function publish(ctx: BuildContext): void {
  clearState(ctx.modelsDir);
  for (const final of ctx.outputs) {
    mkdirSync(dirname(final), { recursive: true });
    renameSync(tmpFor(ctx, final), final);
  }
}

/**
 * Once the new warehouse is in place: a full build removes the model files it did not write; an incremental
 * one, the part files the last build emptied (the warehouse before this one no longer lists them).
 */
function removeUnused(ctx: BuildContext): void {
  if (ctx.mode === 'full') removeUnwritten(ctx.modelsDir, ctx.outputs);
  for (const file of ctx.previous?.retired ?? []) {
    const abs = join(ctx.modelsDir, file);
    if (!ctx.outputs.has(abs)) rmSync(abs, { force: true });
  }
}

function removeUnwritten(modelsDir: string, keep: Set<string>): void {
  // the alert marts are the detection engine's, not a model's
  const alertDirs = new Set(ALERT_MART_RELATIONS.map((r) => join(modelsDir, ...r.split('.'))));
  const walk = (dir: string): boolean => {
    let empty = true;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      if (alertDirs.has(abs)) {
        empty = false;
        continue;
      }
      if (entry.isDirectory()) {
        if (walk(abs)) rmdirSync(abs);
        else empty = false;
      } else if (entry.name.endsWith('.parquet') && !keep.has(abs)) {
        rmSync(abs, { force: true });
      } else {
        empty = false;
      }
    }
    return empty;
  };
  for (const schema of ['seeds', 'staging', 'intermediate', 'marts']) {
    const dir = join(modelsDir, schema);
    if (existsSync(dir) && walk(dir)) rmdirSync(dir);
  }
}

function vanishedFile(err: unknown): boolean {
  if (err instanceof LakeCorruptError) return err.problems.every((p) => p.endsWith('committed file is missing'));
  return namesMissingLakeFile(err instanceof Error ? err.message : '');
}
