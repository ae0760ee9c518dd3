// The rules with a `types:` header read one copy of just the activities of those types (detections.md §1, §3):
// that copy must find exactly what every rule finds on marts.activities itself. A tenant that plays every attack
// scenario (so every rule fires) is evaluated from scratch both ways into two alert stores, which must hold the
// same alerts: ids, windows, first/last seen, summaries, evidence and actor snapshots (the copy's run looks its
// occurrences up a few at a time, from a copy of the directory history). The copy reads the types
// marts.detection_activities holds from that mart, and must find what it finds copying them out of
// marts.activities; the mart holds exactly those rows of marts.activities. The rules rewritten to list the ids of
// firing windows only find what their earlier text found. And the headers: what they declare, and an error naming
// the line for what they cannot.
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AlertStore, type EvaluationReport, evaluateDetections, loadRules, parseRule, resolveDetectionsConfig } from '../src/detections/index.js';
import { CANDIDATE_ACTIVITIES, copyCandidateActivities, detectionMart, detectionMartTypes, evaluateRule } from '../src/detections/evaluate.js';
import { effectiveParams, isoMicros, lookbackMs, readSelection } from '../src/detections/rules.js';
import { connectUtc, createDuck } from '../src/lake/duck.js';
import { loadCatalog, packageRoot } from '../src/models/catalog.js';
import { readState } from '../src/models/state.js';
import { warehousePath } from '../src/models/warehouse.js';
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
let offMart: StoredAlert[];
let offMartReport: EvaluationReport;
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
  // the copy again, every type copied out of marts.activities (not marts.detection_activities)
  offMartReport = await evaluateDetections({ dataDir: world.dir, config: resolveDetectionsConfig(undefined, world.rules), rules: world.rules, detectionMart: false });
  offMart = readAlerts(world.dir);
  setStoreAside(world.dir, 'alerts-off-mart');
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
    expect(offMart).toEqual(onView);
  });

  test('the copy read marts.detection_activities, unless told not to; then marts.activities', () => {
    expect(world.report.detectionMart).toBe(true);
    expect(copyReport.detectionMart).toBe(true);
    expect(offMartReport.detectionMart).toBe(false);
    expect(offMartReport.rules.filter((r) => r.source !== 'candidates').map((r) => r.ruleId)).toEqual(['suspicious_user_agent']);
    expect(viewReport.detectionMart).toBe(false);
  });

  test('marts.detection_activities holds exactly the rows of marts.activities of the types it lists', async () => {
    const types = detectionMartTypes(readFileSync(join(packageRoot(), 'sql', 'marts', 'detection_activities.sql'), 'utf8'));
    const instance = await createDuck({ path: warehousePath(world.dir), readOnly: true });
    try {
      const connection = await connectUtc(instance);
      const list = types.map((t) => `'${t}'`).join(', ');
      const count = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRowObjectsJS()[0].n);
      const held = await count('select count(*) as n from marts.detection_activities');
      expect(held).toBeGreaterThan(1000);
      expect(await count(`select count(*) as n from marts.activities where type in (${list})`)).toBe(held);
      // every column of every row equal, both ways
      const differ = `select count(*) as n from (
        (select * from marts.detection_activities except all select * from marts.activities where type in (${list}))
        union all
        (select * from marts.activities where type in (${list}) except all select * from marts.detection_activities))`;
      expect(await count(differ)).toBe(0);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  });

  test("the mart lists every shipped rule's declared types (default parameters) and every admin type of the catalog", () => {
    const listed = new Set(detectionMartTypes(readFileSync(join(packageRoot(), 'sql', 'marts', 'detection_activities.sql'), 'utf8')));
    const declared = loadRules().flatMap((r) => readSelection(r, effectiveParams(r, {}))?.types ?? []);
    expect(declared.filter((t) => !listed.has(t))).toEqual([]);
    const admin = loadCatalog().filter((e) => e.category === 'admin').map((e) => e.type);
    expect(admin.length).toBeGreaterThan(100);
    expect(admin.filter((t) => !listed.has(t))).toEqual([]);
  });

  test('a parameter naming a type the mart does not list: that type is copied out of marts.activities, the alerts are the same', async () => {
    const ruleId = 'admin_actions_after_admin_grant';
    const rule = world.rules.find((r) => r.id === ruleId)!;
    const param = rule.params.find((p) => p.type === 'varchar[]')!;
    const listed = new Set(detectionMartTypes(readFileSync(join(packageRoot(), 'sql', 'marts', 'detection_activities.sql'), 'utf8')));
    // an activity type of the tenant the mart leaves out
    const instance = await createDuck({ path: warehousePath(world.dir), readOnly: true });
    let extra: string;
    try {
      const connection = await connectUtc(instance);
      const types = (await connection.runAndReadAll('select distinct type from marts.activities order by type')).getRowObjectsJS().map((r) => String(r.type));
      connection.closeSync();
      extra = types.find((t) => !listed.has(t))!;
    } finally {
      instance.closeSync();
    }
    expect(extra).toBeDefined();
    const params = { [param.name]: [...(param.default as string[]), extra] };
    const config = resolveDetectionsConfig({ rules: { [ruleId]: params } }, world.rules);
    const run = async (detectionMart: boolean, name: string) => {
      const report = await evaluateDetections({ dataDir: world.dir, config, rules: world.rules, only: [ruleId], detectionMart });
      const alerts = readAlerts(world.dir);
      setStoreAside(world.dir, name);
      return { report, alerts };
    };
    setStoreAside(world.dir, 'alerts-view'); // each run below starts from an empty store
    const withMart = await run(true, 'alerts-extra-mart');
    const without = await run(false, 'alerts-extra-view');
    expect(withMart.report.detectionMart).toBe(true);
    expect(withMart.report.failed).toBe(0);
    expect(withMart.alerts.length).toBeGreaterThan(0);
    expect(withMart.alerts).toEqual(without.alerts);
  });
});

