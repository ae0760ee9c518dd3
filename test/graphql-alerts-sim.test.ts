// Alerts over GraphQL end to end: a simulator tenant with attack scenarios is synced, its models built and every
// rule evaluated by the engine; then the GraphQL API serves the alert store the engine wrote. Each alert the
// simulator's truth says must fire is found by its rule, its user and its group, its evidence pages back exactly
// the truth's activities (each from the warehouse, with its actor as of the event), and a status change with the
// write token reaches marts.alerts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectUtc, createDuck } from '../src/lake/duck.js';
import { type GraphqlServer, startGraphqlServer } from '../src/graphql/server.js';
import { PRIVILEGED_GROUP } from '../src/simulator/tenant/scenarios.js';
import { type EvaluatedTenant, evaluateTenant } from './support/detections-harness.js';
import { control } from './support/sim-harness.js';

const SCENARIOS = ['privileged_group_join_then_admin_action', 'sso_disabled', 'password_spray', 'newcomer_creates_key'];
const READ = 'sim-read-token-0123456789abcdef';
const WRITE = 'sim-write-token-0123456789abcdef';
let et: EvaluatedTenant;
let server: GraphqlServer;
let truth: { scenario: string; alerts: { rule_id: string; entity_id: string; evidence_ids: string[] }[] }[];

async function gql(query: string, variables: Record<string, unknown> = {}, token = READ): Promise<any> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

beforeAll(async () => {
  et = await evaluateTenant({ scenarios: SCENARIOS });
  truth = (await control(et.t, 'GET', '/_sim/truth/alerts')).data;
  server = await startGraphqlServer({ dataDir: et.dir, port: 0, host: '127.0.0.1', token: READ, writeToken: WRITE });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await et?.close();
});

const FIND = `query($rule: ID!, $after: String) { alerts(filter: { ruleIds: [$rule] }, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id entity { id } evidenceCount historical rule { id known } } } } }`;

async function alertOf(ruleId: string, entityId: string): Promise<any> {
  let after: string | null = null;
  for (;;) {
    const d = await gql(FIND, { rule: ruleId, after });
    const hit = d.alerts.edges.find((e: any) => e.node.entity.id === entityId);
    if (hit) return hit.node;
    if (!d.alerts.pageInfo.hasNextPage) return null;
    after = d.alerts.pageInfo.endCursor;
  }
}

describe('alerts the engine raised on attack scenarios, over GraphQL', () => {
  test('each expected alert is there, and its evidence pages back exactly the truth, from the warehouse', async () => {
    const expected = truth.flatMap((p) => p.alerts);
    expect(expected.length).toBeGreaterThanOrEqual(SCENARIOS.length);
    for (const want of expected) {
      const node = await alertOf(want.rule_id, want.entity_id);
      expect(node, `${want.rule_id} ${want.entity_id}`).not.toBeNull();
      expect(node.rule).toEqual({ id: want.rule_id, known: true });
      expect(node.evidenceCount).toBe(want.evidence_ids.length);
      const ids: string[] = [];
      const times: string[] = [];
      let after: string | null = null;
      for (;;) {
        const d = await gql(
          `query($id: ID!, $after: String) { alert(id: $id) { activities(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
            edges { activityId createdAt node { id createdAt actor { userId } } actor { id } } } } }`,
          { id: node.id, after },
        );
        const page = d.alert.activities;
        expect(page.totalCount).toBe(want.evidence_ids.length);
        for (const e of page.edges) {
          ids.push(e.activityId);
          // oldest first
          expect(times.length === 0 || times[times.length - 1] <= e.createdAt).toBe(true);
          times.push(e.createdAt);
          expect(e.node, e.activityId).not.toBeNull();
          expect(e.node.id).toBe(e.activityId);
          expect(e.node.createdAt).toBe(e.createdAt);
          // a user actor's record as of the event (the scenarios' people are in the directory by then)
          if (e.node.actor.userId) expect(e.actor?.id, e.activityId).toBe(e.node.actor.userId);
        }
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect([...ids].sort()).toEqual([...want.evidence_ids].sort());
    }
  });

  test('admin action after joining a privileged group: found by the user and by the group, with the actor as of the join', async () => {
    const want = truth.find((p) => p.scenario === 'privileged_group_join_then_admin_action')!.alerts.find((a) => a.rule_id === 'admin_action_after_privileged_group_join')!;
    const node = await alertOf(want.rule_id, want.entity_id);
    const d = await gql(`query($id: ID!) { alert(id: $id) { actor { userId asOf user { id email } groups { groupId name since } } } }`, { id: node.id });
    const actor = d.alert.actor;
    expect(actor.userId).toBe(want.entity_id);
    expect(actor.user.id).toBe(want.entity_id);
    expect(actor.user.email).toMatch(/@/);
    const group = actor.groups.find((g: any) => g.name === PRIVILEGED_GROUP);
    expect(group, JSON.stringify(actor.groups)).toBeDefined();
    const byUser = await gql(`query($u: ID!) { alerts(filter: { userId: $u }) { edges { node { id } } } }`, { u: want.entity_id });
    expect(byUser.alerts.edges.map((e: any) => e.node.id)).toContain(node.id);
    const byGroup = await gql(`query($g: ID!) { alerts(filter: { groupId: $g }) { edges { node { id } } } }`, { g: group.groupId });
    expect(byGroup.alerts.edges.map((e: any) => e.node.id)).toContain(node.id);
  });

  test('acknowledging with the write token is recorded in the store and in marts.alerts', async () => {
    const want = truth.find((p) => p.scenario === 'sso_disabled')!.alerts[0];
    const node = await alertOf(want.rule_id, want.entity_id);
    const d = await gql(`mutation($id: ID!) { acknowledgeAlert(id: $id, by: "soc@example.com", note: "checking with IT") { status acknowledgedBy } }`, { id: node.id }, WRITE);
    expect(d.acknowledgeAlert).toEqual({ status: 'ACKNOWLEDGED', acknowledgedBy: 'write-token:soc@example.com' });
    const instance = await createDuck({});
    try {
      const c = await connectUtc(instance);
      const rows = (await c.runAndReadAll(`select status, acknowledged_by from read_parquet('${join(et.dir, 'models', 'marts', 'alerts', '*', 'data.parquet')}') where id = $id`, { id: node.id })).getRowObjectsJS();
      expect(rows).toEqual([{ status: 'acknowledged', acknowledged_by: 'write-token:soc@example.com' }]);
      c.closeSync();
    } finally {
      instance.closeSync();
    }
  });
});
