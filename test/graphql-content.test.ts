// The content and settings GraphQL fields over a warehouse built from a real sync of the simulator, served by
// Apollo over loopback: chats (and the "creator was in the group when the chat was created" filter), User.chats,
// Group.chatCount / projectCount, projects with attachments and collaborators, and the organization settings as of a moment and
// their changes, each compared with the simulator's ground truth.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModels } from '../src/models/build.js';
import { warehouseRows } from '../src/models/query.js';
import { type GraphqlServer, startGraphqlServer } from '../src/graphql/server.js';
import type { Simulator } from '../src/simulator/server/app.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { MINUTE, type Transport, connect, makeSim, makeTenant } from './support/sim-harness.js';
import { syncWith, tempDataDir } from './support/lake-harness.js';

const DAY = 24 * 60 * MINUTE;
const TOKEN = 'content-test-token-0123456789';

let tenant: SyntheticTenant;
let sim: Simulator;
let t: Transport;
let dir: string;
let cleanup: () => void;
let server: GraphqlServer;
let finalMs: number;
const settingsSyncsMs: number[] = [];

async function syncOk(streams?: string[]): Promise<void> {
  settingsSyncsMs.push(sim.clock.now());
  const r = await syncWith(t, dir, streams ? { streams } : {});
  expect(r.ok, JSON.stringify(r.streams.filter((s) => s.status !== 'committed'))).toBe(true);
}

beforeAll(async () => {
  tenant = makeTenant({ live: true, horizonDays: 8, activitiesPerDay: 1500, users: 100, groups: 6, seed: 11 });
  sim = makeSim({ shared: tenant });
  t = await connect(sim, 'in-process');
  ({ dir, cleanup } = tempDataDir('cl-gql-content-'));
  await syncOk();
  for (let k = 0; k < 3; k++) {
    sim.clock.advance(2 * DAY);
    await syncOk(['organizations', 'organization_settings']);
  }
  sim.clock.advance(DAY);
  finalMs = sim.clock.now();
  await syncOk();
  await buildModels(dir);
  server = await startGraphqlServer({ dataDir: dir, port: 0, host: '127.0.0.1', token: TOKEN, warehouse: { threads: 2, memoryLimit: '256MB' } });
}, 240_000);

afterAll(async () => {
  await server?.close();
  cleanup?.();
});

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

/** Every node of a connection, page by page (`$after` in the query). */
async function walk(query: string, variables: Record<string, unknown>, pick: (data: any) => any): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const body = await gql(query, { ...variables, after });
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const conn = pick(body.data);
    out.push(...conn.edges.map((e: any) => e.node));
    if (!conn.pageInfo.hasNextPage) return out;
    after = conn.pageInfo.endCursor;
  }
}

const ms = (iso: string) => Date.parse(iso);
/** Chats and projects whose last change is this close to the final sync may be outside its window (it ends a minute back). */
const settled = (updatedIso: string) => ms(updatedIso) < finalMs - 3 * MINUTE;

/** The simulator's membership truth: was `userId` in `groupId` at `atMs`? */
function memberAt(groupId: string, userId: string, atMs: number): boolean {
  return tenant.directory
    .membershipHistory(finalMs)
    .some((m) => m.group_id === groupId && m.user_id === userId && ms(m.valid_from) <= atMs && (m.valid_to === null || atMs < ms(m.valid_to)));
}

const CHATS = `query($filter: ChatFilter, $after: String) {
  chats(filter: $filter, first: 97, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id userId projectId createdAt deletedAt creator { id email organizationRole validFrom } } }
  }
}`;

