// The demo's detection side against real parts: attacks are played on a loopback simulator through its control
// endpoint (the truth then lists them), and the alert watcher prints a line for each alert that appears in a
// real alert store behind a real GraphQL server, once, and never the retro hunt's or those already there.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_ATTACKS, playAttacks, watchAlerts } from '../src/cli/demo-alerts.js';
import { SCENARIO_IDS } from '../src/simulator/tenant/scenarios.js';
import { type Fixture, type TestServer, buildFixture, iso, startTestServer } from './graphql-fixture.js';
import { type FxAlert, alertId, buildAlerts, writeAlertStore } from './graphql-alerts-fixture.js';
import { captureLogger, makeSim } from './support/sim-harness.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function until<T>(what: string, check: () => T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('demo attacks', () => {
  test('every demo attack is a scenario; played now on the simulator, each is listed by its truth endpoint', async () => {
    for (const id of DEMO_ATTACKS) expect(SCENARIO_IDS).toContain(id);
    const sim = makeSim({ tenant: { scenarios: [] } });
    const server = await sim.listen(0, '127.0.0.1');
    const lines: string[] = [];
    const logs = captureLogger();
    const attacks = playAttacks(server.url, 50, (l) => lines.push(l), logs.logger);
    try {
      // the first attack waits FIRST_ATTACK_MS (15 s); then every 50 ms
      await until('three attacks', () => lines.length >= 3, 70_000);
    } finally {
      attacks.stop();
    }
    const truth = (await (await fetch(`${server.url}/_sim/truth/alerts`)).json()) as { data: { scenario: string; alerts: { rule_id: string }[] }[] };
    const played = truth.data.map((p) => p.scenario);
    expect(played.slice(0, 3)).toEqual(DEMO_ATTACKS.slice(0, 3));
    for (const [i, line] of lines.slice(0, 3).entries()) {
      expect(line).toContain(`"${DEMO_ATTACKS[i]}"`);
      for (const a of truth.data[i].alerts) expect(line).toContain(a.rule_id);
    }
    expect(logs.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    await server.close();
  }, 100_000);
});

describe('demo alert watcher', () => {
  const fx: Fixture = buildFixture();
  const all: FxAlert[] = buildAlerts(fx);
  let t: TestServer;

  beforeAll(async () => {
    // the store starts with some alerts: those the watcher must not print (already there, or historical)
    t = await startTestServer({ fixture: fx, prepare: (dir) => writeAlertStore(dir, fx, all.slice(0, 10)) });
  });

  afterAll(async () => {
    await t?.close();
  });

  test('prints each new alert once, with level, rule, entity, evidence count and a GraphQL hint', async () => {
    const lines: string[] = [];
    const watcher = watchAlerts(t.server.url, t.token!, (l) => lines.push(l), silent);
    try {
      // the alerts already there are known after the first poll (a loaded machine may take seconds for it)
      await watcher.firstPoll;
      await new Promise((r) => setTimeout(r, 2_000));
      expect(lines).toEqual([]);
      const fresh = all.find((a) => a.ruleId === 'sso_disabled' && !all.slice(0, 10).includes(a))!;
      const db = new Database(join(t.dataDir, 'alerts.sqlite'));
      try {
        const at = iso(BigInt(Date.now()) * 1000n);
        const insert = (id: string, historical: boolean) =>
          db
            .prepare(
              `insert into alerts (id, rule_id, level, entity_type, entity_id, window_start, window_end, first_seen, last_seen, summary, status, historical, evidence_count, actor_json, created_at, updated_at)
               values (?, 'sso_disabled', 'high', 'organization', ?, ?, ?, ?, ?, 'SSO off', 'open', ?, 3, null, ?, ?)`,
            )
            .run(id, fresh.entityId, iso(fresh.windowStart), iso(fresh.windowEnd), iso(fresh.windowStart), iso(fresh.windowEnd), historical ? 1 : 0, at, at);
        insert(fresh.id, false);
        insert(alertId('sso_disabled', 'retro-hunt-org', fresh.windowStart), true);
      } finally {
        db.close();
      }
      const line = await until('the alert line', () => lines.find((l) => l.includes(fresh.id)), 60_000);
      expect(line).toMatch(/ALERT HIGH +sso_disabled \(SSO turned off[^)]*\) on organization /);
      expect(line).toContain(fresh.entityId);
      expect(line).toContain('3 evidence activities');
      expect(line).toContain(`{ alert(id: "${fresh.id}")`);
      // a few more polls: still one line, and none for the retro hunt's alert
      await new Promise((r) => setTimeout(r, 7_000));
      expect(lines).toEqual([line]);
    } finally {
      watcher.stop();
    }
  }, 90_000);
});
