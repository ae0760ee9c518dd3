// The SQL project under sql/: one file per relation, its layer given by its folder (staging, intermediate,
// marts) and its dependencies by the `schema.relation` names its text mentions; plus sql/tests, queries that
// return the rows breaking a rule. Reads the files, checks the layering and orders the models.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Build order of the layers; a model may read its own layer and the ones before it. */
export const LAYERS = ['staging', 'intermediate', 'marts'] as const;
export type Layer = (typeof LAYERS)[number];

/** Schemas a model may name: the layers, and `seeds` (tables the runner loads, such as the activity-type catalog). */
const SCHEMAS = ['seeds', ...LAYERS] as const;

/**
 * How a model is kept: a view (staging, and cheap models), one Parquet file (`table`), or one Parquet file per
 * UTC month of a timestamp column (`monthly(created_at, id)`: the first column partitions, all of them sort
 * the rows within a file), so an incremental build rewrites only the months new data touches.
 *
 * `monthly(created_at) fold(id)`: a month the last build wrote and new lake files touched is not recomputed
 * from every file of the month: the build keeps the month's file and appends the rows the model gives for
 * the activity files committed since, less those whose key the month already has. That is the same result
 * only for a model whose every row comes from one source row, the same for every delivery of it (no
 * aggregate, no window across rows, no join to a history that changes): schema/models.md.
 *
 * `monthly(day, type) merge(marts.activities)`: an aggregate over the rows of a `fold(...)` model of the same
 * months. A month is computed from only that month's files of the source (not the whole relation), and when
 * the source folded new rows into a month the last build of this model wrote, those rows alone are
 * aggregated and combined with the month's last rows by the header's `-- merge:` query, which reads both as
 * `month_rows` (a count becomes a sum, a min stays a min). The merge groups on the first monthly column (only
 * the month's rows from the new rows' least value of it on are merged): schema/models.md.
 *
 * `monthly(created_at, id) since(marts.activities)`: each row comes from one row of a `fold(...)` model of the
 * same months (partitioned on the same column), possibly joined to directory history as of that column. A
 * month the last build wrote is recomputed only from the earliest moment anything it reads changed: the
 * source's new rows, or the history's earliest changed moment (horizon.ts); its rows before that moment are
 * kept: schema/models.md.
 */
export type Materialization =
  | { kind: 'view' }
  | { kind: 'table' }
  | { kind: 'monthly'; columns: string[]; fold?: string[]; merge?: MergeSpec; since?: string }
  | { kind: 'incremental'; previous: PreviousColumn[] };

export interface MergeSpec {
  /** The `fold(...)` monthly relation whose new rows this model aggregates, e.g. `marts.activities`. */
  source: string;
  /** The `-- merge:` query over `month_rows` (the month's last rows and the new rows' aggregate, same columns). */
  sql: string;
}

/**
 * `incremental`: one Parquet file, computed from the model's own previous output plus new data. The model reads
 * its last build as `previous.<name>` (plain SQL); the header line `-- previous: name type, ...` gives that
 * relation's columns for the first build, when it is empty. `{{ literal(<query>) }}` is replaced by the value
 * of a one-value query (over `previous.<name>`) as a typed SQL literal, so a filter on it reaches the Parquet
 * scans (a subquery would not). The SQL must give the same rows whether or not there was a previous build.
 */
export interface PreviousColumn {
  name: string;
  type: string;
}

export interface Model {
  layer: Layer;
  name: string;
  /** `schema.name`, e.g. `marts.activities`. */
  relation: string;
  path: string;
  sql: string;
  /** The first line without `-- `: what one row is. */
  grain: string;
  materialized: Materialization;
  /** Relations (`schema.name`) this model reads, in the order of first mention. */
  refs: string[];
  /** Incremental models (names) whose last build's output this model reads as `previous.<name>`. */
  previousRefs: string[];
  /**
   * Incremental models: staging views (`-- new lake files: staging.x, ...`) that, when the model starts from its
   * last output, read only the lake files committed since the last build (see readsNewLakeFiles).
   */
  newLakeFiles: string[];
}

