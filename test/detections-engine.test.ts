// The detection engine over a real lake: a simulator tenant synced into a temp data dir and built into a
// warehouse, then evaluated (a retro hunt), then new days committed through the sync's writer with known
// attacks and evaluated incrementally. Expected alerts are derived from what the lake holds, never written out.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Activity } from '../src/api/index.js';
import { ConfigError } from '../src/cli/config.js';
import {
  AlertStore,
  type DestinationFilter,
  type DetectionsConfig,
  type EvaluationReport,
  alertId,
  changeAlertStatus,
  evaluateDetections,
  isoMicros,
  loadRules,
  parseRule,
  resolveDetectionsConfig,
  type Rule,
} from '../src/detections/index.js';
import { commitActivities, runRuleTests } from '../src/detections/rule-tests.js';
import { buildModels } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import { rebuildState } from '../src/state/index.js';
import { connect, makeSim, makeTenant, NOW } from './support/sim-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';

const HOUR = 3_600_000;
const SEED_RULES = ['admin_action_after_privileged_group_join', 'failed_signin_burst', 'sso_disabled'];
const DESTINATIONS: DestinationFilter[] = [
  { name: 'soc', minLevel: 'medium', rules: ['*'] },
  { name: 'chat', minLevel: 'high', rules: ['sso_disabled'] },
];

let dir: string;
let cleanup: () => void;
let rules: Rule[];
let config: DetectionsConfig;
let retro: EvaluationReport;
let orgUuid: string;
let orgId: string;
/** A current member of the tenant, and the Security Admins group's id. */
let member: { user_id: string; email: string };
let securityGroup: string;

const iso = (ms: number) => new Date(ms).toISOString();

function act(id: string, atMs: number, type: string, actor: Record<string, unknown>, fields: Record<string, unknown> = {}): Activity {
  return { id, created_at: iso(atMs), organization_id: orgId, organization_uuid: orgUuid, type, actor, ...fields } as unknown as Activity;
}

function userActor(u: { user_id: string; email: string }): Record<string, unknown> {
  return { type: 'user_actor', user_id: u.user_id, email_address: u.email, ip_address: '203.0.113.50', user_agent: 'test' };
}

