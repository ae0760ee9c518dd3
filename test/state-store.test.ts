import Database from 'better-sqlite3';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendEntry,
  committedFiles,
  entryFileName,
  GENESIS,
  manifestsDir,
  readManifest,
  type CoverageEvent,
  type ManifestCommit,
  type ManifestEntry,
  type ManifestFile,
} from '../src/lake/manifest.js';
import { rebuildState, STATE_FILE, StateRebuildRefused, StateStore, stateTables } from '../src/state/index.js';

let dataDir: string;
const opened: StateStore[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'state-store-'));
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function open(dir = dataDir, options?: { readonly?: boolean }): StateStore {
  const store = StateStore.open(dir, options);
  opened.push(store);
  return store;
}

/** Commits real manifest entries under `<dir>/lake/_manifests`, as the committer does. */
class Lake {
  private head = { seq: 0, hash: GENESIS };
  readonly entries: ManifestEntry[] = [];
  constructor(readonly dir: string) {}

  commit(c: Partial<ManifestCommit> & Pick<ManifestCommit, 'stream' | 'run_id'>): ManifestEntry {
    const seq = this.head.seq + 1;
    const entry = appendEntry(join(this.dir, 'lake'), this.head, {
      kind: 'append',
      committed_at: new Date(Date.UTC(2026, 0, 10, 12, seq)).toISOString(),
      added: [],
      removed: [],
      coverage: [],
      request_ids: [],
      ...c,
    });
    this.head = { seq: entry.seq, hash: entry.hash };
    this.entries.push(entry);
    return entry;
  }
}

function file(stream: string, date: string, name: string, rows = 10, runId = 'run-1'): ManifestFile {
  return {
    path: `${stream}/date=${date}/${name}.parquet`,
    stream,
    date,
    sha256: createHash('sha256').update(name).digest('hex'),
    bytes: 1_000 + rows,
    rows,
    min_time: rows === 0 ? null : `${date}T00:00:01.000Z`,
    max_time: rows === 0 ? null : `${date}T23:59:59.000Z`,
    first_id: rows === 0 ? null : `${name}-first`,
    last_id: rows === 0 ? null : `${name}-last`,
    endpoint: `/v1/compliance/${stream}`,
    params: { limit: '5000', 'activity_types[]': ['claude_chat_created', 'org_user_deleted'] },
    run_id: runId,
    request_ids: [`req-${name}-1`, `req-${name}-2`],
  };
}

function overlapEvent(recordId: string, runId: string): CoverageEvent {
  return { stream: 'activities', record_id: recordId, record_time: '2026-01-02T10:00:00.000Z', found_by: 'overlap', found_at: '2026-01-10T12:03:00.000Z', run_id: runId };
}

function reconciliationEvent(stream: string, recordId: string, runId: string, day: string): CoverageEvent {
  return {
    stream,
    record_id: recordId,
    record_time: `${day}T08:00:00.000Z`,
    found_by: 'reconciliation',
    found_at: '2026-01-10T13:00:00.000Z',
    run_id: runId,
    window_start: `${day}T00:00:00.000Z`,
    window_end: `${day}T23:59:59.999Z`,
  };
}

const A1 = file('activities', '2026-01-01', 'a1', 40);
const A2 = file('activities', '2026-01-02', 'a2', 30);
const U1 = file('users', '2026-01-02', 'u1', 0);
const A3 = file('activities', '2026-01-02', 'a3', 5, 'run-2');
const A2_COMPACT = file('activities', '2026-01-02', 'a2-compact', 34, 'run-3');

