// The lake read by something other than DuckDB, and what it must never hold. Every Parquet file is read with
// hyparquet (+ hyparquet-compressors for zstd) and must agree with DuckDB and the manifest on rows and ids;
// every activity reassembled from its lake row must equal the record the API served (the typed columns plus
// `rest`/`actor_rest` split loses nothing, odd records included); and after syncs that fail on purpose
// (malformed responses, a rejected key, a crash leftover) no byte under the data dir and no log line holds a key.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ComplianceClient } from '../src/api/index.js';
import { reassembleActivity } from '../src/extract/activities.js';
import { STREAM_NAMES } from '../src/extract/registry.js';
import type { SyncResult } from '../src/pipeline/run.js';
import { type Duck, openDuck, sqlString } from '../src/lake/duck.js';
import { Lake } from '../src/lake/lake.js';
import { TABLES } from '../src/lake/tables.js';
import { isoSql } from '../src/lake/writer.js';
import { StateStore } from '../src/state/index.js';
import { filesUnder } from './support/crash-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { KEYS, NOW, SECRET_MARKERS, type Transport, captureLogger, connect, control, makeSim } from './support/sim-harness.js';

const cleanups: (() => void | Promise<void>)[] = [];
let duck: Duck;
beforeAll(async () => {
  duck = await openDuck();
});
afterAll(async () => {
  duck?.close();
  while (cleanups.length) await cleanups.pop()!();
});

function dataDir(): string {
  const { dir, cleanup } = tempDataDir('cl-readers-');
  cleanups.push(cleanup);
  return dir;
}

