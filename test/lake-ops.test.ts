// verify, export and compact on a real lake: files written by StreamWriter, committed by Lake, read back by
// DuckDB. Each test gets its own copy of one small lake (three append runs with duplicate activity ids
// across runs, plus a users snapshot) and damages or transforms it.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../src/cli/config.js';
import { registerLakeCommands } from '../src/cli/lake-commands.js';
import { CompactError, compactLake, compactPartition, dedupeCopySql, mergeParams, partitionsNeedingCompaction } from '../src/lake/compact.js';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { ExportError, exportLake, parseWindowBound } from '../src/lake/export.js';
import { Lake } from '../src/lake/lake.js';
import { LockedError, acquireLock } from '../src/lake/lock.js';
import { type ManifestEntry, committedFiles, entryHash, readManifest } from '../src/lake/manifest.js';
import { TABLES } from '../src/lake/tables.js';
import { type VerifyReport, formatVerifyReport, verifyLake } from '../src/lake/verify.js';
import { PARQUET_ROW_GROUP_SIZE, StreamWriter, utcDay } from '../src/lake/writer.js';
import { StateStore } from '../src/state/index.js';

const ACTIVITIES = TABLES.activities;
const ENDPOINT = '/v1/compliance/activities';

let duck: Duck;
let root: string;
let template: string;

function activity(id: string, createdAt: string, version: number): Record<string, unknown> {
  return {
    id,
    created_at: createdAt,
    type: 'claude_chat_created',
    organization_id: null,
    organization_uuid: null,
    actor_type: null,
    actor_user_id: null,
    actor_email: null,
    actor_ip: null,
    actor_user_agent: null,
    actor_api_key_id: null,
    actor_rest: null,
    rest: { v: version },
    is_own_request: null,
  };
}

/** One append commit of activities, the way a sync makes it. */
async function appendActivities(dataDir: string, lake: Lake, runId: string, extractedAt: string, rows: Record<string, unknown>[]): Promise<ManifestEntry> {
  const params = { 'created_at.gte': extractedAt };
  const writer = new StreamWriter({ dataDir, spec: ACTIVITIES, runId, extractedAt, endpoint: ENDPOINT, params, part: 'p0' });
  for (const row of rows) writer.add({ ...row }, utcDay(String(row.created_at)), `req_${runId}`);
  const staged = await writer.finish(duck);
  const entry = lake.commit(staged, {
    kind: 'append',
    run_id: runId,
    stream: 'activities',
    committed_at: extractedAt,
    removed: [],
    cursor: { high_water: extractedAt },
    coverage: [],
    request_ids: [`req_${runId}`],
  });
  writer.discard();
  return entry;
}

async function buildLake(dataDir: string): Promise<void> {
  const lake = Lake.open(dataDir);
  // Partition 2026-03-01 gets three files (a004 three times, a003 twice), 2026-03-02 two files, 2026-03-03 one.
  await appendActivities(dataDir, lake, 'run1', '2026-03-03T01:00:00.000Z', [
    activity('a001', '2026-03-01T00:00:01.000001Z', 1),
    activity('a002', '2026-03-01T05:00:00.000000Z', 1),
    activity('a003', '2026-03-01T06:00:00.000000Z', 1),
    activity('a004', '2026-03-01T06:00:00.000000Z', 1),
    activity('a005', '2026-03-02T10:00:00.000000Z', 1),
    activity('a006', '2026-03-02T23:59:59.999999Z', 1),
  ]);
  await appendActivities(dataDir, lake, 'run2', '2026-03-03T02:00:00.000Z', [
    activity('a003', '2026-03-01T06:00:00.000000Z', 2),
    activity('a004', '2026-03-01T06:00:00.000000Z', 2),
    activity('a007', '2026-03-01T07:00:00.000000Z', 2),
    activity('a006', '2026-03-02T23:59:59.999999Z', 2),
    activity('a008', '2026-03-03T00:30:00.000000Z', 2),
  ]);
  await appendActivities(dataDir, lake, 'run3', '2026-03-03T03:00:00.000Z', [
    activity('a004', '2026-03-01T06:00:00.000000Z', 3),
    activity('a009', '2026-03-01T23:00:00.000000Z', 3),
  ]);
  const users = new StreamWriter({ dataDir, spec: TABLES.users, runId: 'run4', extractedAt: '2026-03-03T04:00:00.000Z', endpoint: '/v1/compliance/users', params: {}, part: 'p0' });
  for (const id of ['u1', 'u2']) {
    users.add({ snapshot_at: '2026-03-02T12:00:00.000000Z', organization_uuid: 'org1', id, email: `${id}@example.com`, full_name: null, organization_role: 'user', created_at: null, raw: {} }, '2026-03-02', 'req_run4');
  }
  lake.commit(await users.finish(duck), {
    kind: 'append',
    run_id: 'run4',
    stream: 'users',
    committed_at: '2026-03-03T04:00:00.000Z',
    removed: [],
    cursor: null,
    coverage: [{ stream: 'users', record_id: 'u2', record_time: '2026-03-02T12:00:00.000000Z', found_by: 'reconciliation', found_at: '2026-03-03T04:00:00.000Z', run_id: 'run4' }],
    request_ids: ['req_run4'],
  });
  users.discard();
}

