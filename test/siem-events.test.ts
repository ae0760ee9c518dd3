// `compliance-lake events` (schema/ocsf.md §4, §6) through the built CLI over a lake synced from the simulator:
// every activity once, oldest first, as the API served it or as a valid OCSF event with the actor's user record
// as of the event; filters; a closed pipe; no lake; the Security Lake layout read back by DuckDB.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, sqlString } from '../src/lake/duck.js';
import { loadCatalog } from '../src/models/catalog.js';
import { buildModels } from '../src/models/build.js';
import type { ListeningServer } from '../src/simulator/server/node-adapter.js';
import { CLI, cliEnv, requireBuiltCli, runCli } from './support/crash-harness.js';
import { lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';
import { makeSim } from './support/sim-harness.js';
import { validateOcsf } from './support/ocsf-validate.js';

const data = tempDataDir('cl-siem-events-');
const out = tempDataDir('cl-siem-events-out-');
let server: ListeningServer;
/** The lake's activities, each id once, in (created_at, id) order. */
let expected: { id: string; created_at: string; type: string }[];

beforeAll(async () => {
  requireBuiltCli();
  const sim = makeSim({ tenant: { horizonDays: 6, activitiesPerDay: 300 } });
  server = await sim.listen(0, '127.0.0.1');
  const t = { kind: 'loopback' as const, baseUrl: server.url, fetch: globalThis.fetch, close: async () => {} };
  const sync = await syncWith(t, data.dir);
  if (!sync.ok) throw new Error(`sync failed: ${JSON.stringify(sync.streams)}`);
  await buildModels(data.dir);
  expected = (await lakeQuery(
    data.dir,
    'activities',
    `select id, strftime(min(created_at), '%Y-%m-%dT%H:%M:%S.%fZ') as created_at, min(type) as type from {files} group by id order by min(created_at), id`,
  )) as typeof expected;
}, 180_000);

afterAll(async () => {
  await server?.close();
  data.cleanup();
  out.cleanup();
});

const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('events', () => {
  it('--format ndjson writes every activity once, oldest first, as the API served it', async () => {
    const run = await runCli(['events', '--data-dir', data.dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const got = lines(run.stdout);
    expect(got.map((a) => a.id)).toEqual(expected.map((e) => e.id));
    for (const a of got.slice(0, 200)) {
      expect(typeof a.created_at).toBe('string');
      expect(a.actor).toBeTypeOf('object');
      expect(Object.keys(a)).not.toContain('rest');
    }
  }, 120_000);

  it('--format ocsf writes a valid OCSF 1.8 event per activity, with the user record as of the event', async () => {
    const run = await runCli(['events', '--format', 'ocsf', '--data-dir', data.dir]);
    expect(run.code).toBe(0);
    const events = lines(run.stdout);
    expect(events.map((e) => (e.metadata as { uid: string }).uid)).toEqual(expected.map((e) => e.id));
    const invalid = events.map((e) => validateOcsf(e)).filter((errs) => errs.length);
    expect(invalid.slice(0, 5)).toEqual([]);
    for (const e of events) {
      expect(e.type_uid).toBe(Number(e.class_uid) * 100 + Number(e.activity_id));
      expect(e.time).toBe(Date.parse((e.metadata as { original_time: string }).original_time));
    }
    const enriched = events.filter((e) => Array.isArray(e.enrichments));
    expect(enriched.length).toBeGreaterThan(0);
    // the version given is the one valid at the event
    for (const e of enriched.slice(0, 50)) {
      const v = (e.enrichments as { data: { valid_from: string | null; valid_to: string | null } }[])[0].data;
      if (v.valid_from) expect(Date.parse(v.valid_from)).toBeLessThanOrEqual(Number(e.time));
      if (v.valid_to) expect(Number(e.time)).toBeLessThan(Date.parse(v.valid_to));
    }
  }, 120_000);

  it('filters by time, type and category', async () => {
    const since = expected[Math.floor(expected.length / 3)].created_at;
    const until = expected[Math.floor((2 * expected.length) / 3)].created_at;
    const inWindow = expected.filter((e) => e.created_at >= since && e.created_at < until);
    const run = await runCli(['events', '--since', since, '--until', until, '--data-dir', data.dir]);
    expect(lines(run.stdout).map((a) => a.id)).toEqual(inWindow.map((e) => e.id));

    const admin = new Set(loadCatalog().filter((c) => c.category === 'admin').map((c) => c.type));
    const byCategory = await runCli(['events', '--categories', 'admin', '--data-dir', data.dir]);
    expect(lines(byCategory.stdout).map((a) => a.id)).toEqual(expected.filter((e) => admin.has(e.type)).map((e) => e.id));

    const someType = expected[0].type;
    const byType = await runCli(['events', '--types', someType, '--data-dir', data.dir]);
    expect(lines(byType.stdout).map((a) => a.id)).toEqual(expected.filter((e) => e.type === someType).map((e) => e.id));
  }, 120_000);

  it('ends cleanly when the reader closes the pipe (events | head)', async () => {
    const child = spawn(process.execPath, [CLI, 'events', '--format', 'ocsf', '--data-dir', data.dir], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    let got = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        got += c;
        if (got.split('\n').length > 5) {
          child.stdout.destroy();
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);

  it('refuses a directory without a lake (exit 2, naming it) and a bad flag', async () => {
    const empty = join(out.dir, 'nothing-here');
    const run = await runCli(['events', '--data-dir', empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(empty);
    const bad = await runCli(['events', '--since', 'yesterday', '--data-dir', data.dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since');
    const asl = await runCli(['events', '--format', 'ocsf', '--layout', 'security-lake', '--out', join(out.dir, 'x'), '--region', 'eu-west-1', '--data-dir', data.dir]);
    expect(asl.code).toBe(2);
    expect(asl.stderr).toContain('--account-id');
    expect(existsSync(join(out.dir, 'x'))).toBe(false);
    const cat = await runCli(['events', '--categories', 'nope', '--data-dir', data.dir]);
    expect(cat.code).toBe(2);
    expect(cat.stderr).toContain('nope');
  }, 60_000);

  it('--layout security-lake writes Parquet per OCSF class under ext/<source>-<class>/region=/accountId=/eventDay=', async () => {
    const dir = join(out.dir, 'asl');
    const run = await runCli(['events', '--format', 'ocsf', '--layout', 'security-lake', '--out', dir, '--region', 'eu-west-1', '--account-id', '123456789012', '--data-dir', data.dir]);
    expect(run.code).toBe(0);
    const sources = readdirSync(join(dir, 'ext'));
    expect(sources.length).toBeGreaterThan(2);
    expect(sources.every((s) => s.startsWith('claude-compliance-'))).toBe(true);
    expect(existsSync(join(dir, '.tmp'))).toBe(false);
    const duck = await openDuck();
    try {
      let total = 0;
      for (const s of sources) {
        const glob = join(dir, 'ext', s, '*', '*', '*', '*.parquet');
        const rows = await duck.all(
          `select count(*) as n, count(distinct class_uid) as classes, min(region) as region, min(accountId) as account, ` +
            `bool_and(strftime(make_timestamp(time * 1000), '%Y%m%d') = eventDay::varchar) as day_ok from read_parquet(${sqlString(glob)}, hive_partitioning = true)`,
        );
        expect(Number(rows[0].classes)).toBe(1);
        expect(rows[0].region).toBe('eu-west-1');
        expect(String(rows[0].account)).toBe('123456789012');
        expect(rows[0].day_ok).toBe(true);
        total += Number(rows[0].n);
      }
      expect(total).toBe(expected.length);
    } finally {
      duck.close();
    }
  }, 180_000);
});
