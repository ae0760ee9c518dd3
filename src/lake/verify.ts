// `verify`: recomputes everything the manifest claims (design.md invariant 7) and names every file that was
// changed, added or removed, and every manifest entry that was edited, lost or unlinked. It only reads, takes
// no lock, and works the same on a data dir and on an export (both hold `lake/` with `_manifests/`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { type Duck, openDuck, sqlString } from './duck.js';
import { type ChainProblem, type ManifestFile, committedFiles, entryFileName, listEntryFiles, manifestHead, manifestsDir, readManifest } from './manifest.js';
import { TABLES } from './tables.js';
import { isoSql, sha256File } from './writer.js';

export type VerifyProblemKind =
  /** `<data dir>/lake` does not exist (a wrong path would otherwise verify as an empty lake). */
  | 'no_lake'
  /** A manifest entry file is not JSON or not an entry. */
  | 'entry_unparsable'
  /** A sequence number between the first and the last entry has no file. */
  | 'entry_missing'
  /** An entry's `prev` is not the previous entry's hash, or its file name and `seq` disagree. */
  | 'chain_broken'
  /** An entry's content no longer matches its own `hash`. */
  | 'entry_modified'
  /** A committed file whose SHA-256, size, rows, time range or ids differ from its manifest record. */
  | 'modified'
  /** A committed file that is not on disk. */
  | 'removed'
  /** A Parquet file under lake/ that no live manifest entry lists. */
  | 'added'
  /** A committed file with the right bytes that DuckDB cannot read. */
  | 'unreadable';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  /** Relative to the data dir (`lake/...`), like every path a user sees. */
  path: string;
  detail: string;
}

export interface VerifyReport {
  dataDir: string;
  head: { seq: number; hash: string };
  entries: { total: number; ok: number };
  files: { committed: number; ok: number; bytes: number; rows: number };
  problems: VerifyProblem[];
  ok: boolean;
}

export async function verifyLake(dataDir: string, options: { duck?: Duck } = {}): Promise<VerifyReport> {
  const lakeDir = join(dataDir, 'lake');
  if (!existsSync(lakeDir)) {
    return {
      dataDir,
      head: manifestHead([]),
      entries: { total: 0, ok: 0 },
      files: { committed: 0, ok: 0, bytes: 0, rows: 0 },
      problems: [{ kind: 'no_lake', path: 'lake', detail: `${lakeDir} does not exist; is --data-dir the directory that holds lake/?` }],
      ok: false,
    };
  }
  // The disk is listed before the manifest is read, so a commit landing in between cannot make its files look added.
  const onDisk = listParquet(lakeDir);
  const { entries, problems: chain } = readManifest(lakeDir);
  const problems: VerifyProblem[] = chainProblems(dataDir, lakeDir, chain);
  const badEntries = new Set(problems.map((p) => p.path));
  const live = committedFiles(entries);
  const addedBy = new Map<string, number>();
  const removedBy = new Map<string, number>();
  for (const e of entries) {
    for (const p of e.removed) removedBy.set(p, e.seq);
    for (const f of e.added) addedBy.set(f.path, e.seq);
  }

  const duck = options.duck ?? (await openDuck());
  let okFiles = 0;
  let bytes = 0;
  let rows = 0;
  try {
    for (const f of [...live.values()].sort((a, b) => a.path.localeCompare(b.path))) {
      const problem = await checkFile(duck, lakeDir, f, addedBy.get(f.path));
      if (problem) problems.push({ ...problem, path: `lake/${f.path}` });
      else {
        okFiles++;
        bytes += f.bytes;
        rows += f.rows;
      }
    }
  } finally {
    if (!options.duck) duck.close();
  }

  for (const path of onDisk) {
    if (live.has(path)) continue;
    const seq = removedBy.get(path);
    const detail =
      seq === undefined
        ? 'Parquet file that no manifest entry lists (left by a crash before its commit, or put there by hand); readers that glob the lake will read it'
        : `removed from the lake by manifest entry ${seq} (${entryFileName(seq)}, ${entries.find((e) => e.seq === seq)?.kind ?? 'commit'}) but still on disk; readers that glob the lake will read it twice`;
    problems.push({ kind: 'added', path: `lake/${path}`, detail });
  }

  const settled = settle(lakeDir, problems);
  return {
    dataDir,
    head: manifestHead(entries),
    entries: { total: entries.length, ok: entries.filter((e) => !badEntries.has(`lake/_manifests/${entryFileName(e.seq)}`)).length },
    files: { committed: live.size, ok: okFiles, bytes, rows },
    problems: settled,
    ok: settled.length === 0,
  };
}

/**
 * Checks one committed file against its manifest record: size and SHA-256, then rows (and, for a known
 * stream, time range and first/last id) recomputed by DuckDB. Never throws for a bad file.
 */
