// The actor snapshot's roles (detections.md §4): the engine stores the roles the actor held directly, and GraphQL
// resolves the roles held through the snapshot's groups from marts.role_assignments as of `as_of`. Over a real lake
// (a simulator tenant that plays every attack scenario, synced, built and evaluated) the engine's snapshots are
// those it wrote with the group roles (`snapshotGroupRoles: true`, the snapshot before the cut) less the roles
// `via: "group"`, and GraphQL answers `Alert.actor { roles }` for every alert exactly as it answers over the store
// of full snapshots, which it serves as stored.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AlertStore, evaluateDetections, resolveDetectionsConfig } from '../src/detections/index.js';
import { type GraphqlServer, startGraphqlServer } from '../src/graphql/server.js';
import { SCENARIO_IDS } from '../src/simulator/tenant/scenarios.js';
import { type EvaluatedTenant, evaluateTenant } from './support/detections-harness.js';

const READ = 'roles-read-token-0123456789abcdef';
let world: EvaluatedTenant;
let server: GraphqlServer;
/** actor_json by alert id: the engine's (direct roles), and with the group roles. */
let cut: Map<string, string | null>;
let full: Map<string, string | null>;

function snapshots(dataDir: string): Map<string, string | null> {
  const store = AlertStore.open(dataDir, { readonly: true });
  try {
    return new Map(store.all().map((a) => [a.id, a.actorJson]));
  } finally {
    store.close();
  }
}

function moveStore(dir: string, from: string, to: string): void {
  for (const ext of ['', '-wal', '-shm']) {
    try {
      renameSync(join(dir, `${from}.sqlite${ext}`), join(dir, `${to}.sqlite${ext}`));
    } catch {
      // not there
    }
  }
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${READ}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Every alert's actor over GraphQL, paged 100 at a time (a page's actors resolved together), by id. */
async function actorsOverGraphql(): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  let after: string | null = null;
  for (;;) {
    const d = await gql(
      `query($after: String) { alerts(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
        edges { node { id actor { userId asOf groups { groupId } roles } } } } }`,
      { after },
    );
    for (const e of d.alerts.edges) out.set(e.node.id, e.node.actor);
    if (!d.alerts.pageInfo.hasNextPage) return out;
    after = d.alerts.pageInfo.endCursor;
  }
}

beforeAll(async () => {
  world = await evaluateTenant({ horizonDays: 90, activitiesPerDay: 300, scenarios: SCENARIO_IDS });
  cut = snapshots(world.dir);
  moveStore(world.dir, 'alerts', 'alerts-cut');
  const config = resolveDetectionsConfig(undefined, world.rules);
  const report = await evaluateDetections({ dataDir: world.dir, config, rules: world.rules, snapshotGroupRoles: true });
  expect(report.failed).toBe(0);
  full = snapshots(world.dir);
  moveStore(world.dir, 'alerts', 'alerts-full');
  server = await startGraphqlServer({ dataDir: world.dir, port: 0, host: '127.0.0.1', token: READ });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await world?.close();
});

type Role = { role_id: string; role_kind: string; via: string; principal_id: string };

describe('the actor snapshot without the roles held through groups', () => {
  test('the engine stores the full snapshot less the roles via a group; nothing else differs', () => {
    expect([...cut.keys()].sort()).toEqual([...full.keys()].sort());
    let withGroupRoles = 0;
    for (const [id, json] of full) {
      if (json === null) {
        expect(cut.get(id)).toBeNull();
        continue;
      }
      const f = JSON.parse(json) as { roles: Role[] };
      if (f.roles.some((r) => r.via === 'group')) withGroupRoles++;
      expect(JSON.parse(cut.get(id)!), id).toEqual({ ...f, roles: f.roles.filter((r) => r.via !== 'group') });
    }
    // the comparison below means something: many snapshots held roles through groups
    expect(withGroupRoles).toBeGreaterThan(10);
    // and the cut store is smaller
    const size = (m: Map<string, string | null>) => [...m.values()].reduce((n, j) => n + (j?.length ?? 0), 0);
    expect(size(cut)).toBeLessThan(size(full));
  });

  test('GraphQL answers Alert.actor (roles with their source) for every alert exactly as over the full snapshots', async () => {
    moveStore(world.dir, 'alerts-full', 'alerts');
    const overFull = await actorsOverGraphql();
    moveStore(world.dir, 'alerts', 'alerts-full');
    moveStore(world.dir, 'alerts-cut', 'alerts');
    const overCut = await actorsOverGraphql();
    expect(overCut.size).toBe(full.size);
    expect([...overCut.keys()].sort()).toEqual([...overFull.keys()].sort());
    let viaGroup = 0;
    for (const [id, actor] of overFull) {
      expect(overCut.get(id), id).toEqual(actor);
      // the full store is served as stored
      const stored = full.get(id);
      expect((actor as { roles: unknown } | null)?.roles ?? null).toEqual(stored ? JSON.parse(stored).roles : null);
      viaGroup += ((actor as { roles: Role[] } | null)?.roles ?? []).filter((r) => r.via === 'group').length;
    }
    expect(viaGroup).toBeGreaterThan(10);
  });

  test('one alert asked alone resolves the same roles as in a page', async () => {
    const id = [...full].find(([, j]) => j !== null && (JSON.parse(j) as { roles: Role[] }).roles.some((r) => r.via === 'group'))![0];
    const d = await gql(`query($id: ID!) { alert(id: $id) { actor { roles } } }`, { id });
    expect(d.alert.actor.roles).toEqual(JSON.parse(full.get(id)!).roles);
  });
});