export interface SqlTest {
  name: string;
  path: string;
  sql: string;
  /** The first line without `-- `: the rule, said as what the returned rows break. */
  rule: string;
  /**
   * `rebuilt` (default): in an incremental build the test sees only the months of monthly relations that
   * build wrote. `all` (header line `-- scope: all`): every month, for rules across months. `added` (header
   * line `-- scope: added`): only the rows that build added, for rules about each row alone (one monthly
   * relation, tables joined as they are): of a month a fold added rows to, those rows (its part file, or its
   * delta when it rewrote the month); of any other month it wrote, the whole month. `keys` (header line
   * `-- scope: added key(col, ...)`): of the months that build wrote, the rows whose key the rows it added have
   * (a key rule: a duplicate needs a new row, and the month's other rows passed when they were written).
   */
  scope: 'rebuilt' | 'all' | 'added' | 'keys';
  /** `keys` tests: the key columns (`-- scope: added key(id)`). */
  key?: string[];
}

export interface SqlProject {
  dir: string;
  /** Every model in a valid build order: staging, then intermediate, then marts, dependencies first. */
  models: Model[];
  tests: SqlTest[];
}

export class SqlProjectError extends Error {
  override name = 'SqlProjectError';
}

const DEFAULT_MATERIALIZATION: Record<Layer, Materialization> = {
  staging: { kind: 'view' },
  intermediate: { kind: 'table' },
  marts: { kind: 'table' },
};

const NAME = /^[a-z][a-z0-9_]*$/;

export function readSqlProject(dir: string): SqlProject {
  if (!existsSync(dir)) throw new SqlProjectError(`no SQL project at ${dir}`);
  const models: Model[] = [];
  for (const layer of LAYERS) {
    for (const path of sqlFiles(join(dir, layer))) {
      const sql = readFileSync(path, 'utf8');
      models.push(parseModel(layer, path, sql));
    }
  }
  checkPreviousRefs(models);
  checkMergeSources(models);
  const tests: SqlTest[] = [];
  for (const path of sqlFiles(join(dir, 'tests'))) {
    const sql = readFileSync(path, 'utf8');
    tests.push({ name: basename(path, '.sql'), path, sql, rule: grainLine(path, sql), ...testScope(path, sql) });
  }
  return { dir, models: orderModels(models), tests };
}

function testScope(path: string, sql: string): Pick<SqlTest, 'scope' | 'key'> {
  const keyed = /^-- scope: *added key\(([^)]*)\) *$/m.exec(sql);
  if (keyed) {
    const key = keyed[1].split(',').map((c) => c.trim());
    if (!key.every((c) => NAME.test(c))) throw new SqlProjectError(`${path}: \`-- scope: added key(...)\` names columns (a, b), not "${keyed[1]}"`);
    return { scope: 'keys', key };
  }
  const m = /^-- scope: *([a-z]+) *$/m.exec(sql);
  return { scope: m?.[1] === 'all' ? 'all' : m?.[1] === 'added' ? 'added' : 'rebuilt' };
}

function sqlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => join(dir, f));
}

function grainLine(path: string, sql: string): string {
  const first = sql.split('\n', 1)[0].trim();
  if (!first.startsWith('-- ') || first.length < 5) throw new SqlProjectError(`${path}: the first line must say the grain, e.g. \`-- one row per activity\``);
  return first.slice(3).trim();
}

