// What the sync's start and end no longer wait for (BENCHMARKS.md, issue 11, sync throughput). DuckDB opens while
// the first requests are answered, not before them: one that cannot start must still fail the run as a whole, as
// it did when it opened first (the error reaches the caller, nothing is committed, the cursor does not move, the
// run is recorded as failed). A first run's last window commits its reconciliation day with it (one commit less).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Lake } from '../src/lake/lake.js';
import { StateStore } from '../src/state/index.js';
import { NOW, connect, makeSim } from './support/sim-harness.js';
import { lakeActivityIds, syncWith, tempDataDir } from './support/lake-harness.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

function dataDir(): string {
  const { dir, cleanup } = tempDataDir();
  cleanups.push(cleanup);
  return dir;
}

test('a DuckDB that cannot open fails the whole run after its first requests; nothing is committed', async () => {
  const t = await connect(makeSim(), 'in-process');
  const dir = dataDir();
  // DuckDB's spill directory goes under <data-dir>/tmp/: a file there makes the connection fail to open
  writeFileSync(join(dir, 'tmp'), 'not a directory');
  await expect(syncWith(t, dir, { streams: ['activities'] })).rejects.toThrow(/ENOTDIR|not a directory/);
  expect(Lake.open(dir).files('activities')).toEqual([]);
  const state = StateStore.open(dir, { readonly: true });
  try {
    expect(state.cursor('activities')).toBeNull();
    expect(state.runs().map((r) => r.status)).toEqual(['failed']);
  } finally {
    state.close();
  }
}, 120_000);

test('the same run with DuckDB available commits the feed (the deferred connection serves every commit)', async () => {
  const t = await connect(makeSim(), 'in-process');
  const dir = dataDir();
  const result = await syncWith(t, dir, { streams: ['activities'] });
  expect(result.ok).toBe(true);
  const ids = await lakeActivityIds(dir);
  expect(ids.length).toBeGreaterThan(1000);
  expect(new Set(ids).size).toBe(ids.length);
}, 120_000);

test('a first run records its reconciliation day in its last window\'s commit, and a second run agrees', async () => {
  const t = await connect(makeSim(), 'in-process');
  const dir = dataDir();
  expect((await syncWith(t, dir, { streams: ['activities'] })).ok).toBe(true);
  const entries = Lake.open(dir).entries.filter((e) => e.stream === 'activities');
  const lastClosedDay = new Date(Math.floor(NOW / 86_400_000) * 86_400_000 - 86_400_000).toISOString().slice(0, 10);
  // one entry per day window, the last one carrying the day: none after it that only sets the day
  const covered = entries.map((e) => (e.cursor as { covered_until: string }).covered_until);
  expect(new Set(covered).size).toBe(covered.length);
  expect(entries.at(-1)!.cursor).toMatchObject({ last_reconciled_day: lastClosedDay });
  expect(entries.slice(0, -1).every((e) => (e.cursor as { last_reconciled_day: string | null }).last_reconciled_day === null)).toBe(true);
  // the next run (same clock) has nothing to reconcile: it re-reads its overlap only
  const again = await syncWith(t, dir, { streams: ['activities'] });
  expect(again.ok).toBe(true);
  expect(Lake.open(dir).entries.filter((e) => e.stream === 'activities' && e.coverage.some((c) => c.found_by === 'reconciliation'))).toEqual([]);
  const state = StateStore.open(dir, { readonly: true });
  try {
    expect(state.cursor('activities')).toMatchObject({ last_reconciled_day: lastClosedDay });
  } finally {
    state.close();
  }
}, 120_000);
