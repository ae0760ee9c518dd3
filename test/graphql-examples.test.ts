// Every operation in schema/examples.graphql runs without errors against the fixture warehouse and
// returns data, and syncStatus reports what the state store holds (runs, cursors, files, coverage events).
import { isoMicros } from '../src/extract/stream.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GENESIS, type ManifestEntry, type ManifestFile } from '../src/lake/manifest.js';
import { StateStore } from '../src/state/index.js';
import { Kind, parse, type OperationDefinitionNode } from '../src/graphql/graphql-js.js';
import { packageRoot } from '../src/models/catalog.js';
import { FIXTURE_DAYS, type Fixture, type TestServer, buildFixture, iso, us } from './graphql-fixture.js';
import { startTestServer } from './graphql-fixture.js';
import Database from 'better-sqlite3';
import { buildAlerts, writeAlertStore } from './graphql-alerts-fixture.js';

const fx: Fixture = buildFixture();
const alertList = buildAlerts(fx);
const WRITE = 'examples-write-token-0123456789';
let t: TestServer;
/** Alerts the examples act on: a user alert acknowledged before the examples run (so it has a history), two open ones to change. */
const detailed = alertList.find((a) => a.entityType === 'user' && a.actorGroups.length > 0)!;
const [toAcknowledge, toResolve] = alertList.filter((a) => a !== detailed);
const NOW = Date.now();

function file(stream: string, date: string, rows: number, n: number): ManifestFile {
  return {
    path: `${stream}/date=${date}/part-${n}.parquet`,
    stream,
    date,
    sha256: 'f'.repeat(64),
    bytes: 1000 + n,
    rows,
    min_time: `${date}T00:00:00Z`,
    max_time: `${date}T23:59:59Z`,
    first_id: 'a',
    last_id: 'z',
    endpoint: `/v1/compliance/${stream}`,
    params: {},
    run_id: 'run-1',
    request_ids: [],
  };
}

function entry(seq: number, body: Partial<ManifestEntry> & { stream: string }): ManifestEntry {
  return {
    version: 1,
    seq,
    prev: seq === 1 ? GENESIS : String(seq - 1).repeat(64).slice(0, 64),
    hash: String(seq).repeat(64).slice(0, 64),
    kind: 'append',
    run_id: 'run-1',
    committed_at: new Date(NOW - 3_600_000).toISOString(),
    added: [],
    removed: [],
    coverage: [],
    request_ids: [],
    ...body,
  };
}

const coveredUntil = new Date(NOW - 90_000).toISOString();
const snapshotAt = new Date(NOW - 7_200_000).toISOString();

