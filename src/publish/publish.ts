// `publish`: mirrors the committed lake files, the manifest entries, the marts' Parquet and the Iceberg
// metadata to an S3-compatible store, in the order and with the checks of schema/publish.md §2-§6. The
// incremental state is the remote marker `_publish.json` (§3); nothing is written to the data dir.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, GetObjectLockConfigurationCommand, HeadBucketCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { packageVersion } from '../api/index.js';
import { PUBLISH_DEFAULTS } from '../cli/config.js';
import { Lake } from '../lake/lake.js';
import { type ManifestEntry, type ManifestFile, entryFileName } from '../lake/manifest.js';
import { PublishError, type S3Target, describeTarget, errorCode, httpStatus, relativeKey, remoteKey, s3Failure } from './target.js';
import { createS3Client } from './client.js';
import { type LockMode, type UploadResult, type UploadSettings, type UploadSource, uploadBuffer, uploadFile, withRetry } from './upload.js';

export const MARKER_PATH = '_publish.json';
export const MARKER_VERSION = 1;

export interface PublishMarker {
  version: number;
  published_at: string;
  tool: string;
  lake: { seq: number; hash: string; files: number; bytes: number };
  /** Marts' and Iceberg files sent, by path relative to the data dir. */
  files: Record<string, { sha256: string; bytes: number; mtime_ms: number }>;
  object_lock: { mode: LockMode; retain_days: number } | null;
}

export interface PublishOptions {
  dataDir: string;
  target: S3Target;
  objectLock?: { mode: LockMode; retainDays: number } | null;
  deleteExtraneous?: boolean;
  /** Ignore the marker: check every object with HeadObject. */
  fullCheck?: boolean;
  concurrency?: number;
  batchFiles?: number;
  batchBytes?: number;
  multipartThresholdBytes?: number;
  partSizeBytes?: number;
  attempts?: number;
  signal?: AbortSignal;
  onProgress?: (p: PublishProgress) => void;
  /** Default: a client from createS3Client (tests and benchmarks pass their own settings through target). */
  client?: S3Client;
}

export interface PublishProgress {
  phase: 'lake' | 'manifests' | 'marts' | 'iceberg' | 'marker' | 'delete';
  done: number;
  total: number;
  bytesSent: number;
}

export interface PublishReport {
  target: string;
  /** The remote marker's head before, and the local head published. */
  fromSeq: number;
  head: { seq: number; hash: string };
  lake: { considered: number; sent: number; present: number; bytesSent: number };
  manifests: { sent: number; present: number };
  marts: { considered: number; sent: number; unchanged: number; bytesSent: number };
  iceberg: { considered: number; sent: number; unchanged: number; bytesSent: number };
  /** Objects under the prefix that nothing names (null: not listed, only --delete-extraneous lists). */
  extraneous: number | null;
  deleted: number;
  retries: number;
  objectLock: { mode: LockMode; retainUntil: string } | null;
  warnings: string[];
  ms: number;
}

