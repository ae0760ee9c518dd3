// Query.roles, Role.permissions / members and User.roles over the fixture warehouse, compared with a brute force
// over the fixture's rows: the built-in roles are the users' organization_role as of the time, the RBAC role
// role_admin is held by grp_security (and so by its members at the time) and grants manage_settings.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_DAYS, type Fixture, type TestServer, buildFixture, iso, us } from './graphql-fixture.js';
import { startTestServer } from './graphql-fixture.js';

const fx: Fixture = buildFixture();
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ fixture: fx });
});

afterAll(async () => {
  await t?.close();
});

const holds = (x: { from: bigint; to: bigint | null }, at: bigint) => x.from <= at && (x.to === null || at < x.to);
const moments = [us(5), us(40), us(FIXTURE_DAYS / 2), us(FIXTURE_DAYS - 1)];

async function data(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const { status, body } = await t.gql(query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(status).toBe(200);
  return body.data;
}

describe('roles(asOf)', () => {
  test('built-in roles and their holders at each moment are the users whose version then has that role', async () => {
    let holders = 0;
    for (const at of moments) {
      const { roles } = await data(`query($at: DateTime) { roles(asOf: $at, kind: "builtin") { id kind organizationUuid asOf members(first: 100) { userId via user { id organizationRole } } } }`, { at: iso(at) });
      const got = roles.flatMap((r: any) => r.members.map((m: any) => `${r.organizationUuid} ${r.id} ${m.userId} ${m.via} ${m.user.organizationRole}`)).sort();
      const want = fx.users.filter((v) => holds(v, at)).map((v) => `${v.organization_uuid} ${v.organization_role} ${v.user_id} builtin ${v.organization_role}`).sort();
      expect(got, iso(at)).toEqual(want);
      for (const r of roles) expect(r).toMatchObject({ kind: 'builtin', asOf: expect.stringMatching(/Z$/) });
      holders += want.length;
    }
    expect(holders).toBeGreaterThan(40);
  });

  test("an RBAC role lists its permissions and, as members, the security group's members at that moment", async () => {
    for (const at of moments) {
      const { roles } = await data(
        `query($at: DateTime) { roles(asOf: $at, ids: ["role_admin"]) { id kind name permissions { action resourceType validFromSource } members(first: 100) { userId via groupId since } } }`,
        { at: iso(at) },
      );
      expect(roles).toHaveLength(1);
      expect(roles[0]).toMatchObject({ id: 'role_admin', kind: 'rbac', name: 'Admins', permissions: [{ action: 'manage_settings', resourceType: 'organization', validFromSource: 'unknown' }] });
      const want = fx.memberships.filter((m) => m.group_id === 'grp_security' && holds(m, at));
      expect(roles[0].members.map((m: any) => m.userId)).toEqual(want.map((m) => m.user_id).sort());
      for (const m of roles[0].members) {
        expect(m).toMatchObject({ via: 'group', groupId: 'grp_security' });
        // held since the later of the group's grant (day 0) and the membership's start
        expect(m.since).toBe(iso(want.find((x) => x.user_id === m.userId)!.from).replace(/\.(\d{3})Z$/, '.$1000Z'));
      }
    }
  });

  test('User.roles(asOf): the built-in role of their version then, and role_admin while in the security group', async () => {
    const member = fx.memberships.find((m) => m.group_id === 'grp_security' && m.to !== null)!;
    for (const at of [member.from - 1_000_000n, member.from + 1_000_000n, member.to! + 1_000_000n]) {
      const { user } = await data(`query($id: ID!, $at: DateTime) { user(id: $id) { roles(asOf: $at) { id kind } } }`, { id: member.user_id, at: iso(at) });
      const version = fx.users.find((v) => v.user_id === member.user_id && holds(v, at));
      const want = [...(holds(member, at) || fx.memberships.some((m) => m.group_id === 'grp_security' && m.user_id === member.user_id && holds(m, at)) ? [{ id: 'role_admin', kind: 'rbac' }] : []), ...(version ? [{ id: version.organization_role, kind: 'builtin' }] : [])];
      expect(user.roles, iso(at)).toEqual(want);
    }
  });

  test('a bad kind or too many ids is a clear error', async () => {
    const { body } = await t.gql(`{ roles(kind: "admin") { id } }`);
    expect(body.errors?.[0].message).toMatch(/"kind" must be one of rbac, builtin/);
    const many = await t.gql(`query($ids: [ID!]) { roles(ids: $ids) { id } }`, { ids: Array.from({ length: 101 }, (_, i) => `r${i}`) });
    expect(many.body.errors?.[0].message).toMatch(/"ids" must name between 1 and 100 roles/);
  });
});
