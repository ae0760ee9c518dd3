// Alerts over GraphQL against a real alert store (SQLite written through drizzle) and the fixture warehouse:
// the connection and every filter against brute force, an alert's evidence with the actor as of each event,
// and the two mutations with the write token (who and when recorded, transitions, no-ops).
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../src/detections/rules.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Fixture, type TestServer, buildFixture, iso, startTestServer, us, walk } from './graphql-fixture.js';
import { ALERT_RULES, type FxAlert, buildAlerts, newestAlertsFirst, userAt, writeAlertStore } from './graphql-alerts-fixture.js';

const fx: Fixture = buildFixture();
const list: FxAlert[] = buildAlerts(fx);
const WRITE = 'write-token-fedcba9876543210';
const CONFIG = { detections: { disabled: ['any_invite_sent'], rules: { failed_signin_burst: { threshold: 10, window: '30 minutes' } } } };
const ruleFiles = loadRules();
const titleOf = (id: string) => ruleFiles.find((r) => r.id === id)?.title;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    fixture: fx,
    writeToken: WRITE,
    prepare: (dir) => {
      writeAlertStore(dir, fx, list);
      writeFileSync(join(dir, 'compliance-lake.config.json'), JSON.stringify(CONFIG));
    },
  });
});

afterAll(async () => {
  await t?.close();
});

const ALERTS = `query($filter: AlertFilter, $first: Int = 50, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status level historical evidenceCount firstSeen lastSeen windowStart windowEnd summary entity { type id } rule { id title level known } } }
  }
}`;

async function ids(filter: Record<string, unknown> | null, first = 9): Promise<{ ids: string[]; total: number }> {
  const edges = await walk(t, ALERTS, { filter, first }, (d) => d.alerts);
  const { body } = await t.gql(ALERTS, { filter, first: 1 });
  return { ids: edges.map((e: any) => e.node.id), total: body.data!.alerts.totalCount };
}

const expectIds = (keep: (a: FxAlert) => boolean) => newestAlertsFirst(list.filter(keep)).map((a) => a.id);

