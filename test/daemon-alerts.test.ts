// The daemon's detections and delivery (issue 12 §3, §4): after the refresh that follows a sync it evaluates
// the rules, queues the alerts and delivers them, the played attack scenarios' alerts arrive at the webhook
// with their evidence, a destination that always fails is retried by the delivery loop, reported in the status
// and /metrics, and holds up neither the sync nor the other destinations.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/api/index.js';
import { parseDestinations } from '../src/delivery/config.js';
import { AlertStore, loadRules, resolveDetectionsConfig } from '../src/detections/index.js';
import { type Daemon, startDaemon } from '../src/scheduler/daemon.js';
import { type HttpReceiver, httpReceiver } from './support/alert-receivers.js';
import { waitFor } from './support/crash-harness.js';
import { triggeredDaemonOptions } from './support/daemon-harness.js';
import { tempDataDir } from './support/lake-harness.js';
import { KEYS, makeSim, makeTenant } from './support/sim-harness.js';

const SECRET = 'whsec-daemon-test-Qe5Rt7';
const SCENARIOS = ['sso_disabled', 'privileged_group_join_then_admin_action', 'newcomer_creates_key', 'admin_api_key_lifecycle'];

let daemon: Daemon;
let hook: HttpReceiver;
let dead: HttpReceiver;
let dir: string;
let cleanup: () => void;
const lines: string[] = [];
const logger: Logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...obj, msg }))])) as unknown as Logger;
const tenant = makeTenant({ horizonDays: 12, activitiesPerDay: 200, scenarios: SCENARIOS });

beforeAll(async () => {
  ({ dir, cleanup } = tempDataDir('cl-daemon-alerts-'));
  hook = await httpReceiver();
  dead = await httpReceiver(() => 'fail');
  const sim = makeSim({ shared: tenant });
  const rules = loadRules();
  const destinations = parseDestinations(
    [
      { name: 'soc', type: 'webhook', url: hook.url, secretEnv: 'HOOK_SECRET', minLevel: 'medium' },
      { name: 'dead', type: 'webhook', url: dead.url, secretEnv: 'HOOK_SECRET', maxBackoff: '1s' },
      { name: 'file', type: 'ndjson', path: join(dir, 'out', 'alerts.ndjson'), rules: ['sso_disabled'] },
    ],
    { env: { HOOK_SECRET: SECRET }, knownRules: rules.map((r) => r.id) },
  );
  daemon = await startDaemon({
    ...triggeredDaemonOptions(sim, dir, KEYS.full, logger),
    detections: { config: resolveDetectionsConfig({ deliverHistorical: true }, rules), rules },
    destinations,
    deliveryIntervalMs: 100,
  });
  daemon.trigger('startup');
  await daemon.idle();
}, 120_000);

afterAll(async () => {
  await daemon?.close();
  await hook?.close();
  await dead?.close();
  cleanup?.();
});

function storeAlerts() {
  const store = AlertStore.open(dir, { readonly: true });
  try {
    return { alerts: store.all(), outbox: store.outbox() };
  } finally {
    store.close();
  }
}