export async function checkFile(duck: Duck, lakeDir: string, f: ManifestFile, entrySeq?: number): Promise<Omit<VerifyProblem, 'path'> | null> {
  const abs = join(lakeDir, f.path);
  const where = entrySeq === undefined ? 'the manifest' : `manifest entry ${entrySeq}`;
  let size: number;
  try {
    const st = statSync(abs);
    if (!st.isFile()) return { kind: 'removed', detail: `committed in ${where} but the path is not a regular file` };
    size = st.size;
  } catch {
    return { kind: 'removed', detail: `committed in ${where} but missing from disk` };
  }
  const mismatches: string[] = [];
  if (size !== f.bytes) mismatches.push(`size ${size} bytes, ${where} says ${f.bytes}`);
  let sha: string;
  try {
    sha = await sha256File(abs);
  } catch (err) {
    return { kind: 'unreadable', detail: `cannot read the file: ${(err as Error).message}` };
  }
  if (sha !== f.sha256) mismatches.push(`sha256 ${sha.slice(0, 16)}…, ${where} says ${f.sha256.slice(0, 16)}…`);

  let readError: string | null = null;
  try {
    const actual = await measure(duck, abs, f.stream);
    const expected: Record<string, unknown> = { rows: f.rows, min_time: f.min_time, max_time: f.max_time, first_id: f.first_id, last_id: f.last_id };
    for (const [k, v] of Object.entries(actual)) {
      if (v !== expected[k]) mismatches.push(`${k} ${String(v)}, ${where} says ${String(expected[k])}`);
    }
  } catch (err) {
    readError = `DuckDB cannot read it: ${(err as Error).message.split('\n')[0]}`;
  }
  if (mismatches.length) return { kind: 'modified', detail: [...mismatches, ...(readError ? [readError] : [])].join('; ') };
  if (readError) return { kind: 'unreadable', detail: readError };
  return null;
}

/** What the manifest records about a file's content, recomputed (rows only for a stream we do not know). */
async function measure(duck: Duck, abs: string, stream: string): Promise<Record<string, string | number | null>> {
  const spec = TABLES[stream];
  const src = `read_parquet(${sqlString(abs)})`;
  if (!spec) {
    const [r] = await duck.all(`SELECT count(*) AS rows FROM ${src}`);
    return { rows: Number(r.rows) };
  }
  const [r] = await duck.all(
    `SELECT count(*) AS rows, ${isoSql(`min(${spec.timeColumn})`)} AS min_time, ${isoSql(`max(${spec.timeColumn})`)} AS max_time, ` +
      `min(${spec.idColumn}) AS first_id, max(${spec.idColumn}) AS last_id FROM ${src}`,
  );
  return {
    rows: Number(r.rows),
    min_time: (r.min_time as string | null) ?? null,
    max_time: (r.max_time as string | null) ?? null,
    first_id: (r.first_id as string | null) ?? null,
    last_id: (r.last_id as string | null) ?? null,
  };
}

/** readManifest's findings as typed problems, plus each missing entry named by its own file name. */
function chainProblems(dataDir: string, lakeDir: string, chain: ChainProblem[]): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const present = listEntryFiles(lakeDir).map((e) => e.seq);
  const last = present[present.length - 1] ?? 0;
  const have = new Set(present);
  for (let seq = 1; seq < last; seq++) {
    if (have.has(seq)) continue;
    problems.push({
      kind: 'entry_missing',
      path: relative(dataDir, join(manifestsDir(lakeDir), entryFileName(seq))).split(sep).join('/'),
      detail: `manifest entry ${seq} is missing (the chain runs to entry ${last}); the files it added, if still on disk, are listed as added`,
    });
  }
  for (const p of chain) {
    const kind = chainKind(p.problem);
    if (kind === null) continue; // a gap, already named above by the missing file
    problems.push({ kind, path: relative(dataDir, p.file).split(sep).join('/'), detail: p.problem });
  }
  return problems;
}

// readManifest describes each finding in words (src/lake/manifest.ts); these are its phrasings.
function chainKind(problem: string): VerifyProblemKind | null {
  if (/an entry is missing/.test(problem)) return null;
  if (/not valid JSON|is not a manifest entry/.test(problem)) return 'entry_unparsable';
  if (/was modified/.test(problem)) return 'entry_modified';
  return 'chain_broken';
}

/**
 * Verify takes no lock, so a commit or compaction may land while it runs. Findings about files that a
 * newer manifest explains (a removed path no longer live, an added path now committed) are dropped.
 */
function settle(lakeDir: string, problems: VerifyProblem[]): VerifyProblem[] {
  if (!problems.some((p) => p.kind === 'added' || p.kind === 'removed')) return problems;
  const live = committedFiles(readManifest(lakeDir).entries);
  return problems.filter((p) => {
    const path = p.path.slice('lake/'.length);
    if (p.kind === 'removed') return live.has(path);
    if (p.kind === 'added') return !live.has(path) && existsSync(join(lakeDir, path));
    return true;
  });
}

/** Every `.parquet` file under lake/ except the manifests, as paths relative to lake/ with `/`. */
function listParquet(lakeDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (abs !== manifestsDir(lakeDir)) walk(abs);
      } else if (entry.name.endsWith('.parquet')) {
        found.push(relative(lakeDir, abs).split(sep).join('/'));
      }
    }
  };
  walk(lakeDir);
  return found.sort();
}

export function formatVerifyReport(report: VerifyReport): string {
  const { head, entries, files, problems } = report;
  const lines = [
    `Lake ${join(report.dataDir, 'lake')}: ${entries.total} manifest entries` +
      (head.seq ? ` (head ${entryFileName(head.seq)}, hash ${head.hash})` : '') +
      `, ${files.committed} committed files.`,
    `  manifest entries ok: ${entries.ok} of ${entries.total}`,
    `  files ok:            ${files.ok} of ${files.committed} (${files.rows.toLocaleString('en-US')} rows, ${formatBytes(files.bytes)})`,
  ];
  if (report.ok) {
    lines.push('OK: every committed file matches its SHA-256, size, rows, time range and ids, the manifest chain is intact, and nothing uncommitted is in the lake.');
    return lines.join('\n');
  }
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  lines.push(`FAILED: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}):`);
  const width = Math.max(...problems.map((p) => p.kind.length));
  for (const p of problems) lines.push(`  ${p.kind.padEnd(width)}  ${p.path}: ${p.detail}`);
  return lines.join('\n');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