beforeAll(async () => {
  t = await startTestServer({
    fixture: fx,
    writeToken: WRITE,
    prepare: (dir) => {
      writeAlertStore(dir, fx, alertList.map((a) => (a === detailed || a === toAcknowledge || a === toResolve ? { ...a, status: 'open' as const } : a)));
      const db = new Database(join(dir, 'alerts.sqlite'));
      try {
        const at = new Date(NOW - 600_000).toISOString();
        const row = db.prepare(
          'insert into alert_outbox (alert_id, destination, state, attempts, next_attempt_at, last_error, created_at, delivered_at, first_attempt_at, last_attempt_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        );
        row.run(detailed.id, 'soc', 'pending', 2, NOW + 60_000, 'HTTP 503', at, null, NOW - 600_000, NOW - 60_000);
        row.run(toAcknowledge.id, 'soc', 'delivered', 1, 0, null, at, at, NOW - 600_000, NOW - 600_000);
      } finally {
        db.close();
      }
    },
  });
  const ack = await t.gql(`mutation($id: ID!) { acknowledgeAlert(id: $id, by: "alice@example.com", note: "on it") { id } }`, { id: detailed.id }, { authorization: `Bearer ${WRITE}` });
  if (ack.body.errors) throw new Error(JSON.stringify(ack.body.errors));
  const state = StateStore.open(t.dataDir);
  try {
    state.apply(
      entry(1, {
        stream: 'activities',
        added: [file('activities', '2026-04-29', 120, 1), file('activities', '2026-04-30', 80, 2)],
        cursor: { covered_until: coveredUntil, last_reconciled_day: '2026-04-28' },
        coverage: [
          { stream: 'activities', record_id: 'act_late_1', record_time: '2026-04-27T10:00:00Z', found_by: 'reconciliation', found_at: new Date(NOW - 5_000_000).toISOString(), run_id: 'run-1', window_start: '2026-04-27T00:00:00Z', window_end: '2026-04-28T00:00:00Z' },
          { stream: 'activities', record_id: 'act_late_2', record_time: '2026-04-30T10:00:00Z', found_by: 'overlap', found_at: new Date(NOW - 4_000_000).toISOString(), run_id: 'run-1' },
        ],
      }),
    );
    state.apply(entry(2, { stream: 'users', added: [file('users', '2026-04-30', 30, 3)], cursor: { snapshot_at: snapshotAt } }));
    state.startRun({ runId: 'run-1', startedAt: new Date(NOW - 3_700_000).toISOString(), streams: ['activities', 'users', 'chats'], pid: 1 });
    state.finishRun('run-1', {
      finishedAt: new Date(NOW - 3_600_000).toISOString(),
      status: 'partial',
      summary: [
        { stream: 'activities', status: 'committed' },
        { stream: 'users', status: 'committed' },
        { stream: 'chats', status: 'failed', error: 'GET /v1/compliance/chats: HTTP 500 (request req_1)' },
      ],
    });
    state.startRun({ runId: 'run-2', startedAt: new Date(NOW - 60_000).toISOString(), streams: ['activities'], pid: 2 });
    state.finishRun('run-2', { finishedAt: new Date(NOW - 50_000).toISOString(), status: 'failed', summary: [{ stream: 'activities', status: 'failed', error: 'rate limited' }] });
  } finally {
    state.close();
  }
});

afterAll(async () => {
  await t?.close();
});

const examples = readFileSync(join(packageRoot(), 'schema/examples.graphql'), 'utf8');
const operations = parse(examples).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

const user = () => fx.memberships.find((m) => m.group_id === 'grp_security')!.user_id;
const VARIABLES: Record<string, () => Record<string, unknown>> = {
  AdminActionsByRecentGroupMembers: () => ({ groupId: 'grp_security', since: iso(us(30)) }),
  SsoChangesByRecentGroupMembers: () => ({ groupId: 'grp_security' }),
  UserActivitiesByCategory: () => ({ userId: user() }),
  ActivitiesByEmail: () => ({ emails: ['person.7@example.com', 'PERSON.8@example.com'], since: iso(us(0)), until: iso(us(200)) }),
  ApiKeyActivity: () => ({ apiKeyId: 'apikey_01' }),
  AdminActionsByGroupMembersAtTheTime: () => ({ groupId: 'grp_security', since: iso(us(10)) }),
  UserMembershipsAsOf: () => ({ userId: user(), asOf: iso(fx.memberships.find((m) => m.user_id === user() && m.group_id === 'grp_security')!.from + 1_000_000n) }),
  UserHistory: () => ({ userId: fx.users.find((v, i) => fx.users[i + 1]?.user_id === v.user_id)!.user_id }),
  RemovedUsers: () => ({}),
  GroupMembersAndChanges: () => ({ groupId: 'grp_engineering', asOf: iso(us(60)) }),
  MonthlyAdminActivity: () => ({ since: iso(us(0)) }),
  ActivityOverview: () => ({ since: iso(us(0)), until: iso(us(FIXTURE_DAYS)) }),
  UserMembershipTimeline: () => ({ userId: user() }),
  ActivityById: () => ({ id: fx.activities[5].id, createdAt: iso(fx.activities[5].us) }),
  UnknownActivityTypes: () => ({}),
  SyncStatus: () => ({}),
  AdminRoleHoldersAt: () => ({ at: iso(us(FIXTURE_DAYS - 1)) }),
  ChatsByGroupMembersAtCreation: () => ({ groupId: 'grp_security', since: iso(us(0)) }),
  UserChats: () => ({ userId: user() }),
  GroupContentCounts: () => ({ groupId: 'grp_engineering', since: iso(us(0)) }),
  Projects: () => ({}),
  ProjectDetail: () => ({ projectId: firstProjectId() }),
  OrganizationSettingsAsOf: () => ({ asOf: iso(us(50)) }),
  OrganizationSettingsChanges: () => ({ since: iso(us(0)), until: iso(us(120)) }),
  OpenAlerts: () => ({ since: iso(us(0)) }),
  AlertDetail: () => ({ id: detailed.id }),
  AlertsByGroupMembers: () => ({ groupId: detailed.actorGroups[0] }),
  Rules: () => ({ ids: ['failed_signin_burst', 'admin_action_after_privileged_group_join'] }),
  DetectionStatus: () => ({}),
  AcknowledgeAlert: () => ({ id: toAcknowledge.id, by: 'bob@example.com', note: 'looking into it' }),
  ResolveAlert: () => ({ id: toResolve.id, by: 'carol@example.com', note: 'expected: a planned migration' }),
};

/** The fixture's first project (test/graphql-content-fixture.ts): made from the first claude_file_uploaded by a user in an organization. */
function firstProjectId(): string {
  const first = fx.activities
    .filter((a) => a.type === 'claude_file_uploaded' && a.actor_user_id !== null && a.organization_uuid !== null)
    .sort((a, b) => (a.us < b.us ? -1 : a.us > b.us ? 1 : a.id < b.id ? -1 : 1))[0];
  return `claude_proj_${first.id}`;
}

describe('schema/examples.graphql', () => {
  test('names the operations the brief asks for, each with variables in this test', () => {
    const names = operations.map((o) => o.name?.value);
    expect(names).toEqual(
      expect.arrayContaining(['AdminActionsByRecentGroupMembers', 'UserActivitiesByCategory', 'UserMembershipsAsOf', 'MonthlyAdminActivity', 'SyncStatus', 'ChatsByGroupMembersAtCreation']),
    );
    expect(names.every((n) => n !== undefined)).toBe(true);
    expect(Object.keys(VARIABLES).sort()).toEqual([...names].sort());
  });

  for (const operation of operations) {
    const name = operation.name!.value;
    test(`${name} runs and returns data`, async () => {
      const res = await fetch(t.server.url, {
        method: 'POST',
        // mutations need the write token (the read token cannot change anything)
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operation.operation === 'mutation' ? WRITE : t.token}` },
        body: JSON.stringify({ query: examples, operationName: name, variables: VARIABLES[name]() }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(res.status).toBe(200);
      // every example finds something in the fixture (an empty answer would prove little)
      const json = JSON.stringify(body.data);
      expect(json).not.toMatch(/"totalCount":0\b/);
      expect(json).not.toMatch(/:\[\]|:null}$/);
    });
  }
});

describe('syncStatus', () => {
  test('per stream: last success, last attempt, cursor and lag, records and files, coverage events', async () => {
    const { body } = await t.gql(
      `{ syncStatus { generatedAt stateAvailable warehouseBuiltAt lastRun { runId status streams finishedAt }
         streams { stream lastSuccessAt lastAttemptAt lastAttemptStatus lastError cursor cursorTime lagSeconds records files coverageEvents lastCoverageEventAt } } }`,
    );
    expect(body.errors).toBeUndefined();
    const s = body.data!.syncStatus;
    expect(s.stateAvailable).toBe(true);
    expect(s.lastRun).toMatchObject({ runId: 'run-2', status: 'failed', streams: ['activities'] });
    expect(Date.parse(s.warehouseBuiltAt)).toBeLessThanOrEqual(Date.now());
    const byName = Object.fromEntries(s.streams.map((x: any) => [x.stream, x]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['activities', 'users', 'groups', 'group_members', 'chats']));
    const activities = byName.activities;
    // DateTime fields are RFC 3339 UTC with six fractional digits
    const out = (ms: number) => isoMicros(ms);
    expect(activities).toMatchObject({
      lastSuccessAt: out(NOW - 3_600_000),
      lastAttemptAt: out(NOW - 50_000),
      lastAttemptStatus: 'failed',
      lastError: 'rate limited',
      cursor: { covered_until: coveredUntil, last_reconciled_day: '2026-04-28' },
      cursorTime: out(Date.parse(coveredUntil)),
      records: 200,
      files: 2,
      coverageEvents: 2,
      lastCoverageEventAt: out(NOW - 4_000_000),
    });
    const lag = (Date.parse(s.generatedAt) - Date.parse(coveredUntil)) / 1000;
    expect(activities.lagSeconds).toBeCloseTo(lag, 1);
    expect(byName.users).toMatchObject({ cursor: { snapshot_at: snapshotAt }, cursorTime: isoMicros(Date.parse(snapshotAt)), records: 30, files: 1, coverageEvents: 0, lastAttemptStatus: 'committed' });
    expect(byName.chats).toMatchObject({ lastSuccessAt: null, lastAttemptStatus: 'failed', lastError: 'GET /v1/compliance/chats: HTTP 500 (request req_1)', records: 0, cursor: null, lagSeconds: null });
  });
});
