// publish and verify --remote against s3rver on loopback (test/support/s3-harness.ts): a real lake synced
// from the simulator with its marts built, published, checked, grown, damaged remotely and locally, cut
// mid-body and killed mid-publish. Each test publishes to its own bucket.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lake } from '../src/lake/lake.js';
import { entryFileName, readManifest } from '../src/lake/manifest.js';
import { buildModels } from '../src/models/build.js';
import { MARKER_PATH, publish, type PublishMarker, type PublishOptions } from '../src/publish/publish.js';
import { verifyRemote } from '../src/publish/verify-remote.js';
import { resolvePublish } from '../src/publish/config.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { connect, makeSim, makeTenant, type Transport } from './support/sim-harness.js';
import { requireBuiltCli, runCli, spawnCli, waitFor } from './support/crash-harness.js';
import { S3RVER_CREDENTIALS, type S3Harness, startS3 } from './support/s3-harness.js';
import type { Simulator } from '../src/simulator/server/app.js';
import { startDaemon } from '../src/scheduler/daemon.js';
import { daemonPublish } from '../src/publish/config.js';
import { triggeredDaemonOptions } from './support/daemon-harness.js';
import { refreshIceberg } from '../src/iceberg/refresh.js';
import { parseLocation } from '../src/engines/location.js';
import { KEYS, captureLogger } from './support/sim-harness.js';

const HOUR = 3_600_000;
let s3: S3Harness;
let sim: Simulator;
let t: Transport;
let template: string;
let cleanupTemplate: () => void;
const dirs: (() => void)[] = [];
let bucketN = 0;

beforeAll(async () => {
  requireBuiltCli();
  // in-process publishes take their credentials from the SDK's default chain, as the CLI does
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3();
  sim = makeSim({ shared: makeTenant({ live: true, horizonDays: 3, activitiesPerDay: 1500, users: 60, groups: 5 }) });
  t = await connect(sim, 'in-process');
  ({ dir: template, cleanup: cleanupTemplate } = tempDataDir('cl-publish-'));
  const r = await syncWith(t, template);
  expect(r.ok, JSON.stringify(r.streams.filter((s) => s.status !== 'committed'))).toBe(true);
  await buildModels(template);
}, 300_000);

afterAll(async () => {
  for (const c of dirs) c();
  cleanupTemplate?.();
  await s3?.close();
});

/** A copy of the template lake and a new empty bucket. */
async function fresh(): Promise<{ dir: string; bucket: string; to: string }> {
  const { dir, cleanup } = tempDataDir('cl-publish-');
  dirs.push(cleanup);
  cpSync(template, dir, { recursive: true });
  const bucket = `bucket-${++bucketN}`;
  await s3.createBucket(bucket);
  return { dir, bucket, to: `s3://${bucket}/archive/org` };
}

function options(dir: string, to: string, extra: Partial<PublishOptions> = {}): PublishOptions {
  const settings = resolvePublish({ to, endpoint: s3.endpoint }, { ...S3RVER_CREDENTIALS });
  return { dataDir: dir, ...settings, attempts: 3, ...extra };
}

const env = { ...S3RVER_CREDENTIALS };

function putsTo(bucket: string, since = 0): string[] {
  return s3.requests.slice(since).filter((r) => r.method === 'PUT' && r.path.startsWith(`/${bucket}/`) && !r.query.includes('uploadId')).map((r) => r.path.slice(bucket.length + 2));
}

