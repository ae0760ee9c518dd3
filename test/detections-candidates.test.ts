// The rules with a `types:` header read one copy of just the activities of those types (detections.md §1, §3):
// that copy must find exactly what every rule finds on marts.activities itself. A tenant that plays every attack
// scenario (so every rule fires) is evaluated from scratch both ways into two alert stores, which must hold the
// same alerts: ids, windows, first/last seen, summaries, evidence and actor snapshots (the copy's run looks its
// occurrences up a few at a time, from a copy of the directory history). And the headers: what they
// declare, and an error naming the line for what they cannot.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AlertStore, type EvaluationReport, evaluateDetections, loadRules, parseRule, resolveDetectionsConfig } from '../src/detections/index.js';
import { lookbackMs, readSelection } from '../src/detections/rules.js';
import { SCENARIO_IDS } from '../src/simulator/tenant/scenarios.js';
import { type EvaluatedTenant, evaluateTenant } from './support/detections-harness.js';

interface StoredAlert {
  id: string;
  ruleId: string;
  entityId: string;
  windowStart: string;
  windowEnd: string;
  firstSeen: string;
  lastSeen: string;
  summary: string;
  historical: boolean;
  actorJson: string | null;
  evidence: string[];
}

let world: EvaluatedTenant;
let onCopy: StoredAlert[];
let onView: StoredAlert[];
let viewReport: EvaluationReport;
let copyReport: EvaluationReport;

function readAlerts(dataDir: string): StoredAlert[] {
  const store = AlertStore.open(dataDir, { readonly: true });
  try {
    const evidence = new Map<string, string[]>();
    for (const e of store.evidence()) evidence.set(e.alertId, [...(evidence.get(e.alertId) ?? []), e.activityId]);
    return store
      .all()
      .map((a) => ({
        id: a.id,
        ruleId: a.ruleId,
        entityId: a.entityId,
        windowStart: a.windowStart,
        windowEnd: a.windowEnd,
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
        summary: a.summary,
        historical: a.historical,
        actorJson: a.actorJson,
        evidence: (evidence.get(a.id) ?? []).sort(),
      }))
      .sort((x, y) => (x.id < y.id ? -1 : 1));
  } finally {
    store.close();
  }
}

function setStoreAside(dir: string, name: string): void {
  for (const ext of ['', '-wal', '-shm']) {
    try {
      renameSync(join(dir, `alerts.sqlite${ext}`), join(dir, `${name}.sqlite${ext}`));
    } catch {
      // not there: nothing to keep
    }
  }
}

beforeAll(async () => {
  // every scenario over 90 days of a small everyday tenant (as the scenario test): every rule fires
  world = await evaluateTenant({ horizonDays: 90, activitiesPerDay: 300, scenarios: SCENARIO_IDS });
  // again on the copies, its occurrences looked up a few at a time (the directory copied once for the chunks)
  setStoreAside(world.dir, 'alerts-first');
  copyReport = await evaluateDetections({ dataDir: world.dir, config: resolveDetectionsConfig(undefined, world.rules), rules: world.rules, lookupChunk: 7 });
  onCopy = readAlerts(world.dir);
  setStoreAside(world.dir, 'alerts-candidates');
  viewReport = await evaluateDetections({ dataDir: world.dir, config: resolveDetectionsConfig(undefined, world.rules), rules: world.rules, candidates: false });
  onView = readAlerts(world.dir);
}, 300_000);

afterAll(async () => {
  await world?.close();
});

