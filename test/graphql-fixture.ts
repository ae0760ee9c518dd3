// A synthetic warehouse for the GraphQL tests: deterministic rows for the marts the API reads (activities,
// users, group_memberships, groups, activity_types), written to a DuckDB file the way `models build` does
// (a temp file renamed over warehouse.duckdb), plus brute-force answers computed from the same rows in TS,
// a server on loopback and a fetch helper.
import { connectUtc, createDuck } from '../src/lake/duck.js';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGraphqlServer, type GraphqlServer } from '../src/graphql/server.js';
import type { Logger } from '../src/api/index.js';
import { writeContentMarts } from './graphql-content-fixture.js';

export const DAY_US = 86_400_000_000n;
export const BASE_US = BigInt(Date.UTC(2026, 0, 1)) * 1000n;
export const FIXTURE_DAYS = 120;

export interface FxActivity {
  id: string;
  us: bigint;
  type: string;
  category: string;
  organization_id: string | null;
  organization_uuid: string | null;
  actor_type: string;
  actor_user_id: string | null;
  actor_email: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  actor_api_key_id: string | null;
  is_own_request: boolean;
  details: Record<string, unknown> | null;
}

export interface FxUserVersion {
  user_id: string;
  organization_uuid: string;
  email: string;
  full_name: string;
  organization_role: string;
  from: bigint;
  to: bigint | null;
  removed_at: bigint | null;
  removed_at_source: string | null;
}

export interface FxMembership {
  group_id: string;
  user_id: string;
  from: bigint;
  from_source: string;
  to: bigint | null;
  to_source: string | null;
  to_earliest: bigint | null;
  to_latest: bigint | null;
}

export interface FxGroup {
  group_id: string;
  name: string;
  description: string;
  source_type: string;
  roles: unknown[];
  first_seen: bigint;
  last_seen: bigint;
  is_current: boolean;
}

export interface FxActivityType {
  type: string;
  family: string;
  category: string;
  description: string;
  known: boolean;
}

export interface Fixture {
  activities: FxActivity[];
  users: FxUserVersion[];
  memberships: FxMembership[];
  groups: FxGroup[];
  activityTypes: FxActivityType[];
}

export const ORGS = [
  { uuid: '0b5e3c1a-0000-4000-8000-00000000000a', tagged: 'org_acme' },
  { uuid: '0b5e3c1a-0000-4000-8000-00000000000b', tagged: 'org_research' },
];

const TYPES: FxActivityType[] = [
  { type: 'org_sso_toggled', family: 'sso', category: 'admin', description: 'SSO turned on or off', known: true },
  { type: 'claude_organization_settings_updated', family: 'organization', category: 'admin', description: 'Organization settings changed', known: true },
  { type: 'group_member_added', family: 'groups', category: 'admin', description: 'A user was added to a group', known: true },
  { type: 'rbac_role_assigned', family: 'roles', category: 'admin', description: 'A role was assigned', known: true },
  { type: 'claude_chat_created', family: 'chats', category: 'content', description: 'A chat was created', known: true },
  { type: 'claude_file_uploaded', family: 'files', category: 'content', description: 'A file was uploaded', known: true },
  { type: 'user_signed_in_sso', family: 'sessions', category: 'authentication', description: 'A user signed in', known: true },
  { type: 'compliance_api_accessed', family: 'compliance', category: 'api_access', description: 'The Compliance API was called', known: true },
  { type: 'never_seen_type', family: 'misc', category: 'integration', description: 'Documented, never seen', known: true },
  { type: 'brand_new_type', family: 'unknown', category: 'other', description: '', known: false },
];
const ADMIN_TYPES = TYPES.filter((t) => t.category === 'admin').map((t) => t.type);

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const us = (day: number, extraUs = 0n): bigint => BASE_US + BigInt(Math.round(day * 86_400_000)) * 1000n + extraUs;
/** An instant as the GraphQL DateTime scalar shows it: UTC, six fractional digits. */
export const iso = (t: bigint): string => `${new Date(Number(t / 1000n)).toISOString().slice(0, 19)}.${String(t % 1_000_000n).padStart(6, '0')}Z`;

