// SIGTERM to the built CLI's daemon (`compliance-lake run`) loses nothing. First a SIGTERM in the middle of
// the start-up sync with --shutdown-timeout 0s: the running sync is abandoned (what it committed stays, the
// lake verifies, the lock is released) and the process exits 0. Then a restart, whose start-up run is the
// final sync, and a SIGTERM while a scheduled run is going on with the default timeout: that run finishes
// before the process exits 0. Afterwards the lake holds exactly the simulator's truth before the activities
// cursor, each id once, and `compliance-lake verify` passes. No key or token is ever printed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ListeningServer } from '../src/simulator/server/node-adapter.js';
import { verifyLake } from '../src/lake/verify.js';
import { StateStore } from '../src/state/index.js';
import { type CliProcess, manifestEntryCount, requireBuiltCli, runCli, spawnCli, waitFor } from './support/crash-harness.js';
import { lakeActivityIds, tempDataDir } from './support/lake-harness.js';
import { KEYS, MINUTE, type Transport, expectNoSecrets, makeSim, truthIds } from './support/sim-harness.js';

const TOKEN = 'sigterm-test-token-Hq3Wm8Zt5Rc1Ks6D';
const ENV = { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.full, COMPLIANCE_LAKE_GRAPHQL_TOKEN: TOKEN };
// Every API response takes 30 ms, so the start-up sync (about 50 requests) lasts a few seconds.
const sim = makeSim({ tenant: { live: true, lateShare: 0 }, sim: { rpm: 0, latencyMs: 30 } });
const data = tempDataDir('cl-daemon-sigterm-');
let server: ListeningServer;
let t: Transport;
const children: CliProcess[] = [];

beforeAll(async () => {
  requireBuiltCli();
  server = await sim.listen(0, '127.0.0.1');
  t = { kind: 'loopback', baseUrl: server.url, fetch: globalThis.fetch, close: () => server.close() };
});

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await server?.close();
  data.cleanup();
});

function startRun(extra: string[] = []): CliProcess {
  const child = spawnCli(
    [
      'run',
      '--data-dir', data.dir,
      '--base-url', server.url,
      '--rpm', '0',
      '--port', '0',
      '--metrics-port', '0',
      '--activities-every', '* * * * * *',
      '--directory-every', '*/3 * * * * *',
      '--chats-every', '*/3 * * * * *',
      ...extra,
    ],
    ENV,
  );
  children.push(child);
  return child;
}

/** The JSON log lines on stderr. */
function logLines(stderr: string): any[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

async function healthUrl(child: CliProcess): Promise<string> {
  let url = '';
  const found = await waitFor(() => {
    url = /Health and metrics on (http:\/\/[\d.]+:\d+)\/healthz/.exec(child.output().stdout)?.[1] ?? '';
    return url !== '';
  }, 20_000, 20);
  if (!found) throw new Error(`the daemon did not print its health URL: ${JSON.stringify(child.output())}`);
  return url;
}

async function waitReady(url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`).catch(() => null);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the daemon never became ready');
}

describe('SIGTERM to the daemon loses nothing', () => {
  test('mid-sync with --shutdown-timeout 0s: the sync is abandoned cleanly, exit 0', async () => {
    const child = startRun(['--shutdown-timeout', '0s']);
    // wait for the start-up sync's first commit, while it still has streams to go
    const committed = await waitFor(() => manifestEntryCount(data.dir) >= 1, 20_000, 5);
    expect(committed, child.output().stderr).toBe(true);
    expect(child.output().stderr).not.toContain('"msg":"job: end"');
    child.child.kill('SIGTERM');
    const run = await child.done;

    expect(run.code, run.stderr).toBe(0);
    const lines = logLines(run.stderr);
    const end = lines.find((l) => l.msg === 'job: end');
    expect(end).toMatchObject({ job: 'startup', result: 'abandoned' });
    expect(lines.some((l) => l.msg.startsWith('run: the running job did not finish in time; abandoning it'))).toBe(true);
    expect(lines.at(-1).msg).toBe('run: stopped');
    // the run unwound: the lake lock is released and what was committed is intact
    expect(existsSync(join(data.dir, 'lake.lock'))).toBe(false);
    expect(existsSync(join(data.dir, 'daemon'))).toBe(false);
    expect((await verifyLake(data.dir)).problems).toEqual([]);
    expectNoSecrets([run.stdout, run.stderr], 'the daemon output');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  test('restart, final sync, SIGTERM during a scheduled run: it finishes first; the lake equals the truth', async () => {
    const child = startRun();
    const url = await healthUrl(child);
    await waitReady(url);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^compliance_lake_sync_lag_seconds\{stream="activities"\} \d/m);
    // a second daemon on the same data dir is refused, naming the first
    const second = await runCli(['run', '--data-dir', data.dir, '--base-url', server.url, '--port', '0', '--metrics-port', '0'], ENV);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`pid ${child.pid}`);

    // new activities arrive; wait for a scheduled activities run that reads them, then SIGTERM it
    const offset = child.output().stderr.length;
    sim.clock.advance(30 * MINUTE);
    const started = await waitFor(() => logLines(child.output().stderr.slice(offset)).some((l) => l.msg === 'job: start' && l.job === 'activities'), 60_000, 5);
    expect(started).toBe(true);
    child.child.kill('SIGTERM');
    const run = await child.done;

    expect(run.code, run.stderr).toBe(0);
    const lines = logLines(run.stderr.slice(offset));
    const stopAt = lines.findIndex((l) => l.msg === 'run: shutting down');
    expect(stopAt).toBeGreaterThanOrEqual(0);
    const after = lines.slice(stopAt);
    expect(after.find((l) => l.msg === 'job: end')).toMatchObject({ job: 'activities', result: 'success' });
    expect(after.some((l) => l.msg.includes('abandon'))).toBe(false);
    expect(after.at(-1).msg).toBe('run: stopped');
    expect(existsSync(join(data.dir, 'lake.lock'))).toBe(false);
    expectNoSecrets([run.stdout, run.stderr], 'the daemon output');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);

    // nothing lost, nothing twice: the lake equals the truth before the cursor
    const state = StateStore.open(data.dir, { readonly: true });
    const cursor = state.cursor<{ covered_until: string }>('activities')!;
    state.close();
    expect(Date.parse(cursor.covered_until)).toBeGreaterThan(sim.clock.now() - 2 * MINUTE);
    const truth = await truthIds(t, `created_at.lt=${encodeURIComponent(cursor.covered_until)}`);
    const lake = await lakeActivityIds(data.dir);
    expect(new Set(lake).size).toBe(lake.length);
    expect(lake).toEqual([...truth].sort());

    const verify = await runCli(['verify', '--data-dir', data.dir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 180_000); // 15-20 s alone; the daemon's start-up sync and first refresh took over 40 s at a load average of 20
});
