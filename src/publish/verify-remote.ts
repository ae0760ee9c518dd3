// `verify --remote`: recomputes a published copy against its own manifests (schema/publish.md §7). The
// remote manifest entries are downloaded to a temporary directory and checked by the same code as a local
// lake (readManifest); every object they commit, and every file the marker lists, is streamed through
// SHA-256 (never held whole) and compared with its record. Only reads.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PUBLISH_DEFAULTS } from '../cli/config.js';
import { committedFiles, entryFileName, manifestHead, readManifest } from '../lake/manifest.js';
import type { VerifyProblem } from '../lake/verify.js';
import { MARKER_PATH, type PublishMarker, checkBucket, listRemote, pool, readMarker } from './publish.js';
import { PublishError, type S3Target, describeTarget, errorCode, httpStatus, remoteKey, s3Failure } from './target.js';
import { createS3Client } from './client.js';
import { type UploadSettings, withRetry } from './upload.js';

const ENTRY_KEY = /^lake\/_manifests\/(\d{12})\.json$/;

export type RemoteProblemKind = VerifyProblem['kind'] | 'no_marker' | 'diverged';

export interface RemoteVerifyReport {
  target: string;
  head: { seq: number; hash: string };
  marker: { seq: number; published_at: string } | null;
  entries: { total: number; ok: number };
  files: { checked: number; ok: number; bytes: number };
  /** Set when a local lake was given: its head, for "how far behind". */
  local: { seq: number } | null;
  problems: { kind: RemoteProblemKind; path: string; detail: string }[];
  ok: boolean;
}

export interface RemoteVerifyOptions {
  target: S3Target;
  /** The local lake's entries, to say how far behind the remote is and whether it is the same lake. */
  localEntries?: readonly { seq: number; hash: string }[];
  concurrency?: number;
  client?: S3Client;
}

