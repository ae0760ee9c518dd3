// Each rule's own test cases (sql/detections/tests/<id>.json, detections.md §1) pass: the boundaries the
// scenarios do not show (one short of a threshold, outside a window, a role as it was before a change).
import { describe, expect, test } from 'vitest';
import { loadRules } from '../src/detections/index.js';
import { runRuleTests } from '../src/detections/rule-tests.js';

/** The engine's seed rules; their cases are the engine's tests. */
const SEEDS = ['sso_disabled', 'failed_signin_burst', 'admin_action_after_privileged_group_join'];
const rules = loadRules().filter((r) => r.testsPath !== null && !SEEDS.includes(r.id));

describe('rule test cases', () => {
  test('the history, sequence and threshold rules have cases', () => {
    const withCases = new Set(rules.map((r) => r.id));
    const want = ['key_created_by_newcomer', 'activity_after_offboarding', 'privilege_grant_by_non_admin', 'invite_burst_by_non_admin', 'temporary_elevation', 'compliance_api_denied_burst', 'logging_disabled_then_sensitive_action'];
    expect(want.filter((id) => !withCases.has(id))).toEqual([]);
  });

  test('every case passes', async () => {
    const results = await runRuleTests(rules);
    expect(results.length).toBeGreaterThanOrEqual(rules.length);
    expect(results.filter((r) => !r.ok).map((r) => `${r.ruleId} / ${r.name}: ${r.problems.join('; ')}`)).toEqual([]);
  }, 120_000);
});
