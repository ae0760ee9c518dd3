// Every detection rule fires on its attack scenario with exactly the scenario's evidence (issue 12 §5,
// detections.md §6): the simulator plays every scenario in its own organization, the lake syncs it, the models
// build, the engine evaluates every rule, and the alerts that touch a scenario's activities must be exactly the
// ones GET /_sim/truth/alerts lists: no rule missing, no extra alert, no evidence more or less.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SCENARIO_IDS } from '../src/simulator/tenant/scenarios.js';
import { control } from './support/sim-harness.js';
import { type EvaluatedTenant, type FoundAlert, alertKey, evaluateTenant } from './support/detections-harness.js';

interface TruthScenario {
  scenario: string;
  at: string;
  alerts: { rule_id: string; entity_id: string; evidence_ids: string[] }[];
  activity_ids: string[];
}

let world: EvaluatedTenant;
let truth: TruthScenario[];
let scenarioIds: Set<string>;
/** Alerts whose evidence includes a scenario's activity. */
let touched: FoundAlert[];

beforeAll(async () => {
  // every scenario, two days apart, over 90 days of a small everyday tenant
  world = await evaluateTenant({ horizonDays: 90, activitiesPerDay: 300, scenarios: SCENARIO_IDS });
  truth = ((await control(world.t, 'GET', '/_sim/truth/alerts')) as { data: TruthScenario[] }).data;
  scenarioIds = new Set(truth.flatMap((s) => s.activity_ids));
  touched = world.alerts.filter((a) => a.evidence_ids.some((id) => scenarioIds.has(id)));
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe('attack scenarios', () => {
  test('every scenario was played and every rule evaluated without error', () => {
    expect(truth.map((s) => s.scenario)).toEqual(SCENARIO_IDS);
    expect(world.report.rules.filter((r) => r.error !== null).map((r) => r.error)).toEqual([]);
    expect(world.report.rules.map((r) => r.ruleId).sort()).toEqual(world.rules.map((r) => r.id).sort());
  });

  test('every rule has a scenario that must fire it', () => {
    const covered = new Set(truth.flatMap((s) => s.alerts.map((a) => a.rule_id)));
    expect(world.rules.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
    expect([...covered].filter((id) => !world.rules.some((r) => r.id === id))).toEqual([]);
  });

  test('each rule raises exactly the alerts its scenarios list, with exactly their evidence', () => {
    for (const rule of world.rules) {
      const expected = truth.flatMap((s) => s.alerts.filter((a) => a.rule_id === rule.id)).map(alertKey).sort();
      const found = touched.filter((a) => a.rule_id === rule.id).map(alertKey).sort();
      expect(found, rule.id).toEqual(expected);
    }
  });

  test("no alert mixes a scenario's activities with everyday ones", () => {
    const mixed = touched.filter((a) => !a.evidence_ids.every((id) => scenarioIds.has(id)));
    expect(mixed.map(alertKey)).toEqual([]);
  });

  test('the scenario evidence is in the lake: each listed activity was synced', async () => {
    const listed = [...new Set(truth.flatMap((s) => s.alerts.flatMap((a) => a.evidence_ids)))];
    const found = new Set(world.alerts.flatMap((a) => a.evidence_ids));
    expect(listed.filter((id) => !found.has(id))).toEqual([]);
  });
});