const sha256 = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');
/** Sorted by UTF-16 code units on both sides, so the two readers' orders cannot differ. */
const sorted = (values: string[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function hyparquetRows(path: string, columns?: string[]): Promise<{ numRows: number; rows: Record<string, unknown>[] }> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const rows = await parquetReadObjects({ file, metadata, compressors, ...(columns ? { columns } : {}) });
  return { numRows: Number(metadata.num_rows), rows };
}

/** Every column of the activities table as a reader gets it: timestamps as RFC 3339 text with microseconds, JSON as text. */
function activityColumnsSql(): string {
  return Object.entries(TABLES.activities.columns)
    .map(([name, type]) => (type === 'TIMESTAMPTZ' ? `${isoSql(name)} AS ${name}` : type === 'JSON' ? `${name}::VARCHAR AS ${name}` : name))
    .join(', ');
}

/** One value as either reader returned it, in a form both agree on (hyparquet: Date, parsed JSON, bigint). */
function comparable(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMPTZ') return value instanceof Date ? value.getTime() : Math.floor(Date.parse(String(value)));
  if (type === 'JSON') return typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** Odd but valid records a forward-compatible lake must keep exactly (created before the sync's window end). */
function oddActivities(): Record<string, unknown>[] {
  const at = (s: string) => `2026-10-31T18:00:${s}`;
  const org = { organization_id: 'org_01oddorg000000000000000000', organization_uuid: '00000000-0000-4000-8000-000000000001' };
  return [
    {
      // an unknown type with unknown fields of every JSON kind, and unknown actor fields
      id: 'activity_01ODDunknownTypeAndFields01',
      created_at: at('00Z'),
      ...org,
      type: 'future_feature_used',
      actor: { type: 'user_actor', user_id: 'user_01odd', email_address: 'odd@acme.example', ip_address: '203.0.113.9', user_agent: 'ua', mood: { level: 3 } },
      new_number: 42.5,
      new_bool: false,
      new_null: null,
      new_list: [1, 'two', null, { three: [3] }],
      new_object: { nested: { deeper: 'yes' } },
    },
    {
      // an unknown actor type, a one-digit fraction
      id: 'activity_01ODDrobotActorOneDigit0002',
      created_at: at('01.5Z'),
      ...org,
      type: 'claude_chat_viewed',
      actor: { type: 'robot_actor', robot_id: 'robot_7', ip_address: null },
      claude_chat_id: 'claude_chat_01odd',
    },
    {
      // no actor at all, null organization ids, nanoseconds
      id: 'activity_01ODDnoActorNanoseconds003',
      created_at: at('02.123456789Z'),
      organization_id: null,
      organization_uuid: null,
      type: 'org_settings_changed',
    },
    {
      // actor null; lifted actor fields that are not strings; fields named like the lake's own columns
      id: 'activity_01ODDcolumnNameCollision04',
      created_at: at('03.000001Z'),
      ...org,
      type: 'compliance_api_accessed',
      actor: null,
      rest: 'not the lake column',
      actor_rest: { x: 1 },
      is_own_request: 'maybe',
      request_id: 'req_not_ours',
    },
    {
      // a field named like Object.prototype's accessor: JSON makes it an ordinary own field
      id: 'activity_01ODDprotoNamedField00006',
      created_at: at('05Z'),
      ...org,
      type: 'future_feature_used',
      ['__proto__']: { polluted: true },
      actor: { type: 'user_actor', user_id: 'user_01odd', ['__proto__']: 'actor field' },
    },
    {
      id: 'activity_01ODDnonStringActorField05',
      created_at: at('04Z'),
      ...org,
      type: 'api_key_created',
      actor: { type: 'api_actor', api_key_id: 12345, user_agent: ['a', 'b'] },
    },
  ];
}

describe('an independent reader (hyparquet) over the whole lake', () => {
  let t: Transport;
  let dir: string;
  let result: SyncResult;
  beforeAll(async () => {
    const sim = makeSim();
    t = await connect(sim, 'in-process');
    await control(t, 'POST', '/_sim/activities', { records: oddActivities() });
    dir = dataDir();
    result = await syncWith(t, dir);
    expect(result.ok, JSON.stringify(result.streams.filter((s) => s.status !== 'committed'))).toBe(true);
    // a second, incremental run: more files per stream (snapshots again, overlap re-read)
    expect((await syncWith(t, dir)).ok).toBe(true);
  });

  test('every file: hyparquet rows = DuckDB count(*) = the manifest, and the same sorted ids', async () => {
    const lake = Lake.open(dir);
    const files = lake.files();
    expect(new Set(files.map((f) => f.stream))).toEqual(new Set(STREAM_NAMES));
    // every Parquet file on disk is a committed one, so "every committed file" is every file
    expect(filesUnder(join(dir, 'lake')).filter((f) => f.endsWith('.parquet'))).toEqual(files.map((f) => f.path).sort());
    const seen: Record<string, { files: number; rows: number }> = {};
    for (const f of files) {
      const abs = lake.absolute(f);
      const id = TABLES[f.stream].idColumn;
      const hyp = await hyparquetRows(abs, [id]);
      const [{ n }] = await duck.all(`SELECT count(*) AS n FROM read_parquet(${sqlString(abs)})`);
      const duckIds = (await duck.all(`SELECT ${id}::VARCHAR AS id FROM read_parquet(${sqlString(abs)})`)).map((r) => String(r.id));
      const hypIds = hyp.rows.map((r) => r[id]);
      expect(hypIds.every((v) => typeof v === 'string'), `${f.path}: ${id} read as strings`).toBe(true);
      expect({ path: f.path, metadata: hyp.numRows, hyparquet: hyp.rows.length, duckdb: Number(n) }).toEqual({
        path: f.path,
        metadata: f.rows,
        hyparquet: f.rows,
        duckdb: f.rows,
      });
      expect({ path: f.path, ids: sha256(sorted(hypIds as string[])) }).toEqual({ path: f.path, ids: sha256(sorted(duckIds)) });
      // and the manifest's first/last id are the extremes both readers see
      expect({ path: f.path, first: sorted(duckIds)[0], last: sorted(duckIds).at(-1) }).toEqual({ path: f.path, first: f.first_id, last: f.last_id });
      seen[f.stream] = { files: (seen[f.stream]?.files ?? 0) + 1, rows: (seen[f.stream]?.rows ?? 0) + f.rows };
    }
    console.log(`read ${files.length} files with hyparquet: ${JSON.stringify(seen)}`);
  });

  test('activities: hyparquet and DuckDB read the same values, column by column', async () => {
    const lake = Lake.open(dir);
    for (const f of lake.files('activities')) {
      const abs = lake.absolute(f);
      const hyp = (await hyparquetRows(abs)).rows;
      const duckRows = await duck.all(`SELECT ${activityColumnsSql()} FROM read_parquet(${sqlString(abs)})`);
      const byId = new Map(hyp.map((r) => [String(r.id), r]));
      expect(byId.size).toBe(duckRows.length);
      const differences: unknown[] = [];
      for (const d of duckRows) {
        const h = byId.get(String(d.id));
        if (!h) {
          differences.push({ id: d.id, missing: 'in hyparquet' });
          continue;
        }
        for (const [column, type] of Object.entries(TABLES.activities.columns)) {
          const [a, b] = [comparable(h[column], type), comparable(d[column], type)];
          if (JSON.stringify(a) !== JSON.stringify(b)) differences.push({ id: d.id, column, hyparquet: a, duckdb: b });
        }
      }
      expect(differences.slice(0, 5), `${f.path}: ${differences.length} difference(s)`).toEqual([]);
    }
  });

  test('activities: every lake row reassembles to exactly the record the API served (the split is lossless)', async () => {
    const state = StateStore.open(dir, { readonly: true });
    const coveredUntil = state.cursor<{ covered_until: string }>('activities')!.covered_until;
    state.close();
    expect(Date.parse(coveredUntil)).toBeLessThan(NOW);

    // The same window, fetched raw through the client (the same normalisation the sync had).
    const client = new ComplianceClient({ apiKey: KEYS.full, baseUrl: t.baseUrl, fetch: t.fetch, requestsPerMinute: 0 });
    const served = new Map<string, Record<string, unknown>>();
    for await (const page of client.activities.pages({ 'created_at.lt': coveredUntil, limit: 5000 })) {
      for (const record of page.data) served.set(record.id, structuredClone(record) as unknown as Record<string, unknown>);
    }

    const lake = Lake.open(dir);
    const list = lake.files('activities').map((f) => sqlString(lake.absolute(f)));
    const rows = await duck.all(`SELECT ${activityColumnsSql()} FROM read_parquet([${list.join(', ')}])`);
    expect(rows.length).toBe(served.size);
    expect(new Set(rows.map((r) => String(r.id)))).toEqual(new Set(served.keys()));
    let mismatches = 0;
    for (const row of rows) {
      const original = served.get(String(row.id))!;
      const back = reassembleActivity(row);
      if (JSON.stringify(canonical(back)) !== JSON.stringify(canonical(original))) {
        mismatches++;
        if (mismatches <= 3) expect(back, `activity ${String(row.id)}`).toStrictEqual(original);
      }
    }
    expect(mismatches).toBe(0);
    // the odd records are among them, kept exactly
    for (const odd of oddActivities()) {
      const row = rows.find((r) => r.id === odd.id);
      expect(row, String(odd.id)).toBeDefined();
      expect(reassembleActivity(row!)).toStrictEqual(served.get(String(odd.id)));
    }
  });
});

/** Keys sorted at every level (JSON key order is not content). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('secrets stay secret (design.md invariant 6)', () => {
  test('after syncs that fail on purpose, no key is in any file under the data dir or in any log line', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const dir = dataDir();
    const logs = captureLogger();
    const results: SyncResult[] = [];

    // 1. a clean full sync
    results.push(await syncWith(t, dir, { logger: logs.logger }));
    expect(results[0].ok).toBe(true);

    // 2. a crash leftover for the quarantine, then a sync with another key (one no pattern can recognise)
    //    whose groups responses are malformed and never retried: groups and group_members fail and the
    //    bodies are saved to the quarantine
    mkdirSync(join(dir, 'staging', 'crashed-run', 'activities-0'), { recursive: true });
    writeFileSync(join(dir, 'staging', 'crashed-run', 'activities-0', 'date=2026-10-31.ndjson'), '{"id":"activity_half_written"');
    sim.faults.setRules([{ kind: 'invalid-json', path: '/v1/compliance/groups' }]);
    results.push(await syncWith(t, dir, { apiKey: KEYS.unprefixed, maxRetries: 0, logger: logs.logger }));
    sim.faults.clear();
    const failed = results[1].streams.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.stream).sort()).toEqual(['group_members', 'groups']);
    for (const s of failed) expect(s.quarantined, `${s.stream} saved the malformed body`).toMatch(/quarantine\/responses\//);
    expect(results[1].quarantined).toEqual(['staging/crashed-run/activities-0/date=2026-10-31.ndjson']);

    // 3. a key the API rejects: every stream fails or is skipped, with the rejection in the summaries
    results.push(await syncWith(t, dir, { apiKey: KEYS.unknown, logger: logs.logger }));
    expect(results[2].ok).toBe(false);
    expect(results[2].streams[0].error).toMatch(/authentication|invalid/i);

    // 4. the admin key: a default run syncs the feed only and skips the rest; asking for more is refused
    results.push(await syncWith(t, dir, { apiKey: KEYS.admin, logger: logs.logger, streams: undefined }));
    expect(results[3].streams.map((s) => [s.stream, s.status])).toEqual([['activities', 'committed']]);
    expect(results[3].skipped.map((s) => s.stream)).toContain('users');
    const refusal = await syncWith(t, dir, { apiKey: KEYS.admin, logger: logs.logger }).catch((err: Error) => err);
    expect(refusal).toBeInstanceOf(Error);
    logs.lines.push((refusal as Error).message); // scanned with the log lines below

    const files = filesUnder(dir);
    expect(files.some((f) => f.startsWith('quarantine/responses/'))).toBe(true);
    expect(files.some((f) => f.startsWith('quarantine/') && f.endsWith('.ndjson'))).toBe(true);
    expect(files.some((f) => f.startsWith('state.sqlite'))).toBe(true);
    expect(files.some((f) => f.startsWith('lake/_manifests/'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(10);

    const leaks: string[] = [];
    const scan = (what: string, bytes: Buffer) => {
      for (const secret of SECRET_MARKERS) {
        if (bytes.includes(Buffer.from(secret, 'utf8')) || bytes.includes(Buffer.from(secret, 'utf16le'))) leaks.push(`${what} holds ${secret.slice(0, 18)}…`);
      }
    };
    for (const f of files) {
      const abs = join(dir, f);
      scan(f, readFileSync(abs));
      // Parquet pages are compressed: a key inside would not show in the bytes, so read the values too.
      if (f.endsWith('.parquet')) {
        const { rows } = await hyparquetRows(abs);
        scan(`${f} (decoded)`, Buffer.from(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))));
      }
    }
    logs.lines.forEach((line, i) => scan(`log line ${i}`, Buffer.from(line)));
    results.forEach((r, i) => scan(`sync result ${i}`, Buffer.from(JSON.stringify(r))));
    expect(leaks).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.some((l) => /sync: stream failed/.test(l))).toBe(true);
  });
});

