// The lake's manifests: an append-only, hash-chained list of commits. One JSON file per commit under
// data/lake/_manifests/ (`000000000001.json`, ...), written to a temporary name, fsynced and renamed, so a
// commit is either whole or absent. Each entry names the previous entry's hash; `verify` recomputes the chain.
// The manifest is the source of truth: the state store is a cache of it (`state rebuild`).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST_VERSION = 1;
/** The `prev` of the first entry. */
export const GENESIS = '0'.repeat(64);
const ENTRY_FILE = /^(\d{12})\.json$/;

/** One committed Parquet file, as the manifest records it. Paths are relative to the data dir's `lake/`. */
export interface ManifestFile {
  path: string;
  stream: string;
  /** The partition value, `YYYY-MM-DD`. */
  date: string;
  sha256: string;
  bytes: number;
  rows: number;
  /** Smallest and largest partition-time of the rows (created_at, snapshot_at or updated_at), RFC 3339 UTC. */
  min_time: string | null;
  max_time: string | null;
  /** Smallest and largest id of the rows (ids sort by string). */
  first_id: string | null;
  last_id: string | null;
  endpoint: string;
  /** The query parameters of the walk that produced the rows (wire names; cursors left out). */
  params: Record<string, string | string[]>;
  run_id: string;
  /** Request ids of the pages whose records this file holds. */
  request_ids: string[];
}

/**
 * Where a sync's coverage differs from a plain read: a record an earlier commit should have held (a late
 * arrival), or an entity deleted between its list and its child call, whose children a snapshot lacks.
 */
export interface CoverageEvent {
  stream: string;
  /** The late record's id, or the vanished entity's id. */
  record_id: string;
  /** The late record's time, or the snapshot_at of the snapshot that lacks the vanished entity's children. */
  record_time: string;
  /**
   * `overlap`: re-read window of an incremental run; `reconciliation`: the daily re-read of closed days;
   * `page-check`: the confirming request after a page that lied (an empty page claiming more, a full page
   * claiming the end: compliance-api.md §7.2) returned it;
   * `vanished`: the entity was listed, then its child call answered 404 (deleted in between);
   * `unavailable`: the API would not serve the record this run (an organization's settings, `reason` says why).
   */
  found_by: 'overlap' | 'reconciliation' | 'page-check' | 'vanished' | 'unavailable';
  /** For `vanished`: what the entity was (group, role, project) and the child endpoint that answered 404. */
  entity?: string;
  endpoint?: string;
  /** For `unavailable`: why the API would not serve it. */
  reason?: string;
  found_at: string;
  run_id: string;
  /** For reconciliation: the day that was re-read. */
  window_start?: string;
  window_end?: string;
}

export type ManifestKind = 'append' | 'compact';

/** The body of an entry, as a committer hands it over (the chain fields are added on append). */
export interface ManifestCommit {
  kind: ManifestKind;
  run_id: string;
  stream: string;
  committed_at: string;
  /** Files that become part of the lake. */
  added: ManifestFile[];
  /** Paths of files that stop being part of the lake (compaction). */
  removed: string[];
  /** The stream's cursor after this commit (opaque to the lake); undefined leaves it unchanged. */
  cursor?: unknown;
  coverage: CoverageEvent[];
  /** Every request id the stream's run made up to this commit (to recognise our own compliance_api_accessed events). */
  request_ids: string[];
}

export interface ManifestEntry extends ManifestCommit {
  version: number;
  seq: number;
  prev: string;
  /** SHA-256 of the canonical JSON of the entry without `hash`. */
  hash: string;
}

export function manifestsDir(lakeDir: string): string {
  return join(lakeDir, '_manifests');
}

export function entryFileName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.json`;
}

/**
 * JSON with object keys sorted at every level: the bytes that are hashed. The same bytes as
 * `JSON.stringify(value, replacer)` with a replacer that copies every object with its keys sorted (the first
 * definition, which every lake's hashes were computed with; `canonicalJsonByReplacer` in the tests), written
 * out directly: a refresh of the models opens the lake and hashes all of its entries, and the replacer called
 * for every value (each of the thousands of request ids) took most of `Lake.open` at 100 M (BENCHMARKS.md,
 * issue 13, refresh17).
 */
export function canonicalJson(value: unknown): string {
  return canonicalValue(value, '') as string;
}

function canonicalValue(value: unknown, key: string): string | undefined {
  let v = value;
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += `${i ? ',' : ''}${canonicalValue(v[i], String(i)) ?? 'null'}`;
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const k of canonicalKeyOrder(Object.keys(v))) {
    const s = canonicalValue((v as Record<string, unknown>)[k], k);
    if (s === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${s}`;
    first = false;
  }
  return `${out}}`;
}

