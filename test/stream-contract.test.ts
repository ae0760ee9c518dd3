// One contract, every stream: it reads its endpoint to the end, a second run resumes without storing any
// record twice, 429 storms change nothing, and unknown fields are kept in the record (one contract suite for every stream).
import { afterEach, describe, expect, test } from 'vitest';
import { STREAM_NAMES } from '../src/extract/sync.js';
import { TABLES } from '../src/lake/tables.js';
import { connect, control, makeSim, makeTenant, simTime } from './support/sim-harness.js';
import { lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
const shared = makeTenant({ activitiesPerDay: 1500, horizonDays: 2 });

function keySql(stream: string): string {
  const spec = TABLES[stream];
  return spec.key.map((k) => (spec.columns[k] === 'TIMESTAMPTZ' ? `strftime(${k}, '%Y-%m-%dT%H:%M:%S.%fZ')` : `${k}::VARCHAR`)).join(" || '|' || ");
}

describe.each(STREAM_NAMES)('stream %s', (stream) => {
  test('reads to the end, resumes without duplicates, and survives 429 storms with the same data', async () => {
    const dir = tempDataDir();
    const stormDir = tempDataDir();
    cleanups.push(dir.cleanup, stormDir.cleanup);
    const sim = makeSim({ shared });
    const t = await connect(sim, 'in-process');
    const first = await syncWith(t, dir.dir, { streams: [stream] });
    expect(first.ok, JSON.stringify(first.streams)).toBe(true);
    const s = first.streams[0];
    expect(s.newRecords).toBeGreaterThan(0);
    expect(s.recordsRead).toBeGreaterThanOrEqual(s.newRecords);
    const key = keySql(stream);
    const keys = async (d: string, where = '') =>
      (await lakeQuery(d, stream, `SELECT ${key} AS k FROM {files} ${where} ORDER BY k`)).map((r) => String(r.k));
    const before = await keys(dir.dir);
    expect(before.length).toBe(s.newRecords);
    expect(new Set(before).size).toBe(before.length);

    // resume: a second run stores no key twice
    const second = await syncWith(t, dir.dir, { streams: [stream] });
    expect(second.ok).toBe(true);
    const after = await keys(dir.dir);
    expect(new Set(after).size).toBe(after.length);
    for (const k of before) expect(after.includes(k)).toBe(true);

    // 429 storms, sent with `x-should-retry: false` as the real API does and with no other retries allowed:
    // the same records as the clean run (snapshots compared without their stamp)
    const stormSim = makeSim({ shared, sim: { rateLimitShouldRetry: 'false' } });
    const st = await connect(stormSim, 'in-process');
    await control(st, 'POST', '/_sim/faults', { rules: [{ kind: '429', count: 2, retryAfter: '1' }, { kind: '429', every: 4, burst: 1, retryAfter: '1' }] });
    const time = simTime(stormSim);
    const storm = await syncWith(st, stormDir.dir, { streams: [stream], maxRetries: 0, clientOptions: { sleep: time.sleep, now: time.now, random: () => 0.5 } });
    expect(storm.ok, JSON.stringify(storm.streams)).toBe(true);
    expect(storm.streams[0].rateLimited).toBeGreaterThan(0);
    const spec = TABLES[stream];
    const content = spec.key.filter((k) => k !== 'snapshot_at');
    const contentKey = content.map((k) => (spec.columns[k] === 'TIMESTAMPTZ' ? `strftime(${k}, '%Y-%m-%dT%H:%M:%S.%fZ')` : `${k}::VARCHAR`)).join(" || '|' || ");
    const own = stream === 'activities' ? "WHERE type <> 'compliance_api_accessed'" : '';
    const q = `SELECT ${contentKey} AS k FROM {files} ${own} ORDER BY k`;
    const clean = (await lakeQuery(dir.dir, stream, q)).map((r) => String(r.k));
    const stormy = (await lakeQuery(stormDir.dir, stream, q)).map((r) => String(r.k));
    // (the tenant stops changing at its start, so only the simulators' own access events differ)
    expect([...new Set(stormy)].sort()).toEqual([...new Set(clean)].sort());
    expect(stormy.length).toBeGreaterThan(0);

    // the record as sent is kept: every row has its raw JSON (or, for activities, its rest)
    const rawCol = stream === 'activities' ? 'rest' : 'raw';
    const missing = await lakeQuery(dir.dir, stream, `SELECT count(*) AS n FROM {files} WHERE ${rawCol} IS NULL`);
    expect(Number(missing[0].n)).toBe(0);
  });
});