export async function publish(options: PublishOptions): Promise<PublishReport> {
  const started = Date.now();
  const { dataDir, target } = options;
  const client = options.client ?? createS3Client(target, { maxSockets: (options.concurrency ?? PUBLISH_DEFAULTS.concurrency) * 2 });
  const warnings: string[] = [];
  let retries = 0;
  const retainUntil = options.objectLock ? new Date(Date.now() + options.objectLock.retainDays * 86_400_000) : null;
  const s: UploadSettings = {
    client,
    target,
    multipartThresholdBytes: options.multipartThresholdBytes ?? PUBLISH_DEFAULTS.multipartThresholdBytes,
    partSizeBytes: options.partSizeBytes ?? PUBLISH_DEFAULTS.partSizeBytes,
    attempts: options.attempts ?? PUBLISH_DEFAULTS.attempts,
    lock: options.objectLock ? { mode: options.objectLock.mode, retainUntil: retainUntil! } : null,
    signal: options.signal,
    onRetry: () => retries++,
  };
  const concurrency = options.concurrency ?? PUBLISH_DEFAULTS.concurrency;
  const report: PublishReport = {
    target: describeTarget(target),
    fromSeq: 0,
    head: { seq: 0, hash: '' },
    lake: { considered: 0, sent: 0, present: 0, bytesSent: 0 },
    manifests: { sent: 0, present: 0 },
    marts: { considered: 0, sent: 0, unchanged: 0, bytesSent: 0 },
    iceberg: { considered: 0, sent: 0, unchanged: 0, bytesSent: 0 },
    extraneous: null,
    deleted: 0,
    retries: 0,
    objectLock: retainUntil ? { mode: options.objectLock!.mode, retainUntil: retainUntil.toISOString() } : null,
    warnings,
    ms: 0,
  };

  await checkBucket(s);
  if (options.objectLock) await checkObjectLock(s, warnings);
  const previous = await readMarker(s, warnings);
  let lake = Lake.open(dataDir);
  // one listing of the prefix says what is there (a HeadObject per object would double the requests)
  const remote = new Map((await listRemote(s)).map((o) => [o.path, { size: o.size }]));
  checkSameLake(lake.entries, previous, target);
  report.fromSeq = options.fullCheck || !previous ? 0 : previous.lake.seq;
  const marker: PublishMarker = previous
    ? { ...previous, files: { ...previous.files } }
    : { version: MARKER_VERSION, published_at: '', tool: '', lake: { seq: 0, hash: '', files: 0, bytes: 0 }, files: {}, object_lock: null };
  marker.object_lock = options.objectLock ? { mode: options.objectLock.mode, retain_days: options.objectLock.retainDays } : null;
  const writeMarker = async () => {
    marker.published_at = new Date().toISOString();
    marker.tool = `compliance-lake ${packageVersion()}`;
    await uploadBuffer(s, MARKER_PATH, Buffer.from(JSON.stringify(marker, null, 1) + '\n'), 'application/json', false);
  };

  // 1. lake files, then the entries that name them, batch by batch; a compaction that deletes a file while
  //    it waits to be sent moves the head on: the next round publishes up to the new head.
  let from = report.fromSeq;
  for (let round = 0; ; round++) {
    const vanished = await publishLake(s, lake, from, concurrency, options, report, marker, writeMarker, remote);
    if (vanished.length === 0) break;
    lake = Lake.open(dataDir);
    const live = new Set(lake.files().map((f) => f.path));
    const stillLive = vanished.filter((p) => live.has(p));
    if (stillLive.length || round >= 3) {
      throw new PublishError(`lake/${(stillLive[0] ?? vanished[0])}: committed but missing from disk; run \`compliance-lake verify --data-dir ${dataDir}\``);
    }
    from = marker.lake.seq;
  }
  report.head = lake.head;

  // 2. marts, 3. iceberg (data and Avro manifests, metadata JSON by version, the version hint last)
  const current = new Set<string>();
  const marts = listFiles(dataDir, 'models/marts', (p) => p.endsWith('.parquet'));
  await publishMutable(s, dataDir, marts, concurrency, marker, report.marts, 'marts', options.onProgress, current, remote);
  const iceberg = listFiles(dataDir, 'iceberg', (p) => !p.endsWith('.tmp') && !/(^|\/)\./.test(p));
  const elsewhere = icebergLocationProblem(dataDir, iceberg, target);
  if (elsewhere) warnings.push(elsewhere);
  for (const phase of icebergPhases(iceberg)) await publishMutable(s, dataDir, phase, concurrency, marker, report.iceberg, 'iceberg', options.onProgress, current, remote);
  for (const path of Object.keys(marker.files)) if (!current.has(path)) delete marker.files[path];

  // 4. the marker
  options.onProgress?.({ phase: 'marker', done: 0, total: 1, bytesSent: 0 });
  await writeMarker();

  // 5. extraneous objects: what the listing at the start held that nothing names now
  const expected = new Set<string>([MARKER_PATH, ...lake.files().map((f) => `lake/${f.path}`), ...lake.entries.map((e) => `lake/_manifests/${entryFileName(e.seq)}`), ...Object.keys(marker.files)]);
  const extra = [...remote.keys()].filter((path) => !expected.has(path)).map((path) => ({ path, key: remoteKey(target, path) }));
  report.extraneous = extra.length;
  if (options.deleteExtraneous) {
    await pool(extra, concurrency, async (o, i) => {
      options.onProgress?.({ phase: 'delete', done: i, total: extra.length, bytesSent: 0 });
      try {
        await withRetry(s, o.key, () => client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: o.key }), { abortSignal: s.signal }));
      } catch (err) {
        throw s3Failure(target, `deleting ${o.path}`, err);
      }
      report.deleted++;
    });
  }
  report.retries = retries;
  report.ms = Date.now() - started;
  return report;
}

