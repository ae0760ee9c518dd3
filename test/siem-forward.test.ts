// `forward` (schema/ocsf.md §5) against real receivers on 127.0.0.1 (an HEC-like collector, an Elasticsearch-
// `_bulk`-like index, an HTTPS endpoint, gzip files): every destination ends with exactly the lake's activities,
// new arrivals are sent on the next pass, a destination that fails and recovers loses nothing, and a forward
// killed with SIGKILL mid-batch and restarted leaves no gap (duplicates only where documented).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { evaluateDetections, loadRules, resolveDetectionsConfig } from '../src/detections/index.js';
import { buildModels } from '../src/models/build.js';
import type { ListeningServer } from '../src/simulator/server/node-adapter.js';
import { forwardPass } from '../src/siem/forward.js';
import { acquireLock } from '../src/lake/lock.js';
import { parseForwardConfig } from '../src/siem/forward-config.js';
import { forwardedFiles } from '../src/siem/destinations.js';
import { StateStore, rebuildState } from '../src/state/index.js';
import { httpReceiver } from './support/alert-receivers.js';
import { type CliProcess, requireBuiltCli, runCli, seededRandom, spawnCli } from './support/crash-harness.js';
import { lakeQuery, syncWith, tempDataDir } from './support/lake-harness.js';
import { NOW, makeSim } from './support/sim-harness.js';
import { elasticReceiver, hecReceiver, type SiemBehaviour } from './support/siem-receivers.js';
import { validateOcsf } from './support/ocsf-validate.js';

const TOKEN = 'hec-token-DO-NOT-LEAK-7Qx2';
const data = tempDataDir('cl-siem-forward-');
const out = tempDataDir('cl-siem-forward-out-');
let server: ListeningServer;
let transport: { kind: 'loopback'; baseUrl: string; fetch: typeof fetch; close: () => Promise<void> };
const closers: (() => Promise<void>)[] = [];

async function lakeIds(): Promise<string[]> {
  const rows = await lakeQuery(data.dir, 'activities', 'select id from {files} group by id order by min(created_at), id');
  return rows.map((r) => String(r.id));
}

function duplicates(ids: readonly string[]): number {
  return ids.length - new Set(ids).size;
}

function fileIds(dir: string): string[] {
  return forwardedFiles(dir, 'activities').flatMap((f) =>
    gunzipSync(readFileSync(f))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => String(((JSON.parse(l) as { metadata?: { uid: string }; id?: string }).metadata?.uid ?? (JSON.parse(l) as { id: string }).id))),
  );
}

beforeAll(async () => {
  requireBuiltCli();
  const sim = makeSim({ tenant: { horizonDays: 6, activitiesPerDay: 250, scenarios: ['sso_disabled', 'admin_api_key_lifecycle'] } });
  server = await sim.listen(0, '127.0.0.1');
  transport = { kind: 'loopback', baseUrl: server.url, fetch: globalThis.fetch, close: async () => {} };
  // the first part of the history only: the rest arrives later, as new arrivals
  const first = await syncWith(transport, data.dir, { settings: { overlapMs: 10 * 60_000, reconcileDays: 0, untilMs: NOW - 2 * 86_400_000 } });
  if (!first.ok) throw new Error(`sync failed: ${JSON.stringify(first.streams)}`);
}, 180_000);

afterAll(async () => {
  for (const c of closers) await c();
  await server?.close();
  data.cleanup();
  out.cleanup();
});