describe('chats', () => {
  test('every chat, newest first, with its creator as of the creation', async () => {
    const nodes = await walk(CHATS, {}, (d) => d.chats);
    const truth = tenant.content.chats(finalMs).filter((c) => settled(c.updated_at));
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.size).toBe(nodes.length);
    for (const c of truth) expect(byId.has(c.id), c.id).toBe(true);
    const order = nodes.map((n) => ms(n.createdAt));
    expect(order).toEqual([...order].sort((a, b) => b - a));
    const users = new Map(tenant.timeline.users.map((u) => [u.id, u]));
    let withCreator = 0;
    for (const n of nodes) {
      if (!n.creator) continue;
      withCreator++;
      const u = users.get(n.userId)!;
      expect(n.creator.id).toBe(n.userId);
      expect(n.creator.email).toBe(u.email);
      expect(n.creator.organizationRole).toBe(tenant.timeline.roleAt(u, ms(n.createdAt)));
    }
    expect(withCreator).toBeGreaterThan(nodes.length * 0.8);
  });

  test('actorInGroup: chats whose creator was a member of the group when the chat was created', async () => {
    const groups = tenant.timeline.groups.map((g) => g.id);
    const chats = tenant.content.chats(finalMs).filter((c) => settled(c.updated_at) && c.user);
    let nonEmpty = 0;
    for (const groupId of groups) {
      const nodes = await walk(CHATS, { filter: { actorInGroup: { groupId } } }, (d) => d.chats);
      const expected = chats.filter((c) => memberAt(groupId, c.user!.id, ms(c.created_at))).map((c) => c.id).sort();
      const got = nodes.map((n) => n.id).filter((id) => chats.some((c) => c.id === id)).sort();
      expect(got, groupId).toEqual(expected);
      if (expected.length) nonEmpty++;
      // members now: a different question, with a different answer for groups whose membership changed
      const now = await walk(CHATS, { filter: { actorInGroup: { groupId, asOfCreation: false } } }, (d) => d.chats);
      const currentMembers = new Set(tenant.directory.groupMembers(groupId, finalMs)?.map((m) => m.user_id));
      for (const n of now) expect(currentMembers.has(n.userId)).toBe(true);
    }
    expect(nonEmpty).toBeGreaterThan(0);
  });

  test('Group.chatCount and projectCount count content created by members while members', async () => {
    const chats = tenant.content.chats(finalMs).filter((c) => c.user);
    const projects = tenant.content.projects(finalMs);
    const body = await gql('{ groups(first: 100) { edges { node { id chatCount projectCount } } } }');
    expect(body.errors).toBeUndefined();
    const creatorOf = new Map(
      (await warehouseRows(dir, 'select project_id, user_id from marts.projects')).map((r) => [String(r.project_id), String(r.user_id)]),
    );
    for (const { node } of body.data.groups.edges) {
      expect(node.chatCount, node.id).toBe(chats.filter((c) => memberAt(node.id, c.user!.id, ms(c.created_at))).length);
      const expectedProjects = projects.filter((p) => creatorOf.has(p.id) && memberAt(node.id, creatorOf.get(p.id)!, ms(p.created_at))).length;
      expect(node.projectCount, node.id).toBe(expectedProjects);
    }
  });

  test('User.chats, and the filters on deletion, project and time', async () => {
    const chats = tenant.content.chats(finalMs).filter((c) => settled(c.updated_at) && c.user);
    const creator = chats[0].user!.id;
    const body = await gql(`query($id: ID!) { user(id: $id) { chats(first: 500) { totalCount edges { node { id } } } } }`, { id: creator });
    expect(body.errors).toBeUndefined();
    expect(body.data.user.chats.edges.map((e: any) => e.node.id).sort()).toEqual(chats.filter((c) => c.user!.id === creator).map((c) => c.id).sort());

    const deleted = await walk(CHATS, { filter: { deleted: true } }, (d) => d.chats);
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((n) => n.deletedAt !== null)).toBe(true);
    const projectId = chats.find((c) => c.project_id)!.project_id!;
    const inProject = await walk(CHATS, { filter: { projectIds: [projectId] } }, (d) => d.chats);
    expect(inProject.map((n) => n.id).sort()).toEqual(chats.filter((c) => c.project_id === projectId).map((c) => c.id).sort());
    const empty = await gql(CHATS, { filter: { projectIds: [] } });
    expect(empty.data.chats.totalCount).toBe(0);
    const bad = await gql(CHATS, { filter: { since: '2026-11-02T00:00:00Z', until: '2026-11-01T00:00:00Z' } });
    expect(bad.errors[0].message).toMatch(/"since" .* must be before "until"/);
  });
});