/** Five entries: two appends, a directory snapshot, a late arrival, a compaction and a reconciliation. */
function history(lake: Lake): ManifestEntry[] {
  return [
    lake.commit({ stream: 'activities', run_id: 'run-1', added: [A1, A2], cursor: { after_id: 'act_2', high_water: '2026-01-02T23:59:59.000Z' }, request_ids: ['req-1', 'req-2'] }),
    lake.commit({ stream: 'users', run_id: 'run-1', added: [U1], cursor: { snapshot_at: '2026-01-10T12:02:00.000Z' }, request_ids: ['req-3'] }),
    lake.commit({
      stream: 'activities',
      run_id: 'run-2',
      added: [A3],
      cursor: { after_id: 'act_3', high_water: '2026-01-02T23:59:59.000Z' },
      coverage: [overlapEvent('act_late_1', 'run-2')],
      request_ids: ['req-4', 'req-5'],
    }),
    lake.commit({ stream: 'activities', run_id: 'run-3', kind: 'compact', added: [A2_COMPACT], removed: [A2.path, A3.path] }),
    lake.commit({
      stream: 'activities',
      run_id: 'run-4',
      added: [],
      cursor: { after_id: 'act_9', high_water: '2026-01-03T01:00:00.000Z' },
      coverage: [reconciliationEvent('activities', 'act_late_2', 'run-4', '2026-01-01'), reconciliationEvent('users', 'user_late', 'run-4', '2026-01-02')],
      request_ids: ['req-4', 'req-6'],
    }),
  ];
}

const ALL_REQUEST_IDS = ['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6'];

function snapshot(store: StateStore) {
  return {
    appliedSeq: store.appliedSeq(),
    cursors: store.cursors(),
    files: store.files(),
    activePaths: [...store.activePaths()].sort(),
    coverage: store.coverage(),
    ownRequests: [...store.ownRequests([...ALL_REQUEST_IDS, 'req-not-ours'])].sort(),
  };
}