/** Sends the lake files added after entry `from` that are live at the head, then those entries. Returns paths that vanished. */
async function publishLake(
  s: UploadSettings,
  lake: Lake,
  from: number,
  concurrency: number,
  options: PublishOptions,
  report: PublishReport,
  marker: PublishMarker,
  writeMarker: () => Promise<void>,
  remote: ReadonlyMap<string, { size: number }>,
): Promise<string[]> {
  const live = new Map(lake.files().map((f) => [f.path, f]));
  const pending = lake.entries.filter((e) => e.seq > from);
  const batchFiles = options.batchFiles ?? PUBLISH_DEFAULTS.batchFiles;
  const batchBytes = options.batchBytes ?? PUBLISH_DEFAULTS.batchBytes;
  const totalFiles = pending.reduce((n, e) => n + e.added.filter((f) => live.get(f.path) === f).length, 0);
  const vanished: string[] = [];
  let done = 0;
  let batch: { entries: ManifestEntry[]; files: ManifestFile[]; bytes: number } = { entries: [], files: [], bytes: 0 };
  const flush = async () => {
    if (batch.entries.length === 0) return;
    const { entries, files } = batch;
    batch = { entries: [], files: [], bytes: 0 };
    await pool(files, concurrency, async (f) => {
      const src: UploadSource = { path: `lake/${f.path}`, abs: lake.absolute(f), sha256: f.sha256, bytes: f.bytes };
      let r: UploadResult;
      try {
        r = await uploadFile(s, src, { remote: remote.get(src.path) ?? null });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return void vanished.push(f.path);
        throw err;
      }
      count(report.lake, r);
      options.onProgress?.({ phase: 'lake', done: ++done, total: totalFiles, bytesSent: report.lake.bytesSent });
    });
    if (vanished.length) return;
    // the batch's entries only once every file they name is there (schema/publish.md §2)
    let entriesDone = 0;
    await pool(entries, concurrency, async (e) => {
      const path = `lake/_manifests/${entryFileName(e.seq)}`;
      const r = await uploadFile(s, { path, abs: join(lake.lakeDir, '_manifests', entryFileName(e.seq)), contentType: 'application/json' }, { remote: remote.get(path) ?? null });
      if (r.sent) report.manifests.sent++;
      else report.manifests.present++;
      options.onProgress?.({ phase: 'manifests', done: ++entriesDone, total: entries.length, bytesSent: report.lake.bytesSent });
    });
    const last = entries[entries.length - 1];
    const liveAtHead = lake.files();
    marker.lake = { seq: last.seq, hash: last.hash, files: liveAtHead.length, bytes: liveAtHead.reduce((n, f) => n + f.bytes, 0) };
    await writeMarker();
  };
  for (const e of pending) {
    batch.entries.push(e);
    for (const f of e.added) {
      if (live.get(f.path) !== f) continue; // compacted away since: not part of the lake any more
      batch.files.push(f);
      batch.bytes += f.bytes;
      report.lake.considered++;
    }
    if (batch.files.length >= batchFiles || batch.bytes >= batchBytes) await flush();
    if (vanished.length) return vanished;
  }
  await flush();
  return vanished;
}

