// The simulator's attack scenarios themselves (detections.md §6): deterministic for a seed, invisible when not
// enabled, played on demand through POST /_sim/scenarios, and listed by GET /_sim/truth/alerts.
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../src/cli/config.js';
import { simulatorFromFlags } from '../src/cli/simulate.js';
import { SCENARIO_IDS, parseScenarioList } from '../src/simulator/tenant/scenarios.js';
import { BEFORE_NOW, NOW, connect, control, makeSim, makeTenant, truthIds } from './support/sim-harness.js';

const HORIZON = { horizonDays: 90, activitiesPerDay: 200 };

/** A control call that may fail: status and body. */
async function controlRaw(t: Awaited<ReturnType<typeof connect>>, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await t.fetch(`${t.baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('scenarios at fixed times', () => {
  test('the everyday feed is the same with and without scenarios; the difference is exactly what the scenarios wrote', async () => {
    const plain = await connect(makeSim({ tenant: HORIZON }), 'in-process');
    const played = makeTenant({ ...HORIZON, scenarios: SCENARIO_IDS });
    const withScenarios = await connect(makeSim({ shared: played }), 'in-process');
    try {
      const base = await truthIds(plain, `created_at.lt=${BEFORE_NOW}`);
      const all = await truthIds(withScenarios, `created_at.lt=${BEFORE_NOW}`);
      const written = new Set(played.scenarios!.played.flatMap((p) => p.activity_ids));
      expect(written.size).toBeGreaterThan(300);
      expect(all.filter((id) => !written.has(id))).toEqual(base);
      expect(all.filter((id) => written.has(id))).toHaveLength(written.size);
    } finally {
      await plain.close();
      await withScenarios.close();
    }
  });

  test('the same seed plays the same scenarios: same activities, same truth', () => {
    const a = makeTenant({ ...HORIZON, scenarios: SCENARIO_IDS }).scenarios!.played;
    const b = makeTenant({ ...HORIZON, scenarios: SCENARIO_IDS }).scenarios!.played;
    expect(b).toEqual(a);
    const other = makeTenant({ ...HORIZON, seed: 8, scenarios: SCENARIO_IDS }).scenarios!.played;
    expect(other[0].activity_ids).not.toEqual(a[0].activity_ids);
  });

  test("the directory agrees with the feed: a scenario's people are listed, a deprovisioned one no longer", async () => {
    const tenant = makeTenant({ ...HORIZON, scenarios: ['activity_after_offboarding', 'newcomer_creates_key'] });
    const org = tenant.timeline.orgs.find((o) => o.scripted)!;
    const users = tenant.directory.users(org.uuid, NOW)!;
    const [offboarding, newcomer] = tenant.scenarios!.played;
    const leaver = tenant.timeline.users.find((u) => u.id === offboarding.alerts[0].entity_id)!;
    const joiner = tenant.timeline.users.find((u) => u.id === newcomer.alerts[0].entity_id)!;
    expect(users.map((u) => u.id)).toContain(joiner.id);
    expect(users.map((u) => u.id)).not.toContain(leaver.id);
    expect(tenant.directory.users(org.uuid, leaver.leftMs - 1)!.map((u) => u.id)).toContain(leaver.id);
    expect(tenant.directory.users(org.uuid, joiner.joinedMs - 1)!.map((u) => u.id)).not.toContain(joiner.id);
    // the join is in the feed at the moment the directory changed
    const join = tenant.feed.get(newcomer.alerts[0].evidence_ids[0])!;
    expect(join.record.type).toBe('scim_user_created');
    expect(Math.floor(join.us / 1000)).toBe(joiner.joinedMs);
  });
});

describe('scenarios on demand', () => {
  test('POST /_sim/scenarios plays one now; its activities are visible and the truth lists it', async () => {
    const tenant = makeTenant({ ...HORIZON, scenarios: [] });
    const t = await connect(makeSim({ shared: tenant }), 'in-process');
    try {
      expect((await control(t, 'GET', '/_sim/truth/alerts')).data).toEqual([]);
      const played = await control(t, 'POST', '/_sim/scenarios', { id: 'ip_restriction_deleted' });
      expect(played.at).toBe(new Date(NOW).toISOString());
      expect(played.alerts).toHaveLength(1);
      // indexed about a second after it happened, like the feed's own
      await control(t, 'POST', '/_sim/clock', { advance_ms: 5000 });
      expect(played.alerts[0].rule_id).toBe('ip_restriction_deleted');
      const visible = await truthIds(t);
      expect(played.activity_ids.every((id: string) => visible.includes(id))).toBe(true);
      const truth = (await control(t, 'GET', '/_sim/truth/alerts')).data;
      expect(truth.map((s: { scenario: string }) => s.scenario)).toEqual(['ip_restriction_deleted']);
      const unknown = await controlRaw(t, 'POST', '/_sim/scenarios', { id: 'ip_restriction_delete' });
      expect(unknown.status).toBe(400);
      expect(unknown.json.error.message).toContain('ip_restriction_deleted');
    } finally {
      await t.close();
    }
  });

  test('a simulator without scenarios says how to get them', async () => {
    const t = await connect(makeSim({ tenant: HORIZON }), 'in-process');
    try {
      const r = await controlRaw(t, 'POST', '/_sim/scenarios', { id: 'sso_disabled' });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain('--scenarios');
      expect((await controlRaw(t, 'GET', '/_sim/truth/alerts')).status).toBe(400);
    } finally {
      await t.close();
    }
  });

  test('simulate --scenarios names an unknown scenario', () => {
    expect(parseScenarioList('all')).toEqual(SCENARIO_IDS);
    expect(parseScenarioList('none')).toEqual([]);
    expect(() => simulatorFromFlags({ scenarios: 'sso_disabled,bogus', now: '2026-11-01T00:00:00Z', horizonDays: '90' })).toThrow(ConfigError);
    expect(() => simulatorFromFlags({ scenarios: 'bogus', now: '2026-11-01T00:00:00Z' })).toThrow(/"bogus".*known: all, none/);
    expect(() => simulatorFromFlags({ scenarios: 'all', now: '2026-11-01T00:00:00Z', horizonDays: '30' })).toThrow(/--horizon-days \d+ or more/);
  });
});