async function remoteKeys(bucket: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client().send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

async function remoteBytes(bucket: string, key: string): Promise<Buffer> {
  const answer = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

function martFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}/${e.name}`);
      else if (e.name.endsWith('.parquet')) out.push(`${rel}/${e.name}`);
    }
  };
  walk(join(dir, 'models', 'marts'), 'models/marts');
  return out.sort();
}

describe('publish then verify --remote', () => {
  test('mirrors every committed file, manifest entry and mart byte for byte; verify --remote is clean; a re-run sends nothing', async () => {
    const { dir, bucket, to } = await fresh();
    const first = await publish(options(dir, to));
    const lake = Lake.open(dir);
    const files = lake.files();
    expect(first.lake.sent).toBe(files.length);
    expect(first.manifests.sent).toBe(lake.entries.length);
    expect(first.marts.sent).toBe(martFiles(dir).length);
    expect(first.head).toEqual(lake.head);

    const keys = await remoteKeys(bucket);
    const expected = [
      ...files.map((f) => `archive/org/lake/${f.path}`),
      ...lake.entries.map((e) => `archive/org/lake/_manifests/${String(e.seq).padStart(12, '0')}.json`),
      ...martFiles(dir).map((p) => `archive/org/${p}`),
      `archive/org/${MARKER_PATH}`,
    ].sort();
    expect(keys).toEqual(expected);
    for (const f of files.slice(0, 5)) {
      expect(createHash('sha256').update(await remoteBytes(bucket, `archive/org/lake/${f.path}`)).digest('hex')).toBe(f.sha256);
    }
    const marker = JSON.parse((await remoteBytes(bucket, `archive/org/${MARKER_PATH}`)).toString()) as PublishMarker;
    expect(marker.lake.seq).toBe(lake.head.seq);
    expect(marker.lake.hash).toBe(lake.head.hash);

    const report = await verifyRemote({ target: options(dir, to).target, localEntries: lake.entries });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.files.checked).toBe(files.length + martFiles(dir).length);

    const before = s3.requests.length;
    const again = await publish(options(dir, to));
    expect(again.lake.considered + again.lake.sent + again.manifests.sent + again.marts.sent).toBe(0);
    expect(putsTo(bucket, before)).toEqual([`archive/org/${MARKER_PATH}`]);
  }, 180_000);

  test('every PUT carries the SHA-256 checksum and metadata; the lake files go before the manifests that name them, the marker last', async () => {
    const { dir, bucket, to } = await fresh();
    const since = s3.requests.length;
    await publish(options(dir, to, { concurrency: 3 }));
    const puts = s3.requests.slice(since).filter((r) => r.method === 'PUT' && r.path.startsWith(`/${bucket}/`));
    for (const r of puts) {
      expect(r.headers['x-amz-checksum-sha256'], r.path).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(r.headers['x-amz-meta-sha256'], r.path).toMatch(/^[0-9a-f]{64}$/);
      expect(Buffer.from(String(r.headers['x-amz-checksum-sha256']), 'base64').toString('hex')).toBe(r.headers['x-amz-meta-sha256']);
      expect(r.headers['content-encoding'] ?? '', 'no aws-chunked framing').not.toMatch(/aws-chunked/);
    }
    const order = puts.map((r) => r.path.slice(`/${bucket}/archive/org/`.length));
    const lastData = Math.max(...order.map((p, i) => (p.startsWith('lake/') && !p.startsWith('lake/_manifests/') ? i : -1)));
    const firstEntry = order.findIndex((p) => p.startsWith('lake/_manifests/'));
    expect(lastData).toBeLessThan(firstEntry);
    // the entries of one batch go up side by side (concurrency 3), so only their set is fixed, not their order
    const entries = order.filter((p) => p.startsWith('lake/_manifests/'));
    const lake = Lake.open(dir);
    expect(new Set(entries)).toEqual(new Set(lake.entries.map((e) => `lake/_manifests/${entryFileName(e.seq)}`)));
    expect(order[order.length - 1]).toBe(MARKER_PATH);
  }, 180_000);

  test('new commits are published incrementally: only their files and entries are sent', async () => {
    const { dir, bucket, to } = await fresh();
    await publish(options(dir, to));
    const headBefore = Lake.open(dir).head.seq;
    sim.clock.advance(2 * HOUR);
    const r = await syncWith(t, dir, { streams: ['activities'] });
    expect(r.ok).toBe(true);
    const lake = Lake.open(dir);
    const newEntries = lake.entries.filter((e) => e.seq > headBefore);
    expect(newEntries.length).toBeGreaterThan(0);
    const newFiles = newEntries.flatMap((e) => e.added.map((f) => `lake/${f.path}`));
    const since = s3.requests.length;
    const report = await publish(options(dir, to));
    expect(report.fromSeq).toBe(headBefore);
    expect(report.lake.sent).toBe(newFiles.length);
    expect(report.manifests.sent).toBe(newEntries.length);
    const sent = putsTo(bucket, since).map((k) => k.slice('archive/org/'.length));
    expect(sent.filter((p) => p.startsWith('lake/') && !p.startsWith('lake/_manifests/')).sort()).toEqual(newFiles.sort());
    expect((await verifyRemote({ target: options(dir, to).target, localEntries: lake.entries })).ok).toBe(true);
  }, 180_000);
});

describe('interrupted uploads', () => {
  test('a connection dropped in the middle of a body is retried with the whole file; the copy ends complete', async () => {
    const { dir, bucket, to } = await fresh();
    const victim = Lake.open(dir).files().sort((a, b) => b.bytes - a.bytes)[0];
    s3.dropBody((r) => r.method === 'PUT' && r.path.endsWith(victim.path), Math.floor(victim.bytes / 2), 2);
    const report = await publish(options(dir, to));
    expect(report.retries).toBeGreaterThanOrEqual(2);
    expect(createHash('sha256').update(await remoteBytes(bucket, `archive/org/lake/${victim.path}`)).digest('hex')).toBe(victim.sha256);
    expect((await verifyRemote({ target: options(dir, to).target })).ok).toBe(true);
  }, 180_000);

  test('when every attempt is cut, publish fails naming the file, nothing partial is left, the marker does not pass it, and a re-run completes', async () => {
    const { dir, bucket, to } = await fresh();
    const victim = Lake.open(dir).files().sort((a, b) => b.bytes - a.bytes)[0];
    s3.dropBody((r) => r.method === 'PUT' && r.path.endsWith(victim.path), 100, 3);
    const err = await publish(options(dir, to)).then(() => null, (e: Error) => e);
    expect(err?.message).toContain(victim.path);
    expect(err?.message).toContain(`s3://${bucket}/archive/org`);
    expect(await remoteKeys(bucket)).not.toContain(`archive/org/lake/${victim.path}`);
    expect((await remoteKeys(bucket)).some((k) => k.includes('_manifests/'))).toBe(false);
    const verify = await verifyRemote({ target: options(dir, to).target });
    expect(verify.ok).toBe(false);
    expect(verify.problems.map((p) => p.kind)).toContain('no_marker');
    await publish(options(dir, to));
    expect((await verifyRemote({ target: options(dir, to).target })).ok).toBe(true);
  }, 180_000);

  test('kill -9 in the middle of a publish, then a re-run: the copy is complete and verify --remote exits 0', async () => {
    const { dir, bucket, to } = await fresh();
    s3.setBodyDelay(40);
    const since = s3.requests.length;
    const child = spawnCli(['publish', '--to', to, '--endpoint', s3.endpoint, '--data-dir', dir, '--concurrency', '2'], env);
    try {
      const files = Lake.open(dir).files().length;
      const started = await waitFor(() => putsTo(bucket, since).filter((k) => k.includes('/date=')).length >= Math.min(5, files - 1), 120_000, 20);
      expect(started).toBe(true);
      child.child.kill('SIGKILL');
      const killed = await child.done;
      expect(killed.signal).toBe('SIGKILL');
    } finally {
      s3.setBodyDelay(0);
    }
    const partial = await remoteKeys(bucket);
    expect(partial).not.toContain(`archive/org/${MARKER_PATH}`);
    const rerun = await runCli(['publish', '--to', to, '--endpoint', s3.endpoint, '--data-dir', dir], env);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/already there/);
    const verify = await runCli(['verify', '--remote', to, '--endpoint', s3.endpoint, '--data-dir', dir], env);
    expect(verify.stdout).toContain('OK:');
    expect(verify.code).toBe(0);
  }, 240_000);
});

