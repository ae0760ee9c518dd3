// `export`: a self-contained copy of a time window of the lake for legal hold and eDiscovery. The committed
// files of the window are copied byte for byte, with the directory in force during it (the last snapshot
// before the window of each directory stream) and the history marts cut to the window, so whoever holds the
// export can tell who `user_…` was; a fresh hash chain lists them (one entry per stream, each naming the
// source lake's head), and a README says how to check and join them with or without compliance-lake.
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { packageVersion } from '../api/version.js';
import { type Duck, openDuck, sqlString } from './duck.js';
import {
  type CoverageEvent,
  type ManifestEntry,
  type ManifestFile,
  GENESIS,
  appendEntry,
  committedFiles,
  entryFileName,
  fsyncDir,
  manifestHead,
  readManifest,
  writeDurably,
} from './manifest.js';
import { STREAMS } from './tables.js';
import { type VerifyReport, verifyLake } from './verify.js';
import { fsyncFile, sha256File } from './writer.js';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** What the manifest may name: `<stream>/date=YYYY-MM-DD/<file>.parquet`, nothing that leaves lake/. */
const LAKE_PATH = /^[a-z0-9_]+\/date=\d{4}-\d{2}-\d{2}\/[A-Za-z0-9._-]+\.parquet$/;
/**
 * Streams whose every sync writes a complete snapshot of the directory (design.md, The lake): the state in
 * force at the window's start is the last snapshot before it, which an export carries with the window's own.
 */
export const DIRECTORY_STREAMS: readonly string[] = ['organizations', 'organization_settings', 'users', 'roles', 'role_permissions', 'groups', 'group_members'];
/** Where the export puts the history marts, inside its lake so that the same chain lists them. */
export const HISTORY_DIR = '_history';

/**
 * The history marts an export carries, each cut to the rows in force during the window (schema/models.md):
 * `overlaps` is a condition on the relation's columns with `$since` and `$until` (TIMESTAMPTZ literals).
 */
const HISTORY_MARTS: readonly { relation: string; overlaps: string }[] = [
  { relation: 'users', overlaps: `coalesce(valid_from, '-infinity') < $until and coalesce(valid_to, 'infinity') > $since` },
  { relation: 'group_memberships', overlaps: `coalesce(valid_from, '-infinity') < $until and coalesce(valid_to, 'infinity') > $since` },
  { relation: 'groups', overlaps: `coalesce(created_at, first_seen, '-infinity') < $until and coalesce(deleted_at, 'infinity') > $since` },
  { relation: 'organizations', overlaps: `coalesce(first_seen, '-infinity') < $until` },
  { relation: 'roles', overlaps: `coalesce(valid_from, '-infinity') < $until and coalesce(valid_to, 'infinity') > $since` },
  { relation: 'role_permissions', overlaps: `coalesce(valid_from, '-infinity') < $until and coalesce(valid_to, 'infinity') > $since` },
  { relation: 'role_assignments', overlaps: `coalesce(valid_from, '-infinity') < $until and coalesce(valid_to, 'infinity') > $since` },
];