describe('the copy made in one statement per relation', () => {
  // copyCandidateActivities once scanned once per group of look-backs (and once more per category); now one
  // statement per relation whose filter keeps each type and category from its own start. What it holds must be
  // what that definition says, read here one type and one category at a time from marts.activities
  test('holds, for each type and category, exactly its rows of marts.activities from its own start, each once; from the mart and off it', async () => {
    const instance = await createDuck({ path: warehousePath(world.dir), readOnly: true });
    try {
      const connection = await connectUtc(instance);
      const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS();
      const [{ lo, hi }] = (await rows('select epoch_us(min(created_at)) as lo, epoch_us(max(created_at)) as hi from marts.activities')) as { lo: bigint; hi: bigint }[];
      const at = (f: number) => lo + ((hi - lo) * BigInt(Math.round(f * 100))) / 100n;
      // starts more than a day apart (several terms of the filter), a type read by two rules from different
      // starts (the earlier counts), a category besides types, and a rule over everything
      const cases: { selection: { types: string[]; categories: string[] }; from: bigint | null }[][] = [
        [
          { selection: { types: ['claude_chat_created', 'org_user_deleted'], categories: [] }, from: at(0.2) },
          { selection: { types: ['org_user_deleted', 'role_assignment_granted'], categories: [] }, from: at(0.6) },
          { selection: { types: ['claude_file_uploaded'], categories: ['admin'] }, from: at(0.85) },
          { selection: { types: ['org_user_invite_sent'], categories: [] }, from: at(0.85) + 3_600_000_000n },
        ],
        [
          { selection: { types: ['claude_chat_created'], categories: ['admin'] }, from: at(0.5) },
          { selection: { types: ['org_user_invite_sent'], categories: [] }, from: null },
        ],
      ];
      const mart = await detectionMart(connection, readState(join(world.dir, 'models'))!);
      expect(mart).not.toBeNull();
      for (const rules of cases) {
        const earliest = (a: bigint | null | undefined, b: bigint | null) => (a === undefined ? b : a === null || b === null ? null : b < a ? b : a);
        const from = new Map<string, bigint | null>();
        for (const r of rules) for (const name of [...r.selection.types.map((t) => `type:${t}`), ...r.selection.categories.map((c) => `category:${c}`)]) from.set(name, earliest(from.get(name), r.from));
        const expected = [...from]
          .map(([name, start]) => {
            const [column, value] = name.split(':');
            return `select * from marts.activities where ${column} = '${value}'${start === null ? '' : ` and created_at >= '${isoMicros(start)}'::TIMESTAMPTZ`}`;
          })
          .join('\n union \n');
        const want = await rows(`select * from (${expected}) order by id`);
        expect(want.length).toBeGreaterThan(100);
        for (const m of [mart, null]) {
          expect(await copyCandidateActivities(connection, m, rules)).toBe(true);
          const got = await rows(`select * from ${CANDIDATE_ACTIVITIES} order by id`);
          expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
          expect(got).toEqual(want);
        }
      }
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  });
});

describe('rules rewritten to list the ids of the windows that fire only', () => {
  // chat_snapshot_burst before: the ids of every window listed, then the windows under the threshold dropped
  const before = `with hits as (
    select a.actor_user_id as entity_id, a.id, a.created_at, time_bucket({{window}}, a.created_at) as bucket
    from marts.activities as a
    where a.type in ('claude_chat_snapshot_created') and a.actor_user_id is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}}) and a.created_at < {{eval_end}}
)
select entity_id, bucket as window_start, max(created_at) as window_end, list(distinct id order by id) as evidence_ids,
    format('{} chat snapshots by {} within {}', count(*), entity_id, {{window}}::varchar) as summary
from hits
group by entity_id, bucket
having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}`;

  // suspicious_user_agent before: the prefix test on every activity
  const agentBefore = `with hits as (
    select a.actor_user_id as entity_id, a.actor_user_agent, a.id, a.created_at, time_bucket({{window}}, a.created_at) as bucket
    from marts.activities as a
    where a.actor_email is not null and a.actor_user_id is not null and a.actor_ip is not null
        and a.type not like '%\\_failed' escape '\\'
        and list_bool_or(list_transform({{user_agent_prefixes}}, p -> starts_with(lower(a.actor_user_agent), p)))
        and not (
            list_contains({{exempt_types}}, a.type)
            and (starts_with(lower(a.actor_user_agent), 'go-http-client') or starts_with(lower(a.actor_user_agent), 'axios/'))
        )
        and a.created_at >= time_bucket({{window}}, {{eval_start}}) and a.created_at < {{eval_end}}
)
select entity_id, bucket as window_start, max(created_at) as window_end, list(distinct id order by id) as evidence_ids,
    format('{} activities by {} from "{}"', count(*), entity_id, actor_user_agent) as summary
from hits
group by entity_id, actor_user_agent, bucket
having max(created_at) >= {{eval_start}}`;

  test.each([
    ['chat_snapshot_burst', before, { threshold: 10 }],
    ['chat_snapshot_burst', before, { threshold: 2 }],
    ['suspicious_user_agent', agentBefore, {}],
    ['suspicious_user_agent', agentBefore, { user_agent_prefixes: ['mozilla/', 'curl/', 'python'], exempt_types: [] }],
  ])('%s finds what its earlier text found (%j)', async (ruleId, earlier, override) => {
    const rule = world.rules.find((r) => r.id === ruleId)!;
    const old = { ...rule, sql: earlier };
    const params = { ...effectiveParams(rule, {}), ...override };
    const instance = await createDuck({ path: warehousePath(world.dir), readOnly: true });
    try {
      const connection = await connectUtc(instance);
      const now = await evaluateRule(connection, rule, params, null);
      const then = await evaluateRule(connection, old, params, null);
      expect(now.length).toBeGreaterThan(0);
      expect(now).toEqual(then);
      // and from a start within the history (an incremental evaluation)
      const start = BigInt(Date.parse(now[Math.floor(now.length / 2)].windowStart)) * 1000n;
      expect(await evaluateRule(connection, rule, params, start)).toEqual(await evaluateRule(connection, old, params, start));
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
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