interface SimUser {
  id: string;
  org: (typeof ORGS)[number];
  join: bigint;
  left: bigint | null;
}

/** Rows for a tenant of 30 users, 4 groups and ~3,000 activities over 120 days; hand-placed cases first. */
export function buildFixture(seed = 7): Fixture {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const users: SimUser[] = [];
  const versions: FxUserVersion[] = [];
  for (let i = 1; i <= 30; i++) {
    const id = `user_${String(i).padStart(2, '0')}${(i * 7919).toString(36)}`;
    const org = ORGS[i % 5 === 0 ? 1 : 0];
    const join = us(Math.floor(r() * 30) + r());
    // every fifth user is removed from the organization (user_03 at a fixed time, see below)
    const left = i === 3 ? us(60) : i % 5 === 2 ? join + BigInt(Math.floor((20 + r() * 60) * 86_400_000)) * 1000n : null;
    users.push({ id, org, join, left });
    // versions: a role change for some, an email change for others
    const cuts: { at: bigint; role?: string; email?: string }[] = [];
    const end = left ?? us(FIXTURE_DAYS);
    if (i % 3 === 0 || i === 9) cuts.push({ at: join + (end - join) / 3n, role: 'admin' });
    if (i % 4 === 1) cuts.push({ at: join + ((end - join) * 2n) / 3n, email: `renamed.${i}@example.com` });
    cuts.sort((a, b) => (a.at < b.at ? -1 : 1));
    let role = 'user';
    let email = `person.${i}@example.com`;
    let from = join;
    const removedAt = left;
    for (const cut of [...cuts, null]) {
      const to = cut ? cut.at : left;
      versions.push({
        user_id: id,
        organization_uuid: org.uuid,
        email,
        full_name: i === 11 ? `Seán O'Brien-Ünïcode ${i}` : `Person ${i}`,
        organization_role: role,
        from,
        to,
        removed_at: removedAt,
        removed_at_source: removedAt === null ? null : 'event',
      });
      if (cut) {
        from = cut.at;
        role = cut.role ?? role;
        email = cut.email ?? email;
      }
    }
  }

  const groups: FxGroup[] = [
    { group_id: 'grp_security', name: 'Security Admins', description: 'SSO and settings', source_type: 'scim', roles: [{ id: 'role_admin', name: 'Admins' }], first_seen: us(0), last_seen: us(FIXTURE_DAYS), is_current: true },
    { group_id: 'grp_engineering', name: 'Engineering', description: 'Builders', source_type: 'direct', roles: [], first_seen: us(0), last_seen: us(FIXTURE_DAYS), is_current: true },
    { group_id: 'grp_finance', name: "Finance & Legal's", description: 'Money', source_type: 'direct', roles: [], first_seen: us(2), last_seen: us(FIXTURE_DAYS), is_current: true },
    { group_id: 'grp_old', name: 'Old Team', description: 'Deleted', source_type: 'direct', roles: [], first_seen: us(0), last_seen: us(50), is_current: false },
  ];

  const memberships: FxMembership[] = [];
  const addInterval = (group: string, user: SimUser, from: bigint, to: bigint | null, snapshotEnd = false) => {
    if (user.left !== null && from >= user.left) return;
    if (to !== null && to <= from) return;
    // deprovisioning: a member who leaves the organization leaves the group a second later
    let end = to;
    let source: string | null = to === null ? null : snapshotEnd ? 'snapshot' : 'event';
    if (user.left !== null && (end === null || end > user.left + 1_000_000n)) {
      end = user.left + 1_000_000n;
      source = 'event';
      snapshotEnd = false;
    }
    memberships.push({
      group_id: group,
      user_id: user.id,
      from,
      from_source: r() < 0.7 ? 'event' : 'snapshot',
      to: end,
      to_source: source,
      to_earliest: snapshotEnd && end !== null ? end - 3_600_000_000n : null,
      to_latest: snapshotEnd && end !== null ? end : null,
    });
  };
  for (const user of users) {
    for (const group of groups) {
      if (r() > 0.45) continue;
      const from = user.join + BigInt(Math.floor(r() * 40 * 86_400_000)) * 1000n + 17n;
      const groupEnd = group.is_current ? null : group.last_seen;
      const ended = groupEnd ?? (r() < 0.35 ? from + BigInt(Math.floor((1 + r() * 30) * 86_400_000)) * 1000n : null);
      addInterval(group.group_id, user, from, ended, ended !== null && r() < 0.4);
      if (ended !== null && group.is_current && r() < 0.5) addInterval(group.group_id, user, ended + BigInt(Math.floor((5 + r() * 20) * 86_400_000)) * 1000n, null);
    }
  }
  // Hand-placed: user_03 (removed from the org at day 60) was added to security at day 40.
  const u3 = users[2];
  for (let k = memberships.length - 1; k >= 0; k--) if (memberships[k].user_id === u3.id && memberships[k].group_id === 'grp_security') memberships.splice(k, 1);
  addInterval('grp_security', u3, us(40), null);

  const activities: FxActivity[] = [];
  let n = 0;
  const nextId = () => `act_${((++n * 2654435761) % 4294967296).toString(16).padStart(8, '0')}${n.toString(36)}`;
  const inOrg = (u: SimUser, t: bigint) => u.join <= t && (u.left === null || t < u.left);
  const push = (t: bigint, type: string, actor: SimUser | null, apiKey: string | null) => {
    const meta = TYPES.find((x) => x.type === type)!;
    const org = actor?.org ?? (r() < 0.5 ? ORGS[0] : null);
    activities.push({
      id: nextId(),
      us: t,
      type,
      category: meta.category,
      organization_id: org?.tagged ?? null,
      organization_uuid: org?.uuid ?? null,
      actor_type: actor ? 'user_actor' : 'api_actor',
      actor_user_id: actor?.id ?? null,
      actor_email: actor ? versions.filter((v) => v.user_id === actor.id && v.from <= t).at(-1)?.email ?? null : null,
      actor_ip: actor ? `10.0.${actor.id.length}.${Math.floor(r() * 250)}` : null,
      actor_user_agent: actor ? 'Mozilla/5.0' : null,
      actor_api_key_id: apiKey,
      is_own_request: type === 'compliance_api_accessed' && r() < 0.3,
      details: type === 'org_sso_toggled' ? { enabled: r() < 0.5 } : type === 'brand_new_type' ? { novel: [1, 2, 3] } : null,
    });
  };
  for (let day = 0; day < FIXTURE_DAYS; day++) {
    for (let k = 0; k < 25; k++) {
      const previous = activities.at(-1);
      // some activities share a timestamp with the one before (ties are broken by id), some differ by 1 µs
      const t = previous && r() < 0.04 ? previous.us + (r() < 0.5 ? 0n : 1n) : us(day + r(), BigInt(Math.floor(r() * 1000)));
      const roll = r();
      const type = roll < 0.4 ? pick(ADMIN_TYPES) : roll < 0.6 ? pick(['claude_chat_created', 'claude_file_uploaded']) : roll < 0.75 ? 'user_signed_in_sso' : roll < 0.9 ? 'compliance_api_accessed' : roll < 0.95 ? 'brand_new_type' : pick(ADMIN_TYPES);
      if (type === 'compliance_api_accessed') {
        push(t, type, null, pick(['apikey_01', 'apikey_02', "apikey_'quote"]));
        continue;
      }
      const members = users.filter((u) => inOrg(u, t));
      // a few activities by users outside their organization time (the feed does not promise otherwise)
      const actor = members.length && r() > 0.03 ? pick(members) : pick(users);
      push(t, type, actor, null);
    }
  }
  // Hand-placed: user_03 acts as admin before the security membership, within it, and after leaving.
  push(us(38.5), 'org_sso_toggled', u3, null);
  push(us(45.25), 'org_sso_toggled', u3, null);
  push(us(59.75), 'claude_organization_settings_updated', u3, null);
  push(us(61), 'org_sso_toggled', u3, null);

  return { activities, users: versions, memberships, groups, activityTypes: TYPES };
}