export class ExportError extends Error {
  constructor(
    message: string,
    /** True when the request itself is wrong (bad window, unknown stream, non-empty target). */
    readonly usage = false,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

export interface ExportOptions {
  /** Start of the window, inclusive: RFC 3339 or `YYYY-MM-DD` (UTC midnight). */
  since: string;
  /** End of the window, exclusive. */
  until: string;
  /** Target directory; must not exist or be empty. */
  out: string;
  /** Streams to export; default every stream the lake holds. */
  streams?: string[];
  duck?: Duck;
}

export interface ExportedStream {
  stream: string;
  files: number;
  rows: number;
  bytes: number;
  /** First and last partition day exported, null when the window holds nothing of the stream. */
  firstDate: string | null;
  lastDate: string | null;
  coverageEvents: number;
  /** A directory stream: the snapshot_at of the last snapshot before the window, carried too (null: none). */
  snapshotBefore: string | null;
}

export interface ExportedHistory {
  /** `marts.<relation>` of the last models build, cut to the window. */
  relation: string;
  path: string;
  rows: number;
}

export interface ExportReport {
  out: string;
  since: string;
  until: string;
  /** The source lake's manifest head when the export was made. */
  exportedFrom: { seq: number; hash: string };
  /** The export's own manifest head (record it apart from the export: see the README). */
  head: { seq: number; hash: string };
  streams: ExportedStream[];
  /** The history marts carried (empty when the models were never built: the README says so). */
  history: ExportedHistory[];
  files: number;
  rows: number;
  bytes: number;
  /** verifyLake run on the finished export. */
  verify: VerifyReport;
}

/**
 * Parses a window bound: RFC 3339 with an offset, or `YYYY-MM-DD` meaning midnight UTC. Returns epoch ms,
 * or null when the text is neither (including impossible dates such as 2026-02-30, which Date.parse accepts).
 */
export function parseWindowBound(text: string): number | null {
  const m = DATE_ONLY.exec(text) ?? TIMESTAMP.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
  if (m.length > 4 && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60)) return null;
  const ms = Date.parse(m.length > 4 ? text.replace(' ', 'T') : `${text}T00:00:00Z`);
  return Number.isNaN(ms) ? null : ms;
}

/** Whether the UTC day partition `date` overlaps [sinceMs, untilMs): a partition is exported whole or not at all. */
export function partitionInWindow(date: string, sinceMs: number, untilMs: number): boolean {
  const start = Date.parse(`${date}T00:00:00Z`);
  return start + DAY_MS > sinceMs && start < untilMs;
}

export async function exportLake(dataDir: string, options: ExportOptions): Promise<ExportReport> {
  const { since, until } = options;
  const sinceMs = parseWindowBound(since);
  const untilMs = parseWindowBound(until);
  if (sinceMs === null) throw new ExportError(`--since must be an RFC 3339 timestamp (2026-01-01T00:00:00Z) or a date (2026-01-01); got "${since}"`, true);
  if (untilMs === null) throw new ExportError(`--until must be an RFC 3339 timestamp (2026-02-01T00:00:00Z) or a date (2026-02-01); got "${until}"`, true);
  if (sinceMs >= untilMs) throw new ExportError(`the window is empty: --since ${since} is not before --until ${until}`, true);

  const lakeDir = join(dataDir, 'lake');
  const out = resolve(options.out);
  const outLake = join(out, 'lake');
  checkTarget(out, dataDir);
  if (!existsSync(lakeDir)) throw new ExportError(`there is no lake under ${dataDir} (expected ${lakeDir}); is --data-dir right?`, true);

  const { entries, problems } = readManifest(lakeDir);
  if (problems.length) {
    throw new ExportError(
      `the source manifest fails its chain check, so the export could not name what it was taken from:\n  - ${problems
        .map((p) => `${relative(dataDir, p.file)}: ${p.problem}`)
        .join('\n  - ')}\nRun \`compliance-lake verify --data-dir ${dataDir}\` for a full report.`,
    );
  }
  const live = committedFiles(entries);
  const streams = chooseStreams(options.streams, live);
  if (streams.length === 0) throw new ExportError(`the lake under ${dataDir} holds no committed files; there is nothing to export`, true);
  const inWindow = [...live.values()].filter((f) => streams.includes(f.stream) && partitionInWindow(f.date, sinceMs, untilMs));
  const before = snapshotsBefore(live, streams, sinceMs);
  const selected = [...new Map([...inWindow, ...before.files].map((f) => [f.path, f])).values()].sort((a, b) => a.path.localeCompare(b.path));
  for (const f of selected) {
    if (!LAKE_PATH.test(f.path)) throw new ExportError(`the manifest lists a file outside the lake layout: ${f.path}; not exporting`);
  }

  // Every file is checked against the manifest before anything is written: a changed file is never archived.
  const bad: string[] = [];
  for (const f of selected) {
    const problem = await hashProblem(join(lakeDir, f.path), f);
    if (problem) bad.push(`lake/${f.path}: ${problem}`);
  }
  if (bad.length) {
    throw new ExportError(
      `${bad.length} file${bad.length === 1 ? '' : 's'} of the window fail${bad.length === 1 ? 's' : ''} verification, so nothing was exported:\n  - ${bad.join('\n  - ')}\n` +
        `Run \`compliance-lake verify --data-dir ${dataDir}\` for a full report; restore the named files from a backup or an earlier export.`,
    );
  }

  const exportedFrom = manifestHead(entries);
  const exportedAt = new Date().toISOString();
  const runId = `export-${exportedAt.replace(/[-:.]/g, '')}`;
  mkdirSync(outLake, { recursive: true });
  copyFiles(lakeDir, outLake, selected);

  const history = await writeHistory(dataDir, outLake, sinceMs, untilMs, options.duck);

  let head = { seq: 0, hash: GENESIS };
  const exported: ExportedStream[] = [];
  for (const stream of streams) {
    const files = selected.filter((f) => f.stream === stream);
    const days = new Set(files.map((f) => f.date));
    const coverage = coverageOf(entries, stream, sinceMs, untilMs);
    const entry: ManifestEntry = appendEntry(outLake, head, {
      kind: 'append',
      run_id: runId,
      stream,
      committed_at: exportedAt,
      added: files,
      removed: [],
      cursor: { exported_from: exportedFrom, since, until },
      coverage,
      request_ids: [],
    });
    head = { seq: entry.seq, hash: entry.hash };
    const sortedDays = [...days].sort();
    exported.push({
      stream,
      files: files.length,
      rows: sum(files, 'rows'),
      bytes: sum(files, 'bytes'),
      firstDate: sortedDays[0] ?? null,
      lastDate: sortedDays[sortedDays.length - 1] ?? null,
      coverageEvents: coverage.length,
      snapshotBefore: before.at.get(stream) ?? null,
    });
  }
  if (history.length) {
    const entry = appendEntry(outLake, head, {
      kind: 'append',
      run_id: runId,
      stream: HISTORY_DIR,
      committed_at: exportedAt,
      added: await historyFiles(outLake, history, runId, since),
      removed: [],
      cursor: { exported_from: exportedFrom, since, until },
      coverage: [],
      request_ids: [],
    });
    head = { seq: entry.seq, hash: entry.hash };
  }

  const report: Omit<ExportReport, 'verify'> = {
    out,
    since,
    until,
    exportedFrom,
    head,
    streams: exported,
    history,
    files: selected.length,
    rows: sum(selected, 'rows'),
    bytes: sum(selected, 'bytes'),
  };
  writeDurably(join(out, 'README.md'), exportReadme(report, exportedAt));
  fsyncDir(out);

  const verify = await verifyLake(out, { duck: options.duck });
  if (!verify.ok) {
    throw new ExportError(
      `the export at ${out} failed its own verification (left in place for inspection; delete it before exporting again):\n  - ${verify.problems
        .map((p) => `${p.kind} ${p.path}: ${p.detail}`)
        .join('\n  - ')}`,
    );
  }
  return { ...report, verify };
}

/**
 * For each directory stream, the files of its last snapshot before the window (whose snapshot_at is the
 * latest max_time before it; a compacted file holding it is taken whole).
 */
function snapshotsBefore(live: Map<string, ManifestFile>, streams: readonly string[], sinceMs: number): { files: ManifestFile[]; at: Map<string, string> } {
  const files: ManifestFile[] = [];
  const at = new Map<string, string>();
  for (const stream of streams.filter((s) => DIRECTORY_STREAMS.includes(s))) {
    const own = [...live.values()].filter((f) => f.stream === stream && f.max_time !== null && f.min_time !== null);
    // max_time and min_time are fixed-width RFC 3339 UTC (isoSql), so they compare as strings
    const latest = own.filter((f) => Date.parse(f.max_time!) < sinceMs).reduce<string | null>((m, f) => (m === null || f.max_time! > m ? f.max_time : m), null);
    if (latest === null) continue;
    at.set(stream, latest);
    files.push(...own.filter((f) => f.min_time! <= latest && latest <= f.max_time!));
  }
  return { files, at };
}

/**
 * Writes each history mart of the last models build, cut to the window, as `lake/_history/<relation>.parquet`.
 * Models never built (or a mart this version does not have) leave it out; the README says how to build them.
 */
async function writeHistory(dataDir: string, outLake: string, sinceMs: number, untilMs: number, shared?: Duck): Promise<ExportedHistory[]> {
  const marts = HISTORY_MARTS.map((m) => ({ ...m, source: join(dataDir, 'models', 'marts', m.relation, 'data.parquet') })).filter((m) => existsSync(m.source));
  if (marts.length === 0) return [];
  mkdirSync(join(outLake, HISTORY_DIR), { recursive: true });
  const duck = shared ?? (await openDuck());
  const bound = (ms: number) => `${sqlString(new Date(ms).toISOString())}::TIMESTAMPTZ`;
  const out: ExportedHistory[] = [];
  try {
    await duck.run(`SET TimeZone = 'UTC'`);
    for (const m of marts) {
      const path = `${HISTORY_DIR}/${m.relation}.parquet`;
      const where = m.overlaps.replaceAll('$since', bound(sinceMs)).replaceAll('$until', bound(untilMs));
      const query = `SELECT * FROM read_parquet(${sqlString(m.source)}) WHERE ${where}`;
      await duck.run(`COPY (${query}) TO ${sqlString(join(outLake, path))} (FORMAT parquet, COMPRESSION zstd)`);
      const [r] = await duck.all(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(outLake, path))})`);
      fsyncFile(join(outLake, path));
      out.push({ relation: m.relation, path, rows: Number(r.n) });
    }
  } finally {
    if (!shared) duck.close();
  }
  fsyncDir(join(outLake, HISTORY_DIR));
  return out;
}

async function historyFiles(outLake: string, history: readonly ExportedHistory[], runId: string, since: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const h of history) {
    const abs = join(outLake, h.path);
    files.push({
      path: h.path,
      stream: HISTORY_DIR,
      date: new Date(parseWindowBound(since)!).toISOString().slice(0, 10),
      sha256: await sha256File(abs),
      bytes: statSync(abs).size,
      rows: h.rows,
      min_time: null,
      max_time: null,
      first_id: null,
      last_id: null,
      endpoint: `marts.${h.relation}`,
      params: { relation: `marts.${h.relation}` },
      run_id: runId,
      request_ids: [],
    });
  }
  return files;
}

function checkTarget(out: string, dataDir: string): void {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new ExportError(`--out ${out} exists and is not a directory; choose a new or empty directory`, true);
    if (readdirSync(out).length > 0) throw new ExportError(`--out ${out} is not empty; an export goes into a new or empty directory, so nothing is overwritten or mixed in`, true);
  }
  const data = resolve(dataDir);
  if (out === data || out.startsWith(join(data, 'lake') + sep) || out === join(data, 'lake')) {
    throw new ExportError(`--out ${out} is inside the source lake; choose a directory outside ${join(data, 'lake')}`, true);
  }
}

function chooseStreams(requested: string[] | undefined, live: Map<string, ManifestFile>): string[] {
  const present = new Set([...live.values()].map((f) => f.stream));
  if (requested === undefined) return [...present].sort();
  const known = new Set([...STREAMS, ...present]);
  const unknown = requested.filter((s) => !known.has(s));
  if (unknown.length) throw new ExportError(`unknown stream${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; the streams are ${[...known].sort().join(', ')}`, true);
  return [...new Set(requested)].sort();
}

async function hashProblem(abs: string, f: ManifestFile): Promise<string | null> {
  let size: number;
  try {
    size = statSync(abs).size;
  } catch {
    return 'committed but missing from disk';
  }
  if (size !== f.bytes) return `size ${size} bytes, the manifest says ${f.bytes}`;
  let sha: string;
  try {
    sha = await sha256File(abs);
  } catch (err) {
    return `cannot read it: ${(err as Error).message}`;
  }
  return sha === f.sha256 ? null : `sha256 ${sha}, the manifest says ${f.sha256}`;
}

function copyFiles(lakeDir: string, outLake: string, files: readonly ManifestFile[]): void {
  const dirs = new Set<string>();
  for (const f of files) {
    const target = join(outLake, f.path);
    mkdirSync(dirname(target), { recursive: true });
    try {
      copyFileSync(join(lakeDir, f.path), target, constants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ExportError(`lake/${f.path} disappeared while exporting (a compaction may have replaced it); delete the partial export and run the export again`);
      }
      throw err;
    }
    fsyncFile(target);
    dirs.add(dirname(target));
  }
  for (const d of dirs) fsyncDir(d);
}

/** Coverage events (late arrivals found) of the stream whose record falls in an exported day. */
function coverageOf(entries: readonly ManifestEntry[], stream: string, sinceMs: number, untilMs: number): CoverageEvent[] {
  return entries.flatMap((e) => e.coverage).filter((c) => c.stream === stream && partitionInWindow(c.record_time.slice(0, 10), sinceMs, untilMs));
}

function sum(files: readonly ManifestFile[], key: 'rows' | 'bytes'): number {
  return files.reduce((n, f) => n + f[key], 0);
}

/** Checks the chain and every file of an export with Python 3's standard library only (quoted in the README). */
export const CHAIN_CHECK_PY = `import hashlib, json, pathlib, sys

prev, listed = '0' * 64, set()
for n, path in enumerate(sorted(pathlib.Path('lake/_manifests').glob('*.json')), start=1):
    entry = json.loads(path.read_text(encoding='utf-8'))
    body = {k: v for k, v in entry.items() if k != 'hash'}
    canonical = json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    if path.name != f'{n:012d}.json' or entry['seq'] != n: sys.exit(f'{path.name}: entry {n} expected')
    if entry['prev'] != prev: sys.exit(f'{path.name}: chain broken (prev does not match entry {n - 1})')
    if hashlib.sha256(canonical.encode('utf-8')).hexdigest() != entry['hash']: sys.exit(f'{path.name}: entry modified')
    prev = entry['hash']
    for f in entry['added']:
        digest = hashlib.sha256()
        with open(pathlib.Path('lake', f['path']), 'rb') as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b''):
                digest.update(chunk)
        if digest.hexdigest() != f['sha256']: sys.exit(f"lake/{f['path']}: sha256 differs from the manifest")
        listed.add(f['path'])
extra = [str(p.relative_to('lake')) for p in pathlib.Path('lake').rglob('*.parquet') if str(p.relative_to('lake')) not in listed]
if extra: sys.exit(f'not in the manifest: {extra}')
print(f'ok: {n} entries, {len(listed)} files, head {prev}')
`;

function exportReadme(r: Omit<ExportReport, 'verify'>, exportedAt: string): string {
  const streamRows = r.streams
    .map((s) => `| ${s.stream} | ${s.files} | ${s.rows} | ${s.bytes} | ${s.firstDate ?? '-'} | ${s.lastDate ?? '-'} | ${s.coverageEvents} | ${s.snapshotBefore ?? '-'} |`)
    .join('\n');
  const historyRows = r.history.map((h) => `| \`lake/${h.path}\` | marts.${h.relation} | ${h.rows} |`).join('\n');
  return `# compliance-lake export

A self-contained, verifiable copy of part of a compliance-lake archive of Claude Compliance API data,
made for legal hold and eDiscovery. Nothing here depends on compliance-lake to be read or checked.

- Window: from ${r.since} (inclusive) to ${r.until} (exclusive), UTC.
- Source: the lake's manifest at entry ${r.exportedFrom.seq}, hash \`${r.exportedFrom.hash}\`.
- Made at ${exportedAt} by compliance-lake ${packageVersion()}.
- This export's manifest head: entry ${r.head.seq} (\`${entryFileName(r.head.seq)}\`), hash \`${r.head.hash}\`.
  Keep this hash somewhere apart from the export (the legal hold record): the chain shows any edited,
  reordered or missing entry, but only a known head shows that trailing entries were cut off.

| stream | files | rows | bytes | first day | last day | late arrivals recorded | snapshot before the window |
|---|---|---|---|---|---|---|---|
${streamRows || '| (none) | 0 | 0 | 0 | - | - | 0 | - |'}

Files are whole UTC-day partitions: every day that overlaps the window is included in full, exactly as
committed in the source lake (same bytes, same SHA-256). Rows near the window's edges may therefore lie
outside it; filter on the time column (\`created_at\` for activities, \`snapshot_at\` for directory
snapshots, \`updated_at\` for chats and projects) for the exact window.

## Who is who: the directory in force during the window

The directory endpoints show only the present, so each sync of a directory stream (${DIRECTORY_STREAMS.join(', ')})
stores a complete snapshot stamped \`snapshot_at\`. For each of them this export holds every snapshot taken
inside the window and also the last one taken before it (its \`snapshot_at\` is in the last column above,
its day partition is included whole): the directory as it stood when the window began, even when no
snapshot was taken inside the window.

${
  r.history.length
    ? `The history that compliance-lake rebuilt from those snapshots and the feed's events is here too, cut to
the rows in force at some moment of the window (each row's \`[valid_from, valid_to)\` overlaps it; a null
\`valid_from\` means before the lake's history, a null \`valid_to\` still current when the export was made):

| file | relation | rows |
|---|---|---|
${historyRows}

Columns are documented in compliance-lake's schema/models.md. To name the user behind each activity as of
its time (DuckDB; any SQL engine does the same with its Parquet reader):

\`\`\`sql
SET TimeZone = 'UTC';
select a.created_at, a.type, a.actor_user_id, u.email, u.full_name, u.organization_role
from read_parquet('lake/activities/*/*.parquet') as a
left join read_parquet('lake/${HISTORY_DIR}/users.parquet') as u
  on u.user_id = a.actor_user_id
 and coalesce(u.valid_from, '-infinity') <= a.created_at
 and a.created_at < coalesce(u.valid_to, 'infinity')
where a.created_at >= '${r.since}' and a.created_at < '${r.until}';
\`\`\`

A user id is the same in every organization of the parent; someone who is a member of several has versions
in each (\`organization_uuid\`): add \`and u.organization_uuid = a.organization_uuid\` for the version of the
activity's own organization. Group memberships join the same way (\`group_memberships.user_id = actor_user_id\`, as of \`created_at\`),
and \`groups.group_id\` names the group.`
    : `The models had not been built in the source when this export was made, so it holds the snapshots but not
the history rebuilt from them: run \`compliance-lake models build --data-dir <this directory>\` (it reads
only \`lake/\`) to derive marts.users and marts.group_memberships from this export alone.`
}

## Layout

- \`lake/<stream>/date=YYYY-MM-DD/<file>.parquet\`: Parquet (zstd), Hive-partitioned by UTC day; DuckDB,
  Spark, Trino, Athena, BigQuery, ClickHouse, pandas and pyarrow read it directly, e.g.
  \`duckdb -c "select count(*) from read_parquet('lake/activities/*/*.parquet', hive_partitioning=true)"\`.
  Every row carries its provenance: \`_run_id\`, \`_extracted_at\`, \`_endpoint\`, \`_request_id\`.
- \`lake/${HISTORY_DIR}/<relation>.parquet\`: the history marts cut to the window (above), listed by the
  last manifest entry like every other file.
- \`lake/_manifests/000000000001.json\`, ...: one entry per stream. \`added\` lists each file with its
  SHA-256, size in bytes, row count, time range, first and last id, the API endpoint and query parameters
  it came from, the run id and the API request ids. \`coverage\` lists late-arriving records the source
  found in these days. \`cursor\` records where the export came from: \`exported_from\` (the source
  lake's manifest seq and hash) and the window (\`since\`, \`until\`).

## How to verify

With compliance-lake (exit status 0 when everything holds, 1 otherwise, with each problem named):

    compliance-lake verify --data-dir <this directory>

By hand, from this directory:

1. Every file against the manifest (prints \`OK\` per file):

       jq -r '.added[] | "\\(.sha256)  lake/\\(.path)"' lake/_manifests/*.json | sha256sum -c -

   and no Parquet file is there that the manifest does not list (both lists must be equal):

       find lake -name '*.parquet' ! -path 'lake/_manifests/*' | sed 's|^lake/||' | sort
       jq -r '.added[].path' lake/_manifests/*.json | sort

2. The chain: entries are numbered 1, 2, ... with no gap; entry 1's \`prev\` is 64 zeros and every later
   entry's \`prev\` is the previous entry's \`hash\`; each entry's \`hash\` is the SHA-256 of its canonical
   JSON without the \`hash\` field: object keys sorted at every level, no whitespace, UTF-8, non-ASCII
   characters not escaped. For one entry:

       jq -cS 'del(.hash)' lake/_manifests/000000000001.json | tr -d '\\n' | sha256sum

3. Both at once with Python 3 (standard library only):

\`\`\`python
${CHAIN_CHECK_PY}\`\`\`
`;
}

export function formatExportReport(r: ExportReport): string {
  const lines = [
    `Exported ${r.files} files (${r.rows.toLocaleString('en-US')} rows, ${r.bytes} bytes) from ${r.since} to ${r.until} into ${r.out}`,
    `  source manifest: entry ${r.exportedFrom.seq}, hash ${r.exportedFrom.hash}`,
  ];
  for (const s of r.streams) {
    lines.push(`  ${s.stream}: ${s.files} files, ${s.rows} rows${s.firstDate ? `, ${s.firstDate} to ${s.lastDate}` : ''}`);
  }
  for (const h of r.history) lines.push(`  marts.${h.relation}: ${h.rows} rows in force during the window (lake/${h.path})`);
  lines.push(`  export manifest head: entry ${r.head.seq}, hash ${r.head.hash} (record it with the legal hold)`);
  lines.push(`  verified: ${r.verify.files.ok} of ${r.verify.files.committed} files ok; README.md says how to check it by hand`);
  return lines.join('\n');
}
