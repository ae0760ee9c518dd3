// roles(asOf) and User.roles(asOf) through the real stack (simulator -> sync -> models build -> GraphQL over
// loopback) against the tenant's timeline: an RBAC role's holders at a moment are the members then of the groups
// that held it then, with the permissions it granted then.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModels } from '../src/models/build.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { type Gql, startGql } from './support/e2e-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';
import { NOW, connect, makeSim, makeTenant } from './support/sim-harness.js';

const HOUR = 3_600_000;
let tenant: SyntheticTenant;
let gql: Gql;
let cleanup: () => void;

beforeAll(async () => {
  tenant = makeTenant({ horizonDays: 20, activitiesPerDay: 300, users: 120, groups: 16 });
  const sim = makeSim({ shared: tenant });
  const t = await connect(sim, 'in-process');
  let dir: string;
  ({ dir, cleanup } = tempDataDir('cl-gql-roles-'));
  expect((await syncWith(t, dir)).ok).toBe(true);
  await buildModels(dir);
  gql = await startGql(dir, `roles-${randomBytes(8).toString('hex')}`);
}, 180_000);

afterAll(async () => {
  await gql?.close();
  cleanup?.();
});

const holds = (g: { fromMs: number; toMs: number }, ms: number) => g.fromMs <= ms && ms < g.toMs;

describe('roles over GraphQL against the tenant', () => {
  test('each RBAC role at each moment: its permissions, and as members the people in the groups that held it', async () => {
    const { timeline } = tenant;
    let members = 0;
    let permissions = 0;
    for (let ms = tenant.epochStartMs + 13 * HOUR + 4321; ms < NOW - HOUR; ms += 37 * HOUR) {
      const { roles } = await gql.data(
        `query($at: DateTime) { roles(asOf: $at, kind: "rbac") { id organizationUuid name permissions { action resourceType resourceId } members(first: 100) { userId via groupId user { email } } } }`,
        { at: new Date(ms).toISOString() },
      );
      expect(roles.map((r: any) => r.id).sort()).toEqual(timeline.roles.filter((r) => r.createdMs <= ms).map((r) => r.id).sort());
      for (const role of roles) {
        const truth = timeline.roles.find((r) => r.id === role.id)!;
        expect(role.name).toBe(truth.name);
        const want = truth.permissionGrants.filter((g) => holds(g, ms)).map((g) => `${g.value.action} ${g.value.resource_type} ${g.value.resource_id}`).sort();
        expect(role.permissions.map((p: any) => `${p.action} ${p.resourceType} ${p.resourceId}`).sort(), `${role.id} at ${new Date(ms).toISOString()}`).toEqual(want);
        permissions += want.length;
        const groups = timeline.groups.filter((g) => g.createdMs <= ms && g.roleGrants.some((x) => x.value === role.id && holds(x, ms))).map((g) => g.id);
        const holders = new Set(timeline.memberships.filter((m) => groups.includes(m.groupId) && holds({ fromMs: m.fromMs, toMs: m.toMs }, ms)).map((m) => timeline.users[m.userIndex].id));
        expect(role.members.map((m: any) => m.userId), `${role.id} at ${new Date(ms).toISOString()}`).toEqual([...holders].sort());
        for (const m of role.members) {
          expect(m.via).toBe('group');
          expect(groups).toContain(m.groupId);
        }
        members += holders.size;
      }
    }
    expect(permissions).toBeGreaterThan(20);
    expect(members).toBeGreaterThan(20);
  });

  test("User.roles(asOf): a group member's RBAC roles and built-in role at a moment", async () => {
    const { timeline } = tenant;
    let compared = 0;
    for (const m of timeline.memberships.filter((x) => x.fromMs > tenant.epochStartMs && x.fromMs < NOW - HOUR).slice(0, 15)) {
      const u = timeline.users[m.userIndex];
      const ms = m.fromMs + HOUR / 2;
      // a member the users snapshot listed (someone removed before it is known from events that name no role)
      if (!(u.joinedMs <= ms && ms < u.leftMs && u.leftMs > NOW)) continue;
      const { user } = await gql.data(`query($id: ID!, $at: DateTime) { user(id: $id) { roles(asOf: $at) { id kind } } }`, { id: u.id, at: new Date(ms).toISOString() });
      const groups = timeline.memberships.filter((x) => x.userIndex === u.index && holds({ fromMs: x.fromMs, toMs: x.toMs }, ms)).map((x) => x.groupId);
      const rbac = new Set(timeline.groups.filter((g) => groups.includes(g.id)).flatMap((g) => g.roleGrants.filter((x) => holds(x, ms)).map((x) => x.value)));
      const want = [...[...rbac].sort().map((id) => `rbac ${id}`), `builtin ${timeline.roleAt(u, ms)}`];
      expect(user.roles.map((r: any) => `${r.kind} ${r.id}`), `${u.id} at ${new Date(ms).toISOString()}`).toEqual(want);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });
});
