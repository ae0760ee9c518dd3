// Delivery survives kill -9 (issue 12 §5): the built CLI's daemon (`compliance-lake run`) delivers a queue of
// alerts to a flaky webhook, a flaky syslog receiver and an NDJSON file, and is killed with SIGKILL at random
// moments (CL_CRASH_KILLS times, default 20) and restarted. At the end every alert was accepted by every
// destination that wants it, no destination saw one alert id with two different bodies (repeats of the same
// body are counted: at least once), signatures verify, and no secret is in the output or under the data dir.
//
// The alerts come from the rules themselves: before the kills, the attack scenarios' tenant is synced, its
// models built and every rule evaluated once in this process (a retro hunt with deliverHistorical, so the
// outbox is full when the first daemon starts). The simulator's clock is frozen, so the daemons' syncs find
// nothing new; what is killed is the start-up (lock, recovery, sync) and, above all, the delivery.
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDestinations } from '../src/delivery/config.js';
import { AlertStore, destinationTakes, evaluateDetections, loadRules, resolveDetectionsConfig } from '../src/detections/index.js';
import { buildModels } from '../src/models/build.js';
import type { ListeningServer } from '../src/simulator/server/node-adapter.js';
import { type Behaviour, type HttpReceiver, type SyslogReceiver, httpReceiver, parseRfc5424, syslogReceiver } from './support/alert-receivers.js';
import { type CliProcess, requireBuiltCli, seededRandom, spawnCli, waitFor } from './support/crash-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { KEYS, makeSim, makeTenant } from './support/sim-harness.js';

const KILLS = Number(process.env.CL_CRASH_KILLS ?? 20);
const SECRET = 'whsec-crash-DO-NOT-LEAK-Jm4Xp8';
const SCENARIOS = ['sso_disabled', 'privileged_group_join_then_admin_action', 'newcomer_creates_key', 'admin_api_key_lifecycle', 'password_spray', 'logging_disabled_then_export'];
const random = seededRandom(2026);
const flaky = (): Behaviour => {
  const r = random();
  return r < 0.15 ? 'fail' : r < 0.2 ? 'hang' : r < 0.3 ? 'reset' : 'ok';
};

const data = tempDataDir('cl-delivery-crash-');
const outDir = tempDataDir('cl-delivery-crash-out-');
const ndjsonPath = join(outDir.dir, 'alerts.ndjson');
let server: ListeningServer;
let hook: HttpReceiver;
let syslog: SyslogReceiver;
const children: CliProcess[] = [];
const stderrs: string[] = [];

beforeAll(async () => {
  requireBuiltCli();
  // no rate limit: the simulator's clock is frozen, so its per-minute window would never reset, and once 21
  // daemons' start-up syncs had spent it every request was refused with a 429 for good (the 'hang' once seen here)
  const sim = makeSim({ tenant: { horizonDays: 16, activitiesPerDay: 150, scenarios: SCENARIOS }, sim: { rpm: 0 } });
  server = await sim.listen(0, '127.0.0.1');
  hook = await httpReceiver(flaky, '/hook', () => 100 + Math.floor(random() * 300));
  syslog = await syslogReceiver(flaky);
  const secretFile = join(outDir.dir, 'hook.secret');
  writeFileSync(secretFile, SECRET);
  const rawDestinations = [
    { name: 'soc', type: 'webhook', url: hook.url, secretFile, timeout: '500ms', maxBackoff: '2s' },
    { name: 'siem', type: 'syslog', host: '127.0.0.1', port: syslog.port, timeout: '500ms', maxBackoff: '2s', minLevel: 'medium' },
    { name: 'file', type: 'ndjson', path: ndjsonPath },
  ];
  writeFileSync(join(data.dir, 'compliance-lake.config.json'), JSON.stringify({ detections: { deliverHistorical: true }, destinations: rawDestinations }));
  // the queue: every rule once over the synced tenant, in this process
  const t = { kind: 'loopback' as const, baseUrl: server.url, fetch: globalThis.fetch, close: async () => {} };
  const sync = await syncWith(t, data.dir);
  if (!sync.ok) throw new Error(`sync failed: ${JSON.stringify(sync.streams)}`);
  await buildModels(data.dir);
  const rules = loadRules();
  const destinations = parseDestinations(rawDestinations, { knownRules: rules.map((r) => r.id) });
  await evaluateDetections({ dataDir: data.dir, config: resolveDetectionsConfig({ deliverHistorical: true }, rules), rules, destinations });
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await Promise.all([server?.close(), hook?.close(), syslog?.close()]);
  data.cleanup();
  outDir.cleanup();
});