let n = 0;
/** A fresh copy of the template lake. */
function freshLake(): string {
  const dir = join(root, `lake-${++n}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}

function liveFiles(dataDir: string) {
  return [...committedFiles(readManifest(join(dataDir, 'lake')).entries).values()].sort((a, b) => a.path.localeCompare(b.path));
}

function partitionFiles(dataDir: string, stream: string, date: string): string[] {
  return liveFiles(dataDir)
    .filter((f) => f.stream === stream && f.date === date)
    .map((f) => f.path);
}

function flipByte(file: string): void {
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  writeFileSync(file, bytes);
}

function kinds(report: VerifyReport): string[] {
  return report.problems.map((p) => `${p.kind} ${p.path}`).sort();
}

function parquetOnDisk(lakeDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
      else if (e.name.endsWith('.parquet')) found.push(rel ? `${rel}/${e.name}` : e.name);
    }
  };
  walk(lakeDir, '');
  return found.sort();
}

/** Sorted ids and a hash of the rows that dedupe keeps (earliest _extracted_at per id), over `files`. */
async function dedupedContent(files: string[]): Promise<{ ids: string[]; hash: string }> {
  const [r] = await duck.all(
    `SELECT list(id ORDER BY id) AS ids, md5(string_agg(to_json(t)::VARCHAR, chr(10) ORDER BY id)) AS hash FROM ` +
      `(SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}]) QUALIFY row_number() OVER (PARTITION BY id ORDER BY _extracted_at) = 1) t`,
  );
  return { ids: (r.ids as string[]).map(String), hash: String(r.hash) };
}

beforeAll(async () => {
  duck = await openDuck();
  root = mkdtempSync(join(tmpdir(), 'cl-lake-ops-'));
  template = join(root, 'template');
  await buildLake(template);
});

afterAll(() => {
  duck?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('verify', () => {
  test('passes on a clean lake and counts every entry, file and row', async () => {
    const report = await verifyLake(freshLake(), { duck });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entries).toEqual({ total: 4, ok: 4 });
    expect(report.files).toMatchObject({ committed: 7, ok: 7, rows: 15 });
    expect(report.head.seq).toBe(4);
    expect(formatVerifyReport(report)).toMatch(/^OK: /m);
  });

  test('names a file with one flipped byte as modified', async () => {
    const dir = freshLake();
    const [victim] = partitionFiles(dir, 'activities', '2026-03-02');
    flipByte(join(dir, 'lake', victim));
    const report = await verifyLake(dir, { duck });
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual([`modified lake/${victim}`]);
    expect(report.problems[0].detail).toMatch(/sha256 .* says/);
    expect(report.files.ok).toBe(6);
    expect(formatVerifyReport(report)).toContain(`modified  lake/${victim}`);
  });

  test('names a committed file that is gone as removed, and a stray Parquet file as added', async () => {
    const dir = freshLake();
    const [gone] = partitionFiles(dir, 'activities', '2026-03-03');
    rmSync(join(dir, 'lake', gone));
    const [some] = partitionFiles(dir, 'activities', '2026-03-01');
    cpSync(join(dir, 'lake', some), join(dir, 'lake/activities/date=2026-03-01/stray.parquet'));
    writeFileSync(join(dir, 'lake/activities/date=2026-03-01/notes.txt'), 'not Parquet, not read by anyone');
    const report = await verifyLake(dir, { duck });
    expect(kinds(report)).toEqual([`added lake/activities/date=2026-03-01/stray.parquet`, `removed lake/${gone}`]);
  });

  test('names an edited manifest line as a modified entry', async () => {
    const dir = freshLake();
    const file = join(dir, 'lake/_manifests/000000000002.json');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"committed_at": "2026-03-03T02:00:00.000Z"');
    writeFileSync(file, text.replace('"committed_at": "2026-03-03T02:00:00.000Z"', '"committed_at": "2026-03-03T02:00:01.000Z"'));
    const report = await verifyLake(dir, { duck });
    expect(kinds(report)).toEqual(['entry_modified lake/_manifests/000000000002.json']);
    expect(report.entries).toEqual({ total: 4, ok: 3 });
  });

  test('an entry edited with its hash recomputed breaks the chain at the next entry, and the file it misdescribes is named', async () => {
    const dir = freshLake();
    const file = join(dir, 'lake/_manifests/000000000002.json');
    const entry = JSON.parse(readFileSync(file, 'utf8')) as ManifestEntry;
    entry.added[0].rows += 1;
    entry.hash = entryHash(entry);
    writeFileSync(file, JSON.stringify(entry, null, 1) + '\n');
    const report = await verifyLake(dir, { duck });
    expect(kinds(report)).toEqual(['chain_broken lake/_manifests/000000000003.json', `modified lake/${entry.added[0].path}`]);
    expect(report.problems.find((p) => p.kind === 'modified')!.detail).toMatch(/^rows \d+, manifest entry 2 says \d+/);
  });

  test('names a deleted manifest entry as missing, the next entry as unlinked, and the files it added as added', async () => {
    const dir = freshLake();
    const entry2 = JSON.parse(readFileSync(join(dir, 'lake/_manifests/000000000002.json'), 'utf8')) as ManifestEntry;
    rmSync(join(dir, 'lake/_manifests/000000000002.json'));
    const report = await verifyLake(dir, { duck });
    expect(kinds(report)).toEqual(
      [
        'entry_missing lake/_manifests/000000000002.json',
        'chain_broken lake/_manifests/000000000003.json',
        ...entry2.added.map((f) => `added lake/${f.path}`),
      ].sort(),
    );
    expect(entry2.added).toHaveLength(3);
  });

  test('names an unparsable manifest entry, and a directory without a lake', async () => {
    const dir = freshLake();
    writeFileSync(join(dir, 'lake/_manifests/000000000004.json'), '{"seq": 4, "trunc');
    const report = await verifyLake(dir, { duck });
    expect(kinds(report)).toContain('entry_unparsable lake/_manifests/000000000004.json');
    expect(kinds(report)).toContain(`added lake/${partitionFiles(template, 'users', '2026-03-02')[0]}`);

    const empty = join(root, 'no-lake-here');
    mkdirSync(empty);
    expect(kinds(await verifyLake(empty, { duck }))).toEqual(['no_lake lake']);
  });
});

describe('export', () => {
  test('copies exactly the files of the window, chains them afresh and verifies', async () => {
    const dir = freshLake();
    const out = join(root, `export-${++n}`);
    const report = await exportLake(dir, { since: '2026-03-01', until: '2026-03-02', out, duck });
    const source = readManifest(join(dir, 'lake'));
    const window = liveFiles(dir).filter((f) => f.date === '2026-03-01');
    expect(window).toHaveLength(3);

    expect(parquetOnDisk(join(out, 'lake'))).toEqual(window.map((f) => f.path));
    for (const f of window) expect(readFileSync(join(out, 'lake', f.path)).equals(readFileSync(join(dir, 'lake', f.path)))).toBe(true);
    expect(report.verify.ok).toBe(true);
    expect((await verifyLake(out, { duck })).problems).toEqual([]);

    const { entries, problems } = readManifest(join(out, 'lake'));
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.stream, e.kind, e.added.length])).toEqual([
      ['activities', 'append', 3],
      ['users', 'append', 0],
    ]);
    const sourceHead = source.entries[source.entries.length - 1];
    for (const e of entries) {
      expect(e.cursor).toEqual({ exported_from: { seq: sourceHead.seq, hash: sourceHead.hash }, since: '2026-03-01', until: '2026-03-02' });
      expect(e.removed).toEqual([]);
    }
    expect(entries[0].added).toEqual(window);
    expect(report).toMatchObject({ files: 3, rows: 9, exportedFrom: { seq: 4, hash: sourceHead.hash }, head: { seq: 2, hash: entries[1].hash } });

    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('compliance-lake verify --data-dir');
    expect(readme).toContain('sha256sum -c');
    expect(readme).toContain(entries[1].hash);
  });

  test('a window with no directory snapshot carries the last one before it; without built models the README says how to derive the history', async () => {
    const dir = freshLake();
    const out = join(root, `export-${++n}`);
    const report = await exportLake(dir, { since: '2026-03-03', until: '2026-03-04', out, duck });
    const users = partitionFiles(dir, 'users', '2026-03-02');
    expect(users).toHaveLength(1);
    expect(parquetOnDisk(join(out, 'lake'))).toEqual([...partitionFiles(dir, 'activities', '2026-03-03'), ...users].sort());
    expect(report.streams.find((s) => s.stream === 'users')).toMatchObject({ files: 1, snapshotBefore: '2026-03-02T12:00:00.000000Z' });
    expect(report.streams.find((s) => s.stream === 'activities')!.snapshotBefore).toBeNull();
    expect(report.history).toEqual([]);
    expect(report.verify.ok).toBe(true);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('2026-03-02T12:00:00.000000Z');
    expect(readme).toContain('compliance-lake models build --data-dir <this directory>');
    // a window before every snapshot has none to carry
    const early = await exportLake(dir, { since: '2026-03-01', until: '2026-03-02', out: join(root, `export-${++n}`), duck });
    expect(early.streams.find((s) => s.stream === 'users')).toMatchObject({ files: 0, snapshotBefore: null });
  });

  test('a timestamp window takes every day partition it overlaps, of the streams asked for', async () => {
    const dir = freshLake();
    const out = join(root, `export-${++n}`);
    const report = await exportLake(dir, { since: '2026-03-01T23:00:00+01:00', until: '2026-03-02T00:00:01Z', out, streams: ['users'], duck });
    expect(report.streams.map((s) => [s.stream, s.files, s.coverageEvents])).toEqual([['users', 1, 1]]);
    expect(parquetOnDisk(join(out, 'lake'))).toEqual(partitionFiles(dir, 'users', '2026-03-02'));

    const out2 = join(root, `export-${++n}`);
    const both = await exportLake(dir, { since: '2026-03-01T12:00:00Z', until: '2026-03-02T00:00:01Z', out: out2, duck });
    expect(both.streams.map((s) => [s.stream, s.files, s.firstDate, s.lastDate])).toEqual([
      ['activities', 5, '2026-03-01', '2026-03-02'],
      ['users', 1, '2026-03-02', '2026-03-02'],
    ]);
  });

  test('the README\'s by-hand checks pass on the export and fail once it is tampered with', async () => {
    const dir = freshLake();
    const out = join(root, `export-${++n}`);
    await exportLake(dir, { since: '2026-03-01', until: '2026-03-04', out, duck });
    const python = spawnSync('python3', ['--version']);
    if (python.status === 0) {
      const script = /```python\n([\s\S]*?)```/.exec(readFileSync(join(out, 'README.md'), 'utf8'))![1];
      expect(execFileSync('python3', ['-c', script], { cwd: out, encoding: 'utf8' })).toMatch(/^ok: 2 entries, 7 files, head [0-9a-f]{64}/);
    }
    const jq = spawnSync('sh', ['-c', 'command -v jq && command -v sha256sum']);
    if (jq.status === 0) {
      const files = execFileSync('sh', ['-c', `jq -r '.added[] | "\\(.sha256)  lake/\\(.path)"' lake/_manifests/*.json | sha256sum -c -`], { cwd: out, encoding: 'utf8' });
      expect(files.match(/: OK$/gm)).toHaveLength(7);
      const entry = JSON.parse(readFileSync(join(out, 'lake/_manifests/000000000001.json'), 'utf8')) as ManifestEntry;
      const byHand = execFileSync('sh', ['-c', `jq -cS 'del(.hash)' lake/_manifests/000000000001.json | tr -d '\\n' | sha256sum`], { cwd: out, encoding: 'utf8' });
      expect(byHand.slice(0, 64)).toBe(entry.hash);
    }
    flipByte(join(out, 'lake', liveFiles(out)[0].path));
    if (python.status === 0) {
      const script = /```python\n([\s\S]*?)```/.exec(readFileSync(join(out, 'README.md'), 'utf8'))![1];
      const r = spawnSync('python3', ['-c', script], { cwd: out, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/sha256 differs/);
    }
    expect(kinds(await verifyLake(out, { duck }))).toEqual([`modified lake/${liveFiles(out)[0].path}`]);
  });

  test('refuses a non-empty target and a bad window, and writes nothing', async () => {
    const dir = freshLake();
    const out = join(root, `export-${++n}`);
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'someone else\'s file');
    const refused = exportLake(dir, { since: '2026-03-01', until: '2026-03-02', out, duck });
    await expect(refused).rejects.toThrow(ExportError);
    await expect(refused).rejects.toThrow(/is not empty/);
    expect(readdirSync(out)).toEqual(['keep.txt']);

    const fresh = join(root, `export-${++n}`);
    await expect(exportLake(dir, { since: '2026-02-30', until: '2026-03-02', out: fresh, duck })).rejects.toThrow(/--since must be/);
    await expect(exportLake(dir, { since: '2026-03-02', until: '2026-03-01', out: fresh, duck })).rejects.toThrow(/window is empty/);
    await expect(exportLake(dir, { since: '2026-03-01', until: '2026-03-02', out: join(dir, 'lake', 'x'), duck })).rejects.toThrow(/inside the source lake/);
    await expect(exportLake(dir, { since: '2026-03-01', until: '2026-03-02', out: fresh, streams: ['nope'], duck })).rejects.toThrow(/unknown stream nope/);
    expect(existsSync(fresh)).toBe(false);
  });

  test('refuses when a file of the window fails its hash check, but not for a damaged file outside it', async () => {
    const dir = freshLake();
    const [victim] = partitionFiles(dir, 'activities', '2026-03-03');
    flipByte(join(dir, 'lake', victim));
    const out = join(root, `export-${++n}`);
    const refused = exportLake(dir, { since: '2026-03-03', until: '2026-03-04', out, duck });
    await expect(refused).rejects.toThrow(`lake/${victim}: sha256`);
    await expect(refused).rejects.not.toMatchObject({ usage: true });
    expect(existsSync(out)).toBe(false);

    const ok = await exportLake(dir, { since: '2026-03-01', until: '2026-03-03', out: join(root, `export-${++n}`), duck });
    expect(ok.files).toBe(6);
  });

  test('parses window bounds strictly', () => {
    expect(parseWindowBound('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(parseWindowBound('2026-03-01T01:00:00+01:00')).toBe(Date.UTC(2026, 2, 1));
    expect(parseWindowBound('2026-03-01T00:00:00.123456Z')).toBe(Date.UTC(2026, 2, 1, 0, 0, 0, 123));
    for (const bad of ['2026-02-30', '2026-13-01', '2026-03-01T25:00:00Z', '2026-03-01T00:00:00', 'yesterday', '1740787200']) expect(parseWindowBound(bad)).toBeNull();
  });
});

describe('writer', () => {
  test('a day of a million activities fits the lake connection\'s memory: bounded row groups, spills under the data dir', async () => {
    // A Claude Enterprise organization can log a million activities a day. With one row group per day the
    // Parquet writer buffered the whole day and ran out of the default 256 MB ("failed to allocate").
    const dataDir = join(root, 'big-day');
    const own = await openDuck({ dataDir }); // the sync's connection: default memory limit, one thread
    try {
      const writer = new StreamWriter({ dataDir, spec: ACTIVITIES, runId: 'big', extractedAt: '2026-03-02T00:00:00.000Z', endpoint: ENDPOINT, params: {}, part: 'p0' });
      const n = 1_000_000;
      const dayStart = Date.UTC(2026, 2, 1);
      for (let i = 0; i < n; i++) {
        // written newest first, as the feed pages arrive; ids are not in time order
        const j = n - 1 - i;
        const row = activity(`activity_${String((j * 7919) % n).padStart(7, '0')}_${j.toString(36)}`, new Date(dayStart + Math.floor((j * 86_400_000) / n)).toISOString().replace('Z', '000Z'), j);
        // the columns an everyday activity fills (a chat viewed by a user of a 20 000-seat organization)
        Object.assign(row, {
          type: 'claude_chat_viewed',
          organization_id: 'org_01',
          organization_uuid: '5f1c0e8a-3b7d-4c2e-9a61-0d4b8e2f7c13',
          actor_type: 'user_actor',
          actor_user_id: `user_01${(j % 20_000).toString(36).padStart(8, '0')}`,
          actor_email: `person${j % 20_000}@acme.example`,
          actor_ip: `10.${j % 250}.${(j >> 8) % 250}.7`,
          actor_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36',
          rest: { claude_chat_id: `claude_chat_01${((j * 104_729) % 9_999_991).toString(36).padStart(10, '0')}`, claude_project_id: null },
        });
        writer.add(row, '2026-03-01', 'req_big');
      }
      const [file] = await writer.finish(own);
      expect(file.rows).toBe(n);
      const [meta] = await own.all(
        `SELECT count(DISTINCT row_group_id) AS groups, max(row_group_num_rows) AS largest FROM parquet_metadata(${sqlString(file.stagedPath)})`,
      );
      expect(Number(meta.groups)).toBe(Math.ceil(n / PARQUET_ROW_GROUP_SIZE));
      expect(Number(meta.largest)).toBe(PARQUET_ROW_GROUP_SIZE);
      // sorted by time, then id, across row groups
      const [order] = await own.all(
        `SELECT count(*) AS out_of_order FROM (SELECT created_at, id, lag(created_at) OVER w AS prev_at, lag(id) OVER w AS prev_id ` +
          `FROM read_parquet(${sqlString(file.stagedPath)}, file_row_number=true) WINDOW w AS (ORDER BY file_row_number)) ` +
          `WHERE created_at < prev_at OR (created_at = prev_at AND id < prev_id)`,
      );
      expect(Number(order.out_of_order)).toBe(0);
      expect(file.min_time).toBe('2026-03-01T00:00:00.000000Z');
      expect(existsSync(join(dataDir, 'tmp', 'duckdb'))).toBe(true);
      writer.discard();
    } finally {
      own.close();
    }
  }, 180_000);
});

describe('compaction', () => {
  test('rewrites each partition with enough files into one deduplicated, sorted file and swaps it in', async () => {
    const dir = freshLake();
    const lakeDir = join(dir, 'lake');
    const before = partitionFiles(dir, 'activities', '2026-03-01');
    const expected = await dedupedContent(before.map((p) => join(lakeDir, p)));
    expect(expected.ids).toEqual(['a001', 'a002', 'a003', 'a004', 'a007', 'a009']);
    const untouched = partitionFiles(dir, 'activities', '2026-03-03');

    const report = await compactLake(dir, { runId: 'compact1', duck });
    expect(report.partitions.map((p) => [p.date, p.filesIn, p.rowsIn, p.rowsOut])).toEqual([
      ['2026-03-01', 3, 9, 6],
      ['2026-03-02', 2, 3, 2],
    ]);
    const after = partitionFiles(dir, 'activities', '2026-03-01');
    expect(after).toEqual(['activities/date=2026-03-01/compact1-compact.parquet']);
    for (const p of before) expect(existsSync(join(lakeDir, p))).toBe(false);
    expect(parquetOnDisk(join(lakeDir, 'activities', 'date=2026-03-01'))).toEqual(['compact1-compact.parquet']);
    expect(partitionFiles(dir, 'activities', '2026-03-03')).toEqual(untouched);
    expect(existsSync(join(dir, 'staging', 'compact1'))).toBe(false);

    const content = await dedupedContent([join(lakeDir, after[0])]);
    expect(content).toEqual(expected);
    const kept = await duck.all(`SELECT id, rest::VARCHAR AS rest, _run_id FROM read_parquet(${sqlString(join(lakeDir, after[0]))}, file_row_number=true) ORDER BY file_row_number`);
    // sorted by created_at, then id; each duplicate keeps its earliest extraction (run1's version)
    expect(kept.map((r) => r.id)).toEqual(['a001', 'a002', 'a003', 'a004', 'a007', 'a009']);
    expect(kept.find((r) => r.id === 'a004')).toMatchObject({ rest: '{"v":1}', _run_id: 'run1' });

    const { entries } = readManifest(lakeDir);
    const compaction = entries.find((e) => e.kind === 'compact' && e.added[0].date === '2026-03-01')!;
    expect(compaction).toMatchObject({ stream: 'activities', run_id: 'compact1', removed: before, coverage: [], request_ids: [] });
    expect('cursor' in compaction).toBe(false);
    expect(compaction.added[0]).toMatchObject({
      rows: 6,
      min_time: '2026-03-01T00:00:01.000001Z',
      max_time: '2026-03-01T23:00:00.000000Z',
      first_id: 'a001',
      last_id: 'a009',
      endpoint: ENDPOINT,
      params: { 'created_at.gte': ['2026-03-03T01:00:00.000Z', '2026-03-03T02:00:00.000Z', '2026-03-03T03:00:00.000Z'] },
      run_id: 'compact1',
      request_ids: ['req_run1', 'req_run2', 'req_run3'],
    });

    expect((await verifyLake(dir, { duck })).problems).toEqual([]);
    expect(() => Lake.open(dir)).not.toThrow();
  });

  test('partitionsNeedingCompaction lists the partitions over the threshold; a second compaction in one run gets a new name', async () => {
    const dir = freshLake();
    const lake = Lake.open(dir);
    expect(partitionsNeedingCompaction(lake, 1)).toEqual([
      { stream: 'activities', date: '2026-03-01', files: 3 },
      { stream: 'activities', date: '2026-03-02', files: 2 },
    ]);
    expect(partitionsNeedingCompaction(lake, 2)).toEqual([{ stream: 'activities', date: '2026-03-01', files: 3 }]);

    const applied: number[] = [];
    await compactPartition(lake, { stream: 'activities', date: '2026-03-01' }, { runId: 'c1', duck, onCommit: (e) => applied.push(e.seq) });
    expect(applied).toEqual([5]);
    expect(partitionsNeedingCompaction(lake, 1)).toEqual([{ stream: 'activities', date: '2026-03-02', files: 2 }]);
    await appendActivities(dir, lake, 'run5', '2026-03-04T00:00:00.000Z', [activity('a001', '2026-03-01T00:00:01.000001Z', 5), activity('a010', '2026-03-01T08:00:00.000000Z', 5)]);
    const second = await compactPartition(lake, { stream: 'activities', date: '2026-03-01' }, { runId: 'c1', duck });
    expect(second).toMatchObject({ path: 'activities/date=2026-03-01/c1-compact-2.parquet', filesIn: 2, rowsIn: 8, rowsOut: 7 });
    expect(await verifyLake(dir, { duck })).toMatchObject({ ok: true });
  });

  test('a crash before the commit leaves a staged file that quarantine moves away; the lake still verifies', async () => {
    const dir = freshLake();
    const lakeDir = join(dir, 'lake');
    const inputs = partitionFiles(dir, 'activities', '2026-03-01').map((p) => sqlString(join(lakeDir, p)));
    // What compactPartition has on disk when the process dies before Lake.commit: the staged file, and
    // (if it died inside commit, after the rename) the new file in the partition with no manifest entry.
    const staged = join(dir, 'staging', 'crashed', 'compact', 'activities-date=2026-03-01.parquet');
    mkdirSync(dirname(staged), { recursive: true });
    await duck.run(dedupeCopySql(ACTIVITIES, `[${inputs.join(', ')}]`, staged));
    const renamed = join(lakeDir, 'activities/date=2026-03-01/crashed-compact.parquet');
    await duck.run(dedupeCopySql(ACTIVITIES, `[${inputs.join(', ')}]`, renamed));

    expect(kinds(await verifyLake(dir, { duck }))).toEqual(['added lake/activities/date=2026-03-01/crashed-compact.parquet']);
    const { quarantined, quarantineDir } = Lake.open(dir).quarantineUncommitted('after-crash');
    expect(quarantined.sort()).toEqual(['lake/activities/date=2026-03-01/crashed-compact.parquet', 'staging/crashed/compact/activities-date=2026-03-01.parquet']);
    expect(existsSync(join(quarantineDir!, 'staging/crashed/compact/activities-date=2026-03-01.parquet'))).toBe(true);
    expect((await verifyLake(dir, { duck })).problems).toEqual([]);
    expect(partitionFiles(dir, 'activities', '2026-03-01')).toHaveLength(3);
  });

  test('a crash after the commit leaves the old files on disk: verify names them, quarantine moves them', async () => {
    const dir = freshLake();
    const lake = Lake.open(dir);
    const old = partitionFiles(dir, 'activities', '2026-03-02');
    const crash = () => {
      throw new Error('simulated crash after the commit');
    };
    await expect(compactPartition(lake, { stream: 'activities', date: '2026-03-02' }, { runId: 'c9', duck, onCommit: crash })).rejects.toThrow('simulated crash');
    expect(partitionFiles(dir, 'activities', '2026-03-02')).toEqual(['activities/date=2026-03-02/c9-compact.parquet']);

    const report = await verifyLake(dir, { duck });
    expect(kinds(report)).toEqual(old.map((p) => `added lake/${p}`).sort());
    expect(report.problems[0].detail).toMatch(/removed from the lake by manifest entry 5/);
    expect(Lake.open(dir).quarantineUncommitted('after-crash').quarantined.sort()).toEqual(old.map((p) => `lake/${p}`).sort());
    expect((await verifyLake(dir, { duck })).ok).toBe(true);
  });

  test('refuses to compact a partition whose input fails its hash check, and leaves that partition as it was', async () => {
    const dir = freshLake();
    const [victim] = partitionFiles(dir, 'activities', '2026-03-02');
    flipByte(join(dir, 'lake', victim));
    const before = readdirSync(join(dir, 'lake/_manifests'));
    await expect(compactLake(dir, { runId: 'c2', duck, streams: ['activities'], minFiles: 2 })).rejects.toThrow(CompactError);
    // 2026-03-01 is compacted first (it is sound); 2026-03-02 is refused
    expect(readdirSync(join(dir, 'lake/_manifests'))).toHaveLength(before.length + 1);
    expect(partitionFiles(dir, 'activities', '2026-03-02')).toHaveLength(2);
    expect(existsSync(join(dir, 'lake.lock'))).toBe(false);
  });

  test('merges the inputs\' query parameters', () => {
    expect(mergeParams([{ a: '1', b: 'x' }, { a: '2', b: 'x' }, { c: ['p', 'q'] }, { c: ['q'] }])).toEqual({ a: ['1', '2'], b: 'x', c: ['p', 'q'] });
  });
});

describe('cli', () => {
  let out: string[];
  let err: string[];

  function cli(): Command {
    out = [];
    err = [];
    const program = new Command('compliance-lake').exitOverride();
    return registerLakeCommands(program, { out: (t) => out.push(t), err: (t) => err.push(t) });
  }

  async function run(...args: string[]): Promise<number> {
    process.exitCode = undefined;
    await cli().parseAsync(args, { from: 'user' });
    const code = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return code;
  }

  afterEach(() => {
    process.exitCode = undefined;
  });

  test('verify exits 0 on a clean lake and 1 naming the damaged file', async () => {
    const dir = freshLake();
    expect(await run('verify', '--data-dir', dir)).toBe(0);
    expect(out.join('\n')).toMatch(/^OK: /m);
    const [victim] = partitionFiles(dir, 'users', '2026-03-02');
    rmSync(join(dir, 'lake', victim));
    expect(await run('verify', '--data-dir', dir)).toBe(1);
    expect(out.join('\n')).toContain(`removed  lake/${victim}`);
  });

  test('export checks its flags (exit 2 through ConfigError) and writes a verified archive', async () => {
    const dir = freshLake();
    const target = join(root, `export-${++n}`);
    await expect(run('export', '--since', 'last week', '--until', '2026-03-02', '--out', target, '--data-dir', dir)).rejects.toThrow(ConfigError);
    await expect(run('export', '--since', '2026-03-01', '--until', '2026-03-02', '--data-dir', dir)).rejects.toThrow(/--out <dir> is required/);
    await expect(run('export', '--until', '2026-03-02', '--out', target, '--data-dir', dir)).rejects.toThrow(/--since is required/);
    await expect(run('export', '--since', '2026-03-01', '--until', '2026-03-02', '--out', target, '--streams', 'activities,bogus', '--data-dir', dir)).rejects.toThrow(/unknown stream bogus/);
    expect(await run('export', '--since', '2026-03-01', '--until', '2026-03-02', '--out', target, '--streams', 'activities', '--data-dir', dir)).toBe(0);
    expect(out.join('\n')).toMatch(/Exported 3 files/);
    expect(await run('verify', '--data-dir', target)).toBe(0);
    await expect(run('export', '--since', '2026-03-01', '--until', '2026-03-02', '--out', target, '--data-dir', dir)).rejects.toThrow(/is not empty/);
  });

  test('a second writer in the same process is refused; a lock file with our pid that this process does not hold is taken over', async () => {
    const dir = freshLake();
    const first = acquireLock(dir, 'sync --streams activities');
    try {
      expect(() => acquireLock(dir, 'compact')).toThrow(/this process is already writing to this data dir \(`sync --streams activities`, started /);
      // the same data dir named another way is the same lock
      expect(() => acquireLock(join(dir, '..', basename(dir)), 'compact')).toThrow(LockedError);
      await expect(compactLake(dir, { minFiles: 1, runId: 'second-writer', duck })).rejects.toThrow(/this process is already writing/);
      expect(JSON.parse(readFileSync(join(dir, 'lake.lock'), 'utf8')).command, 'the holder keeps its lock').toBe('sync --streams activities');
    } finally {
      first.release();
    }
    expect(existsSync(join(dir, 'lake.lock'))).toBe(false);

    // a container restarts every process as pid 1: a lock left with our pid by a dead predecessor is stale
    writeFileSync(join(dir, 'lake.lock'), JSON.stringify({ pid: process.pid, host: hostname(), command: 'sync', started_at: '2026-03-03T00:00:00Z' }));
    const taken = acquireLock(dir, 'compact');
    expect(taken.recoveredFrom?.command).toBe('sync');
    taken.release();
    expect(existsSync(join(dir, 'lake.lock'))).toBe(false);
  });

  test('compact takes the lock, keeps the state store in step, and refuses while another process writes', async () => {
    const dir = freshLake();
    const state = StateStore.open(dir);
    state.catchUp(Lake.open(dir).entries);
    state.close();
    await expect(run('compact', '--data-dir', dir, '--min-files', '0')).rejects.toThrow(ConfigError);

    writeFileSync(join(dir, 'lake.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'compliance-lake sync', started_at: '2026-03-03T00:00:00Z' }));
    expect(await run('compact', '--data-dir', dir)).toBe(1);
    expect(err.join('\n')).toMatch(/another compliance-lake process is writing to this data dir: pid \d+/);
    rmSync(join(dir, 'lake.lock'));

    const strayDir = join(dir, 'staging', 'old-run');
    mkdirSync(strayDir, { recursive: true });
    writeFileSync(join(strayDir, 'date=2026-03-01.ndjson'), '{}\n');
    expect(await run('compact', '--data-dir', dir, '--streams', 'activities')).toBe(0);
    expect(out.join('\n')).toMatch(/Compacted 2 partitions: 5 files into 2, 12 rows into 8/);
    expect(err.join('\n')).toMatch(/moved 1 uncommitted file/);
    expect(existsSync(join(dir, 'lake.lock'))).toBe(false);

    const reopened = StateStore.open(dir, { readonly: true });
    try {
      expect([...reopened.activePaths()].sort()).toEqual(liveFiles(dir).map((f) => f.path));
    } finally {
      reopened.close();
    }
    expect(await run('verify', '--data-dir', dir)).toBe(0);
  });
});