describe('alerts', () => {
  test('the fixture covers what the filters need', () => {
    expect(list.length).toBeGreaterThan(20);
    for (const rule of Object.keys(ALERT_RULES)) expect(list.some((a) => a.ruleId === rule), rule).toBe(true);
    for (const s of ['open', 'acknowledged', 'resolved']) expect(list.some((a) => a.status === s)).toBe(true);
    expect(list.some((a) => a.actorGroups.length > 0)).toBe(true);
  });

  test('every alert once, latest evidence first, across pages; totalCount counts them all', async () => {
    const { ids: got, total } = await ids(null, 7);
    expect(got).toEqual(expectIds(() => true));
    expect(total).toBe(list.length);
  });

  test('each field as stored', async () => {
    const { body } = await t.gql(ALERTS, { first: 500 });
    expect(body.errors).toBeUndefined();
    const byId = new Map(body.data!.alerts.edges.map((e: any) => [e.node.id, e.node]));
    for (const a of list) {
      expect(byId.get(a.id)).toEqual({
        id: a.id,
        status: a.status.toUpperCase(),
        level: a.level.toUpperCase(),
        historical: a.historical,
        evidenceCount: a.evidence.length,
        firstSeen: iso(a.windowStart),
        lastSeen: iso(a.windowEnd),
        windowStart: iso(a.windowStart),
        windowEnd: iso(a.windowEnd),
        summary: a.summary,
        entity: { type: a.entityType.toUpperCase(), id: a.entityId },
        // sso_disabled from its file; the others have none and show by id, as unknown
        rule: { id: a.ruleId, title: titleOf(a.ruleId) ?? a.ruleId, level: a.level.toUpperCase(), known: titleOf(a.ruleId) !== undefined },
      });
    }
  });

  test('each filter, alone and combined, against brute force', async () => {
    const user = list.find((a) => a.entityType === 'user')!.entityId;
    const actorOnly = list.find((a) => a.entityType !== 'user' && a.actorUserId !== null)!.actorUserId!;
    const group = list.flatMap((a) => a.actorGroups)[0];
    const mid = us(60);
    const cases: [Record<string, unknown>, (a: FxAlert) => boolean][] = [
      [{ since: iso(mid) }, (a) => a.windowEnd >= mid],
      [{ until: iso(mid) }, (a) => a.windowStart < mid],
      [{ since: iso(us(30)), until: iso(us(40)) }, (a) => a.windowEnd >= us(30) && a.windowStart < us(40)],
      [{ ruleIds: ['sso_disabled', 'ghost_activity'] }, (a) => a.ruleId === 'sso_disabled' || a.ruleId === 'ghost_activity'],
      [{ ruleIds: [] }, () => false],
      [{ levels: ['HIGH', 'CRITICAL'] }, (a) => a.level === 'high' || a.level === 'critical'],
      [{ status: 'OPEN' }, (a) => a.status === 'open'],
      [{ status: ['ACKNOWLEDGED', 'RESOLVED'] }, (a) => a.status !== 'open'],
      [{ historical: true }, (a) => a.historical],
      [{ historical: false }, (a) => !a.historical],
      [{ userId: user }, (a) => (a.entityType === 'user' && a.entityId === user) || a.actorUserId === user],
      [{ userId: actorOnly }, (a) => (a.entityType === 'user' && a.entityId === actorOnly) || a.actorUserId === actorOnly],
      [{ groupId: group }, (a) => a.actorGroups.includes(group)],
      [{ groupId: 'grp_finance' }, (a) => a.actorGroups.includes('grp_finance') || (a.entityType === 'group' && a.entityId === 'grp_finance')],
      [{ groupId: 'grp_none' }, () => false],
      [
        { levels: ['CRITICAL'], status: 'OPEN', since: iso(us(20)) },
        (a) => a.level === 'critical' && a.status === 'open' && a.windowEnd >= us(20),
      ],
    ];
    for (const [filter, keep] of cases) {
      const want = expectIds(keep);
      const got = await ids(filter);
      expect(got.ids, JSON.stringify(filter)).toEqual(want);
      expect(got.total, JSON.stringify(filter)).toBe(want.length);
    }
    expect(expectIds((a) => a.actorUserId === actorOnly).length).toBeGreaterThan(0);
  });

  test('bad arguments are input errors that say what to change', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ filter: { since: iso(us(50)), until: iso(us(40)) } }, /"since" .* must be before "until"/],
      [{ after: 'bm90LWEtY3Vyc29y' }, /not a cursor of this list/],
      [{ first: 501 }, /at most 500/],
      [{ filter: { ruleIds: Array.from({ length: 101 }, (_, i) => `r${i}`) } }, /at most 100/],
    ];
    for (const [variables, message] of bad) {
      const { body } = await t.gql(ALERTS, variables);
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0].message).toMatch(message);
    }
  });

  test('alert(id): the actor as of the first evidence, and the evidence with each actor as of the event', async () => {
    const a = list.find((x) => x.entityType === 'user' && x.evidence.length >= 5 && x.actorGroups.length > 0) ?? list.find((x) => x.entityType === 'user')!;
    const query = `query($id: ID!, $first: Int, $after: String) { alert(id: $id) {
      id actor { userId asOf user { id email organizationRole validFrom } groups { groupId name since } roles }
      activities(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        edges { activityId createdAt node { id type createdAt actor { userId } } actor { id email organizationRole } } } } }`;
    const edges = await walk(t, query, { id: a.id, first: 2 }, (d) => d.alert.activities);
    expect(edges.map((e: any) => e.activityId)).toEqual(a.evidence.map((e) => e.id));
    for (const [i, e] of edges.entries()) {
      const act = fx.activities.find((x) => x.id === a.evidence[i].id)!;
      expect(e.createdAt).toBe(iso(act.us));
      expect(e.node).toMatchObject({ id: act.id, type: act.type, createdAt: iso(act.us), actor: { userId: act.actor_user_id } });
      const version = userAt(fx, act.actor_user_id!, act.us);
      expect(e.actor).toEqual(version && { id: version.user_id, email: version.email, organizationRole: version.organization_role });
    }
    const { body } = await t.gql(query, { id: a.id, first: 1 });
    const first = userAt(fx, a.entityId, a.evidence[0].us)!;
    expect(body.data!.alert.actor).toEqual({
      userId: a.entityId,
      asOf: iso(a.evidence[0].us),
      user: { id: first.user_id, email: first.email, organizationRole: first.organization_role, validFrom: iso(first.from) },
      groups: a.actorGroups.map((g) => ({
        groupId: g,
        name: fx.groups.find((x) => x.group_id === g)!.name,
        since: iso(fx.memberships.find((m) => m.user_id === a.entityId && m.group_id === g && m.from <= a.evidence[0].us && (m.to === null || a.evidence[0].us < m.to))!.from),
      })),
      roles: [{ role_id: 'role_admin', role_kind: 'rbac', via: 'group', principal_id: 'grp_security' }],
    });
    expect(body.data!.alert.activities.totalCount).toBe(a.evidence.length);
    expect((await t.gql(`{ alert(id: "nope") { id } }`)).body.data).toEqual({ alert: null });
  });

  test('evidence the warehouse does not hold shows by id, with no activity', async () => {
    const ghost = list.find((a) => a.ruleId === 'ghost_activity')!;
    const { body } = await t.gql(`query($id: ID!) { alert(id: $id) { activities { edges { activityId node { id } } } } }`, { id: ghost.id });
    expect(body.errors).toBeUndefined();
    const edges = body.data!.alert.activities.edges;
    expect(edges.map((e: any) => e.activityId)).toEqual(ghost.evidence.map((e) => e.id));
    expect(edges.find((e: any) => e.activityId === 'act_not_in_the_warehouse').node).toBeNull();
    expect(edges.find((e: any) => e.activityId !== 'act_not_in_the_warehouse').node.id).toBe(ghost.evidence.find((e) => e.id !== 'act_not_in_the_warehouse')!.id);
  });

  test('rules: every rule file with its settings as configured, and rules that raised alerts without a file; counts and evaluation', async () => {
    const { body } = await t.gql(`{ rules { id title level mitre entity kind window description enabled known
      parameters { name type default value configured description }
      alertCounts { open acknowledged resolved total historical } evaluation { evaluatedSeq lastError alertsTotal lastDurationMs } } }`);
    expect(body.errors).toBeUndefined();
    const rules = body.data!.rules;
    const byId = Object.fromEntries(rules.map((r: any) => [r.id, r]));
    const ids = [...new Set([...ruleFiles.map((r) => r.id), ...Object.keys(ALERT_RULES)])].sort();
    expect(rules.map((r: any) => r.id)).toEqual(ids);
    expect(ruleFiles.length).toBeGreaterThanOrEqual(25);
    for (const file of ruleFiles) {
      expect(byId[file.id]).toMatchObject({ title: file.title, level: file.level.toUpperCase(), mitre: file.mitre, entity: file.entity.toUpperCase(), kind: file.kind, known: true });
      expect(byId[file.id].enabled, file.id).toBe(file.id !== 'any_invite_sent');
    }
    const burst = byId.failed_signin_burst;
    expect(burst.window).toBe('30m');
    expect(burst.parameters.find((p: any) => p.name === 'threshold')).toMatchObject({ type: 'integer', default: 5, value: 10, configured: true });
    expect(burst.parameters.find((p: any) => p.name === 'window')).toMatchObject({ type: 'interval', value: '30 minutes', configured: true });
    const unset = rules.flatMap((r: any) => r.parameters.filter((p: any) => !p.configured));
    expect(unset.length).toBeGreaterThan(0);
    for (const p of unset) expect(p.value).toEqual(p.default);
    for (const id of Object.keys(ALERT_RULES)) {
      const r = byId[id];
      const mine = list.filter((a) => a.ruleId === id);
      expect(r.known).toBe(titleOf(id) !== undefined);
      expect(r.alertCounts).toEqual({
        open: mine.filter((a) => a.status === 'open').length,
        acknowledged: mine.filter((a) => a.status === 'acknowledged').length,
        resolved: mine.filter((a) => a.status === 'resolved').length,
        total: mine.length,
        historical: mine.filter((a) => a.historical).length,
      });
      expect(r.evaluation).toEqual({ evaluatedSeq: 7, lastError: id === 'ghost_activity' ? 'Binder Error: boom' : null, alertsTotal: mine.length, lastDurationMs: 12 });
    }
    expect(byId.failed_signin_burst.alertCounts.total).toBe(0);
    expect(byId.failed_signin_burst.evaluation).toBeNull();
    const disabled = await t.gql(`{ rules(enabled: false) { id } }`);
    expect(disabled.body.data!.rules.map((r: any) => r.id)).toEqual(['any_invite_sent', 'api_key_burst', 'ghost_activity']);
    // a rule without a file shows the level its alerts were raised with
    expect(byId.api_key_burst.level).toBe('CRITICAL');
    const some = await t.gql(`{ rules(ids: ["sso_disabled", "nope"]) { id } }`);
    expect(some.body.data!.rules).toEqual([{ id: 'sso_disabled' }]);
  });
});