function byPath(fs: Iterable<ManifestFile>): ManifestFile[] {
  return [...fs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('StateStore.apply', () => {
  it('records files, cursors and the applied head', () => {
    const lake = new Lake(dataDir);
    const store = open();
    expect(store.path).toBe(join(dataDir, STATE_FILE));
    expect(store.appliedSeq()).toBe(0);
    expect(store.cursor('activities')).toBeNull();

    const [e1, e2] = history(lake);
    store.apply(e1);
    store.apply(e2);

    expect(store.appliedSeq()).toBe(2);
    expect(store.cursor<{ after_id: string }>('activities')).toEqual({ after_id: 'act_2', high_water: '2026-01-02T23:59:59.000Z' });
    expect(store.cursor('users')).toEqual({ snapshot_at: '2026-01-10T12:02:00.000Z' });
    expect(store.cursor('groups')).toBeNull();
    expect(store.cursors()).toEqual([
      { stream: 'activities', cursor: { after_id: 'act_2', high_water: '2026-01-02T23:59:59.000Z' }, seq: 1, updatedAt: e1.committed_at },
      { stream: 'users', cursor: { snapshot_at: '2026-01-10T12:02:00.000Z' }, seq: 2, updatedAt: e2.committed_at },
    ]);

    expect(store.files()).toEqual([A1, A2, U1]);
    expect(store.files({ stream: 'activities' })).toEqual([A1, A2]);
    expect(store.files({ date: '2026-01-02' })).toEqual([A2, U1]);
    expect(store.files({ stream: 'activities', date: '2026-01-02' })).toEqual([A2]);
    expect(store.files({ dates: { from: '2026-01-01', to: '2026-01-01' } })).toEqual([A1]);
    expect(store.files({ dates: { from: '2026-01-02', to: '2026-12-31' }, stream: 'users' })).toEqual([U1]);
    expect(store.files({ stream: 'groups' })).toEqual([]);
    expect(store.activePaths()).toEqual(new Set([A1.path, A2.path, U1.path]));
  });

  it('marks files a compaction removed, keeps the cursor when the entry has none, and matches committedFiles()', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const store = open();
    for (const e of entries.slice(0, 4)) store.apply(e);

    expect(store.files({ stream: 'activities' })).toEqual([A1, A2_COMPACT]);
    expect(store.activePaths().has(A2.path)).toBe(false);
    expect(store.activePaths().has(A3.path)).toBe(false);
    expect(store.files()).toEqual(byPath(committedFiles(entries.slice(0, 4)).values()));
    // Entry 4 (the compaction) carries no cursor: the one from entry 3 stays.
    expect(store.cursors().find((c) => c.stream === 'activities')).toMatchObject({ cursor: { after_id: 'act_3' }, seq: 3 });

    // A path removed earlier and added again is active again, with the new content.
    store.apply(entries[4]);
    const readded = { ...A2, sha256: 'f'.repeat(64), rows: 99, run_id: 'run-9' };
    store.apply(lake.commit({ stream: 'activities', run_id: 'run-9', added: [readded] }));
    expect(store.files({ date: '2026-01-02', stream: 'activities' })).toEqual([A2_COMPACT, readded]);
    expect(store.files()).toEqual(byPath(committedFiles(lake.entries).values()));
  });

  it('is idempotent: re-applying entries changes nothing', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const store = open();
    for (const e of entries) store.apply(e);
    const before = snapshot(store);
    expect(before.coverage).toHaveLength(3);

    for (const e of entries) store.apply(e);
    expect(store.catchUp(entries)).toBe(0);
    expect(snapshot(store)).toEqual(before);
  });

  it('refuses an entry out of order, naming the gap and the rebuild command, and writes nothing', () => {
    const lake = new Lake(dataDir);
    const [e1, e2, e3] = history(lake);
    const store = open();
    expect(() => store.apply(e2)).toThrow(/cannot apply manifest entry 2: the state store is at entry 0, so entries 1\.\.1 are missing.*compliance-lake state rebuild/);
    expect(store.appliedSeq()).toBe(0);
    expect(store.files()).toEqual([]);

    store.apply(e1);
    expect(() => store.apply(e3)).toThrow(/entries 2\.\.2 are missing/);
    expect(store.appliedSeq()).toBe(1);
    expect(store.cursor('users')).toBeNull();
  });

  it('refuses an entry from another chain and a same-seq entry with another hash', () => {
    const lake = new Lake(dataDir);
    const [e1] = history(lake);
    const other = new Lake(mkdtempSync(join(dataDir, 'other-')));
    const o1 = other.commit({ stream: 'activities', run_id: 'run-x', added: [file('activities', '2026-02-01', 'x1')] });
    const o2 = other.commit({ stream: 'activities', run_id: 'run-x', added: [file('activities', '2026-02-02', 'x2')] });

    const store = open();
    store.apply(e1);
    expect(() => store.apply(o2)).toThrow(/entry 2: its prev [0-9a-f]{12}… is not the hash [0-9a-f]{12}… of entry 1.*compliance-lake state rebuild/);
    expect(() => store.apply(o1)).toThrow(/manifest entry 1 has hash .* does not match the manifest.*compliance-lake state rebuild/);
    expect(store.appliedSeq()).toBe(1);
    expect(store.files().map((f) => f.path)).toEqual([A1.path, A2.path]);
  });

  it('applies an entry in one transaction: a failure part-way leaves nothing behind', () => {
    const lake = new Lake(dataDir);
    const [e1] = history(lake);
    // A coverage event without found_at violates NOT NULL after the files were already inserted.
    const broken = { ...e1, coverage: [{ ...overlapEvent('x', 'run-1'), found_at: null as unknown as string }] };
    const store = open();
    expect(() => store.apply(broken)).toThrow(/NOT NULL/);
    expect(store.appliedSeq()).toBe(0);
    expect(store.files()).toEqual([]);
    expect(store.cursors()).toEqual([]);
    expect(store.ownRequests(['req-1'])).toEqual(new Set());
    store.apply(e1);
    expect(store.appliedSeq()).toBe(1);
  });

  it('refuses writes on a read-only store', () => {
    const lake = new Lake(dataDir);
    const [e1, e2] = history(lake);
    open().apply(e1);
    const reader = open(dataDir, { readonly: true });
    expect(() => reader.apply(e2)).toThrow(/opened read-only/);
    expect(() => reader.startRun({ runId: 'r', startedAt: '2026-01-10T00:00:00Z', streams: [], pid: 1 })).toThrow(/opened read-only/);
  });
});