/** Files that are replaced in place (marts, Iceberg): sent when their SHA-256 is not the marker's. */
async function publishMutable(
  s: UploadSettings,
  dataDir: string,
  paths: string[],
  concurrency: number,
  marker: PublishMarker,
  counts: PublishReport['marts'],
  phase: 'marts' | 'iceberg',
  onProgress: PublishOptions['onProgress'],
  current: Set<string>,
  remote: ReadonlyMap<string, { size: number }>,
): Promise<void> {
  let done = 0;
  await pool(paths, concurrency, async (path) => {
    const abs = join(dataDir, ...path.split('/'));
    let st;
    try {
      st = statSync(abs);
    } catch {
      return; // replaced or removed by a models build since it was listed
    }
    counts.considered++;
    current.add(path);
    const known = marker.files[path];
    if (known && known.bytes === st.size && known.mtime_ms === Math.trunc(st.mtimeMs)) {
      counts.unchanged++;
      return;
    }
    let r: UploadResult;
    try {
      r = await uploadFile(s, { path, abs, contentType: path.endsWith('.json') ? 'application/json' : undefined }, { remote: remote.get(path) ?? null });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        current.delete(path);
        counts.considered--;
        return;
      }
      throw err;
    }
    marker.files[path] = { sha256: r.sha256, bytes: r.bytes, mtime_ms: Math.trunc(st.mtimeMs) };
    if (r.sent) {
      counts.sent++;
      counts.bytesSent += r.bytes;
    } else counts.unchanged++;
    onProgress?.({ phase, done: ++done, total: paths.length, bytesSent: counts.bytesSent });
  });
}

/** schema/publish.md §2.3: data and Avro manifests, then metadata JSON in version order, then the rest (the hint). */
export function icebergPhases(paths: string[]): string[][] {
  const metadata = paths.filter((p) => p.endsWith('.metadata.json')).sort((a, b) => versionOf(a) - versionOf(b) || a.localeCompare(b));
  const last = paths.filter((p) => !p.endsWith('.metadata.json') && !/\.(avro|parquet)$/.test(p));
  const first = paths.filter((p) => /\.(avro|parquet)$/.test(p));
  // metadata files one at a time, in order
  return [first, ...metadata.map((m) => [m]), last].filter((phase) => phase.length > 0);
}

/**
 * The Iceberg metadata names its files by absolute URI for one location (schema/iceberg.md): a table written
 * for the local data dir, mirrored as it is, would send engines reading the copy to local paths.
 */
function icebergLocationProblem(dataDir: string, paths: string[], target: S3Target): string | null {
  const hint = paths.find((p) => p.endsWith('/metadata/version-hint.text'));
  if (!hint) return null;
  try {
    const version = readFileSync(join(dataDir, hint), 'utf8').trim();
    const metadata = JSON.parse(readFileSync(join(dataDir, dirname(hint), `v${version}.metadata.json`), 'utf8')) as { location?: string };
    const table = hint.slice(0, -'/metadata/version-hint.text'.length);
    const expected = `s3://${target.bucket}/${remoteKey(target, table)}`;
    if (metadata.location === undefined || metadata.location.replace(/\/+$/, '') === expected) return null;
    return `the Iceberg table ${table} is written for ${metadata.location}, not for this copy (${expected}): engines reading the copy would look for its files there. Write the data dir's table for the copy: \`compliance-lake iceberg refresh --location s3://${target.bucket}${target.prefix ? `/${target.prefix}` : ''}\` (a table written for another location is refused: move iceberg/ aside first; schema/iceberg.md)`;
  } catch {
    return null;
  }
}