/** New rows for a rebuild: activities after the newest one, and late arrivals placed in the past. */
export function appendActivities(fixture: Fixture, count: number, lateCount: number, seed = 99): Fixture {
  const r = rng(seed);
  const newest = fixture.activities.reduce((m, a) => (a.us > m ? a.us : m), 0n);
  const extra: FxActivity[] = [];
  const template = fixture.activities[0];
  for (let i = 0; i < count + lateCount; i++) {
    const late = i >= count;
    const t = late ? us(r() * FIXTURE_DAYS) : newest + BigInt(Math.floor(1 + r() * 3_600_000)) * 1000n;
    extra.push({ ...template, id: `act_${late ? 'late' : 'new'}_${seed}_${i}`, us: t });
  }
  return { ...fixture, activities: [...fixture.activities, ...extra] };
}

const sqlText = (v: string) => `'${v.replaceAll("'", "''")}'`;
const tsOrNull = (t: bigint | null) => (t === null ? null : iso(t).replace('Z', '') + String(t % 1000n).padStart(3, '0') + 'Z');

/** Writes the fixture as a warehouse: a temp DuckDB file renamed over `<dataDir>/warehouse.duckdb`. */
export async function writeWarehouse(dataDir: string, fixture: Fixture): Promise<void> {
  const tmp = join(dataDir, `warehouse.duckdb.tmp-${process.pid}-${Date.now()}`);
  const jsonDir = mkdtempSync(join(tmpdir(), 'gql-fixture-json-'));
  const instance = await createDuck({ path: tmp });
  const c = await connectUtc(instance);
  try {
    await c.run('create schema marts');
    const load = async (name: string, rows: object[], columns: Record<string, string>, select: string) => {
      const file = join(jsonDir, `${name}.json`);
      writeFileSync(file, JSON.stringify(rows));
      const cols = Object.entries(columns)
        .map(([k, v]) => `'${k}': '${v}'`)
        .join(', ');
      await c.run(`create table marts.${name} as select ${select} from read_json('${file}', format = 'array', columns = {${cols}})`);
    };
    await load(
      'activities',
      fixture.activities.map((a) => ({ ...a, us: undefined, created_at: tsOrNull(a.us), details: a.details === null ? null : JSON.stringify(a.details) })),
      {
        id: 'VARCHAR', created_at: 'VARCHAR', type: 'VARCHAR', category: 'VARCHAR', organization_id: 'VARCHAR', organization_uuid: 'VARCHAR',
        actor_type: 'VARCHAR', actor_user_id: 'VARCHAR', actor_email: 'VARCHAR', actor_ip: 'VARCHAR', actor_user_agent: 'VARCHAR',
        actor_api_key_id: 'VARCHAR', is_own_request: 'BOOLEAN', details: 'VARCHAR',
      },
      `id, created_at::timestamptz as created_at, type, category, organization_id, organization_uuid, actor_type, actor_user_id, actor_email,
       actor_ip, actor_user_agent, actor_api_key_id, is_own_request, details::json as details`,
    );
    await load(
      'users',
      fixture.users.map((u) => ({ ...u, from: tsOrNull(u.from), to: tsOrNull(u.to), removed_at: tsOrNull(u.removed_at) })),
      { user_id: 'VARCHAR', organization_uuid: 'VARCHAR', email: 'VARCHAR', full_name: 'VARCHAR', organization_role: 'VARCHAR', from: 'VARCHAR', to: 'VARCHAR', removed_at: 'VARCHAR', removed_at_source: 'VARCHAR' },
      `user_id, organization_uuid, email, full_name, organization_role, "from"::timestamptz as valid_from, "to"::timestamptz as valid_to,
       removed_at::timestamptz as removed_at, removed_at_source, "to" is null as is_current`,
    );
    await load(
      'group_memberships',
      fixture.memberships.map((m) => ({ ...m, from: tsOrNull(m.from), to: tsOrNull(m.to), to_earliest: tsOrNull(m.to_earliest), to_latest: tsOrNull(m.to_latest) })),
      { group_id: 'VARCHAR', user_id: 'VARCHAR', from: 'VARCHAR', from_source: 'VARCHAR', to: 'VARCHAR', to_source: 'VARCHAR', to_earliest: 'VARCHAR', to_latest: 'VARCHAR' },
      `group_id, user_id, "from"::timestamptz as valid_from, from_source as valid_from_source, "to"::timestamptz as valid_to, to_source as valid_to_source,
       to_earliest::timestamptz as valid_to_earliest, to_latest::timestamptz as valid_to_latest`,
    );
    await load(
      'groups',
      fixture.groups.map((g) => ({ ...g, roles: JSON.stringify(g.roles), first_seen: tsOrNull(g.first_seen), last_seen: tsOrNull(g.last_seen) })),
      { group_id: 'VARCHAR', name: 'VARCHAR', description: 'VARCHAR', source_type: 'VARCHAR', roles: 'VARCHAR', first_seen: 'VARCHAR', last_seen: 'VARCHAR', is_current: 'BOOLEAN' },
      `group_id, name, description, source_type, roles::json as roles, first_seen::timestamptz as first_seen, last_seen::timestamptz as last_seen, is_current`,
    );
    // roles: one RBAC role held by the security group from the start, and the built-in roles of the users' versions
    const t0 = `'${tsOrNull(us(0))}'::timestamptz`;
    const org = sqlText(ORGS[0].uuid);
    await c.run(`create table marts.roles as select 'role_admin' as role_id, ${org} as organization_uuid, 'Admins' as name, 'Administrators' as description,
      ${t0} as valid_from, null::timestamptz as valid_to, 'created_at' as valid_from_source, ${t0} as valid_from_earliest, null::varchar as valid_to_source,
      null::timestamptz as valid_to_earliest, null::timestamptz as valid_to_latest, true as is_current`);
    await c.run(`create table marts.role_permissions as select 'role_admin' as role_id, ${org} as organization_uuid, 'manage_settings' as action,
      'organization' as resource_type, ${org} as resource_id, ${t0} as valid_from, null::timestamptz as valid_to, 'unknown' as valid_from_source,
      null::timestamptz as valid_from_earliest, null::varchar as valid_to_source, null::timestamptz as valid_to_earliest, null::timestamptz as valid_to_latest, true as is_current`);
    await c.run(`create table marts.role_assignments as
      select 'group' as principal_type, 'grp_security' as principal_id, 'role_admin' as role_id, 'rbac' as role_kind, ${org} as organization_uuid,
        ${t0} as valid_from, null::timestamptz as valid_to, 'snapshot' as valid_from_source, null::timestamptz as valid_from_earliest, null::varchar as valid_to_source,
        null::timestamptz as valid_to_earliest, null::timestamptz as valid_to_latest, true as is_current
      union all
      select 'user', user_id, organization_role, 'builtin', organization_uuid, valid_from, valid_to, 'event', valid_from, case when valid_to is not null then 'event' end,
        valid_to, valid_to, valid_to is null
      from marts.users`);
    await load('activity_types_catalog', fixture.activityTypes.filter((x) => x.known), { type: 'VARCHAR', family: 'VARCHAR', category: 'VARCHAR', description: 'VARCHAR', known: 'BOOLEAN' }, '*');
    await c.run(`create view marts.activity_types as
      with seen as (select type, min(created_at) as first_seen, max(created_at) as last_seen, count(*) as activity_count from marts.activities group by type)
      select coalesce(c.type, s.type) as type, c.family, coalesce(c.category, 'other') as category, c.description, c.type is not null as known,
             s.first_seen, s.last_seen, coalesce(s.activity_count, 0) as activity_count
      from marts.activity_types_catalog c full outer join seen s on s.type = c.type`);
    await c.run(`create view marts.admin_actions as select * from marts.activities where category = 'admin'`);
    await writeContentMarts(c);
    await c.run('checkpoint');
  } finally {
    c.closeSync();
    instance.closeSync();
    rmSync(jsonDir, { recursive: true, force: true });
  }
  renameSync(tmp, join(dataDir, 'warehouse.duckdb'));
}