function withStore<T>(fn: (s: AlertStore) => T): T {
  const store = AlertStore.open(dir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

async function evaluate(extra: Partial<Parameters<typeof evaluateDetections>[0]> = {}): Promise<EvaluationReport> {
  return evaluateDetections({ dataDir: dir, config, rules, destinations: DESTINATIONS, ...extra });
}

beforeAll(async () => {
  const tenant = makeTenant({ horizonDays: 20, activitiesPerDay: 800 });
  const sim = makeSim({ shared: tenant });
  const t = await connect(sim, 'in-process');
  ({ dir, cleanup } = tempDataDir('cl-detect-'));
  const r = await syncWith(t, dir);
  expect(r.ok).toBe(true);
  await buildModels(dir);
  // the seed rules, one of each kind: the engine's tests do not depend on the rest of the rule pack
  rules = loadRules().filter((r) => SEED_RULES.includes(r.id));
  config = resolveDetectionsConfig(undefined, rules);
  const [org] = await warehouseRows(dir, 'select organization_uuid, organization_id from marts.activities where organization_uuid is not null limit 1');
  orgUuid = String(org.organization_uuid);
  orgId = String(org.organization_id);
  [member] = (await warehouseRows(
    dir,
    `select user_id, email from marts.users where is_current and email is not null and organization_uuid = '${orgUuid}' order by user_id limit 1`,
  )) as unknown as { user_id: string; email: string }[];
  const [group] = await warehouseRows(dir, `select group_id from marts.groups where name = 'Security Admins' order by group_id limit 1`);
  securityGroup = String(group.group_id);
  retro = await evaluate();
}, 300_000);
afterAll(() => cleanup?.());

describe('the first evaluation is a retro hunt', () => {
  test('every enabled rule ran over everything, none failed', () => {
    expect(retro.failed).toBe(0);
    expect(retro.rules.map((r) => r.ruleId)).toEqual(config.enabled);
    for (const r of retro.rules) expect(r.mode, r.ruleId).toBe('retro');
  });

  test('sso_disabled raises one alert per SSO switch-off or connection removal the lake holds, with that activity as evidence', async () => {
    const expected = await warehouseRows(
      dir,
      `select id, epoch_us(created_at) as at, coalesce(organization_uuid, organization_id) as org from marts.activities
       where (type = 'org_sso_toggled' and (details ->> 'enabled') = 'false') or type in ('org_sso_connection_deactivated', 'org_sso_connection_deleted')`,
    );
    expect(expected.length).toBeGreaterThan(0);
    const alerts = withStore((s) => s.list({ ruleIds: ['sso_disabled'] }));
    expect(alerts.map((a) => a.id).sort()).toEqual(expected.map((e) => alertId('sso_disabled', String(e.org), isoMicros(e.at as bigint))).sort());
    withStore((s) => {
      for (const e of expected) {
        const id = alertId('sso_disabled', String(e.org), isoMicros(e.at as bigint));
        expect(s.evidence(id).map((x) => x.activityId)).toEqual([String(e.id)]);
      }
    });
  });

  test('retro-hunt alerts are historical and queued nowhere', () => {
    const all = withStore((s) => s.list());
    expect(all.length).toBe(retro.rules.reduce((n, r) => n + r.created, 0));
    expect(all.every((a) => a.historical)).toBe(true);
    expect(withStore((s) => s.outbox())).toEqual([]);
  });

  test('admin_action_after_privileged_group_join: each alert is a privileged join followed by admin actions of that user within 24 hours', async () => {
    const alerts = withStore((s) => s.list({ ruleIds: ['admin_action_after_privileged_group_join'] }));
    for (const a of alerts) {
      const joined = await warehouseRows(
        dir,
        `select count(*)::INTEGER as n from marts.group_memberships m join marts.groups g using (group_id)
         where m.user_id = '${a.entityId}' and g.name in ('Security Admins', 'Admins', 'IT Operations') and m.valid_from = '${a.windowStart}'::TIMESTAMPTZ`,
      );
      expect(Number(joined[0].n), a.id).toBe(1);
      const ids = withStore((s) => s.evidence(a.id)).map((e) => `'${e.activityId}'`);
      const acts = await warehouseRows(dir, `select actor_user_id, category, type, created_at from marts.activities where id in (${ids.join(', ')})`);
      const actions = acts.filter((x) => x.type !== 'group_member_added' || x.actor_user_id === a.entityId);
      expect(actions.length).toBeGreaterThan(0);
      for (const x of actions) {
        expect(x.actor_user_id).toBe(a.entityId);
        expect(x.category).toBe('admin');
      }
    }
  });

  test('marts.alerts and marts.alert_evidence in the warehouse hold the alert store', async () => {
    const [{ n, e }] = await warehouseRows(dir, 'select count(*)::INTEGER as n, sum(evidence_count)::INTEGER as e from marts.alerts');
    const all = withStore((s) => s.all());
    expect(Number(n)).toBe(all.length);
    const [{ m }] = await warehouseRows(dir, 'select count(*)::INTEGER as m from marts.alert_evidence');
    expect(Number(m)).toBe(Number(e ?? 0));
  });
});

describe('incremental evaluation of new days', () => {
  let dayMs: number;
  let report: EvaluationReport;
  let before: number;
  const burst = (prefix: string, startMs: number, n: number, u: { user_id: string; email: string }) =>
    Array.from({ length: n }, (_, i) => act(`activity_${prefix}${i}`, startMs + i * 30_000, 'sso_login_failed', userActor(u)));

  beforeAll(async () => {
    before = withStore((s) => s.all().length);
    dayMs = Date.parse(iso(NOW).slice(0, 10)) + 2 * 24 * HOUR; // a day after the tenant's last
    const attacker = { user_id: member.user_id, email: member.email };
    await commitActivities(dir, [
      // 6 failures in one 10-minute bucket
      ...burst('01burst', dayMs + 10 * HOUR + 60_000, 6, attacker),
      act('activity_01ssooff', dayMs + 11 * HOUR, 'org_sso_toggled', userActor(attacker), { enabled: false }),
      act('activity_01join', dayMs + 12 * HOUR, 'group_member_added', userActor(attacker), { group_id: securityGroup, member_ids: [attacker.user_id] }),
      act('activity_01adm', dayMs + 13 * HOUR, 'org_members_exported', userActor(attacker)),
    ]);
    await buildModels(dir);
    report = await evaluate();
  }, 300_000);

  test('each rule starts at the earliest new activity, not at the beginning', () => {
    expect(report.failed).toBe(0);
    for (const r of report.rules) {
      expect(r.mode, r.ruleId).toBe('incremental');
      expect(Date.parse(r.evalStart!), r.ruleId).toBeLessThanOrEqual(dayMs + 10 * HOUR + 60_000);
      expect(Date.parse(r.evalStart!), r.ruleId).toBeGreaterThan(dayMs + 10 * HOUR);
    }
  });

  test('the attack raises exactly its alerts, not historical, queued for the matching destinations', () => {
    const created = withStore((s) => s.list({ historical: false }));
    expect(withStore((s) => s.all().length) - before).toBe(created.length);
    const byRule = Object.fromEntries(created.map((a) => [a.ruleId, a]));
    expect(Object.keys(byRule).sort()).toEqual(['admin_action_after_privileged_group_join', 'failed_signin_burst', 'sso_disabled']);
    const ev = (id: string) => withStore((s) => s.evidence(id)).map((e) => e.activityId);
    expect(ev(byRule.failed_signin_burst.id)).toEqual(Array.from({ length: 6 }, (_, i) => `activity_01burst${i}`));
    expect(byRule.failed_signin_burst.entityId).toBe(member.user_id);
    expect(ev(byRule.sso_disabled.id)).toEqual(['activity_01ssooff']);
    expect(byRule.sso_disabled.entityId).toBe(orgUuid);
    expect(ev(byRule.admin_action_after_privileged_group_join.id).sort()).toEqual(['activity_01adm', 'activity_01join']);
    const outbox = withStore((s) => s.outbox());
    const expected = created.flatMap((a) =>
      DESTINATIONS.filter((d) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(a.level) >= ['info', 'low', 'medium', 'high', 'critical'].indexOf(d.minLevel) && (d.rules.includes('*') || d.rules.includes(a.ruleId))).map(
        (d) => `${a.id}/${d.name}`,
      ),
    );
    expect(outbox.map((o) => `${o.alertId}/${o.destination}`).sort()).toEqual(expected.sort());
    expect(outbox.every((o) => o.state === 'pending' && o.attempts === 0)).toBe(true);
  });

  test('the actor snapshot is the user as of the first evidence, with the privileged group they had just joined', () => {
    const [a] = withStore((s) => s.list({ ruleIds: ['admin_action_after_privileged_group_join'], historical: false }));
    const actor = JSON.parse(a.actorJson!) as { user_id: string; user: { email: string } | null; groups: { group_id: string }[] };
    expect(actor.user_id).toBe(member.user_id);
    expect(actor.user?.email).toBe(member.email);
    expect(actor.groups.map((g) => g.group_id)).toContain(securityGroup);
  });

  test('an occurrence spanning old and new data updates its alert instead of creating another', async () => {
    const [alert] = withStore((s) => s.list({ ruleIds: ['failed_signin_burst'], historical: false }));
    const total = withStore((s) => s.all().length);
    const outboxBefore = withStore((s) => s.outbox().length);
    // two more failures in the same 10-minute bucket, committed later
    await commitActivities(dir, burst('01late', dayMs + 10 * HOUR + 5 * 60_000, 2, member));
    await buildModels(dir);
    const r = await evaluate();
    const burstReport = r.rules.find((x) => x.ruleId === 'failed_signin_burst')!;
    expect(burstReport).toMatchObject({ mode: 'incremental', created: 0, updated: 1 });
    expect(withStore((s) => s.all().length)).toBe(total);
    const after = withStore((s) => s.get(alert.id))!;
    expect(after.evidenceCount).toBe(8);
    expect(after.firstSeen).toBe(alert.firstSeen);
    expect(after.lastSeen > alert.lastSeen).toBe(true);
    expect(withStore((s) => s.outbox().length)).toBe(outboxBefore); // delivered once per destination, not per occurrence
  }, 180_000);

  test('nothing new: no rule runs; re-evaluating a range creates no duplicates', async () => {
    const total = withStore((s) => s.all().length);
    const idle = await evaluate();
    expect(idle.rules.every((r) => r.mode === 'unchanged')).toBe(true);
    const again = await evaluate({ since: iso(Date.parse(iso(NOW)) - 30 * 24 * HOUR) });
    expect(again.failed).toBe(0);
    expect(again.rules.every((r) => r.mode === 'since' && r.created === 0)).toBe(true);
    expect(withStore((s) => s.all().length)).toBe(total);
  }, 180_000);

  test('a status survives new occurrences; acknowledging and resolving record who and when', async () => {
    const [alert] = withStore((s) => s.list({ ruleIds: ['failed_signin_burst'], historical: false }));
    withStore((s) => s.acknowledge(alert.id, 'ana', 'looking'));
    await commitActivities(dir, burst('01later', dayMs + 10 * HOUR + 7 * 60_000, 1, member));
    await buildModels(dir);
    await evaluate();
    const after = withStore((s) => s.get(alert.id))!;
    expect(after.status).toBe('acknowledged');
    expect(after.acknowledgedBy).toBe('ana');
    expect(after.evidenceCount).toBe(9);
    await changeAlertStatus(dir, alert.id, 'resolve', 'ben');
    const changes = withStore((s) => s.statusChanges(alert.id));
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.by])).toEqual([
      ['open', 'acknowledged', 'ana'],
      ['acknowledged', 'resolved', 'ben'],
    ]);
    expect(() => withStore((s) => s.acknowledge(alert.id, 'cy'))).toThrow(/resolved/);
    // the mart shows the change at once, and an evaluation keeps it
    const [row] = await warehouseRows(dir, `select status, resolved_by from marts.alerts where id = '${alert.id}'`);
    expect(row).toEqual({ status: 'resolved', resolved_by: 'ben' });
    await evaluate();
    const [row2] = await warehouseRows(dir, `select status, resolved_by, acknowledged_by from marts.alerts where id = '${alert.id}'`);
    expect(row2).toEqual({ status: 'resolved', resolved_by: 'ben', acknowledged_by: 'ana' });
  }, 180_000);
});