function versionOf(path: string): number {
  const m = /(?:^|\/)v?(\d+)[-.][^/]*metadata\.json$/.exec(path);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function count(c: PublishReport['lake'], r: UploadResult): void {
  if (r.sent) {
    c.sent++;
    c.bytesSent += r.bytes;
  } else c.present++;
}

/** HeadBucket first: a missing bucket, refused credentials or an unreachable endpoint fail before anything else. */
export async function checkBucket(s: UploadSettings): Promise<void> {
  try {
    await withRetry({ ...s, attempts: Math.min(s.attempts, 2) }, s.target.bucket, () => s.client.send(new HeadBucketCommand({ Bucket: s.target.bucket }), { abortSignal: s.signal }));
  } catch (err) {
    // HEAD answers have no body: a 404 is the bucket, a 403 the credentials or the policy
    const status = httpStatus(err);
    const e = status === 404 ? Object.assign(err as object, { name: 'NoSuchBucket' }) : err;
    throw s3Failure(s.target, 'opening the bucket', e);
  }
}

async function checkObjectLock(s: UploadSettings, warnings: string[]): Promise<void> {
  try {
    const answer = await withRetry(s, s.target.bucket, () => s.client.send(new GetObjectLockConfigurationCommand({ Bucket: s.target.bucket }), { abortSignal: s.signal }));
    if (answer.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') throw Object.assign(new Error('not enabled'), { name: 'ObjectLockConfigurationNotFoundError' });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'NotImplemented' || httpStatus(err) === 501) {
      warnings.push(`the store does not implement GetObjectLockConfiguration, so Object Lock on bucket "${s.target.bucket}" could not be confirmed; the retention headers are sent, but whether they are enforced is up to the store`);
      return;
    }
    if (code === 'ObjectLockConfigurationNotFoundError' || code === 'InvalidRequest') {
      throw new PublishError(
        `--object-lock: bucket "${s.target.bucket}" has no Object Lock${s.target.endpoint ? ` at ${s.target.endpoint}` : ''}; nothing was sent. ` +
          'Object Lock can only be enabled on a versioned bucket (at creation, or later with PutObjectLockConfiguration); publish there, or drop --object-lock.',
      );
    }
    throw s3Failure(s.target, 'reading the Object Lock configuration', err);
  }
}

/** The remote marker, or null (none yet, or unreadable: then every object is checked). */
export async function readMarker(s: UploadSettings, warnings: string[]): Promise<PublishMarker | null> {
  const key = remoteKey(s.target, MARKER_PATH);
  let text: string;
  try {
    const answer = await withRetry(s, key, () => s.client.send(new GetObjectCommand({ Bucket: s.target.bucket, Key: key }), { abortSignal: s.signal }));
    text = await answer.Body!.transformToString('utf8');
  } catch (err) {
    if (errorCode(err) === 'NoSuchKey' || httpStatus(err) === 404) return null;
    throw s3Failure(s.target, `reading ${MARKER_PATH}`, err);
  }
  try {
    const m = JSON.parse(text) as PublishMarker;
    if (m.version !== MARKER_VERSION || typeof m.lake?.seq !== 'number' || typeof m.files !== 'object') throw new Error('unexpected shape');
    return m;
  } catch (err) {
    warnings.push(`${MARKER_PATH} on the remote is not a publish marker (${(err as Error).message}); every object is checked again`);
    return null;
  }
}

/** Refuses to publish over the copy of another lake (or of this one ahead of this data dir). */
function checkSameLake(entries: readonly ManifestEntry[], marker: PublishMarker | null, target: S3Target): void {
  if (!marker || marker.lake.seq === 0) return;
  const local = entries.find((e) => e.seq === marker.lake.seq);
  if (!local || local.hash !== marker.lake.hash) {
    throw new PublishError(
      `${describeTarget(target)} holds a copy of another lake (its manifest entry ${marker.lake.seq} has hash ${marker.lake.hash.slice(0, 12)}…, ` +
        `${local ? `this lake's has ${local.hash.slice(0, 12)}…` : `this lake has only ${entries.length} entries`}); nothing was sent. Publish to another prefix.`,
    );
  }
}

export interface RemoteObject {
  key: string;
  /** Relative to the prefix. */
  path: string;
  size: number;
}

/**
 * Every object under the prefix. ListObjects (v1) paged by Marker = the last key, which every S3-compatible
 * store answers: s3rver's ListObjectsV2 continuation tokens are DES-encrypted, which Node 20's OpenSSL 3
 * refuses, so its second page is an InternalError.
 */
export async function listRemote(s: Pick<UploadSettings, 'client' | 'target' | 'attempts' | 'signal'>): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  let marker: string | undefined;
  const prefix = s.target.prefix ? `${s.target.prefix}/` : undefined;
  try {
    for (;;) {
      const page = await withRetry(s, s.target.bucket, () =>
        s.client.send(new ListObjectsCommand({ Bucket: s.target.bucket, Prefix: prefix, Marker: marker }), { abortSignal: s.signal }),
      );
      const contents = page.Contents ?? [];
      for (const o of contents) {
        const path = relativeKey(s.target, o.Key!);
        if (path !== null) out.push({ key: o.Key!, path, size: Number(o.Size ?? 0) });
      }
      if (!page.IsTruncated || contents.length === 0) break;
      marker = page.NextMarker ?? contents[contents.length - 1].Key;
    }
  } catch (err) {
    throw s3Failure(s.target, 'listing the prefix', err);
  }
  return out;
}