describe('StateStore.catchUp', () => {
  it('after a crash between manifest commit and apply, a fresh open plus catchUp reaches the same state', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const first = open();
    first.apply(entries[0]);
    first.apply(entries[1]);
    first.close();
    // Entries 3..5 were committed to the manifest but the process died before applying them.

    const reopened = open();
    expect(reopened.appliedSeq()).toBe(2);
    const { entries: onDisk, problems } = readManifest(join(dataDir, 'lake'));
    expect(problems).toEqual([]);
    expect(reopened.catchUp(onDisk)).toBe(3);
    expect(reopened.catchUp(onDisk)).toBe(0);

    const referenceDir = mkdtempSync(join(dataDir, 'reference-'));
    const reference = open(referenceDir);
    for (const e of entries) reference.apply(e);
    expect(snapshot(reopened)).toEqual(snapshot(reference));
    expect(snapshot(reopened).appliedSeq).toBe(5);
  });

  it('stops at a gap without applying anything', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const store = open();
    expect(() => store.catchUp([entries[0], entries[2]])).toThrow(/entries 2\.\.2 are missing/);
    expect(store.appliedSeq()).toBe(0);
  });
});

describe('StateStore.ownRequests', () => {
  it('answers a batch of thousands of ids', () => {
    const lake = new Lake(dataDir);
    const ids = Array.from({ length: 2_500 }, (_, i) => `req_${String(i).padStart(5, '0')}`);
    const store = open();
    store.apply(lake.commit({ stream: 'activities', run_id: 'run-1', request_ids: ids.slice(0, 1_800) }));
    // Each entry repeats every request id of its run so far.
    store.apply(lake.commit({ stream: 'activities', run_id: 'run-1', request_ids: ids }));

    const strangers = Array.from({ length: 1_500 }, (_, i) => `req_other_${i}`);
    const query = [...strangers.slice(0, 700), ...ids, ...strangers.slice(700), ...ids.slice(0, 100)];
    const started = performance.now();
    const found = store.ownRequests(query);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(found.size).toBe(2_500);
    expect(found).toEqual(new Set(ids));
    expect(store.ownRequests(strangers)).toEqual(new Set());
    expect(store.ownRequests([])).toEqual(new Set());
    expect(store.ownRequests(['req_00000', 'nope', 'req_02499'])).toEqual(new Set(['req_00000', 'req_02499']));
  });
});

describe('StateStore.coverage', () => {
  it('lists events in order with their seq, filtered by stream and run', () => {
    const lake = new Lake(dataDir);
    const store = open();
    for (const e of history(lake)) store.apply(e);

    const late1 = { ...overlapEvent('act_late_1', 'run-2'), seq: 3 };
    const late2 = { ...reconciliationEvent('activities', 'act_late_2', 'run-4', '2026-01-01'), seq: 5 };
    const late3 = { ...reconciliationEvent('users', 'user_late', 'run-4', '2026-01-02'), seq: 5 };
    expect(store.coverage()).toEqual([late1, late2, late3]);
    expect(store.coverage()[0]).not.toHaveProperty('window_start');
    expect(store.coverage({ stream: 'activities' })).toEqual([late1, late2]);
    expect(store.coverage({ runId: 'run-4' })).toEqual([late2, late3]);
    expect(store.coverage({ stream: 'users', runId: 'run-4' })).toEqual([late3]);
    expect(store.coverage({ stream: 'users', runId: 'run-2' })).toEqual([]);
  });
});

describe('StateStore runs', () => {
  it('records started and finished runs, newest first', () => {
    const store = open();
    store.startRun({ runId: 'run-1', startedAt: '2026-01-10T12:00:00.000Z', streams: ['activities', 'users'], pid: 101 });
    store.startRun({ runId: 'run-2', startedAt: '2026-01-10T12:05:00.000Z', streams: ['activities'], pid: 102 });
    store.startRun({ runId: 'run-3', startedAt: '2026-01-10T12:10:00.000Z', streams: ['groups'], pid: 103 });
    store.finishRun('run-1', { finishedAt: '2026-01-10T12:01:00.000Z', status: 'success', summary: { activities: { rows: 40, files: 2 } } });
    store.finishRun('run-2', { finishedAt: '2026-01-10T12:06:00.000Z', status: 'partial', summary: null });

    expect(store.runs()).toEqual([
      { runId: 'run-3', startedAt: '2026-01-10T12:10:00.000Z', finishedAt: null, status: null, streams: ['groups'], pid: 103, summary: null },
      { runId: 'run-2', startedAt: '2026-01-10T12:05:00.000Z', finishedAt: '2026-01-10T12:06:00.000Z', status: 'partial', streams: ['activities'], pid: 102, summary: null },
      {
        runId: 'run-1',
        startedAt: '2026-01-10T12:00:00.000Z',
        finishedAt: '2026-01-10T12:01:00.000Z',
        status: 'success',
        streams: ['activities', 'users'],
        pid: 101,
        summary: { activities: { rows: 40, files: 2 } },
      },
    ]);
    expect(store.runs(1).map((r) => r.runId)).toEqual(['run-3']);
    expect(() => store.finishRun('run-404', { finishedAt: '2026-01-10T12:11:00.000Z', status: 'failed', summary: {} })).toThrow(/run-404: it was never started/);
    expect(() => store.startRun({ runId: 'run-1', startedAt: '2026-01-10T13:00:00.000Z', streams: [], pid: 1 })).toThrow(/UNIQUE/);
  });
});