export async function verifyRemote(options: RemoteVerifyOptions): Promise<RemoteVerifyReport> {
  const { target } = options;
  const client = options.client ?? createS3Client(target);
  const s: UploadSettings = { client, target, attempts: PUBLISH_DEFAULTS.attempts, multipartThresholdBytes: 0, partSizeBytes: 0, lock: null };
  await checkBucket(s);
  const warnings: string[] = [];
  const marker = await readMarker(s, warnings);
  const objects = await listRemote(s);
  const byPath = new Map(objects.map((o) => [o.path, o]));
  const problems: RemoteVerifyReport['problems'] = [];
  if (!marker) {
    problems.push({
      kind: 'no_marker',
      path: MARKER_PATH,
      detail: warnings[0] ?? 'no publish marker: this prefix was never completely published (or the marker was deleted); run `compliance-lake publish` to complete it',
    });
  }

  // the manifest chain, checked by the local rules over a downloaded copy
  const tmp = mkdtempSync(join(tmpdir(), 'cl-verify-remote-'));
  let entries: ReturnType<typeof readManifest>['entries'];
  try {
    mkdirSync(join(tmp, 'lake', '_manifests'), { recursive: true });
    const entryObjects = objects.filter((o) => ENTRY_KEY.test(o.path));
    await pool(entryObjects, options.concurrency ?? 8, async (o) => {
      writeFileSync(join(tmp, o.path), await getText(s, o.path));
    });
    const read = readManifest(join(tmp, 'lake'));
    entries = read.entries;
    const present = new Set(entryObjects.map((o) => Number(ENTRY_KEY.exec(o.path)![1])));
    const last = Math.max(0, ...present);
    for (let seq = 1; seq < last; seq++) {
      if (!present.has(seq)) problems.push({ kind: 'entry_missing', path: `lake/_manifests/${entryFileName(seq)}`, detail: `manifest entry ${seq} is missing (the remote chain runs to entry ${last}); re-run publish` });
    }
    for (const p of read.problems) {
      if (/an entry is missing/.test(p.problem)) continue;
      const kind = /not valid JSON|is not a manifest entry/.test(p.problem) ? 'entry_unparsable' : /was modified/.test(p.problem) ? 'entry_modified' : 'chain_broken';
      problems.push({ kind, path: `lake/_manifests/${entryFileName(p.seq)}`, detail: p.problem });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const badEntries = new Set(problems.filter((p) => p.kind.startsWith('entry_') || p.kind === 'chain_broken').map((p) => p.path));
  const head = manifestHead(entries);
  if (marker && marker.lake.seq > head.seq) {
    problems.push({ kind: 'entry_missing', path: `lake/_manifests/${entryFileName(marker.lake.seq)}`, detail: `the marker says the copy was published up to entry ${marker.lake.seq}, the remote chain ends at ${head.seq}` });
  }
  if (options.localEntries) {
    const local = new Map(options.localEntries.map((e) => [e.seq, e.hash]));
    const diverged = entries.find((e) => local.has(e.seq) && local.get(e.seq) !== e.hash) ?? (head.seq > options.localEntries.length ? entries[options.localEntries.length] : undefined);
    if (diverged) {
      problems.push({ kind: 'diverged', path: `lake/_manifests/${entryFileName(diverged.seq)}`, detail: `the remote entry ${diverged.seq} is not this lake's (${local.has(diverged.seq) ? 'a different hash' : 'the local lake has no such entry'}): it is the copy of another lake` });
    }
  }

  // every object the remote chain commits and every file the marker lists, hashed as it streams
  const live = committedFiles(entries);
  const expected = new Map<string, { sha256: string; bytes: number; what: string }>();
  for (const f of live.values()) expected.set(`lake/${f.path}`, { sha256: f.sha256, bytes: f.bytes, what: 'the remote manifest' });
  for (const [path, f] of Object.entries(marker?.files ?? {})) expected.set(path, { sha256: f.sha256, bytes: f.bytes, what: MARKER_PATH });
  let ok = 0;
  let bytes = 0;
  await pool([...expected].sort(([a], [b]) => a.localeCompare(b)), options.concurrency ?? PUBLISH_DEFAULTS.concurrency, async ([path, want]) => {
    const o = byPath.get(path);
    if (!o) return void problems.push({ kind: 'removed', path, detail: `named by ${want.what} but missing from the remote` });
    const mismatches: string[] = [];
    if (o.size !== want.bytes) mismatches.push(`size ${o.size} bytes, ${want.what} says ${want.bytes}`);
    const sha = await sha256Remote(s, path);
    if (sha !== want.sha256) mismatches.push(`sha256 ${sha.slice(0, 16)}…, ${want.what} says ${want.sha256.slice(0, 16)}…`);
    if (mismatches.length) return void problems.push({ kind: 'modified', path, detail: `${mismatches.join('; ')}; re-run publish to send it again (objects under Object Lock keep the changed version too)` });
    ok++;
    bytes += want.bytes;
  });
  for (const o of objects) {
    if (expected.has(o.path) || o.path === MARKER_PATH || ENTRY_KEY.test(o.path)) continue;
    if (!o.path.endsWith('.parquet')) continue; // other objects beside the copy are not ours to judge
    problems.push({ kind: 'added', path: o.path, detail: 'Parquet object that no manifest entry or marker names; engines that glob the prefix will read it (publish --delete-extraneous removes it)' });
  }
  problems.sort((a, b) => a.kind.localeCompare(b.kind) || a.path.localeCompare(b.path));
  return {
    target: describeTarget(target),
    head,
    marker: marker ? { seq: marker.lake.seq, published_at: marker.published_at } : null,
    entries: { total: entries.length, ok: entries.filter((e) => !badEntries.has(`lake/_manifests/${entryFileName(e.seq)}`)).length },
    files: { checked: expected.size, ok, bytes },
    local: options.localEntries ? { seq: options.localEntries.length ? options.localEntries[options.localEntries.length - 1].seq : 0 } : null,
    problems,
    ok: problems.length === 0,
  };
}

async function getText(s: UploadSettings, path: string): Promise<string> {
  const key = remoteKey(s.target, path);
  try {
    const answer = await withRetry(s, key, () => s.client.send(new GetObjectCommand({ Bucket: s.target.bucket, Key: key })));
    return await answer.Body!.transformToString('utf8');
  } catch (err) {
    throw s3Failure(s.target, `reading ${path}`, err);
  }
}

/** SHA-256 (hex) of a remote object, streamed; a dropped download is started again. */
async function sha256Remote(s: UploadSettings, path: string): Promise<string> {
  const key = remoteKey(s.target, path);
  try {
    return await withRetry(s, key, async () => {
      const answer = await s.client.send(new GetObjectCommand({ Bucket: s.target.bucket, Key: key }));
      const hash = createHash('sha256');
      for await (const chunk of answer.Body as Readable) hash.update(chunk as Buffer);
      return hash.digest('hex');
    });
  } catch (err) {
    if (errorCode(err) === 'NoSuchKey' || httpStatus(err) === 404) return 'missing';
    if (err instanceof PublishError) throw err;
    throw s3Failure(s.target, `reading ${path}`, err);
  }
}

export function formatRemoteVerifyReport(r: RemoteVerifyReport): string {
  const lines = [
    `Remote copy ${r.target}: ${r.entries.total} manifest entries${r.head.seq ? ` (head ${entryFileName(r.head.seq)}, hash ${r.head.hash})` : ''}` +
      `${r.marker ? `, published ${r.marker.published_at} up to entry ${r.marker.seq}` : ', no publish marker'}.`,
    `  manifest entries ok: ${r.entries.ok} of ${r.entries.total}`,
    `  objects ok:          ${r.files.ok} of ${r.files.checked} (SHA-256 of each remote object recomputed, ${(r.files.bytes / 1024 / 1024).toFixed(1)} MiB)`,
  ];
  if (r.local) lines.push(r.local.seq > r.head.seq ? `  the local lake is at entry ${r.local.seq}: ${r.local.seq - r.head.seq} entries not yet published` : `  the local lake is at entry ${r.local.seq}: the remote is up to date`);
  if (r.ok) {
    lines.push('OK: every object the remote manifests and the marker name is present with its SHA-256 and size, the remote manifest chain is intact, and no unnamed Parquet object is under the prefix.');
    return lines.join('\n');
  }
  const counts = new Map<string, number>();
  for (const p of r.problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  lines.push(`FAILED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}):`);
  const width = Math.max(...r.problems.map((p) => p.kind.length));
  for (const p of r.problems) lines.push(`  ${p.kind.padEnd(width)}  ${p.path}: ${p.detail}`);
  return lines.join('\n');
}

export type { PublishMarker };
