// `compliance-lake sync` as a user runs it: the built CLI against the simulator on loopback. The summary
// table, the lock (held, stale, other host), the config file and its precedence, settings refused before any
// request (exit 2), a key without the directory scopes (exit 1, activities kept), JSON logs when not on a
// terminal, --quiet, and `state rebuild`. Needs the built CLI (`npx tsc -p tsconfig.json`, or `npm test`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_STREAMS, STREAM_NAMES } from '../src/extract/registry.js';
import { Lake } from '../src/lake/lake.js';
import { StateStore } from '../src/state/index.js';
import { type CliRun, type RecordingServer, deadPid, listenRecording, requireBuiltCli, runCli, simStats, spawnCli, waitFor } from './support/crash-harness.js';
import { tempDataDir } from './support/lake-harness.js';
import { KEYS, expectNoSecrets, makeSim } from './support/sim-harness.js';

const ENV = { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.full };
/** A compliance key that may read the activity feed and nothing else. */
const ACTIVITIES_ONLY_KEY = 'sk-ant-api01-CLSIM-actonly-Mm3Nn8Bb5Vv1Cc7X-do-not-leak';
const CONFIG_FILE = 'compliance-lake.config.json';

/** No key of the harness, nor this file's own key, in any of `texts`. */
function noSecrets(texts: string[], what: string): void {
  expectNoSecrets(texts, what);
  for (const text of texts) expect(text.includes('Mm3Nn8Bb5Vv1Cc7X'), `${what} leaks the activities-only key`).toBe(false);
}

let server: RecordingServer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  requireBuiltCli();
  // rpm 0: the simulator's clock is frozen, so a spent minute's budget would never come back
  const sim = makeSim({ sim: { rpm: 0 } });
  server = await listenRecording(sim);
  const res = await fetch(`${server.url}/_sim/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: ACTIVITIES_ONLY_KEY, kind: 'compliance', scopes: ['read:compliance_activities'] }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
});
afterAll(async () => {
  while (cleanups.length) cleanups.pop()!();
  await server?.close();
});

function dataDir(): string {
  const { dir, cleanup } = tempDataDir('cl-sync-cli-');
  cleanups.push(cleanup);
  return dir;
}

function sync(dir: string, args: string[] = [], env: Record<string, string> = ENV): Promise<CliRun> {
  return runCli(['sync', '--data-dir', dir, '--base-url', server.url, '--rpm', '0', ...args], env);
}

/** The summary table on stdout: one object per row, keyed by the header's column names. */
function summaryRows(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => /^stream\s+status\s+read\s+new\s+files\s/.test(l));
  expect(at, `no summary table in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const header = lines[at];
  // columns start where a header word starts; the header's words are separated by two or more spaces
  const starts = [...header.matchAll(/(?:^|\s{2,})(\S+(?: \S+)*)/g)].map((m) => ({ name: m[1], start: m.index! + m[0].indexOf(m[1]) }));
  expect(lines[at + 1]).toMatch(/^-+(\s+-+)+$/);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!/^[a-z_]+\s+(committed|failed|skipped)\s/.test(line)) break;
    rows.push(Object.fromEntries(starts.map((c, i) => [c.name, line.slice(c.start, starts[i + 1]?.start ?? undefined).trim()])));
  }
  return rows;
}

/** stderr lines, each parsed as a pino JSON line (the test fails on a line that is not JSON). */
function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`stderr line is not JSON: ${l}`);
      }
    });
}

/** The activity windows a run asked for: the smallest `created_at.gte` of its /v1/compliance/activities requests. */
function windowStart(urls: string[]): number {
  const starts = urls
    .filter((u) => u.startsWith('/v1/compliance/activities?'))
    .map((u) => new URLSearchParams(u.slice(u.indexOf('?') + 1)).get('created_at.gte'))
    .filter((v): v is string => v !== null)
    .map((v) => Date.parse(v));
  expect(starts.length, `no windowed activity request in ${urls.join('\n')}`).toBeGreaterThan(0);
  return Math.min(...starts);
}