describe('verify --remote finds what changed', () => {
  test('a changed, a deleted and a stray remote object are named with exit 1; publish --full-check repairs the copy', async () => {
    const { dir, bucket, to } = await fresh();
    await publish(options(dir, to));
    const [changed, deleted] = Lake.open(dir).files();
    const original = await remoteBytes(bucket, `archive/org/lake/${changed.path}`);
    const tampered = Buffer.from(original);
    tampered[tampered.length >> 1] ^= 0xff;
    const c = s3.client();
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: `archive/org/lake/${changed.path}`, Body: tampered }));
    await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: `archive/org/lake/${deleted.path}` }));
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: 'archive/org/lake/activities/date=2020-01-01/stray.parquet', Body: 'PAR1' }));

    const run = await runCli(['verify', '--remote', to, '--endpoint', s3.endpoint, '--data-dir', dir], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`modified +lake/${changed.path.replace(/[.]/g, '\\.')}: sha256`));
    expect(run.stdout).toMatch(new RegExp(`removed +lake/${deleted.path.replace(/[.]/g, '\\.')}`));
    expect(run.stdout).toMatch(/added +lake\/activities\/date=2020-01-01\/stray\.parquet/);

    const repaired = await publish(options(dir, to, { fullCheck: true, deleteExtraneous: true }));
    expect(repaired.lake.sent).toBe(2);
    expect(repaired.deleted).toBe(1);
    expect((await verifyRemote({ target: options(dir, to).target })).ok).toBe(true);
  }, 180_000);

  test('a prefix of more than 1 000 objects is listed whole (pages of the listing)', async () => {
    const { dir, bucket, to } = await fresh();
    await publish(options(dir, to));
    const c = s3.client();
    const strays = Array.from({ length: 1_005 }, (_, i) => `archive/org/lake/activities/date=2019-01-01/stray-${String(i).padStart(4, '0')}.parquet`);
    for (let i = 0; i < strays.length; i += 25) {
      await Promise.all(strays.slice(i, i + 25).map((Key) => c.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))));
    }
    const report = await verifyRemote({ target: options(dir, to).target });
    expect(report.problems.filter((p) => p.kind === 'added')).toHaveLength(1_005);
    expect(report.problems.filter((p) => p.kind !== 'added')).toEqual([]);
    const again = await publish(options(dir, to));
    expect(again.extraneous).toBe(1_005);
    expect(again.deleted).toBe(0);
  }, 240_000);

  test('a remote manifest entry edited by hand breaks the remote chain', async () => {
    const { dir, bucket, to } = await fresh();
    await publish(options(dir, to));
    const key = 'archive/org/lake/_manifests/000000000001.json';
    const entry = JSON.parse((await remoteBytes(bucket, key)).toString());
    entry.run_id = 'edited';
    await s3.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(entry) }));
    const report = await verifyRemote({ target: options(dir, to).target });
    expect(report.problems.map((p) => `${p.kind} ${p.path}`)).toContain('entry_modified lake/_manifests/000000000001.json');
  }, 120_000);
});