// ---- brute force -------------------------------------------------------------------------------------

const newestFirst = (a: FxActivity, b: FxActivity) => (a.us === b.us ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.us < b.us ? 1 : -1);

export interface ExpectedEdge {
  activity: FxActivity;
  membership: FxMembership;
  actor: FxUserVersion | null;
}

/** The headline question answered by scanning every row. */
export function expectedRecentMemberActions(
  fx: Fixture,
  q: { groupId: string; addedWithinDays: number; since?: bigint; until?: bigint; types?: string[] },
): ExpectedEdge[] {
  const out: ExpectedEdge[] = [];
  for (const a of fx.activities) {
    if (q.types ? !q.types.includes(a.type) : a.category !== 'admin') continue;
    if (q.since !== undefined && a.us < q.since) continue;
    if (q.until !== undefined && a.us >= q.until) continue;
    if (a.actor_user_id === null) continue;
    const held = fx.memberships
      .filter((m) => m.group_id === q.groupId && m.user_id === a.actor_user_id && m.from <= a.us && (m.to === null || a.us < m.to))
      .filter((m) => a.us - m.from <= BigInt(q.addedWithinDays) * DAY_US)
      .sort((x, y) => (x.from < y.from ? 1 : -1));
    if (!held.length) continue;
    const actor =
      fx.users
        .filter((u) => u.user_id === a.actor_user_id && u.from <= a.us && (u.to === null || a.us < u.to))
        .sort((x, y) => Number(y.organization_uuid === a.organization_uuid) - Number(x.organization_uuid === a.organization_uuid) || (x.from < y.from ? 1 : -1))[0] ?? null;
    out.push({ activity: a, membership: held[0], actor });
  }
  return out.sort((x, y) => newestFirst(x.activity, y.activity));
}