/** Array-index keys ("0", "17") come first in numeric order, as in any object the sorted copy was: then the rest, sorted. */
function canonicalKeyOrder(keys: string[]): string[] {
  keys.sort();
  const indices = keys.filter(isArrayIndex);
  if (indices.length === 0) return keys;
  return [...indices.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 4_294_967_295;
}

export function entryHash(entry: Omit<ManifestEntry, 'hash'> | ManifestEntry): string {
  const { hash: _omit, ...body } = entry as ManifestEntry;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** The entry files present, in sequence order (names only; nothing parsed). */
export function listEntryFiles(lakeDir: string): { seq: number; file: string }[] {
  const dir = manifestsDir(lakeDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ m: ENTRY_FILE.exec(name), name }))
    .filter((x) => x.m !== null)
    .map((x) => ({ seq: Number(x.m![1]), file: join(dir, x.name) }))
    .sort((a, b) => a.seq - b.seq);
}

/** Parses one entry file; throws ManifestError naming the file when it is not a manifest entry. */
export function readEntry(file: string): ManifestEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ManifestError(`manifest entry ${file} is not valid JSON (${(err as Error).message})`, file);
  }
  const e = parsed as ManifestEntry;
  if (!e || typeof e !== 'object' || typeof e.seq !== 'number' || typeof e.hash !== 'string' || !Array.isArray(e.added)) {
    throw new ManifestError(`manifest entry ${file} is not a manifest entry (seq, hash, added missing)`, file);
  }
  return e;
}

export interface ChainProblem {
  seq: number;
  file: string;
  problem: string;
}

/**
 * Reads every entry and checks the chain: consecutive sequence numbers from 1, each `prev` equal to the
 * previous `hash`, each `hash` equal to the recomputed one. Returns the entries and the problems found.
 */
export function readManifest(lakeDir: string): { entries: ManifestEntry[]; problems: ChainProblem[] } {
  return chainEntries(listEntryFiles(lakeDir), GENESIS, 1);
}

/**
 * readManifest for a reader that keeps its own copy of the entries it read (`index`: one entry per line, as
 * written by writeManifestIndex): the entries the index holds are taken from it when its last one is still the
 * chain's (that entry's file is there, in sequence, with the hash the index says, recomputed), and only the entry
 * files after it are read and checked, chained on from it. An index that cannot be read or is not this chain's is
 * ignored (every file is read). What this does not see, and readManifest does: an entry before the index's last
 * one edited since the index was written (`verify`, and every writer's open, read every entry). At 100 M, reading
 * and hashing the 3 423 entry files was most of a model refresh's `Lake.open` (BENCHMARKS.md, issue 13, refresh17).
 */
export function readManifestIndexed(
  lakeDir: string,
  index: string,
): { entries: ManifestEntry[]; problems: ChainProblem[]; indexed: number; indexText: string } {
  const files = listEntryFiles(lakeDir);
  const { entries: cached, text } = readIndex(index);
  let k = cached.length;
  if (k > 0) {
    const inSequence = k <= files.length && cached.every((e, i) => e.seq === i + 1 && files[i].seq === i + 1);
    let head: ManifestEntry | null = null;
    try {
      head = inSequence ? readEntry(files[k - 1].file) : null;
    } catch {
      head = null;
    }
    if (head === null || head.seq !== k || head.hash !== cached[k - 1].hash || entryHash(head) !== head.hash) k = 0;
  }
  const rest = chainEntries(files.slice(k), k > 0 ? cached[k - 1].hash : GENESIS, k + 1);
  return { entries: [...cached.slice(0, k), ...rest.entries], problems: rest.problems, indexed: k, indexText: k > 0 ? text : '' };
}