function activityCursor(dir: string): { covered_until: string } {
  const state = StateStore.open(dir, { readonly: true });
  try {
    const c = state.cursor<{ covered_until: string }>('activities');
    expect(c).not.toBeNull();
    return c!;
  } finally {
    state.close();
  }
}

describe('sync: a run', () => {
  test('exits 0 and prints a summary naming every stream with its read, new, files and requests', async () => {
    const dir = dataDir();
    const before = await simStats(server.url);
    const r = await sync(dir);
    expect(r.code, r.stderr).toBe(0);
    const after = await simStats(server.url);
    expect(r.stdout).toMatch(/^run \S+: every stream committed$/m);
    const rows = summaryRows(r.stdout);
    expect(rows.map((x) => x.stream)).toEqual(STREAM_NAMES);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['stream', 'status', 'read', 'new', 'files', 'requests']));
      expect(row.status, row.stream).toBe('committed');
      for (const col of ['read', 'new', 'files', 'requests']) expect(row[col], `${row.stream} ${col}`).toMatch(/^\d+$/);
      expect(Number(row.requests), row.stream).toBeGreaterThan(0);
      expect(Number(row.new), row.stream).toBeLessThanOrEqual(Number(row.read));
    }
    // the numbers are the lake's and the server's, not decoration
    const lake = Lake.open(dir);
    for (const row of rows) {
      const files = lake.files(row.stream);
      expect({ stream: row.stream, files: files.length, rows: files.reduce((n, f) => n + f.rows, 0) }).toEqual({
        stream: row.stream,
        files: Number(row.files),
        rows: Number(row.new),
      });
    }
    const activities = rows.find((x) => x.stream === 'activities')!;
    expect(Number(activities.new)).toBeGreaterThan(1000);
    expect(rows.reduce((n, x) => n + Number(x.requests), 0), 'requests column vs the requests the simulator served').toBe(after.requests_total - before.requests_total);
    expect(existsSync(join(dir, 'lake.lock')), 'the lock is released').toBe(false);
    noSecrets([r.stdout, r.stderr], 'sync output');
  });

  test('a second run while the first holds the lock is refused, naming the running pid, before any request', async () => {
    const dir = dataDir();
    // The test process is alive and on this host: exactly what a running sync looks like to a second one.
    const holder = { pid: process.pid, host: hostname(), command: 'sync --streams activities', started_at: new Date().toISOString() };
    const lockText = JSON.stringify(holder) + '\n';
    writeFileSync(join(dir, 'lake.lock'), lockText);
    const before = await simStats(server.url);
    const r = await sync(dir);
    expect(r.code).not.toBe(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pid ${process.pid} on ${hostname()}`);
    expect(r.stderr).toMatch(/another compliance-lake process is writing to this data dir/);
    expect(r.stdout).toBe('');
    expect((await simStats(server.url)).requests_total).toBe(before.requests_total);
    expect(readFileSync(join(dir, 'lake.lock'), 'utf8'), 'the holder keeps its lock').toBe(lockText);
    expect(existsSync(join(dir, 'lake')), 'nothing was written').toBe(false);
  });

  test('while a real sync holds the lock, a second is refused naming the first one\'s pid; the first finishes', async () => {
    // a slow simulator of its own, so the first sync is certainly still running when the second starts
    const slow = await listenRecording(makeSim({ sim: { rpm: 0, latencyMs: 1500 } }));
    try {
      const dir = dataDir();
      const args = (extra: string[] = []) => ['sync', '--data-dir', dir, '--base-url', slow.url, '--rpm', '0', '--streams', 'activities', ...extra];
      const first = spawnCli(args(), ENV);
      const locked = await waitFor(() => existsSync(join(dir, 'lake.lock')), 20_000, 5);
      expect(locked).toBe(true);
      const second = await runCli(args(), ENV);
      const firstRun = await first.done;
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`pid ${first.pid} on ${hostname()}`);
      expect(second.stderr).toContain('sync --streams activities');
      expect(firstRun.code, firstRun.stderr).toBe(0);
      expect(summaryRows(firstRun.stdout).map((x) => [x.stream, x.status])).toEqual([['activities', 'committed']]);
    } finally {
      await slow.close();
    }
  });

  test('a lock left by a process on another host is refused too (its pid cannot be checked from here)', async () => {
    const dir = dataDir();
    const pid = await deadPid();
    writeFileSync(join(dir, 'lake.lock'), JSON.stringify({ pid, host: `not-${hostname()}`, command: 'sync', started_at: new Date().toISOString() }) + '\n');
    const r = await sync(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pid ${pid} on not-${hostname()}`);
  });

  test('a stale lock (its process is gone) is taken over, said so, and the sync succeeds', async () => {
    const dir = dataDir();
    const pid = await deadPid();
    writeFileSync(join(dir, 'lake.lock'), JSON.stringify({ pid, host: hostname(), command: 'sync', started_at: '2026-01-01T00:00:00.000Z' }) + '\n');
    const r = await sync(dir, ['--streams', 'activities,organizations']);
    expect(r.code, r.stderr).toBe(0);
    const warnings = jsonLines(r.stderr).filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toContain(`took over the lock of a process that no longer runs (pid ${pid})`);
    expect(summaryRows(r.stdout).map((x) => [x.stream, x.status])).toEqual([
      ['activities', 'committed'],
      ['organizations', 'committed'],
    ]);
    expect(existsSync(join(dir, 'lake.lock'))).toBe(false);
  });
});