describe('changed parameters, broken rules, configuration', () => {
  test('changed parameters mean a new retro hunt of that rule only', async () => {
    const changed = resolveDetectionsConfig({ rules: { failed_signin_burst: { threshold: 7 } } }, rules);
    const r = await evaluateDetections({ dataDir: dir, config: changed, rules, destinations: DESTINATIONS });
    expect(Object.fromEntries(r.rules.map((x) => [x.ruleId, x.mode]))).toEqual(
      Object.fromEntries(config.enabled.map((id) => [id, id === 'failed_signin_burst' ? 'retro' : 'unchanged'])),
    );
    // back to the defaults: another retro hunt, which finds the same alerts again and creates none
    const back = await evaluateDetections({ dataDir: dir, config, rules, destinations: DESTINATIONS });
    expect(back.rules.find((x) => x.ruleId === 'failed_signin_burst')).toMatchObject({ mode: 'retro', created: 0 });
  }, 180_000);

  test('a rule whose SQL fails is reported, keeps its position, and the others still run', async () => {
    const broken = parseRule(
      join(dir, 'broken_rule.sql'),
      ['-- id: broken_rule', '-- title: t', '-- level: low', '-- entity: user', '-- kind: event', '-- window: 0h', '-- description: d', 'select no_such_column from marts.activities'].join('\n'),
    );
    const all = [...rules, broken];
    const withBroken = resolveDetectionsConfig(undefined, all);
    await commitActivities(dir, [act('activity_01ssooff2', Date.parse(iso(NOW)) + 5 * 24 * HOUR, 'org_sso_toggled', userActor(member), { enabled: false })]);
    await buildModels(dir);
    const r = await evaluateDetections({ dataDir: dir, config: withBroken, rules: all, destinations: DESTINATIONS });
    expect(r.failed).toBe(1);
    const b = r.rules.find((x) => x.ruleId === 'broken_rule')!;
    expect(b.error).toMatch(/broken_rule/);
    expect(b.error).toMatch(/no_such_column/);
    expect(r.rules.find((x) => x.ruleId === 'sso_disabled')).toMatchObject({ error: null, created: 1 });
    expect(withStore((s) => s.ruleState('broken_rule'))).toMatchObject({ evaluatedSeq: -1, lastError: expect.stringMatching(/no_such_column/) });
  }, 180_000);

  test('config errors name the rule, the parameter or the key', () => {
    const err = (block: unknown) => {
      try {
        resolveDetectionsConfig(block, rules);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err({ enabled: ['no_such_rule'] })).toMatch(/detections\.enabled.*"no_such_rule"/);
    expect(err({ disabled: ['nope'] })).toMatch(/"nope"/);
    expect(err({ rules: { failed_signin_burst: { treshold: 3 } } })).toMatch(/rules\.failed_signin_burst\.treshold.*threshold, window/);
    expect(err({ rules: { failed_signin_burst: { threshold: '3' } } })).toMatch(/failed_signin_burst\.threshold: integer/);
    expect(err({ rules: { failed_signin_burst: { window: 'soon' } } })).toMatch(/failed_signin_burst\.window/);
    expect(err({ rules: { admin_action_after_privileged_group_join: { privileged_groups: 'Admins' } } })).toMatch(/privileged_groups.*array of strings/);
    expect(err({ rules: { nope: {} } })).toMatch(/rules\.nope: unknown rule/);
    expect(err({ enable: ['*'] })).toMatch(/detections\.enable: unknown setting/);
    expect(err({ deliverHistorical: 'yes' })).toMatch(/deliverHistorical/);
    const ok = resolveDetectionsConfig({ disabled: ['sso_disabled'], rules: { failed_signin_burst: { threshold: 3, window: '30m' } } }, rules);
    expect(ok.enabled).toEqual(rules.map((r) => r.id).filter((id) => id !== 'sso_disabled').sort());
    expect(ok.params.failed_signin_burst).toEqual({ threshold: 3, window: '30 minutes' });
  });

  test('a bad rule header is an error naming the file and line', () => {
    const header = ['-- id: x_rule', '-- title: t', '-- level: severe', '-- entity: user', '-- kind: event', '-- window: 0h', '-- description: d', 'select 1'];
    expect(() => parseRule('/r/x_rule.sql', header.join('\n'))).toThrow(/x_rule\.sql:3: level "severe"/);
    const typo = [...header.slice(0, 2), '-- levle: low', ...header.slice(3)];
    expect(() => parseRule('/r/x_rule.sql', typo.join('\n'))).toThrow(/x_rule\.sql:3: unknown header key "levle"/);
    const param = [...header.slice(0, 2), '-- level: low', ...header.slice(3, 7), '-- param: n integer many -- text', 'select {{n}}'];
    expect(() => parseRule('/r/x_rule.sql', param.join('\n'))).toThrow(/x_rule\.sql:8: param n: default many is not a integer literal/);
    const undeclared = [...header.slice(0, 2), '-- level: low', ...header.slice(3, 7), 'select 1', 'where {{m}}'];
    expect(() => parseRule('/r/x_rule.sql', undeclared.join('\n'))).toThrow(/x_rule\.sql:9: \{\{m\}\} is not a declared parameter/);
  });

  test('the alert store survives `state rebuild`', () => {
    const before = withStore((s) => s.all().map((a) => `${a.id}:${a.status}`));
    expect(before.length).toBeGreaterThan(0);
    rebuildState(dir);
    expect(withStore((s) => s.all().map((a) => `${a.id}:${a.status}`))).toEqual(before);
  });

  test('the alert marts survive a full models build', async () => {
    const n = withStore((s) => s.all().length);
    await buildModels(dir, { full: true });
    const [{ c }] = await warehouseRows(dir, 'select count(*)::INTEGER as c from marts.alerts');
    expect(Number(c)).toBe(n);
  }, 180_000);
});

test('detections test reports a case whose expectation the rule does not meet', async () => {
  const rulesDir = join(dir, 'custom-rules');
  mkdirSync(join(rulesDir, 'tests'), { recursive: true });
  copyFileSync(rules.find((r) => r.id === 'sso_disabled')!.path, join(rulesDir, 'sso_disabled.sql'));
  const activity = { id: 'activity_01x', created_at: '2026-04-01T00:00:00Z', organization_uuid: 'org-a', type: 'org_sso_toggled', enabled: false, actor: { type: 'user_actor', user_id: 'user_01x' } };
  writeFileSync(
    join(rulesDir, 'tests', 'sso_disabled.json'),
    JSON.stringify({
      cases: [
        { name: 'right', activities: [activity], expect: [{ entity_id: 'org-a', evidence_ids: ['activity_01x'] }] },
        { name: 'wrong entity', activities: [activity], expect: [{ entity_id: 'org-b', evidence_ids: ['activity_01x'] }] },
      ],
    }),
  );
  const results = await runRuleTests(loadRules(rulesDir));
  expect(results.map((r) => [r.name, r.ok])).toEqual([
    ['right', true],
    ['wrong entity', false],
  ]);
  expect(results[1].problems).toEqual(['expected, not raised: org-b <- [activity_01x]', 'raised, not expected: org-a <- [activity_01x]']);
}, 120_000);

test('the config file parser in the sync passes the detections and destinations blocks through', async () => {
  const { resolveSyncConfig } = await import('../src/cli/sync.js');
  const cfg = join(dir, 'compliance-lake.config.json');
  writeFileSync(cfg, JSON.stringify({ rpm: 60, detections: { disabled: ['sso_disabled'] }, destinations: [] }));
  const resolved = resolveSyncConfig({ dataDir: dir, config: cfg }, { ANTHROPIC_COMPLIANCE_API_KEY: 'sk-ant-api01-' + 'x'.repeat(40) });
  expect(resolved.requestsPerMinute).toBe(60);
});