describe('rebuildState', () => {
  it('rebuilds the same state as incremental application, keeps a backup and carries the runs over', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const incremental = open();
    incremental.startRun({ runId: 'run-1', startedAt: '2026-01-10T12:00:00.000Z', streams: ['activities', 'users'], pid: 7 });
    for (const e of entries) incremental.apply(e);
    incremental.finishRun('run-1', { finishedAt: '2026-01-10T12:30:00.000Z', status: 'success', summary: { files: 4 } });
    const expected = snapshot(incremental);
    const expectedRuns = incremental.runs();
    incremental.close();
    const oldHash = sha256File(join(dataDir, STATE_FILE));

    const result = rebuildState(dataDir);
    expect(result.entries).toBe(5);
    expect(result.files).toBe(3);
    expect(result.problems).toEqual([]);
    expect(result.backup).toMatch(/state\.sqlite\.bak-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(sha256File(result.backup!)).toBe(oldHash);
    expect(readdirSync(dataDir).filter((n) => n.includes('.rebuild-'))).toEqual([]);

    const rebuilt = open();
    expect(snapshot(rebuilt)).toEqual(expected);
    expect(rebuilt.files()).toEqual(byPath(committedFiles(entries).values()));
    expect(rebuilt.runs()).toEqual(expectedRuns);
    // The rebuilt store continues the chain.
    rebuilt.apply(lake.commit({ stream: 'users', run_id: 'run-5', added: [file('users', '2026-01-11', 'u2', 3)], cursor: { snapshot_at: 'x' } }));
    expect(rebuilt.appliedSeq()).toBe(6);
    rebuilt.close();

    // A second rebuild keeps its own backup.
    const second = rebuildState(dataDir);
    expect(second.backup).not.toBe(result.backup);
    expect(existsSync(result.backup!)).toBe(true);
    expect(existsSync(second.backup!)).toBe(true);
    expect(open().runs()).toEqual(expectedRuns);
  });

  it('builds a state store when there was none, and an empty one for an empty lake', () => {
    const lake = new Lake(dataDir);
    history(lake);
    expect(rebuildState(dataDir)).toMatchObject({ entries: 5, files: 3, backup: null });
    expect(open().appliedSeq()).toBe(5);

    const emptyDir = mkdtempSync(join(dataDir, 'empty-'));
    expect(rebuildState(emptyDir)).toEqual({ entries: 0, files: 0, problems: [], backup: null });
    expect(open(emptyDir).appliedSeq()).toBe(0);
  });

  it('copies no runs from an unreadable old store but still rebuilds', () => {
    const lake = new Lake(dataDir);
    history(lake);
    writeFileSync(join(dataDir, STATE_FILE), 'this is not a database');
    const result = rebuildState(dataDir);
    expect(readFileSync(result.backup!, 'utf8')).toBe('this is not a database');
    const store = open();
    expect(store.appliedSeq()).toBe(5);
    expect(store.runs()).toEqual([]);
  });

  it('refuses a tampered manifest, pointing at verify, and leaves state.sqlite untouched', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const store = open();
    store.startRun({ runId: 'run-1', startedAt: '2026-01-10T12:00:00.000Z', streams: ['activities'], pid: 7 });
    for (const e of entries) store.apply(e);
    store.close();
    const stateFile = join(dataDir, STATE_FILE);
    const before = { hash: sha256File(stateFile), listing: readdirSync(dataDir).sort() };

    // Change one byte of entry 2: its rows count 0 becomes 1.
    const entryFile = join(manifestsDir(join(dataDir, 'lake')), entryFileName(2));
    const bytes = readFileSync(entryFile);
    const at = bytes.indexOf('"rows": 0');
    expect(at).toBeGreaterThan(0);
    bytes[at + '"rows": '.length] = '1'.charCodeAt(0);
    writeFileSync(entryFile, bytes);

    let error: unknown;
    try {
      rebuildState(dataDir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StateRebuildRefused);
    const refused = error as StateRebuildRefused;
    expect(refused.message).toMatch(/refusing to rebuild.*nothing was changed.*compliance-lake verify/s);
    expect(refused.message).toMatch(/entry 2 .*entry was modified/);
    expect(refused.problems.map((p) => p.seq)).toEqual([2]);

    expect(sha256File(stateFile)).toBe(before.hash);
    expect(readdirSync(dataDir).sort()).toEqual(before.listing);
    const after = open();
    expect(after.appliedSeq()).toBe(5);
    expect(after.runs()).toHaveLength(1);
  });
});