describe('local damage and Object Lock', () => {
  test('a lake file whose bytes differ from its manifest is never completed remotely; publish fails naming it', async () => {
    const { dir, bucket, to } = await fresh();
    const victim = Lake.open(dir).files()[0];
    const abs = join(dir, 'lake', victim.path);
    const bytes = readFileSync(abs);
    bytes[bytes.length >> 1] ^= 0x55;
    writeFileSync(abs, bytes);
    const run = await runCli(['publish', '--to', to, '--endpoint', s3.endpoint, '--data-dir', dir], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`lake/${victim.path}`);
    expect(run.stderr).toMatch(/manifest says/);
    expect(await remoteKeys(bucket)).not.toContain(`archive/org/lake/${victim.path}`);
  }, 120_000);

  test('--object-lock sends the retention headers on every object but the marker; s3rver cannot confirm the bucket, which is said', async () => {
    const { dir, bucket, to } = await fresh();
    const since = s3.requests.length;
    const run = await runCli(['publish', '--to', to, '--endpoint', s3.endpoint, '--data-dir', dir, '--object-lock', 'governance', '--retain-days', '30'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/could not be confirmed/);
    const puts = s3.requests.slice(since).filter((r) => r.method === 'PUT' && r.path.startsWith(`/${bucket}/`));
    const dataPuts = puts.filter((r) => !r.path.endsWith(MARKER_PATH));
    expect(dataPuts.length).toBeGreaterThan(10);
    for (const r of dataPuts) {
      expect(r.headers['x-amz-object-lock-mode'], r.path).toBe('GOVERNANCE');
      const until = Date.parse(String(r.headers['x-amz-object-lock-retain-until-date']));
      expect(Math.abs(until - (Date.now() + 30 * 86_400_000))).toBeLessThan(10 * 60_000);
    }
    expect(puts.find((r) => r.path.endsWith(MARKER_PATH))?.headers['x-amz-object-lock-mode']).toBeUndefined();
  }, 120_000);

  test('a bucket that refuses Object Lock headers (InvalidRequest, as real S3 answers) stops publish with a clear message', async () => {
    const { dir, bucket, to } = await fresh();
    s3.failWith((r) => r.method === 'PUT' && r.path.startsWith(`/${bucket}/`) && r.headers['x-amz-object-lock-mode'] !== undefined, 400, 'InvalidRequest');
    const err = await publish(options(dir, to, { objectLock: { mode: 'COMPLIANCE', retainDays: 1 } })).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`bucket "${bucket}" was refused \\(InvalidRequest\\): the bucket has no Object Lock`));
    expect(await remoteKeys(bucket)).toEqual([]);
  }, 120_000);

  test('large files go up in checked parts', async () => {
    const { dir, bucket, to } = await fresh();
    const since = s3.requests.length;
    const report = await publish(options(dir, to, { multipartThresholdBytes: 64 * 1024, partSizeBytes: 32 * 1024 }));
    const parts = s3.requests.slice(since).filter((r) => r.method === 'PUT' && r.query.includes('partNumber'));
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(p.headers['x-amz-checksum-sha256']).toBeTruthy();
    expect(report.lake.sent + report.marts.sent).toBeGreaterThan(0);
    expect((await verifyRemote({ target: options(dir, to).target })).ok).toBe(true);
    void bucket;
  }, 180_000);
});