describe('daemon: detections after the refresh, then delivery', () => {
  it('evaluates every rule after the startup job and queues the alerts for the destinations that want them', () => {
    const status = daemon.status();
    expect(status.jobs.startup.lastResult).toBe('success');
    expect(status.alerting).toMatchObject({ evaluations: 1, lastError: null, rules: loadRules().length });
    const { alerts, outbox } = storeAlerts();
    expect(alerts.length).toBeGreaterThanOrEqual(SCENARIOS.length);
    const levels = ['info', 'low', 'medium', 'high', 'critical'];
    const expected = [
      ...alerts.filter((a) => levels.indexOf(a.level) >= 2).map((a) => `${a.id} soc`),
      ...alerts.map((a) => `${a.id} dead`),
      ...alerts.filter((a) => a.ruleId === 'sso_disabled').map((a) => `${a.id} file`),
    ].sort();
    expect(outbox.map((r) => `${r.alertId} ${r.destination}`).sort()).toEqual(expected);
    const end = lines.find((l) => l.includes('"job":"startup"') && l.includes('"msg":"job: end"'))!;
    expect(JSON.parse(end)).toMatchObject({ result: 'success', alerts_created: alerts.length, alerts_queued: expected.length });
  });

  it('delivers every queued alert to the webhook, signed, with the scenario evidence, and to the file', async () => {
    const { outbox } = storeAlerts();
    const soc = outbox.filter((r) => r.destination === 'soc');
    expect(await waitFor(() => hook.accepted().length >= soc.length, 30_000, 50)).toBe(true);
    expect(new Set(hook.accepted().map((r) => r.headers['idempotency-key']))).toEqual(new Set(soc.map((r) => r.alertId)));
    for (const r of hook.accepted()) {
      const ts = String(r.headers['x-compliance-lake-timestamp']);
      expect(r.headers['x-compliance-lake-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex')}`);
    }
    // the truth of the played scenarios: each of their alerts at medium or above arrived with exactly its evidence
    const docs = hook.accepted().map((r) => JSON.parse(r.body));
    const rules = new Map(loadRules().map((r) => [r.id, r]));
    const truth = tenant.scenarios!.played.flatMap((p) => p.alerts).filter((a) => ['medium', 'high', 'critical'].includes(rules.get(a.rule_id)!.level));
    expect(truth.length).toBeGreaterThan(0);
    for (const t of truth) {
      const doc = docs.find((d) => d.rule.id === t.rule_id && d.entity.id === t.entity_id && JSON.stringify(d.evidence.activityIds.slice().sort()) === JSON.stringify([...t.evidence_ids].sort()));
      expect(doc, `${t.rule_id} for ${t.entity_id}`).toBeDefined();
      expect(doc.rule.title).toBe(rules.get(t.rule_id)!.title);
      expect(doc.historical).toBe(true);
    }
    const file = join(dir, 'out', 'alerts.ndjson');
    expect(await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').trim().split('\n').length === outbox.filter((r) => r.destination === 'file').length, 60_000, 50)).toBe(true);
  }, 120_000);

  it('retries the failing destination on its own timer, reports it, and the sync goes on', async () => {
    const before = dead.received.length;
    expect(await waitFor(() => dead.received.length >= before + 2, 60_000, 50)).toBe(true);
    const state = daemon.status().alerting.destinations.find((d) => d.destination === 'dead')!;
    expect(state).toMatchObject({ lastError: 'the webhook answered HTTP 503', failing: false });
    expect(state.pending).toBe(storeAlerts().alerts.length);
    expect(daemon.status().alerting.destinations.find((d) => d.destination === 'soc')).toMatchObject({ pending: 0, lastError: null });
    // a sync while the destination keeps failing
    daemon.trigger('activities');
    await daemon.idle();
    expect(daemon.status().jobs.activities.lastResult).toBe('success');
    const metrics = await (await fetch(`${daemon.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`compliance_lake_alert_deliveries_total\\{destination="soc",result="delivered"\\} ${hook.accepted().length}\\n`));
    expect(metrics).toMatch(/compliance_lake_alert_deliveries_total\{destination="dead",result="failed"\} \d+\n/);
    expect(metrics).toMatch(/compliance_lake_alert_delivery_pending\{destination="dead"\} [1-9]\d*\n/);
    expect(metrics).toMatch(/compliance_lake_alert_destination_failing\{destination="dead"\} 0\n/);
    const sso = loadRules().find((r) => r.id === 'sso_disabled')!;
    expect(metrics).toContain(`compliance_lake_alerts_created_total{rule="sso_disabled",level="${sso.level}",historical="true"} ${storeAlerts().alerts.filter((a) => a.ruleId === 'sso_disabled').length}\n`);
    // the activities job found nothing new on the frozen clock: no refresh, so no second evaluation
    expect(metrics).toMatch(/compliance_lake_detection_evaluations_total\{result="success"\} 1\n/);
    expect(lines.some((l) => l.includes('"destination":"dead"') && l.includes('delivery: attempt failed'))).toBe(true);
    const health = (await (await fetch(`${daemon.healthUrl}/healthz`)).json()) as { status: string; destinations: Record<string, unknown>[] };
    expect(health.status).toBe('ok');
    expect(health.destinations.find((d) => d.destination === 'dead')).toMatchObject({ failing: false, last_error: 'the webhook answered HTTP 503', last_delivered_at: null });
    expect(health.destinations.find((d) => d.destination === 'soc')).toMatchObject({ pending: 0, failing: false, last_error: null });
    // GraphQL syncStatus reads the same state from the outbox
    const res = await fetch(daemon.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ syncStatus { destinations { destination pending failing failingSince lastError lastDeliveredAt } } }' }),
    });
    const body = (await res.json()) as { data: { syncStatus: { destinations: Record<string, unknown>[] } } };
    const byName = Object.fromEntries(body.data.syncStatus.destinations.map((d) => [d.destination, d]));
    expect(Object.keys(byName)).toEqual(['dead', 'file', 'soc']);
    expect(byName.dead).toMatchObject({ pending: storeAlerts().alerts.length, failing: false, lastError: 'the webhook answered HTTP 503', lastDeliveredAt: null });
    expect(typeof byName.dead.failingSince).toBe('string');
    expect(byName.soc).toMatchObject({ pending: 0, failing: false, failingSince: null, lastError: null });
    expect(Date.parse(String(byName.soc.lastDeliveredAt))).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(lines.join('\n')).not.toContain(SECRET);
  }, 120_000);
});
