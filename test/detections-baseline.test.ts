// The baseline tenant (no attack scenarios): every rule's alerts over its history are counted and must stay under
// the rule's bound (issue 12 §5, detections.md §6), so a rule that fires on everyday activity fails here. Bounds
// are per year of history (the counts this seed gives, with headroom) and say why a rule fires at all on an
// ordinary tenant. The default horizon keeps the file within a minute; CL_BASELINE_DAYS=2190 runs the six years
// (12.5 minutes on a busy machine, all bounds held: sync 498 s, models build 184 s, every rule evaluated 34 s).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_HORIZON_DAYS } from '../src/simulator/tenant/options.js';
import { type EvaluatedTenant, evaluateTenant } from './support/detections-harness.js';

const DAYS = Math.min(MAX_HORIZON_DAYS, Number(process.env.CL_BASELINE_DAYS ?? 150));

/** Alerts per year of history a rule may raise on the baseline tenant; rules not listed: ONE_OFF_PER_YEAR. */
const PER_YEAR: Record<string, { bound: number; why: string }> = {
  org_settings_changed: { bound: 200, why: 'informational: the simulator changes a setting every few days per organization' },
  sso_disabled: { bound: 100, why: 'the simulated admins toggle SSO off and on again' },
  domain_boundary_changed: { bound: 40, why: 'admins verify domains' },
  admin_api_key_created: { bound: 40, why: 'admins create Admin API keys' },
  compliance_api_key_created: { bound: 30, why: 'admins create compliance keys for exports' },
  org_data_export_started: { bound: 25, why: 'admins export data' },
  audit_log_export_started: { bound: 15, why: 'admins export the audit log' },
  admin_action_after_privileged_group_join: { bound: 12, why: 'admins join the Security Admins group and act as admins' },
  org_user_removed: { bound: 10, why: 'people leave the claude.ai organizations' },
  any_invite_sent: { bound: 10, why: 'informational: people join by invitation' },
  logging_disabled_then_sensitive_action: { bound: 5, why: 'an SSO toggle may precede a routine key creation' },
};
const ONE_OFF_PER_YEAR = 3;

let world: EvaluatedTenant;
const counts = new Map<string, number>();

beforeAll(async () => {
  world = await evaluateTenant({ horizonDays: DAYS, activitiesPerDay: 20 });
  for (const r of world.rules) counts.set(r.id, 0);
  for (const a of world.alerts) counts.set(a.rule_id, (counts.get(a.rule_id) ?? 0) + 1);
  process.stderr.write(`baseline alerts over ${DAYS} days: ${JSON.stringify(Object.fromEntries([...counts].filter(([, n]) => n > 0)))}\n`);
}, DAYS > 400 ? 3_600_000 : 180_000);

afterAll(async () => {
  await world?.close();
});

describe(`the baseline tenant over ${DAYS} days`, () => {
  test('every rule was evaluated without error', () => {
    expect(world.report.rules.filter((r) => r.error !== null).map((r) => r.error)).toEqual([]);
    expect(world.report.rules).toHaveLength(world.rules.length);
  });

  test("each rule's alerts stay under its bound", () => {
    const over = world.rules
      .map((r) => {
        const perYear = PER_YEAR[r.id]?.bound ?? ONE_OFF_PER_YEAR;
        return { rule: r.id, alerts: counts.get(r.id)!, bound: Math.ceil((perYear * DAYS) / 365) };
      })
      .filter((x) => x.alerts > x.bound);
    expect(over).toEqual([]);
  });

  test('the bounds name only known rules', () => {
    expect(Object.keys(PER_YEAR).filter((id) => !world.rules.some((r) => r.id === id))).toEqual([]);
  });

  test('every alert has evidence, and a retro hunt marks it historical', () => {
    expect(world.alerts.filter((a) => a.evidence_ids.length === 0)).toEqual([]);
    expect(world.alerts.every((a) => a.historical)).toBe(true);
  });

  test('the rules that need an attack stay silent: no burst, no history rule fires on everyday activity', () => {
    const quiet = [
      'activity_after_offboarding',
      'privilege_grant_by_non_admin',
      'invite_burst_by_non_admin',
      'key_created_by_newcomer',
      'temporary_elevation',
      'chat_access_failure_burst',
      'compliance_api_denied_burst',
      'file_upload_burst',
      'chat_mass_deletion',
      'suspicious_user_agent',
      'magic_link_login_after_second_factor_disabled',
    ];
    expect(quiet.filter((id) => counts.get(id) !== 0).map((id) => `${id}: ${counts.get(id)}`)).toEqual([]);
  });
});