describe('forward', () => {
  it('sends every activity once to HEC, Elasticsearch, HTTPS and files; a later pass sends only the new arrivals', async () => {
    const hec = await hecReceiver(TOKEN);
    const es = await elasticReceiver();
    const hook = await httpReceiver(() => 'ok', '/ingest');
    closers.push(hec.close, es.close, hook.close);
    const files = join(out.dir, 'files-a');
    const { destinations } = parseForwardConfig(
      {
        destinations: [
          { name: 'splunk', type: 'hec', url: hec.url, tokenEnv: 'HEC_TOKEN', batchSize: 300 },
          { name: 'elastic', type: 'elasticsearch', url: es.url, index: 'claude', batchSize: 250, alerts: 'all' },
          { name: 'collector', type: 'https', url: hook.url, format: 'ndjson', batchSize: 400 },
          { name: 'archive', type: 'file', path: files, rotateBytes: '64KB', batchSize: 100 },
        ],
      },
      { env: { HEC_TOKEN: TOKEN } },
    );
    const state = StateStore.open(data.dir);
    try {
      const before = await lakeIds();
      const r1 = await forwardPass({ dataDir: data.dir, state, destinations, maxAttempts: 2 });
      expect(r1.every((r) => r.ok)).toBe(true);
      expect(hec.events.map((e) => (e.metadata as { uid: string }).uid)).toEqual(before);
      expect([...es.indices.get('claude')!.keys()].sort()).toEqual([...before].sort());
      const hookIds = hook.accepted().flatMap((d) => d.body.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id));
      expect(hookIds).toEqual(before);
      expect(new Set(hook.accepted().map((d) => d.headers['idempotency-key'])).size).toBe(hook.accepted().length);
      expect(fileIds(files)).toEqual(before);
      expect(forwardedFiles(files, 'activities').length).toBeGreaterThan(1); // rotated
      expect(hec.auth.every((a) => a === `Splunk ${TOKEN}`)).toBe(true);
      expect(hec.events.slice(0, 100).map((e) => validateOcsf(e)).filter((x) => x.length)).toEqual([]);

      // the rest of the history arrives (with an overlap re-read: duplicates in the lake), then alerts
      const second = await syncWith(transport, data.dir);
      expect(second.ok).toBe(true);
      await buildModels(data.dir);
      const rules = loadRules();
      await evaluateDetections({ dataDir: data.dir, config: resolveDetectionsConfig({ deliverHistorical: true }, rules), rules, destinations: [] });
      const after = await lakeIds();
      expect(after.length).toBeGreaterThan(before.length);
      const r2 = await forwardPass({ dataDir: data.dir, state, destinations, maxAttempts: 2 });
      expect(r2.every((r) => r.ok)).toBe(true);
      const fresh = after.filter((id) => !before.includes(id));
      expect(hec.events.map((e) => (e.metadata as { uid: string }).uid)).toEqual([...before, ...fresh]);
      expect([...es.indices.get('claude')!.keys()].sort()).toEqual([...after].sort());
      expect(fileIds(files)).toEqual([...before, ...fresh]);
      // alerts: the elastic destination asked for them (all, retro hunt included)
      const alertsDb = new Database(join(data.dir, 'alerts.sqlite'), { readonly: true });
      const alertIds = (alertsDb.prepare('select id from alerts').all() as { id: string }[]).map((a) => a.id);
      alertsDb.close();
      expect(alertIds.length).toBeGreaterThan(0);
      expect([...(es.indices.get('claude-alerts')?.keys() ?? [])].sort()).toEqual([...alertIds].sort());

      // nothing new: nothing sent
      const r3 = await forwardPass({ dataDir: data.dir, state, destinations, maxAttempts: 2 });
      expect(r3.map((r) => r.activities + r.alerts)).toEqual([0, 0, 0, 0]);
    } finally {
      state.close();
    }
  }, 300_000);

  it('a destination that fails, then recovers, ends with every activity (HEC: one batch repeated at most)', async () => {
    // 503s until request 4, then one batch stored whose answer is lost, then fine
    const plan = (n: number): SiemBehaviour => (n < 4 ? 'fail' : n === 6 ? 'ack-lost' : 'ok');
    const hec = await hecReceiver(TOKEN, plan);
    // Elasticsearch: every tenth document of the first bulk is rejected with a 429
    let rejectedOnce = 0;
    let seen = 0;
    const es = await elasticReceiver(
      (n) => (n === 1 ? 'fail' : 'ok'),
      (n) => n === 0 && ++seen % 10 === 0 && ++rejectedOnce > 0,
    );
    closers.push(hec.close, es.close);
    const { destinations } = parseForwardConfig(
      {
        destinations: [
          { name: 'splunk-flaky', type: 'hec', url: hec.url, tokenEnv: 'HEC_TOKEN', batchSize: 200, maxBackoff: '100ms' },
          { name: 'elastic-flaky', type: 'elasticsearch', url: es.url, index: 'flaky', batchSize: 200, maxBackoff: '100ms' },
        ],
      },
      { env: { HEC_TOKEN: TOKEN } },
    );
    const expected = await lakeIds();
    const state = StateStore.open(data.dir);
    try {
      const failed = await forwardPass({ dataDir: data.dir, state, destinations, maxAttempts: 2 });
      expect(failed[0].ok).toBe(false);
      expect(failed[0].error).toContain('HTTP 503');
      expect(failed[0].error).not.toContain(TOKEN);
      expect(hec.events).toEqual([]);
      const recovered = await forwardPass({ dataDir: data.dir, state, destinations, maxAttempts: 5 });
      expect(recovered.every((r) => r.ok)).toBe(true);
      const ids = hec.events.map((e) => (e.metadata as { uid: string }).uid);
      expect([...new Set(ids)]).toEqual(expected);
      expect(duplicates(ids)).toBeGreaterThan(0);
      expect(duplicates(ids)).toBeLessThanOrEqual(200);
      expect(rejectedOnce).toBeGreaterThan(0);
      expect([...es.indices.get('flaky')!.keys()].sort()).toEqual([...expected].sort());
    } finally {
      state.close();
    }
  }, 300_000);

  it('survives kill -9 mid-batch: no gap anywhere, no duplicate in Elasticsearch or the files, HEC repeats at most a batch per kill', async () => {
    const random = seededRandom(14);
    const hec = await hecReceiver(TOKEN, () => 'ok', { delayMs: () => 20 + Math.floor(random() * 80) });
    const es = await elasticReceiver();
    closers.push(hec.close, es.close);
    const files = join(out.dir, 'files-kill');
    const tokenFile = join(out.dir, 'hec.token');
    writeFileSync(tokenFile, TOKEN);
    const configPath = join(out.dir, 'kill.config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        forward: {
          destinations: [
            { name: 'splunk-kill', type: 'hec', url: hec.url, tokenFile, batchSize: 50 },
            { name: 'elastic-kill', type: 'elasticsearch', url: es.url, index: 'kill', batchSize: 50 },
            { name: 'archive-kill', type: 'file', path: files, batchSize: 50, rotateBytes: '32KB' },
          ],
        },
      }),
    );
    const expected = await lakeIds();
    const kills = Number(process.env.CL_CRASH_KILLS ?? 6);
    const stderrs: string[] = [];
    const sentAtKill: number[] = [];
    for (let k = 0; k < kills; k++) {
      const child: CliProcess = spawnCli(['forward', '--data-dir', data.dir, '--config', configPath]);
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(random() * 1500)));
      child.child.kill('SIGKILL');
      const run = await child.done;
      sentAtKill.push(new Set(hec.events.map((e) => (e.metadata as { uid: string }).uid)).size);
      stderrs.push(run.stdout, run.stderr);
    }
    // the kills landed while there was still something to send
    expect(sentAtKill[0]).toBeLessThan(expected.length);
    const last = await runCli(['forward', '--data-dir', data.dir, '--config', configPath]);
    stderrs.push(last.stdout, last.stderr);
    expect(last.code).toBe(0);
    const hecIds = hec.events.map((e) => (e.metadata as { uid: string }).uid);
    expect([...new Set(hecIds)].sort()).toEqual([...expected].sort());
    expect(duplicates(hecIds)).toBeLessThanOrEqual(50 * kills);
    expect([...es.indices.get('kill')!.keys()].sort()).toEqual([...expected].sort());
    expect(fileIds(files)).toEqual(expected);
    for (const text of stderrs) expect(text).not.toContain(TOKEN);
    const status = await runCli(['forward', '--status', '--data-dir', data.dir, '--config', configPath]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('splunk-kill (hec, ocsf): activities arrived up to');
  }, 300_000);

  it('runs one forward at a time per data dir', async () => {
    const held = acquireLock(join(data.dir, 'forward'), 'forward');
    const state = StateStore.open(data.dir);
    try {
      const { destinations } = parseForwardConfig({ destinations: [{ name: 'locked', type: 'file', path: join(out.dir, 'locked') }] });
      await expect(forwardPass({ dataDir: data.dir, state, destinations, maxAttempts: 1 })).rejects.toThrow(/already writing|another compliance-lake process/);
    } finally {
      state.close();
      held.release();
    }
  });

  it('keeps the forward cursors across `state rebuild` (they are not in the manifest)', async () => {
    const state = StateStore.open(data.dir);
    const before = state.forwardCursor('splunk', 'activities');
    state.close();
    expect(before).not.toBeNull();
    rebuildState(data.dir);
    const rebuilt = StateStore.open(data.dir, { readonly: true });
    try {
      expect(rebuilt.forwardCursor('splunk', 'activities')).toEqual(before);
      expect(rebuilt.forwardCursor('elastic', 'alerts')).not.toBeNull();
    } finally {
      rebuilt.close();
    }
  });

  it('refuses secrets in the config file and unknown keys, naming them, never echoing a secret', async () => {
    const configPath = join(out.dir, 'bad.config.json');
    writeFileSync(configPath, JSON.stringify({ forward: { destinations: [{ name: 's', type: 'hec', url: 'http://127.0.0.1:1', token: TOKEN }] } }));
    const run = await runCli(['forward', '--data-dir', data.dir, '--config', configPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('forward.destinations[0] ("s").token: secrets are not allowed');
    expect(run.stderr).not.toContain(TOKEN);
    writeFileSync(configPath, JSON.stringify({ forward: { destinations: [{ name: 's', type: 'splunk' }] } }));
    const unknown = await runCli(['forward', '--data-dir', data.dir, '--config', configPath]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown type "splunk"');
    mkdirSync(join(out.dir, 'empty'), { recursive: true });
    const noLake = await runCli(['forward', '--data-dir', join(out.dir, 'empty'), '--config', configPath]);
    expect(noLake.code).toBe(2);
    expect(noLake.stderr).toContain(join(out.dir, 'empty'));
    expect(readdirSync(data.dir).some((f) => f.includes(TOKEN))).toBe(false);
    expect(readFileSync(join(data.dir, 'state.sqlite')).includes(TOKEN)).toBe(false);
  }, 60_000);
});
