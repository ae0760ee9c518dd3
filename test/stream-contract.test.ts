// One contract, every stream: it reads its endpoint to the end, a second run resumes without storing any
// record twice, 429 storms change nothing, and unknown fields are kept in the record (one contract suite for every stream).
// What each stream declares in the registry is checked against the simulator: its cursor carries the declared
// time key, and the declared scopes are exactly what its requests need (a key with them reads it; a key
// missing any one of them fails it, naming that scope).
import { afterEach, describe, expect, test } from 'vitest';
import { ALL_STREAMS, JOB_GROUPS, STREAM_NAMES, streamNamed } from '../src/extract/registry.js';
import { cursorTime } from '../src/extract/stream.js';
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
  return keyExpr(spec.key, spec);
}

/** A key as one string; a null part (a deleted user's grant in project_collaborators) reads as `∅`, not null. */
function keyExpr(columns: readonly string[], spec: (typeof TABLES)[string]): string {
  return columns.map((k) => `coalesce(${spec.columns[k] === 'TIMESTAMPTZ' ? `strftime(${k}, '%Y-%m-%dT%H:%M:%S.%fZ')` : `${k}::VARCHAR`}, '∅')`).join(" || '|' || ");
}

test('the registry: unique names, a table each, dependencies listed before their dependents, known job groups', () => {
  expect(new Set(STREAM_NAMES).size).toBe(STREAM_NAMES.length);
  ALL_STREAMS.forEach((s, i) => {
    expect(TABLES[s.name], s.name).toBe(s.table);
    expect(JOB_GROUPS).toContain(s.job);
    expect(s.scopes.length, s.name).toBeGreaterThan(0);
    for (const d of s.dependsOn) expect(STREAM_NAMES.indexOf(d), `${s.name} depends on ${d}`).toBeGreaterThanOrEqual(0);
    for (const d of s.dependsOn) expect(STREAM_NAMES.indexOf(d), `${d} before ${s.name}`).toBeLessThan(i);
  });
});

describe.each(STREAM_NAMES)('stream %s: its declared scopes', (stream) => {
  test('a key with exactly them reads it; without any one of them it fails naming that scope', async () => {
    const declared = streamNamed(stream)!.scopes;
    const sim = makeSim({ shared });
    const t = await connect(sim, 'in-process');
    const keyed = async (name: string, scopes: readonly string[]) => {
      const key = `sk-ant-api01-CLSIM-scopes-${name}`;
      await control(t, 'POST', '/_sim/keys', { key, kind: 'compliance', scopes: [...scopes] });
      const dir = tempDataDir();
      cleanups.push(dir.cleanup);
      return syncWith(t, dir.dir, { apiKey: key, streams: [stream] });
    };
    const ok = await keyed('exact', declared);
    expect(ok.ok, JSON.stringify(ok.streams[0].error)).toBe(true);
    for (const left of declared) {
      const r = await keyed(`without-${left.replace(/\W/g, '_')}`, declared.filter((x) => x !== left));
      expect(r.streams[0].status, `${stream} without ${left}`).toBe('failed');
      expect(r.streams[0].error).toContain(`missing scope: ${stream} needs ${left}`);
    }
  });
});

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
    // the cursor holds the time key the stream declares
    expect(cursorTime(streamNamed(stream)!, s.cursorAfter)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
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
    const contentKey = keyExpr(content, spec);
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