describe('projects', () => {
  test('projects and project(id) with its current attachments and chats', async () => {
    const nodes = await walk(
      `query($after: String) { projects(first: 7, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id name isPrivate attachmentCount chatCount } } } }`,
      {},
      (d) => d.projects,
    );
    const truth = tenant.content.projects(finalMs).filter((p) => settled(p.updated_at));
    for (const p of truth) {
      const n = nodes.find((x) => x.id === p.id);
      expect(n, p.id).toBeDefined();
      expect(n.name).toBe(p.name);
      expect(n.isPrivate).toBe(p.is_private);
      const one = await gql(`query($id: ID!) { project(id: $id) { id attachments { id type filename isCurrent } chats(first: 500) { totalCount } } }`, { id: p.id });
      expect(one.errors).toBeUndefined();
      const served = tenant.content.projectAttachments(p.id, finalMs)!;
      expect(one.data.project.attachments.map((a: any) => a.id).sort()).toEqual(served.map((a) => a.id).sort());
      expect(n.attachmentCount).toBe(served.length);
      expect(one.data.project.chats.totalCount).toBe(n.chatCount);
    }
    expect((await gql('{ project(id: "claude_proj_missing") { id } }')).data.project).toBeNull();
  });

  test('project(id).collaborators: the current grants of marts.project_collaborators (held to the simulator in content-marts), all with currentOnly: false', async () => {
    const mart = await warehouseRows(dir, 'select project_id, principal_type, principal_id, principal_name, role, epoch_ms(granted_at) as granted_ms, is_current from marts.project_collaborators');
    const projects = [...new Set(mart.map((r) => String(r.project_id)))];
    expect(projects.length).toBeGreaterThan(3);
    const key = (type: unknown, id: unknown, role: unknown, ms: unknown) => `${type} ${id} ${role} ${ms}`;
    for (const id of projects) {
      const one = await gql(
        `query($id: ID!) { project(id: $id) { collaboratorCount collaborators { principalType principalId principalName role grantedAt isCurrent } all: collaborators(currentOnly: false) { role } } }`,
        { id },
      );
      expect(one.errors).toBeUndefined();
      const current = mart.filter((r) => r.project_id === id && r.is_current);
      const got = one.data.project.collaborators as { principalType: string; principalId: string | null; principalName: string | null; role: string; grantedAt: string }[];
      expect(got.map((c) => key(c.principalType, c.principalId, c.role, Date.parse(c.grantedAt))).sort()).toEqual(current.map((r) => key(r.principal_type, r.principal_id, r.role, r.granted_ms)).sort());
      for (const c of got) expect(c.principalName).toBe(current.find((r) => r.principal_type === c.principalType && r.principal_id === c.principalId && r.role === c.role)!.principal_name);
      expect(one.data.project.collaboratorCount).toBe(current.length);
      expect(one.data.project.all.length).toBe(mart.filter((r) => r.project_id === id).length);
    }
  });
});

describe('organization settings', () => {
  const AS_OF = `query($asOf: DateTime, $after: String) {
    organizationSettings(asOf: $asOf, first: 40, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { organizationUuid name type value validFrom validFromSource } }
    }
  }`;

  test('organizationSettings(asOf) is what the endpoint served then, for every organization', async () => {
    for (const atMs of [...settingsSyncsMs.slice(1), finalMs]) {
      // a moment after the snapshot at atMs completed, before anything else changed
      const nodes = await walk(AS_OF, { asOf: new Date(atMs + 5_000).toISOString() }, (d) => d.organizationSettings);
      for (const org of tenant.timeline.orgs) {
        const served = Object.fromEntries(tenant.settingsTimeline.values(org.uuid, atMs)!);
        const got = Object.fromEntries(nodes.filter((n) => n.organizationUuid === org.uuid).map((n) => [n.name, n.value]));
        expect(got, `${org.uuid} at ${new Date(atMs).toISOString()}`).toEqual(served);
      }
    }
    const current = await walk(AS_OF, {}, (d) => d.organizationSettings);
    expect(current.length).toBe(tenant.timeline.orgs.reduce((n, o) => n + tenant.settingsTimeline.values(o.uuid, finalMs)!.size, 0));
  });

  test('organizationSettingsChanges: each change with the value it replaced, newest first', async () => {
    const changes = await walk(
      `query($after: String) { organizationSettingsChanges(first: 10, after: $after) {
         pageInfo { hasNextPage endCursor } edges { node { organizationUuid name value previousValue hasPrevious validFrom validFromSource } } } }`,
      {},
      (d) => d.organizationSettingsChanges,
    );
    expect(changes.length).toBeGreaterThan(0);
    const order = changes.map((c) => ms(c.validFrom));
    expect(order).toEqual([...order].sort((a, b) => b - a));
    for (const c of changes) {
      expect(c.hasPrevious).toBe(true);
      expect(c.value).not.toEqual(c.previousValue);
      if (c.validFromSource === 'event') {
        // the change happened exactly then: the endpoint served the previous value a moment before
        expect(tenant.settingsTimeline.values(c.organizationUuid, ms(c.validFrom) - 1)!.get(c.name)).toEqual(c.previousValue);
        expect(tenant.settingsTimeline.values(c.organizationUuid, ms(c.validFrom))!.get(c.name)).toEqual(c.value);
      }
    }
    expect(changes.some((c) => c.validFromSource === 'event')).toBe(true);
  });
});