describe('sync: configuration', () => {
  test('the data dir config file is honoured, and flags win over it', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ streams: 'activities', overlap: '5m' }));
    const first = await sync(dir);
    expect(first.code, first.stderr).toBe(0);
    expect(summaryRows(first.stdout).map((x) => x.stream)).toEqual(['activities']);
    const covered = Date.parse(activityCursor(dir).covered_until);

    // second run: the config's overlap (5 minutes) behind the cursor
    let mark = server.urls.length;
    const second = await sync(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(summaryRows(second.stdout).map((x) => x.stream)).toEqual(['activities']);
    expect(new Date(windowStart(server.urls.slice(mark))).toISOString()).toBe(new Date(covered - 5 * 60_000).toISOString());

    // flags over the file: another overlap and another stream list
    mark = server.urls.length;
    const third = await sync(dir, ['--overlap', '2m', '--streams', 'activities,groups']);
    expect(third.code, third.stderr).toBe(0);
    expect(summaryRows(third.stdout).map((x) => x.stream)).toEqual(['activities', 'groups']);
    expect(new Date(windowStart(server.urls.slice(mark))).toISOString()).toBe(new Date(covered - 2 * 60_000).toISOString());
  });

  // Each is refused before any request, with exit 2 and a message naming the bad setting.
  const refused: { name: string; config?: Record<string, unknown>; args?: string[]; names: RegExp }[] = [
    { name: 'an unknown key in the config file', config: { streams: 'activities', colour: 'blue' }, names: /unknown setting "colour"/ },
    { name: '"apiKey" in the config file', config: { apiKey: KEYS.full }, names: /"apiKey" is not allowed/ },
    { name: 'a bad --since', args: ['--since', 'last tuesday'], names: /--since must be an RFC 3339 timestamp.*"last tuesday"/ },
    { name: 'a bad since in the config file', config: { since: 'yesterday-ish' }, names: /--since must be an RFC 3339 timestamp.*"yesterday-ish"/ },
    { name: 'an unknown stream', args: ['--streams', 'activities,audit_logs'], names: /--streams: unknown stream\(s\) "audit_logs"/ },
    { name: 'a bad --overlap', args: ['--overlap', 'ten minutes'], names: /--overlap must be a duration/ },
  ];
  for (const c of refused) {
    test(`${c.name}: exit 2 before any request, naming it`, async () => {
      const dir = dataDir();
      if (c.config) writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(c.config));
      const before = await simStats(server.url);
      const mark = server.urls.length;
      const r = await sync(dir, c.args ?? []);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(c.names);
      expect(r.stderr).toMatch(/^compliance-lake: /);
      expect(r.stdout).toBe('');
      expect((await simStats(server.url)).requests_total, 'requests made').toBe(before.requests_total);
      expect(server.urls.slice(mark).filter((u) => !u.startsWith('/_sim/'))).toEqual([]);
      expect(existsSync(join(dir, 'lake')) || existsSync(join(dir, 'state.sqlite')) || existsSync(join(dir, 'lake.lock'))).toBe(false);
      noSecrets([r.stdout, r.stderr], c.name);
    });
  }
});