const ACK = `mutation($id: ID!, $by: String!, $note: String) { acknowledgeAlert(id: $id, by: $by, note: $note) { id status acknowledgedBy acknowledgedAt resolvedBy statusChanges { from to by at note } } }`;
const RESOLVE = `mutation($id: ID!, $by: String!, $note: String) { resolveAlert(id: $id, by: $by, note: $note) { id status acknowledgedBy resolvedBy resolvedAt statusChanges { from to by note } } }`;
const asWriter = { authorization: `Bearer ${WRITE}` };

function storedStatus(dataDir: string, id: string): { status: string; changes: number } {
  const db = new Database(join(dataDir, 'alerts.sqlite'), { readonly: true });
  try {
    const row = db.prepare('select status from alerts where id = ?').get(id) as { status: string };
    const n = db.prepare('select count(*) as n from alert_status_changes where alert_id = ?').get(id) as { n: number };
    return { status: row.status, changes: n.n };
  } finally {
    db.close();
  }
}

describe('acknowledgeAlert and resolveAlert with the write token', () => {
  test('open → acknowledged → resolved, recording who, when and why; repeats are no-ops', async () => {
    const a = list.find((x) => x.status === 'open')!;
    const before = Date.now();
    const ack = await t.gql(ACK, { id: a.id, by: 'alice@example.com', note: 'looking' }, asWriter);
    expect(ack.body.errors).toBeUndefined();
    const acked = ack.body.data!.acknowledgeAlert;
    expect(acked).toMatchObject({ id: a.id, status: 'ACKNOWLEDGED', acknowledgedBy: 'write-token:alice@example.com', resolvedBy: null });
    expect(Date.parse(acked.acknowledgedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(acked.statusChanges).toEqual([{ from: 'OPEN', to: 'ACKNOWLEDGED', by: 'write-token:alice@example.com', at: acked.acknowledgedAt, note: 'looking' }]);
    // again: nothing new recorded
    const again = await t.gql(ACK, { id: a.id, by: 'bob' }, asWriter);
    expect(again.body.data!.acknowledgeAlert.statusChanges).toHaveLength(1);
    expect(again.body.data!.acknowledgeAlert.acknowledgedBy).toBe('write-token:alice@example.com');
    const res = await t.gql(RESOLVE, { id: a.id, by: 'bob', note: 'false positive' }, asWriter);
    expect(res.body.data!.resolveAlert).toMatchObject({ status: 'RESOLVED', acknowledgedBy: 'write-token:alice@example.com', resolvedBy: 'write-token:bob' });
    expect(res.body.data!.resolveAlert.statusChanges.map((c: any) => [c.from, c.to, c.by, c.note])).toEqual([
      ['OPEN', 'ACKNOWLEDGED', 'write-token:alice@example.com', 'looking'],
      ['ACKNOWLEDGED', 'RESOLVED', 'write-token:bob', 'false positive'],
    ]);
    expect(storedStatus(t.dataDir, a.id)).toEqual({ status: 'resolved', changes: 2 });
    // the engine rewrote marts.alerts after each change (no fallback was needed)
    expect(t.logs.filter((l) => String(l.msg).includes('marts.alerts was not rewritten'))).toEqual([]);
    // a resolved alert cannot be acknowledged; resolving it again changes nothing
    const late = await t.gql(ACK, { id: a.id, by: 'carol' }, asWriter);
    expect(late.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(late.body.errors?.[0].message).toMatch(/resolved/);
    expect((await t.gql(RESOLVE, { id: a.id, by: 'carol' }, asWriter)).body.data!.resolveAlert.resolvedBy).toBe('write-token:bob');
    expect(storedStatus(t.dataDir, a.id)).toEqual({ status: 'resolved', changes: 2 });
    // the alerts filter sees the new status
    expect((await ids({ status: 'RESOLVED', ruleIds: [a.ruleId] })).ids).toContain(a.id);
  });

  test('reopen: acknowledged or resolved → open, recorded; again is a no-op; an open alert stays open', async () => {
    const REOPEN = `mutation($id: ID!, $by: String!) { reopenAlert(id: $id, by: $by, note: "not done") { status statusChanges { from to by note } } }`;
    const a = list.find((x) => x.status === 'acknowledged')!;
    const { body } = await t.gql(REOPEN, { id: a.id, by: 'erin' }, asWriter);
    expect(body.errors).toBeUndefined();
    expect(body.data!.reopenAlert).toEqual({ status: 'OPEN', statusChanges: [{ from: 'ACKNOWLEDGED', to: 'OPEN', by: 'write-token:erin', note: 'not done' }] });
    expect((await t.gql(REOPEN, { id: a.id, by: 'erin' }, asWriter)).body.data!.reopenAlert.statusChanges).toHaveLength(1);
    expect(storedStatus(t.dataDir, a.id)).toEqual({ status: 'open', changes: 1 });
    // without the write token, nothing
    const denied = await t.gql(`mutation($id: ID!) { reopenAlert(id: $id, by: "x") { id } }`, { id: list.find((x) => x.status === 'resolved')!.id });
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('an open alert can be resolved directly', async () => {
    const a = list.filter((x) => x.status === 'open')[1];
    const { body } = await t.gql(RESOLVE, { id: a.id, by: 'dora' }, asWriter);
    expect(body.data!.resolveAlert).toMatchObject({ status: 'RESOLVED', acknowledgedBy: null, resolvedBy: 'write-token:dora' });
  });

  test('an unknown id, an empty or huge "by", a huge note: input errors, nothing changed', async () => {
    const a = list.filter((x) => x.status === 'open')[2];
    for (const variables of [
      { id: 'no-such-alert', by: 'alice' },
      { id: a.id, by: '   ' },
      { id: a.id, by: 'x'.repeat(201) },
      { id: a.id, by: 'line\nbreak' },
      { id: a.id, by: 'alice', note: 'n'.repeat(2001) },
    ]) {
      const { body } = await t.gql(ACK, variables, asWriter);
      expect(body.errors?.[0].extensions?.code, JSON.stringify(variables).slice(0, 80)).toBe('BAD_USER_INPUT');
    }
    expect(storedStatus(t.dataDir, a.id)).toEqual({ status: 'open', changes: 0 });
  });
});

describe('syncStatus: detections and destinations', () => {
  test('evaluation per rule, open alerts, and per destination what waits and whether it is failing', async () => {
    const db = new Database(join(t.dataDir, 'alerts.sqlite'));
    const ago = (minutes: number) => iso(BigInt(Date.now() - minutes * 60_000) * 1000n);
    const [a, b, c] = list;
    const row = (alertId: string, destination: string, state: string, attempts: number, createdMinutesAgo: number, lastError: string | null, delivered: boolean) =>
      db
        .prepare(
          'insert into alert_outbox (alert_id, destination, state, attempts, next_attempt_at, last_error, created_at, delivered_at, first_attempt_at, last_attempt_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          alertId, destination, state, attempts, Date.now() + attempts * 1000, lastError, ago(createdMinutesAgo), delivered ? ago(createdMinutesAgo - 1) : null,
          // the first attempt right after queueing, the latest a minute ago
          attempts > 0 ? Date.now() - createdMinutesAgo * 60_000 : null, attempts > 0 ? Date.now() - 60_000 : null,
        );
    try {
      row(a.id, 'soc', 'delivered', 1, 30, null, true);
      row(b.id, 'soc', 'pending', 4, 20, 'HTTP 503 from the receiver', false);
      row(a.id, 'file', 'pending', 0, 20, null, false);
      row(a.id, 'chat', 'pending', 2, 1, 'connection reset', false);
      row(b.id, 'chat', 'delivered', 1, 3, null, true);
      row(c.id, 'chat', 'delivered', 1, 2, null, true);
    } finally {
      db.close();
    }
    const { body } = await t.gql(`{ syncStatus { detections { available openAlerts lastEvaluatedAt rules { ruleId evaluatedSeq lastError alertsTotal } }
      destinations { destination pending failing failingSince lastDeliveredAt lastError } } }`);
    expect(body.errors).toBeUndefined();
    const d = body.data!.syncStatus.detections;
    expect(d.available).toBe(true);
    // the mutations above changed some statuses: count what the store holds now
    const { body: open } = await t.gql(`{ alerts(filter: { status: OPEN }, first: 0) { totalCount } }`);
    expect(d.openAlerts).toBe(open.data!.alerts.totalCount);
    expect(d.rules.map((r: any) => r.ruleId)).toEqual(Object.keys(ALERT_RULES).sort());
    const byName = Object.fromEntries(body.data!.syncStatus.destinations.map((x: any) => [x.destination, x]));
    expect(Object.keys(byName)).toEqual(['chat', 'file', 'soc']);
    expect(byName.soc).toMatchObject({ pending: 1, failing: true, lastError: 'HTTP 503 from the receiver' });
    expect(Date.parse(byName.soc.lastDeliveredAt)).toBeLessThan(Date.now() - 28 * 60_000);
    // waiting without a failed attempt is not failing; a failure younger than 15 minutes is not yet
    expect(byName.file).toMatchObject({ pending: 1, failing: false, lastError: null, lastDeliveredAt: null });
    expect(byName.chat).toMatchObject({ pending: 1, failing: false, lastError: 'connection reset' });
    expect(Date.parse(byName.soc.failingSince)).toBeLessThan(Date.now() - 19 * 60_000);
    expect(byName.file.failingSince).toBeNull();
  });
});