test('iceberg/ goes after the lake: Avro first, metadata by version, the version hint last; a table written for another location is warned about', async () => {
  const { dir, bucket, to } = await fresh();
  const meta = join(dir, 'iceberg', 'activities', 'metadata');
  mkdirSync(meta, { recursive: true });
  for (const v of [1, 2, 10]) writeFileSync(join(meta, `v${v}.metadata.json`), JSON.stringify({ 'format-version': 2, location: 'file:///somewhere/iceberg/activities', v }));
  writeFileSync(join(meta, 'snap-1.avro'), 'avro list');
  writeFileSync(join(meta, 'm-2026-10-1.avro'), 'avro manifest');
  writeFileSync(join(meta, 'version-hint.text'), '10');
  const since = s3.requests.length;
  const report = await publish(options(dir, to));
  expect(report.iceberg.sent).toBe(6);
  expect(report.warnings.join('\n')).toMatch(/written for file:\/\/\/somewhere\/iceberg\/activities, not for this copy \(s3:\/\/bucket-\d+\/archive\/org\/iceberg\/activities\)/);
  const order = putsTo(bucket, since).map((k) => k.slice('archive/org/'.length));
  const at = (p: string) => order.indexOf(p);
  const lastLake = Math.max(...order.map((p, i) => (p.startsWith('lake/') ? i : -1)));
  expect(at('iceberg/activities/metadata/snap-1.avro')).toBeGreaterThan(lastLake);
  expect(at('iceberg/activities/metadata/m-2026-10-1.avro')).toBeGreaterThan(lastLake);
  const metadata = ['v1', 'v2', 'v10'].map((v) => at(`iceberg/activities/metadata/${v}.metadata.json`));
  expect(metadata).toEqual([...metadata].sort((a, b) => a - b));
  expect(metadata[0]).toBeGreaterThan(Math.max(at('iceberg/activities/metadata/snap-1.avro'), at('iceberg/activities/metadata/m-2026-10-1.avro')));
  expect(at('iceberg/activities/metadata/version-hint.text')).toBeGreaterThan(metadata[2]);
  expect(order.lastIndexOf(MARKER_PATH)).toBe(order.length - 1);
  expect((await verifyRemote({ target: options(dir, to).target })).ok).toBe(true);
}, 120_000);

test('the real Iceberg table, written for the copy, is mirrored whole with no warning; verify --remote checks its files', async () => {
  const { dir, bucket, to } = await fresh();
  await refreshIceberg({ dataDir: dir, location: parseLocation(`s3://${bucket}/archive/org`, dir) });
  const report = await publish(options(dir, to));
  expect(report.warnings).toEqual([]);
  expect(report.iceberg.sent).toBeGreaterThanOrEqual(4);
  const keys = await remoteKeys(bucket);
  expect(keys).toContain('archive/org/iceberg/activities/metadata/version-hint.text');
  expect(keys).toContain('archive/org/iceberg/activities/metadata/v1.metadata.json');
  const verify = await verifyRemote({ target: options(dir, to).target });
  expect(verify.ok).toBe(true);
  expect(verify.files.checked).toBe(Lake.open(dir).files().length + martFiles(dir).length + report.iceberg.sent);
}, 120_000);