describe('sync: a key without the directory and content scopes', () => {
  test('activities are committed; every other stream fails naming the missing scope; exit 1', async () => {
    const dir = dataDir();
    const r = await sync(dir, [], { ANTHROPIC_COMPLIANCE_API_KEY: ACTIVITIES_ONLY_KEY });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^run \S+: some streams did not commit$/m);
    const rows = summaryRows(r.stdout);
    expect(rows.map((x) => [x.stream, x.status])).toEqual(STREAM_NAMES.map((s) => [s, s === 'activities' ? 'committed' : 'failed']));
    // off a terminal, stderr is JSON lines only: each failure is one error line naming the stream
    const failures = jsonLines(r.stderr).filter((l) => l.msg === 'sync: stream failed');
    for (const stream of ALL_STREAMS.filter((s) => s.name !== 'activities')) {
      const line = failures.find((l) => l.stream === stream.name)?.error as string | undefined;
      expect(line, `${stream.name} says why it failed`).toBeDefined();
      // the first scope a stream needs is the one its first request is refused for
      expect(line).toContain(`missing scope: ${stream.name} needs ${stream.scopes[0]}`);
      expect(line).toContain('read:compliance_activities'); // what the key does have
    }
    const lake = Lake.open(dir);
    expect(lake.files('activities').length).toBeGreaterThan(0);
    expect(lake.files().filter((f) => f.stream !== 'activities')).toEqual([]);
    const state = StateStore.open(dir, { readonly: true });
    expect(state.cursors().map((c) => c.stream)).toEqual(['activities']);
    state.close();
    noSecrets([r.stdout, r.stderr], 'scope failure output');
  });
});

describe('sync: an Admin key (activity feed only, compliance-api.md §1.2)', () => {
  test('without --streams: syncs the feed, says in the log and the summary why the rest is skipped; exit 0', async () => {
    const dir = dataDir();
    const mark = server.urls.length;
    const r = await sync(dir, [], { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.admin });
    expect(r.code, r.stderr).toBe(0);
    expect(summaryRows(r.stdout).map((x) => [x.stream, x.status])).toEqual([['activities', 'committed']]);
    const others = STREAM_NAMES.filter((s) => s !== 'activities');
    expect(r.stdout).toContain(`skipped ${others.join(', ')}: an Admin key (sk-ant-admin01-) reads only the activity feed`);
    const warn = jsonLines(r.stderr).find((l) => typeof l.msg === 'string' && l.msg.startsWith('skipping '));
    expect(warn?.skipped).toEqual(others);
    // no request went to any endpoint but the feed
    expect(server.urls.slice(mark).filter((u) => u.startsWith('/v1/') && !u.startsWith('/v1/compliance/activities'))).toEqual([]);
    noSecrets([r.stdout, r.stderr], 'admin key output');
  });

  test('asking for a directory stream: exit 2 before any request, naming the streams and the key kind', async () => {
    const dir = dataDir();
    const before = await simStats(server.url);
    const r = await sync(dir, ['--streams', 'activities,users,chats'], { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.admin });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^compliance-lake: --streams: the key cannot read users, chats: an Admin key \(sk-ant-admin01-\) reads only the activity feed/);
    expect((await simStats(server.url)).requests_total).toBe(before.requests_total);
    expect(existsSync(join(dir, 'lake'))).toBe(false);
    noSecrets([r.stdout, r.stderr], 'admin key refusal');
  });
});