/** Activities newest first, filtered by a predicate. */
export function expectedActivities(fx: Fixture, keep: (a: FxActivity) => boolean): FxActivity[] {
  return fx.activities.filter(keep).sort(newestFirst);
}

export function memberAt(fx: Fixture, groupId: string, userId: string, t: bigint): boolean {
  return fx.memberships.some((m) => m.group_id === groupId && m.user_id === userId && m.from <= t && (m.to === null || t < m.to));
}

// ---- server and client ---------------------------------------------------------------------------------

export interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg?: string;
}

export function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => lines.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestServer {
  dataDir: string;
  server: GraphqlServer;
  logs: LogLine[];
  token: string | null;
  /** POSTs a query; returns HTTP status and the parsed body. */
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: GqlBody }>;
  close(): Promise<void>;
}

export interface GqlBody {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string }; path?: unknown[] }[];
}

export async function startTestServer(
  options: { fixture?: Fixture; token?: string | null; writeToken?: string | null; queryTimeoutMs?: number; prepare?: (dataDir: string) => void | Promise<void>; now?: () => number; secureCookie?: boolean } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gql-test-'));
  if (options.fixture) await writeWarehouse(dataDir, options.fixture);
  await options.prepare?.(dataDir);
  const logs: LogLine[] = [];
  const token = options.token === undefined ? 'test-token-0123456789abcdef' : options.token;
  const server = await startGraphqlServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    token,
    writeToken: options.writeToken ?? null,
    logger: captureLogger(logs),
    now: options.now,
    secureCookie: options.secureCookie,
    warehouse: { queryTimeoutMs: options.queryTimeoutMs, threads: 2, memoryLimit: '256MB' },
  });
  return {
    dataDir,
    server,
    logs,
    token,
    async gql(query, variables, headers) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as GqlBody };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Walks a connection to its end; `select` picks the connection out of `data`. */
export async function walk<T = any>(
  t: TestServer,
  query: string,
  variables: Record<string, unknown>,
  select: (data: Record<string, any>) => { edges: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } },
  between?: (page: number, sofar: readonly T[]) => Promise<void>,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const { status, body } = await t.gql(query, { ...variables, after });
    if (status !== 200 || body.errors) throw new Error(`page ${page}: HTTP ${status} ${JSON.stringify(body.errors)}`);
    const conn = select(body.data!);
    out.push(...conn.edges);
    if (!conn.pageInfo.hasNextPage) return out;
    after = conn.pageInfo.endCursor;
    await between?.(page, out);
  }
  throw new Error('walk did not end');
}
