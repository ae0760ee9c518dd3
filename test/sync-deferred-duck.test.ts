// The sync opens DuckDB while its first requests are answered, not before them (BENCHMARKS.md, issue 11, sync
// throughput). A DuckDB that cannot start must still fail the run as a whole, as it did when it opened first:
// the error reaches the caller, nothing is committed, the cursor does not move, and the run is recorded as failed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Lake } from '../src/lake/lake.js';
import { StateStore } from '../src/state/index.js';
import { connect, makeSim } from './support/sim-harness.js';
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