describe('failures say what and where, never the keys', () => {
  const secretKey = 'wJalrXUtnFEMI-K7MDENG-publish-test-secret';
  test('wrong access key, missing bucket, unreachable endpoint', async () => {
    const { dir, bucket, to } = await fresh();
    const bad = await runCli(['publish', '--to', to, '--endpoint', s3.endpoint, '--data-dir', dir], { AWS_ACCESS_KEY_ID: 'AKIAWRONGKEYPUBLISH1', AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: 'us-east-1' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`s3://${bucket}/archive/org`);
    expect(bad.stderr).toContain(s3.endpoint);
    expect(bad.stderr).toMatch(/credentials|denied|refused/);

    const missing = await runCli(['publish', '--to', 's3://no-such-bucket/x', '--endpoint', s3.endpoint, '--data-dir', dir], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/bucket "no-such-bucket" does not exist/);

    const closed = await runCli(['publish', '--to', to, '--endpoint', 'http://127.0.0.1:9', '--data-dir', dir], { ...env, AWS_SECRET_ACCESS_KEY: secretKey });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);

    for (const run of [bad, missing, closed]) {
      const text = run.stdout + run.stderr;
      expect(text).not.toContain(secretKey);
      expect(text).not.toContain('AKIAWRONGKEYPUBLISH1');
      expect(text).not.toMatch(/X-Amz-Signature|Signature=/);
      expect(text).not.toMatch(/NodeVersionSupportWarning/);
    }
  }, 120_000);

  test('usage errors exit 2: no lake, a bad URL, retention without a lock, a secret in the config file', async () => {
    const { dir: empty, cleanup } = tempDataDir('cl-publish-empty-');
    dirs.push(cleanup);
    const noLake = await runCli(['publish', '--to', 's3://some-bucket/p', '--endpoint', s3.endpoint, '--data-dir', empty], env);
    expect(noLake.code).toBe(2);
    expect(noLake.stderr).toContain(empty);
    expect((await runCli(['publish', '--to', 'https://bucket/p', '--data-dir', empty], env)).code).toBe(2);
    expect((await runCli(['publish', '--to', 's3://some-bucket/p', '--retain-days', '3', '--data-dir', empty], env)).stderr).toMatch(/--retain-days only applies with --object-lock/);
    writeFileSync(join(empty, 'compliance-lake.config.json'), JSON.stringify({ publish: { to: 's3://some-bucket/p', secretAccessKey: 'x' } }));
    const secret = await runCli(['publish', '--data-dir', empty], env);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/publish\.secretAccessKey is not allowed/);
    rmSync(join(empty, 'compliance-lake.config.json'));
  }, 60_000);
});

test('the remote manifests equal the local ones byte for byte', async () => {
  const { dir, bucket, to } = await fresh();
  await publish(options(dir, to));
  const { entries } = readManifest(join(dir, 'lake'));
  for (const e of entries) {
    const name = `${String(e.seq).padStart(12, '0')}.json`;
    expect((await remoteBytes(bucket, `archive/org/lake/_manifests/${name}`)).equals(readFileSync(join(dir, 'lake', '_manifests', name)))).toBe(true);
  }
}, 120_000);

test('the daemon publishes when the config file has a publish block, through its job queue, and reports it in /metrics', async () => {
  const { dir, bucket, to } = await fresh();
  expect(daemonPublish(dir)).toBeNull();
  writeFileSync(join(dir, 'compliance-lake.config.json'), JSON.stringify({ publish: { to, endpoint: s3.endpoint, schedule: '0 0 1 1 *' } }));
  const publishing = daemonPublish(dir);
  expect(publishing?.schedule).toBe('0 0 1 1 *');
  const logs = captureLogger();
  const daemon = await startDaemon({ ...triggeredDaemonOptions(sim, dir, KEYS.full, logs.logger), publish: publishing });
  try {
    expect(daemon.trigger('publish')).toBe('started');
    await daemon.idle();
    expect(daemon.status().jobs.publish?.lastResult, daemon.status().jobs.publish?.lastError ?? '').toBe('success');
    const metrics = await (await fetch(`${daemon.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`compliance_lake_publish_head_seq ${Lake.open(dir).head.seq}`));
    expect(metrics).toMatch(/compliance_lake_jobs_total\{job="publish",result="success"\} 1/);
  } finally {
    await daemon.close();
  }
  expect(await remoteKeys(bucket)).toContain(`archive/org/${MARKER_PATH}`);
  expect((await verifyRemote({ target: options(dir, to).target })).ok).toBe(true);
}, 180_000);
