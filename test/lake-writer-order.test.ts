// The writer's unsorted path (arrival 'descending', src/lake/writer.ts): rows that arrive newest first are
// written in reverse, chunk by chunk, and COPYed without a sort. Every Parquet file it stages must be the
// file the sorted path stages from the same rows: the same bytes, so the same columns in the same order.
// Checked over a simulated feed walked as the sync walks it, and over rows that break the order (a row out
// of place, ties, non-ASCII ids, duplicates), which must fall back to the sort.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Activity } from '../src/api/index.js';
import { activityRow } from '../src/extract/activities.js';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { TABLES } from '../src/lake/tables.js';
import { MAX_BUFFERED_PARTITIONS, StreamWriter, type StagedFile } from '../src/lake/writer.js';
import { BEFORE_NOW, connect, makeClient, makeSim } from './support/sim-harness.js';

let duck: Duck;
let root: string;

beforeAll(async () => {
  duck = await openDuck();
  root = mkdtempSync(join(tmpdir(), 'lake-writer-order-'));
});

afterAll(() => {
  duck.close();
  rmSync(root, { recursive: true, force: true });
});

/** Two writers over the same rows: the one under test (newest first, unsorted when it can) and the sorted one. */
function writers(name: string): { fast: StreamWriter; sorted: StreamWriter; add(record: Activity, requestId: string | null): void } {
  const options = {
    spec: TABLES.activities,
    runId: 'run1',
    extractedAt: '2026-11-01T00:00:00.000Z',
    endpoint: '/v1/compliance/activities',
    params: { limit: '5000' },
    part: 'p0',
  };
  const fast = new StreamWriter({ ...options, dataDir: join(root, name, 'fast'), arrival: 'descending' });
  const sorted = new StreamWriter({ ...options, dataDir: join(root, name, 'sorted') });
  return {
    fast,
    sorted,
    add(record, requestId) {
      // a row object per writer: `add` stamps the request id on it
      fast.add(activityRow(record, new Set()).row, record.created_at.slice(0, 10), requestId);
      sorted.add(activityRow(record, new Set()).row, record.created_at.slice(0, 10), requestId);
    },
  };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every column of a staged file, in file order. */
async function rowsOf(file: StagedFile): Promise<Record<string, unknown>[]> {
  return duck.all(`SELECT * REPLACE (rest::VARCHAR AS rest, actor_rest::VARCHAR AS actor_rest, created_at::VARCHAR AS created_at) FROM read_parquet(${sqlString(file.stagedPath)})`);
}

async function expectSameFiles(fast: StagedFile[], sorted: StagedFile[]): Promise<void> {
  expect(fast.map((f) => f.date)).toEqual(sorted.map((f) => f.date));
  for (let i = 0; i < fast.length; i++) {
    const { stagedPath: a, ...described } = fast[i];
    const { stagedPath: b, ...expected } = sorted[i];
    expect(await rowsOf(fast[i]), fast[i].date).toEqual(await rowsOf(sorted[i]));
    expect(described).toEqual(expected);
    expect(sha256(a), fast[i].date).toBe(sha256(b));
  }
}

test('a simulated feed walked newest first is staged without a sort, into the files the sort writes', async () => {
  // reference timestamps: offsets and 0-6 fractional digits, normalised by the client as in a sync
  const sim = makeSim({ tenant: { timestampStyle: 'reference', horizonDays: 3, activitiesPerDay: 9000 } });
  const t = await connect(sim, 'in-process');
  const { client } = makeClient(sim, t);
  const w = writers('feed');
  let records = 0;
  try {
    for await (const page of client.activities.pages({ 'created_at.lt': BEFORE_NOW, limit: 1000 })) {
      for (const record of page.data) w.add(record, page.requestId);
      records += page.data.length;
    }
  } finally {
    await t.close();
  }
  expect(records).toBeGreaterThan(20_000);
  const fast = await w.fast.finish(duck);
  const sorted = await w.sorted.finish(duck);
  expect(fast.length).toBeGreaterThanOrEqual(3);
  // every day (more than one 4 MB chunk each) took the unsorted path
  expect([...w.fast.presorted]).toEqual(fast.map((f) => f.date));
  expect(w.sorted.presorted).toEqual([]);
  await expectSameFiles(fast, sorted);
  // the connection's setting is as it was
  const [{ keep }] = await duck.all("SELECT current_setting('preserve_insertion_order') AS keep");
  expect(keep).toBe(false);
  w.fast.discard();
  w.sorted.discard();
  expect(existsSync(join(root, 'feed', 'fast', 'staging', 'run1', 'activities-p0'))).toBe(false);
}, 240_000);

function activity(id: string, createdAt: string, filler = 0): Activity {
  return {
    id,
    created_at: createdAt,
    type: 'claude_chat_created',
    organization_id: 'org_1',
    actor: { type: 'user_actor', user_id: 'user_1', email_address: 'a@example.com' },
    claude_chat_id: `claude_chat_${id}`,
    note: 'x'.repeat(filler),
  } as unknown as Activity;
}

test('rows that break the order fall back to the sort; rows in order, ties by id included, do not', async () => {
  const w = writers('odd');
  // the n-th second of the day (n ascending = later)
  const at = (day: number, n: number) => new Date(Date.UTC(2026, 9, day) + n * 1000).toISOString();
  // Day 1: newest first, large enough for several chunks, with ties on created_at ordered by id (descending).
  // Days 2-8 are interleaved with it, so more partitions than MAX_BUFFERED_PARTITIONS hold chunks in turn.
  const interleaved = 7;
  expect(interleaved).toBeGreaterThan(MAX_BUFFERED_PARTITIONS);
  for (let n = 3000; n > 0; n--) {
    w.add(activity(`act_${n}b`, at(1, n), 4000), 'req_1');
    w.add(activity(`act_${n}a`, at(1, n), 10), 'req_1');
    if (n % 100 === 0) for (let d = 2; d < 2 + interleaved; d++) w.add(activity(`act_d${d}_${n}`, at(d, n)), `req_${d}`);
  }
  // day 10: one row out of place
  for (const [id, n] of [['a3', 30], ['a2', 20], ['a9', 40], ['a1', 10]] as const) w.add(activity(id, at(10, n)), 'req_10');
  // day 11: a tie between non-ASCII ids (JavaScript and DuckDB may order them differently)
  for (const id of ['act_\u{1F600}', 'act_\uFF01', 'act_a']) w.add(activity(id, at(11, 5)), 'req_11');
  // day 12: the same row twice (the sort cannot tell them apart either)
  for (const id of ['b2', 'b1', 'b1']) w.add(activity(id, at(12, id === 'b2' ? 9 : 1)), 'req_12');
  // day 13: a tie whose ids come in ascending order
  for (const id of ['c1', 'c2']) w.add(activity(id, at(13, 5)), 'req_13');
  // day 14: one row
  w.add(activity('d1', at(14, 1)), 'req_14');
  // day 15: in order, the least and greatest ids neither first nor last (the stats of an in-order day are kept
  // while it is written, not read back)
  for (const [id, n] of [['m5', 50], ['z9', 40], ['a0', 30], ['q1', 20], ['b7', 10]] as const) w.add(activity(id, at(15, n)), 'req_15');
  // day 16: in order, non-ASCII ids, no tie (its id stats are DuckDB's: bytes, not UTF-16 units)
  for (const [id, n] of [['act_\uFF01', 50], ['act_\u{1F600}', 40], ['act_z', 30], ['act_\u00e9', 20]] as const) w.add(activity(id, at(16, n)), 'req_16');

  const fast = await w.fast.finish(duck);
  const sorted = await w.sorted.finish(duck);
  expect(fast.map((f) => f.date)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '10', '11', '12', '13', '14', '15', '16'].map((d) => `2026-10-${d}`));
  expect([...w.fast.presorted]).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '14', '15', '16'].map((d) => `2026-10-${d}`));
  expect(fast.find((f) => f.date === '2026-10-15')).toMatchObject({ first_id: 'a0', last_id: 'z9', min_time: '2026-10-15T00:00:10.000000Z', max_time: '2026-10-15T00:00:50.000000Z' });
  // U+1F600 is a surrogate pair in JavaScript (below U+FF01) but four bytes from 0xF0 in UTF-8 (above it)
  expect(fast.find((f) => f.date === '2026-10-16')).toMatchObject({ first_id: 'act_z', last_id: 'act_\u{1F600}' });
  expect(fast[0].rows).toBe(6000);
  await expectSameFiles(fast, sorted);
  w.fast.discard();
  w.sorted.discard();
}, 240_000);