function startRun(): CliProcess {
  const child = spawnCli(
    ['run', '--data-dir', data.dir, '--base-url', server.url, '--rpm', '0', '--port', '0', '--metrics-port', '0', '--activities-every', '*/2 * * * * *', '--reconcile-days', '0'],
    { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.full },
  );
  children.push(child);
  return child;
}

function outbox() {
  const store = AlertStore.open(data.dir, { readonly: true });
  try {
    return { alerts: store.all(), rows: store.outbox() };
  } finally {
    store.close();
  }
}

// Once skipped from the suite (stop 11 to 16): the daemon after the kills delivered every alert but its start-up
// job never ended. Its sync was refused with 429s for good: the simulator's rate window is per minute of its
// clock, which this test freezes, so the window never reset once the daemons' syncs had spent it. The
// simulator now runs unlimited here (beforeAll); the daemon itself was never stuck.
describe(`delivery under ${KILLS} kill -9 of the daemon`, () => {
  it('delivers every alert to every matching destination, one body per id, signatures verify', async () => {
    const queued = outbox();
    expect(queued.rows.length).toBeGreaterThan(30);
    const moments: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const child = startRun();
      const started = Date.now();
      const deliveredBefore = hook.received.length + syslog.received.length;
      // a random moment: every other kill during start-up (lock, recovery, loading), the others once this
      // daemon's delivery loop has had a destination accept something (however long start-up took on a loaded
      // machine), while it is still sending
      if (i % 2 === 1) await waitFor(() => child.output().stdout.includes('Detections:') || child.child.exitCode !== null, 30_000, 20);
      else await waitFor(() => hook.received.length + syslog.received.length > deliveredBefore || child.child.exitCode !== null, 30_000, 10);
      const delay = Math.floor(random() * (i % 2 === 1 ? 1200 : 600));
      await new Promise((r) => setTimeout(r, delay));
      const phase = hook.received.length + syslog.received.length > deliveredBefore ? 'delivering' : 'start-up';
      moments.push(`${Date.now() - started}ms:${phase}`);
      child.child.kill('SIGKILL');
      const run = await child.done;
      expect(run.signal, `daemon ${i} exited by itself (code ${run.code}): ${run.stderr.split('\n').slice(-8).join('\n')}`).toBe('SIGKILL');
      stderrs.push(run.stderr, run.stdout);
    }
    // the last daemon runs until the outbox is empty, then stops on SIGTERM
    const last = startRun();
    // its start-up job may evaluate again (a kill can leave a rule to re-evaluate) and queue more alerts:
    // the outbox counts as drained once that job has ended
    const startupEnded = () => /"job":"startup"[^\n]*"msg":"job: end"/.test(last.output().stderr);
    const drained = await waitFor(() => startupEnded() && outbox().rows.every((r) => r.state === 'delivered'), 240_000, 250);
    last.child.kill('SIGTERM');
    const end = await last.done;
    stderrs.push(end.stderr, end.stdout);
    if (!drained) writeFileSync(join(outDir.dir, '..', 'cl-delivery-crash-last.log'), `${end.stderr}\n--- stdout\n${end.stdout}`);
    expect(drained, `outbox not drained or start-up job not ended: ${JSON.stringify(outbox().rows.filter((r) => r.state !== 'delivered').slice(0, 3))}; the last daemon's log ends: ${end.stderr.split('\n').slice(-12).join('\n')}`).toBe(true);
    expect(end.code).toBe(0);
    process.stdout.write(`kill moments: ${moments.join(' ')}\n`);
    expect(moments.filter((m) => m.endsWith('delivering')).length, 'some kills must land while deliveries are under way').toBeGreaterThanOrEqual(Math.floor(KILLS / 4));

    const { alerts, rows } = outbox();
    const destinations = parseDestinations(JSON.parse(readFileSync(join(data.dir, 'compliance-lake.config.json'), 'utf8')).destinations, { baseDir: outDir.dir });
    const expected = (name: string) => alerts.filter((a) => destinationTakes(destinations.find((d) => d.name === name)!, a.ruleId, a.level)).map((a) => a.id).sort();
    expect(rows.map((r) => `${r.alertId} ${r.destination}`).sort()).toEqual(['soc', 'siem', 'file'].flatMap((d) => expected(d).map((id) => `${id} ${d}`)).sort());

    const bodies = (pairs: [string, string][]) => {
      const m = new Map<string, Set<string>>();
      for (const [id, body] of pairs) m.set(id, (m.get(id) ?? new Set()).add(body));
      return m;
    };
    // webhook
    const hookBodies = bodies(hook.received.map((r) => [String(r.headers['idempotency-key']), r.body]));
    expect([...new Set(hook.accepted().map((r) => String(r.headers['idempotency-key'])))].sort()).toEqual(expected('soc'));
    for (const [id, set] of hookBodies) expect(set.size, `webhook: ${id} arrived with ${set.size} bodies`).toBe(1);
    for (const r of hook.received) {
      const ts = String(r.headers['x-compliance-lake-timestamp']);
      expect(r.headers['x-compliance-lake-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex')}`);
    }
    // syslog
    const syslogBodies = bodies(syslog.received.map((r) => [parseRfc5424(r.message).sd['cl@32473'].id, r.message]));
    expect([...new Set(syslog.accepted().map((m) => parseRfc5424(m).sd['cl@32473'].id))].sort()).toEqual(expected('siem'));
    for (const [id, set] of syslogBodies) expect(set.size, `syslog: ${id} arrived with ${set.size} bodies`).toBe(1);
    // file (a line torn by a kill would be kept apart and fail to parse; there must be none or it is skipped)
    const lines = readFileSync(ndjsonPath, 'utf8').split('\n').filter(Boolean);
    const parsed = lines.flatMap((l) => {
      try {
        return [[JSON.parse(l).id as string, l] as [string, string]];
      } catch {
        return [];
      }
    });
    const fileBodies = bodies(parsed);
    expect([...fileBodies.keys()].sort()).toEqual(expected('file'));
    for (const [id, set] of fileBodies) expect(set.size, `file: ${id} has ${set.size} different lines`).toBe(1);
    // one document per alert across destinations
    for (const id of expected('siem')) expect(parseRfc5424([...syslogBodies.get(id)!][0]).msg).toBe([...hookBodies.get(id)!][0]);

    const repeats = {
      webhook: hook.received.length - hookBodies.size,
      syslog: syslog.received.length - syslogBodies.size,
      file: parsed.length - fileBodies.size,
    };
    process.stdout.write(`alerts ${alerts.length}; received (repeats): webhook ${hook.received.length} (${repeats.webhook}), syslog ${syslog.received.length} (${repeats.syslog}), file ${parsed.length} (${repeats.file})\n`);

    // no secret in what the daemons printed or anywhere under the data dir
    for (const text of stderrs) expect(text).not.toContain('DO-NOT-LEAK');
    const files = readdirSync(data.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const f of files) expect(readFileSync(join(f.parentPath, f.name)).includes('DO-NOT-LEAK'), `${f.name} holds the secret`).toBe(false);
  }, 420_000);
});
