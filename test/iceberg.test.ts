// The Iceberg table over the activities (schema/iceberg.md), read by an independent reader: icebird fetches
// the metadata, manifests and the lake's own Parquet files over loopback HTTP and must return exactly the
// lake's rows; the manifests' bounds must equal each file's min and max, and prune a created_at filter
// without losing a row; a further sync and a compaction refresh the table through the hook.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { asyncBufferFromUrl, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { icebergManifests, icebergMetadata, icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseLocation } from '../src/engines/location.js';
import { decodeContainer } from '../src/iceberg/avro.js';
import { defaultTableDir, refreshIceberg } from '../src/iceberg/refresh.js';
import { openDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';
import { START, type Transport, connect, makeSim } from './support/sim-harness.js';
import { type StaticServer, serveDirectory } from './support/static-http.js';

const DAY = 86_400_000;
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

describe('the Iceberg table over the lake', () => {
  let t: Transport;
  let data: { dir: string; cleanup: () => void };
  let server: StaticServer;
  let tableUrl: string;

  beforeAll(async () => {
    t = await connect(makeSim({ tenant: { horizonDays: 3, activitiesPerDay: 1500 } }), 'in-process');
    data = tempDataDir('cl-iceberg-');
    // a day and a half now, the rest later: the further sync appends to the table, and adds a second file to
    // the middle day's partition, which a compaction then merges
    await syncWith(t, data.dir, { streams: ['activities'], settings: { overlapMs: 10 * 60_000, reconcileDays: 3, untilMs: START - DAY - 12 * 3_600_000 } });
    server = await serveDirectory(data.dir);
    tableUrl = `${server.url}/iceberg/activities`;
    const report = await refreshIceberg({ dataDir: data.dir, location: parseLocation(server.url, data.dir) });
    expect(report.operation).toBe('create');
    expect(report.addedFiles).toBeGreaterThan(1);
  });

  afterAll(async () => {
    await server?.close();
    await t?.close();
    data?.cleanup();
  });

  async function lakeRows(): Promise<{ id: string; type: string; created_ms: number; actor_email: string | null }[]> {
    const rows = await lakeQuery(data.dir, 'activities', "SELECT id, type, epoch_ms(created_at)::DOUBLE AS created_ms, actor_email FROM {files} ORDER BY id, created_ms");
    return rows.map((r) => ({ id: String(r.id), type: String(r.type), created_ms: Number(r.created_ms), actor_email: (r.actor_email as string | null) ?? null }));
  }

  async function icebirdRows(): Promise<{ id: string; type: string; created_ms: number; actor_email: string | null }[]> {
    const rows = await icebergRead({ tableUrl });
    return rows
      .map((r) => ({ id: String(r.id), type: String(r.type), created_ms: (r.created_at as Date).getTime(), actor_email: (r.actor_email as string | null) ?? null }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.created_ms - b.created_ms));
  }

  test("icebird returns exactly the lake's rows", async () => {
    const expected = await lakeRows();
    expect(expected.length).toBeGreaterThan(1000);
    const got = await icebirdRows();
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
    const metadata = await icebergMetadata({ tableUrl });
    expect(metadata['format-version']).toBe(2);
    expect(metadata['partition-specs'][0].fields[0]).toMatchObject({ transform: 'day', name: 'created_at_day' });
    const mapping = JSON.parse(metadata.properties!['schema.name-mapping.default']);
    expect(mapping.find((m: { names: string[] }) => m.names[0] === 'created_at')['field-id']).toBe(2);
  });

  test("each manifest entry's bounds, counts and partition equal its file's", async () => {
    const metadata = await icebergMetadata({ tableUrl });
    const manifests = await icebergManifests(metadata);
    const entries = manifests.flatMap((m) => m.entries).filter((e) => e.status !== 2);
    const lake = Lake.open(data.dir);
    expect(entries.length).toBe(lake.files('activities').length);
    const duck = await openDuck();
    try {
      for (const e of entries) {
        const path = new URL(e.data_file.file_path).pathname;
        const file = join(data.dir, path);
        const [truth] = await duck.all(
          `SELECT count(*)::BIGINT AS n, epoch_us(min(created_at)) AS lo, epoch_us(max(created_at)) AS hi, min(id) AS min_id, max(id) AS max_id, count(*) FILTER (WHERE actor_email IS NULL)::BIGINT AS null_emails FROM read_parquet(${sqlString(file)})`,
        );
        expect(Number(e.data_file.record_count)).toBe(Number(truth.n));
        const bound = (list: unknown, id: number): Uint8Array => (list as { key: number; value: Uint8Array }[]).find((kv) => kv.key === id)!.value;
        const micros = (b: Uint8Array) => Buffer.from(b).readBigInt64LE();
        expect(micros(bound(e.data_file.lower_bounds, 2))).toBe(BigInt(truth.lo as bigint));
        expect(micros(bound(e.data_file.upper_bounds, 2))).toBe(BigInt(truth.hi as bigint));
        expect(Buffer.from(bound(e.data_file.lower_bounds, 1)).toString('utf8')).toBe(truth.min_id);
        expect(Buffer.from(bound(e.data_file.upper_bounds, 1)).toString('utf8')).toBe(truth.max_id);
        // icebird's types call these maps; its Avro reader returns Iceberg's key/value arrays as they are stored
        const nulls = (e.data_file.null_value_counts as unknown as { key: number; value: bigint }[]).find((kv) => kv.key === 9)!.value;
        expect(Number(nulls)).toBe(Number(truth.null_emails));
        // the day partition is the file's Hive folder
        const day = /date=(\d{4}-\d{2}-\d{2})/.exec(path)![1];
        expect((e.data_file.partition as unknown as { created_at_day: Date }).created_at_day).toEqual(new Date(`${day}T00:00:00Z`));
        // no bounds on the JSON text columns
        expect((e.data_file.lower_bounds as { key: number }[]).some((kv) => kv.key === 14 || kv.key === 13)).toBe(false);
      }
    } finally {
      duck.close();
    }
  });

  test('a created_at filter pruned by the bounds returns exactly the lake rows in the window', async () => {
    const from = START - 2 * DAY + 6 * 3_600_000;
    const to = from + 3 * 3_600_000;
    const metadata = await icebergMetadata({ tableUrl });
    const entries = (await icebergManifests(metadata)).flatMap((m) => m.entries).filter((e) => e.status !== 2);
    const micros = (list: unknown) => Number(Buffer.from((list as { key: number; value: Uint8Array }[]).find((kv) => kv.key === 2)!.value).readBigInt64LE() / 1000n);
    const kept = entries.filter((e) => micros(e.data_file.upper_bounds) >= from && micros(e.data_file.lower_bounds) < to);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(entries.length);
    const ids: string[] = [];
    for (const e of kept) {
      const file = await asyncBufferFromUrl({ url: e.data_file.file_path, byteLength: Number(e.data_file.file_size_in_bytes) });
      const rows = await parquetReadObjects({ file, columns: ['id', 'created_at'], compressors });
      for (const r of rows) {
        const ms = (r.created_at as Date).getTime();
        if (ms >= from && ms < to) ids.push(String(r.id));
      }
    }
    const truth = await lakeQuery(
      data.dir,
      'activities',
      `SELECT id FROM {files} WHERE created_at >= to_timestamp(${from / 1000}) AND created_at < to_timestamp(${to / 1000}) ORDER BY id`,
    );
    expect(truth.length).toBeGreaterThan(10);
    expect(ids.sort()).toEqual(truth.map((r) => String(r.id)));
  });

  test('a further sync appends a snapshot, a compaction replaces files, and icebird follows both', async () => {
    const before = await icebergMetadata({ tableUrl });
    const result = await syncWith(t, data.dir, { streams: ['activities'] });
    expect(result.iceberg?.operation).toBe('append');
    expect(result.iceberg!.addedFiles).toBeGreaterThan(0);
    const appended = await icebergMetadata({ tableUrl });
    expect(appended['current-snapshot-id']).not.toBe(before['current-snapshot-id']);
    expect(appended.snapshots!.at(-1)!['parent-snapshot-id']).toBe(before['current-snapshot-id']);
    expect(appended.snapshots!.at(-1)!.summary.operation).toBe('append');
    expect(await icebirdRows()).toEqual(await lakeRows());

    const crowded = Lake.open(data.dir).files('activities').length;
    // a sync that compacts: the hook runs after the compaction's commits
    const compacting = await syncWith(t, data.dir, { streams: ['activities'], compactMaxFiles: 1 });
    expect(compacting.compactedPartitions).toBeGreaterThan(0);
    const report = compacting.iceberg!;
    expect(report.operation).toBe('replace');
    expect(report.deletedFiles).toBeGreaterThan(0);
    expect(Lake.open(data.dir).files('activities').length).toBeLessThan(crowded);
    const replaced = await icebergMetadata({ tableUrl });
    expect(replaced.snapshots!.at(-1)!.summary.operation).toBe('replace');
    expect(await icebirdRows()).toEqual(await lakeRows());

    // the data files were used in place: every file the table names is a committed lake file
    const committed = new Set(Lake.open(data.dir).files('activities').map((f) => `${server.url}/lake/${f.path}`));
    const live = (await icebergManifests(replaced)).flatMap((m) => m.entries).filter((e) => e.status !== 2).map((e) => e.data_file.file_path);
    expect(new Set(live)).toEqual(committed);
  });

  test('old snapshots expire with their files; a concurrent commit is refused without damage', async () => {
    // a lake of its own, synced in four steps (no compaction): one snapshot per sync, keeping two
    const own = tempDataDir('cl-iceberg-history-');
    // outside the data dir's iceberg/, so the sync's own hook leaves it alone
    const out = join(own.dir, 'tmp', 'iceberg-history');
    const location = parseLocation(server.url, own.dir);
    const steps = [3 * DAY, 2.5 * DAY, 2 * DAY, 1.5 * DAY].map((back) => START - back + 6 * 3_600_000);
    try {
      for (const untilMs of steps) {
        await syncWith(t, own.dir, { streams: ['activities'], settings: { overlapMs: 10 * 60_000, reconcileDays: 3, untilMs } });
        await refreshIceberg({ dataDir: own.dir, location, out, keep: 2 });
      }
    } catch (err) {
      own.cleanup();
      throw err;
    }
    const commits = steps;
    const metaDir = join(out, 'metadata');
    const version = Number(readFileSync(join(metaDir, 'version-hint.text'), 'utf8'));
    expect(version).toBe(commits.length);
    const metadata = JSON.parse(readFileSync(join(metaDir, `v${version}.metadata.json`), 'utf8'));
    expect(metadata.snapshots).toHaveLength(2);
    expect(metadata['snapshot-log']).toHaveLength(2);
    expect(metadata['metadata-log']).toHaveLength(2);
    const files = readdirSync(metaDir);
    expect(files.filter((n) => n.endsWith('.metadata.json')).sort()).toEqual([`v${version - 2}.metadata.json`, `v${version - 1}.metadata.json`, `v${version}.metadata.json`].sort());
    const lists = metadata.snapshots.map((s: { 'manifest-list': string }) => s['manifest-list'].slice(s['manifest-list'].lastIndexOf('/') + 1));
    expect(files.filter((n) => n.startsWith('snap-')).sort()).toEqual(lists.sort());
    // every manifest left is named by a kept snapshot's list
    const named = new Set(lists.flatMap((l: string) => decodeContainer(readFileSync(join(metaDir, l))).records.map((m: { manifest_path: string }) => m.manifest_path.slice(m.manifest_path.lastIndexOf('/') + 1))));
    expect(files.filter((n) => n.startsWith('m-')).every((n) => named.has(n))).toBe(true);

    // another writer took the next version first: this refresh fails, the table stays at the other's commit
    await syncWith(t, own.dir, { streams: ['activities'] });
    const blocker = join(metaDir, `v${version + 1}.metadata.json`);
    writeFileSync(blocker, '{}');
    await expect(refreshIceberg({ dataDir: own.dir, location, out, keep: 2 })).rejects.toThrow(/another refresh committed .*v\d+\.metadata\.json first; run `compliance-lake iceberg refresh` again/);
    expect(Number(readFileSync(join(metaDir, 'version-hint.text'), 'utf8'))).toBe(version);
    rmSync(blocker);
    own.cleanup();
  });

  test('a refresh killed at any moment leaves the last committed table readable, and the next one completes it', async () => {
    const own = tempDataDir('cl-iceberg-kill-');
    try {
      const tableDir = defaultTableDir(own.dir);
      const served = await serveDirectory(own.dir);
      const url = `${served.url}/iceberg/activities`;
      try {
        const ownLocation = parseLocation(served.url, own.dir);
        const counts: number[] = [];
        const rowsNow = async () => (await lakeQuery(own.dir, 'activities', 'SELECT count(*)::BIGINT AS n FROM {files}'))[0].n;
        let untilMs = START - 3 * DAY + 3_600_000;
        await syncWith(t, own.dir, { streams: ['activities'], settings: { overlapMs: 10 * 60_000, reconcileDays: 3, untilMs } });
        await refreshIceberg({ dataDir: own.dir, location: ownLocation });
        counts.push(Number(await rowsNow()));
        for (const delayMs of [150, 400, 900]) {
          // the lake grows while the table is parked (so the sync's own hook leaves it behind)
          renameSync(tableDir, `${tableDir}.parked`);
          untilMs += 9 * 3_600_000;
          await syncWith(t, own.dir, { streams: ['activities'], settings: { overlapMs: 10 * 60_000, reconcileDays: 3, untilMs } });
          renameSync(`${tableDir}.parked`, tableDir);
          counts.push(Number(await rowsNow()));
          const child = spawn(process.execPath, [CLI, 'iceberg', 'refresh', '--data-dir', own.dir], { stdio: 'ignore' });
          // listened for at once: a refresh that ends before the kill has already exited when it is sent
          const exited = new Promise((resolve) => child.once('exit', resolve));
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          child.kill('SIGKILL');
          await exited;
          // whatever the moment (it is not controlled: before, during or after the commit), the hint names a
          // whole metadata file and the table is one of the lake's two states
          const seen = (await icebergRead({ tableUrl: url })).length;
          expect(counts.slice(-2)).toContain(seen);
          const done = await refreshIceberg({ dataDir: own.dir });
          expect(done.totalRecords).toBe(counts.at(-1));
          expect((await icebergRead({ tableUrl: url })).length).toBe(counts.at(-1));
        }
      } finally {
        await served.close();
      }
    } finally {
      own.cleanup();
    }
  });

  test('nothing to do when the table matches the lake; another location is refused; manifests are valid Avro', async () => {
    const again = await refreshIceberg({ dataDir: data.dir });
    expect(again.metadataFile).toBeNull();
    await expect(refreshIceberg({ dataDir: data.dir, location: parseLocation('s3://bucket/prefix', data.dir) })).rejects.toThrow(/was written for http:\/\/127\.0\.0\.1/);
    const metaDir = join(defaultTableDir(data.dir), 'metadata');
    const manifest = readdirSync(metaDir).find((n) => n.startsWith('m-'))!;
    const { metadata } = decodeContainer(readFileSync(join(metaDir, manifest)));
    expect(metadata['format-version']).toBe('2');
    expect(JSON.parse(metadata['partition-spec'])[0]['field-id']).toBe(1000);
  });
});