describe('the copy of the activities the typed rules read', () => {
  test('every rule with a types: header read the copy; the others, and every rule without the copy, read the view', () => {
    const typed = new Set(world.rules.filter((r) => r.reads !== null).map((r) => r.id));
    expect(typed.size).toBeGreaterThan(40);
    for (const r of world.report.rules) expect(r.source, r.ruleId).toBe(typed.has(r.ruleId) ? 'candidates' : 'view');
    for (const r of copyReport.rules) expect(r.source, r.ruleId).toBe(typed.has(r.ruleId) ? 'candidates' : 'view');
    expect(viewReport.rules.every((r) => r.source === 'view')).toBe(true);
    expect(world.report.failed).toBe(0);
    expect(copyReport.failed).toBe(0);
    expect(viewReport.failed).toBe(0);
  });

  test('the same alerts, windows, summaries, evidence and actor snapshots as every rule reading marts.activities', () => {
    const fired = new Set(onCopy.map((a) => a.ruleId));
    // every rule fires on its scenario, so every declaration is put to the test
    expect(world.rules.map((r) => r.id).filter((id) => !fired.has(id))).toEqual([]);
    const byRule = (list: StoredAlert[]) => Object.fromEntries(world.rules.map((r) => [r.id, list.filter((a) => a.ruleId === r.id).length]));
    expect(byRule(onCopy)).toEqual(byRule(onView));
    expect(onCopy).toEqual(onView);
  });
});

describe('types:, categories: and lookback: headers', () => {
  const base = ['-- id: x_rule', '-- title: t', '-- level: low', '-- entity: user', '-- kind: history', '-- window: {{within}}', '-- description: d'];
  const params = ["-- param: within interval '6 hours' -- w", "-- param: kinds varchar[] ['a_b','c_d'] -- k", '-- param: n integer 3 -- n'];
  const parse = (...lines: string[]) => parseRule('/r/x_rule.sql', [...base, ...lines, ...params, 'select 1'].join('\n'));

  test('a rule declares the types (literals and list parameters, over several lines) and categories it reads, and its look-back', () => {
    const rule = parse("-- types: 'org_sso_toggled', {{kinds}}", "-- types: 'api_key_created'", "-- categories: 'admin'", '-- lookback: 2 * {{within}}');
    expect(readSelection(rule, { within: '6 hours', kinds: ['a_b', 'c_d'], n: 3 })).toEqual({ types: ['a_b', 'api_key_created', 'c_d', 'org_sso_toggled'], categories: ['admin'] });
    expect(readSelection(rule, { within: '6 hours', kinds: ['x_y'], n: 3 })!.types).toEqual(['api_key_created', 'org_sso_toggled', 'x_y']);
    expect(lookbackMs(rule, { within: '6 hours', kinds: [], n: 3 })).toBe(12 * 3_600_000);
    expect(lookbackMs(rule, { within: '1 hour', kinds: [], n: 3 })).toBe(2 * 3_600_000);
    const plain = parse();
    expect(plain.reads).toBeNull();
    expect(lookbackMs(plain, { within: '6 hours', kinds: [], n: 3 })).toBe(6 * 3_600_000);
  });

  test('a bad types:, categories: or lookback: line is an error naming the line', () => {
    expect(() => parse('-- types: org_sso_toggled')).toThrow(/x_rule\.sql:8: types: "org_sso_toggled" must be a quoted activity type/);
    expect(() => parse('-- types: {{n}}')).toThrow(/x_rule\.sql:8: types: \{\{n\}\} must name a varchar\[\] parameter/);
    expect(() => parse("-- categories: 'Admin Stuff'")).toThrow(/x_rule\.sql:8: categories: "'Admin Stuff'" must be a quoted category/);
    expect(() => parse('-- lookback: twice')).toThrow(/x_rule\.sql:8: window "twice" is not a duration/);
    expect(() => parse('-- lookback: 0 * {{within}}')).toThrow(/x_rule\.sql:8: lookback "0 \* \{\{within\}\}" must be/);
  });

  test('the shipped rules: all but the user-agent rule declare what they read; the group-join rule looks back twice its window', () => {
    const rules = loadRules();
    expect(rules.filter((r) => r.reads === null).map((r) => r.id)).toEqual(['suspicious_user_agent']);
    const join = rules.find((r) => r.id === 'admin_action_after_privileged_group_join')!;
    expect(readSelection(join, { privileged_groups: [], within: '24 hours' })).toEqual({ types: ['group_member_added'], categories: ['admin'] });
    expect(lookbackMs(join, { privileged_groups: [], within: '24 hours' })).toBe(48 * 3_600_000);
  });
});