function parseModel(layer: Layer, path: string, sql: string): Model {
  const name = basename(path, '.sql');
  if (!NAME.test(name)) throw new SqlProjectError(`${path}: a model's file name must be lowercase letters, digits and underscores`);
  const grain = grainLine(path, sql);
  const code = stripComments(sql);
  if (layer !== 'staging' && /\{\{\s*lake(_manifest)?\(/.test(code)) {
    throw new SqlProjectError(`${path}: only staging models read the lake; read a staging view instead of {{ lake(...) }}`);
  }
  const previousRefs: string[] = [];
  for (const m of code.matchAll(/\bprevious\.([a-z_][a-z0-9_]*)\b/g)) if (!previousRefs.includes(m[1])) previousRefs.push(m[1]);
  const refs: string[] = [];
  for (const m of code.matchAll(/\b(seeds|staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b/g)) {
    const ref = `${m[1]}.${m[2]}`;
    if (!refs.includes(ref) && ref !== `${layer}.${name}`) refs.push(ref);
  }
  for (const ref of refs) {
    const schema = ref.split('.')[0] as (typeof SCHEMAS)[number];
    if (schema !== 'seeds' && LAYERS.indexOf(schema as Layer) > LAYERS.indexOf(layer)) {
      throw new SqlProjectError(`${path}: a ${layer} model cannot read ${ref} (a later layer)`);
    }
  }
  const materialized = materialization(layer, path, sql);
  if (materialized.kind === 'incremental' && !code.includes(`previous.${name}`)) {
    throw new SqlProjectError(`${path}: an incremental model reads its previous output as previous.${name}`);
  }
  const newLakeFiles = readsNewLakeFiles(path, sql, materialized, refs);
  return { layer, name, relation: `${layer}.${name}`, path, sql, grain, materialized, refs, previousRefs, newLakeFiles };
}

/**
 * `-- new lake files: staging.a, staging.b` in an incremental model's header: when the model starts from its
 * last output, those staging views read only the lake files committed since the last build (compactions'
 * files included), not every file of six years (a scan still opens the footer of every file it is given, even
 * when row-group statistics then skip all of it). Right only for a model that reads, of those views, nothing
 * the last build saw: e.g. snapshots later than the last output's latest, each snapshot being committed whole
 * and stamped later than every earlier one of its stream (schema/models.md). A full build reads every file.
 */
function readsNewLakeFiles(path: string, sql: string, materialized: Materialization, refs: string[]): string[] {
  const line = /^-- new lake files: *(.+)$/m.exec(sql);
  if (!line) return [];
  const names = line[1].split(',').map((n) => n.trim());
  if (materialized.kind !== 'incremental') throw new SqlProjectError(`${path}: \`-- new lake files:\` goes with \`-- materialized: incremental\``);
  for (const n of names) {
    if (!/^staging\.[a-z_][a-z0-9_]*$/.test(n) || !refs.includes(n)) {
      throw new SqlProjectError(`${path}: "${n}" in \`-- new lake files:\` is not a staging view this model reads`);
    }
  }
  return names;
}

/**
 * `previous.<name>` is the last build's output of an incremental model: its own, or another incremental model's
 * (to see what changed since, e.g. int_directory_subjects_touched). Any other name is refused.
 */
function checkPreviousRefs(models: Model[]): void {
  const incremental = new Set(models.filter((m) => m.materialized.kind === 'incremental').map((m) => m.name));
  for (const model of models) {
    for (const ref of model.previousRefs) {
      if (ref === model.name && model.materialized.kind === 'incremental') continue;
      if (ref !== model.name && incremental.has(ref)) continue;
      throw new SqlProjectError(
        `${model.path}: previous.${ref} is not the last output of an incremental model: a model reads its own previous output (previous.${model.name}, ` +
          `when it is incremental) or that of another incremental model`,
      );
    }
  }
}

/** A merge(...) or since(...) model reads its source, and the source is a monthly fold(...) model. */
function checkMergeSources(models: Model[]): void {
  for (const model of models) {
    const m = model.materialized;
    const named = m.kind === 'monthly' ? (m.merge?.source ?? m.since) : undefined;
    if (named === undefined) continue;
    const source = models.find((s) => s.relation === named)?.materialized;
    if (!model.refs.includes(named) || source?.kind !== 'monthly' || !source.fold) {
      throw new SqlProjectError(`${model.path}: ${m.kind === 'monthly' && m.merge ? 'merge' : 'since'}(${named}) names a monthly fold(...) model this model reads`);
    }
  }
}

/**
 * `-- materialized: view | table | monthly(column, ...) [fold(key, ...)] | incremental` on a line of the header
 * comment overrides the layer's default.
 */
function materialization(layer: Layer, path: string, sql: string): Materialization {
  const m = /^-- materialized: *(\w+)(?:\(([\w, ]+)\))?(?: +fold\(([\w, ]+)\))?(?: +merge\(([\w.]+)\))?(?: +since\(([\w.]+)\))? *$/m.exec(sql);
  if (!m) return DEFAULT_MATERIALIZATION[layer];
  if (layer === 'staging' && m[1] !== 'view') throw new SqlProjectError(`${path}: staging models are views over the lake`);
  const names = (list: string | undefined) => (list ?? '').split(',').map((c) => c.trim()).filter((c) => NAME.test(c));
  if (m[3] !== undefined && (m[1] !== 'monthly' || names(m[3]).length === 0)) {
    throw new SqlProjectError(`${path}: fold(key, ...) goes with monthly(column, ...) and names the key columns: "${m[0].slice(3)}"`);
  }
  if (m[4] !== undefined && (m[1] !== 'monthly' || m[3] !== undefined || !/^(intermediate|marts)\.[a-z_][a-z0-9_]*$/.test(m[4]))) {
    throw new SqlProjectError(`${path}: merge(schema.relation) goes with monthly(column, ...), without fold, and names the fold model it aggregates: "${m[0].slice(3)}"`);
  }
  if (m[5] !== undefined && (m[1] !== 'monthly' || m[3] !== undefined || m[4] !== undefined || !/^(intermediate|marts)\.[a-z_][a-z0-9_]*$/.test(m[5]))) {
    throw new SqlProjectError(`${path}: since(schema.relation) goes with monthly(column, ...), without fold or merge, and names the fold model it reads: "${m[0].slice(3)}"`);
  }
  if (m[1] === 'view' || m[1] === 'table') return { kind: m[1] };
  if (m[1] === 'incremental' && !m[2]) return { kind: 'incremental', previous: previousColumns(path, sql) };
  const columns = names(m[2]);
  if (m[1] === 'monthly' && columns.length > 0) {
    if (m[4] !== undefined) return { kind: 'monthly', columns, merge: { source: m[4], sql: mergeQuery(path, sql) } };
    if (m[5] !== undefined) return { kind: 'monthly', columns, since: m[5] };
    return m[3] === undefined ? { kind: 'monthly', columns } : { kind: 'monthly', columns, fold: names(m[3]) };
  }
  throw new SqlProjectError(`${path}: unknown materialization "${m[0].slice(3)}" (view, table, monthly(column, ...) [fold(key, ...) | merge(relation)] or incremental)`);
}

/** The `-- merge:` lines of a merge model's header, joined: a query over `month_rows`. */
function mergeQuery(path: string, sql: string): string {
  const lines = [...sql.matchAll(/^-- merge: *(.+)$/gm)].map((l) => l[1].trim());
  if (lines.length === 0 || !/\bmonth_rows\b/.test(lines.join(' '))) {
    throw new SqlProjectError(`${path}: a merge(...) model combines a month's rows in its header: \`-- merge: select ... from month_rows group by ...\``);
  }
  return lines.join('\n');
}

const TYPE = /^[A-Za-z][A-Za-z0-9_]*(\[\])?$/;

/** The `-- previous: name type, ...` header line of an incremental model. */
function previousColumns(path: string, sql: string): PreviousColumn[] {
  const line = /^-- previous: *(.+)$/m.exec(sql);
  if (!line) throw new SqlProjectError(`${path}: an incremental model declares its columns: \`-- previous: name type, ...\``);
  return line[1].split(',').map((part) => {
    const [name, type, ...rest] = part.trim().split(/\s+/);
    if (!name || !NAME.test(name) || !type || !TYPE.test(type) || rest.length) {
      throw new SqlProjectError(`${path}: "${part.trim()}" in \`-- previous:\` is not \`name type\``);
    }
    return { name, type: type.toUpperCase() };
  });
}

/** The text without `--` comments (a reference in a comment is not a dependency). */
export function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '');
}

/** Layer order, then dependencies first within a layer (ties by name); unknown references and cycles are errors. */
function orderModels(models: Model[]): Model[] {
  const byRelation = new Map(models.map((m) => [m.relation, m]));
  const ordered: Model[] = [];
  for (const layer of LAYERS) {
    const done = new Set(ordered.map((m) => m.relation));
    const pending = models.filter((m) => m.layer === layer);
    for (const m of pending) {
      for (const ref of m.refs) {
        if (ref.startsWith('seeds.')) continue;
        if (!byRelation.has(ref)) throw new SqlProjectError(`${m.path}: reads ${ref}, which no file in sql/ builds`);
      }
    }
    const visiting = new Set<string>();
    const visit = (m: Model, chain: string[]) => {
      if (done.has(m.relation)) return;
      if (visiting.has(m.relation)) throw new SqlProjectError(`dependency cycle: ${[...chain, m.relation].join(' -> ')}`);
      visiting.add(m.relation);
      for (const ref of m.refs) {
        const dep = byRelation.get(ref);
        if (dep && dep.layer === layer) visit(dep, [...chain, m.relation]);
      }
      visiting.delete(m.relation);
      done.add(m.relation);
      ordered.push(m);
    };
    for (const m of pending) visit(m, []);
  }
  return ordered;
}