describe('sync: logs', () => {
  test('off a terminal, stderr carries pino JSON lines only: one per stream done, nothing secret', async () => {
    const dir = dataDir();
    const r = await sync(dir);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stderr);
    for (const l of lines) {
      expect(typeof l.level).toBe('number');
      expect(typeof l.time).toBe('number');
      expect(typeof l.msg).toBe('string');
      expect(l.pid).toEqual(expect.any(Number));
    }
    const done = lines.filter((l) => l.msg === 'sync: stream done');
    expect(done.map((l) => l.stream)).toEqual(STREAM_NAMES);
    for (const l of done) expect(l.status).toBe('committed');
    noSecrets([r.stderr], 'log lines');
  });

  test('--quiet: no summary, no progress, no info lines; a clean run prints nothing', async () => {
    const dir = dataDir();
    const r = await sync(dir, ['--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
  });

  test('--quiet with failing streams: errors only (as JSON error lines and one line per failed stream)', async () => {
    const dir = dataDir();
    const r = await sync(dir, ['--quiet'], { ANTHROPIC_COMPLIANCE_API_KEY: ACTIVITIES_ONLY_KEY });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; stream?: string });
    const plain = lines.filter((l) => !l.startsWith('{'));
    expect(json.every((l) => l.level >= 40), JSON.stringify(json)).toBe(true);
    expect(json.filter((l) => l.msg === 'sync: stream failed').map((l) => l.stream)).toEqual(STREAM_NAMES.filter((s) => s !== 'activities'));
    expect(plain.map((l) => l.slice(0, l.indexOf(':')))).toEqual(STREAM_NAMES.filter((s) => s !== 'activities'));
    noSecrets([r.stdout, r.stderr], 'quiet failure output');
  });
});

describe('state rebuild', () => {
  test('rebuilds the state store from the manifest with the same cursors, files and runs', async () => {
    const dir = dataDir();
    expect((await sync(dir)).code).toBe(0);
    // a second, incremental run: cursors that moved twice, a ledger of two runs
    expect((await sync(dir, ['--streams', 'activities,chats,groups'])).code).toBe(0);
    const read = () => {
      const state = StateStore.open(dir, { readonly: true });
      try {
        return { cursors: state.cursors(), files: state.files(), seq: state.appliedSeq(), runs: state.runs() };
      } finally {
        state.close();
      }
    };
    const before = read();
    expect(before.cursors.map((c) => c.stream).sort()).toEqual([...STREAM_NAMES].sort());
    expect(before.runs.length).toBe(2);

    const r = await runCli(['state', 'rebuild', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rebuilt .*state\.sqlite from \d+ manifest entries \(\d+ files\); the old store is at .*state\.sqlite\.bak-/m);
    const backup = /the old store is at (\S+)/.exec(r.stdout)![1];
    expect(existsSync(backup)).toBe(true);

    const after = read();
    expect(after.cursors).toEqual(before.cursors);
    expect(after.files).toEqual(before.files);
    expect(after.seq).toBe(before.seq);
    expect(after.seq).toBe(Lake.open(dir).head.seq);
    expect(after.runs).toEqual(before.runs);

    // and the rebuilt store carries on: the next run starts from those cursors
    const next = await sync(dir, ['--streams', 'activities']);
    expect(next.code, next.stderr).toBe(0);
    expect(summaryRows(next.stdout)[0].new).toBe('0');
  });
});