describe('StateStore.open', () => {
  it('persists across close and reopen', () => {
    const lake = new Lake(dataDir);
    const entries = history(lake);
    const first = open();
    for (const e of entries) first.apply(e);
    first.startRun({ runId: 'run-1', startedAt: '2026-01-10T12:00:00.000Z', streams: ['activities'], pid: 1 });
    const expected = snapshot(first);
    first.close();

    const again = open();
    expect(snapshot(again)).toEqual(expected);
    expect(again.runs().map((r) => r.runId)).toEqual(['run-1']);
  });

  it('lets a read-only reader read while a writer holds the store open, and see new commits', () => {
    const lake = new Lake(dataDir);
    const [e1, e2] = history(lake);
    const writer = open();
    writer.apply(e1);

    const reader = open(dataDir, { readonly: true });
    expect(reader.appliedSeq()).toBe(1);
    expect(reader.files()).toEqual([A1, A2]);

    writer.apply(e2);
    writer.startRun({ runId: 'run-1', startedAt: '2026-01-10T12:00:00.000Z', streams: ['users'], pid: 1 });
    expect(reader.appliedSeq()).toBe(2);
    expect(reader.cursor('users')).toEqual({ snapshot_at: '2026-01-10T12:02:00.000Z' });
    expect(reader.runs().map((r) => r.runId)).toEqual(['run-1']);

    // And after the writer has gone.
    writer.close();
    const lateReader = open(dataDir, { readonly: true });
    expect(lateReader.appliedSeq()).toBe(2);
  });

  it('refuses a read-only open of a missing store, and does not create one', () => {
    expect(() => open(join(dataDir, 'nowhere'), { readonly: true })).toThrow(/no state store at .*nowhere.*state rebuild/);
    expect(existsSync(join(dataDir, 'nowhere'))).toBe(false);
  });

  it('uses WAL and refuses a store of another schema version', () => {
    open().close();
    const raw = new Database(join(dataDir, STATE_FILE));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => open()).toThrow(/schema version 99, this build expects 1.*state rebuild/);
  });

  it('creates tables that match schema.ts', () => {
    open().close();
    const raw = new Database(join(dataDir, STATE_FILE), { readonly: true });
    try {
      for (const table of Object.values(stateTables)) {
        const config = getTableConfig(table);
        const actual = (raw.pragma(`table_info(${config.name})`) as { name: string; type: string; notnull: number; pk: number }[]).map((c) => ({
          name: c.name,
          type: c.type,
          notNull: c.notnull === 1 || c.pk === 1,
          primary: c.pk === 1,
        }));
        const declared = config.columns.map((c) => ({ name: c.name, type: c.getSQLType().toUpperCase(), notNull: c.notNull, primary: c.primary }));
        expect(actual, config.name).toEqual(declared);
        const indexes = (raw.pragma(`index_list(${config.name})`) as { name: string; origin: string }[]).filter((i) => i.origin === 'c').map((i) => i.name);
        expect(indexes.sort(), config.name).toEqual(config.indexes.map((i) => i.config.name).sort());
      }
    } finally {
      raw.close();
    }
  });
});