/** The entries of a manifest index and its text, or none when it is missing or any line is not an entry. */
function readIndex(index: string): { entries: ManifestEntry[]; text: string } {
  try {
    const text = readFileSync(index, 'utf8');
    const entries = text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as ManifestEntry);
    const valid = entries.every((e) => e && typeof e.seq === 'number' && typeof e.hash === 'string' && Array.isArray(e.added) && Array.isArray(e.removed));
    return valid ? { entries, text } : { entries: [], text: '' };
  } catch {
    return { entries: [], text: '' };
  }
}

/**
 * Brings a manifest index up to `entries` (a chain read by readManifest or readManifestIndexed, whose first
 * `indexed` entries came from this index, whose text was `indexText`): that text with the entries after those
 * added, or every entry when the index held none of them, written to a temporary name and renamed over it (never
 * changed in place: the models-refresh bench hard-links the data dir aside and back).
 */
export function writeManifestIndex(index: string, entries: readonly ManifestEntry[], indexed: number, indexText: string): void {
  if (indexed === entries.length) return;
  const kept = indexed > 0 ? indexText : '';
  writeFileSync(`${index}.tmp`, kept + entries.slice(indexed).map((e) => `${JSON.stringify(e)}\n`).join(''));
  renameSync(`${index}.tmp`, index);
}

function chainEntries(files: { seq: number; file: string }[], first: string, firstSeq: number): { entries: ManifestEntry[]; problems: ChainProblem[] } {
  const entries: ManifestEntry[] = [];
  const problems: ChainProblem[] = [];
  let prev = first;
  let expected = firstSeq;
  for (const { seq, file } of files) {
    let entry: ManifestEntry;
    try {
      entry = readEntry(file);
    } catch (err) {
      problems.push({ seq, file, problem: (err as Error).message });
      expected = seq + 1;
      continue;
    }
    if (seq !== expected) problems.push({ seq, file, problem: `expected entry ${expected}, found ${seq} (an entry is missing)` });
    if (entry.seq !== seq) problems.push({ seq, file, problem: `file name says entry ${seq} but it holds entry ${entry.seq}` });
    if (entry.prev !== prev) problems.push({ seq, file, problem: `chain broken: prev ${entry.prev.slice(0, 12)}… does not match the previous entry's hash ${prev.slice(0, 12)}…` });
    const recomputed = entryHash(entry);
    if (recomputed !== entry.hash) problems.push({ seq, file, problem: `entry was modified: its hash ${entry.hash.slice(0, 12)}… does not match its content (${recomputed.slice(0, 12)}…)` });
    entries.push(entry);
    prev = entry.hash;
    expected = seq + 1;
  }
  return { entries, problems };
}

/** The head of the chain: the last entry's seq and hash (0 and GENESIS for an empty lake). */
export function manifestHead(entries: readonly ManifestEntry[]): { seq: number; hash: string } {
  const last = entries[entries.length - 1];
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
}

/**
 * Appends one entry after `head`: writes `<seq>.json.tmp`, fsyncs it, renames it into place and fsyncs
 * the directory. The rename is the commit point. Refuses to overwrite an existing entry.
 */
export function appendEntry(lakeDir: string, head: { seq: number; hash: string }, commit: ManifestCommit): ManifestEntry {
  const dir = manifestsDir(lakeDir);
  mkdirSync(dir, { recursive: true });
  const seq = head.seq + 1;
  const body: Omit<ManifestEntry, 'hash'> = { version: MANIFEST_VERSION, seq, prev: head.hash, ...commit };
  const entry: ManifestEntry = { ...body, hash: entryHash(body) };
  const final = join(dir, entryFileName(seq));
  if (existsSync(final)) throw new ManifestError(`manifest entry ${final} already exists; another writer is committing to this lake`, final);
  const tmp = `${final}.tmp`;
  writeDurably(tmp, JSON.stringify(entry, null, 1) + '\n');
  renameSync(tmp, final);
  fsyncDir(dir);
  return entry;
}

/** Writes a whole file and fsyncs it. */
export function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so a rename inside it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The files that make up the lake after applying `entries`: path → file. */
export function committedFiles(entries: readonly ManifestEntry[]): Map<string, ManifestFile> {
  const files = new Map<string, ManifestFile>();
  for (const e of entries) {
    for (const path of e.removed) files.delete(path);
    for (const f of e.added) files.set(f.path, f);
  }
  return files;
}