/** Regular files under `dataDir/sub`, as paths relative to the data dir with `/`, sorted. */
function listFiles(dataDir: string, sub: string, keep: (path: string) => boolean): string[] {
  const root = join(dataDir, sub);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile()) {
        const path = relative(dataDir, abs).split(sep).join('/');
        if (keep(path)) found.push(path);
      }
    }
  };
  walk(root);
  return found.sort();
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure stops new work and is thrown once the running ones end. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== null) throw failure;
}

export function formatPublishReport(r: PublishReport): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const lines = [
    `Published to ${r.target}: lake at manifest entry ${r.head.seq} (${r.fromSeq ? `the remote was at entry ${r.fromSeq}` : 'first publish or full check'}) in ${(r.ms / 1000).toFixed(1)} s.`,
    `  lake files:  ${r.lake.sent} sent (${mb(r.lake.bytesSent)}), ${r.lake.present} already there, of ${r.lake.considered} new since the remote's entry`,
    `  manifests:   ${r.manifests.sent} sent, ${r.manifests.present} already there`,
    `  marts:       ${r.marts.sent} sent (${mb(r.marts.bytesSent)}), ${r.marts.unchanged} unchanged, of ${r.marts.considered}`,
    ...(r.iceberg.considered ? [`  iceberg:     ${r.iceberg.sent} sent, ${r.iceberg.unchanged} unchanged, of ${r.iceberg.considered}`] : []),
    `  every object sent was checked by SHA-256 (and the server's checksum or MD5) after upload${r.retries ? `; ${r.retries} retried request${r.retries === 1 ? '' : 's'}` : ''}`,
  ];
  if (r.objectLock) lines.push(`  Object Lock: ${r.objectLock.mode} until ${r.objectLock.retainUntil} on every object sent (not the marker)`);
  if (r.extraneous !== null) lines.push(`  extraneous:  ${r.extraneous} object(s) nothing names, ${r.deleted} deleted`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** Reads a local manifest entry's bytes (for tests and verify). */
export function localEntryBytes(lake: Lake, seq: number): Buffer {
  return readFileSync(join(lake.lakeDir, '_manifests', entryFileName(seq)));
}
