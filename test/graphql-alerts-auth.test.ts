// Who may change an alert: only a request with the write token. The read token, a wrong write token, no token
// and a server without a write token change nothing (the store is read back to prove it); the tokens are
// never echoed or logged; a store that does not exist yet is said plainly.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadGraphqlWriteToken } from '../src/cli/serve-commands.js';
import { ConfigError } from '../src/cli/config.js';
import { GraphqlServerConfigError, startGraphqlServer } from '../src/graphql/server.js';
import { type Fixture, type TestServer, buildFixture, startTestServer } from './graphql-fixture.js';
import { type FxAlert, buildAlerts, writeAlertStore } from './graphql-alerts-fixture.js';

const fx: Fixture = buildFixture();
const list: FxAlert[] = buildAlerts(fx);
const WRITE = 'write-token-0f1e2d3c4b5a69788796';
const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id, by: "mallory") { id status } }`;
const RESOLVE = `mutation($id: ID!) { resolveAlert(id: $id, by: "mallory", note: "x") { id status } }`;
const servers: TestServer[] = [];

async function server(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer({ fixture: fx, prepare: (dir) => writeAlertStore(dir, fx, list), ...options });
  servers.push(s);
  return s;
}

afterAll(async () => {
  for (const s of servers) await s.close();
});

/** Every alert's status and the number of status changes, read from the file. */
function snapshot(dataDir: string): string {
  const db = new Database(join(dataDir, 'alerts.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('select id, status, acknowledged_by, resolved_by, updated_at from alerts order by id').all();
    const changes = db.prepare('select count(*) as n from alert_status_changes').get();
    return JSON.stringify({ rows, changes });
  } finally {
    db.close();
  }
}

const open = () => list.find((a) => a.status === 'open')!;

describe('with a read token and a write token', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await server({ writeToken: WRITE });
  });

  test('the read token cannot acknowledge or resolve: FORBIDDEN, saying what is needed; nothing changes', async () => {
    const before = snapshot(t.dataDir);
    for (const mutation of [ACK, RESOLVE]) {
      const { status, body } = await t.gql(mutation, { id: open().id });
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(body.errors?.[0].message).toMatch(/needs the write token.*the read token cannot change anything/);
      expect(JSON.stringify(body)).not.toContain(WRITE);
    }
    expect(snapshot(t.dataDir)).toBe(before);
  });

  test('a wrong write token, or none, is refused before anything runs; nothing changes', async () => {
    const before = snapshot(t.dataDir);
    for (const authorization of [`Bearer ${WRITE}x`, `Bearer ${WRITE.slice(0, -1)}`, `Bearer ${WRITE.toUpperCase()}`, WRITE, `Basic ${Buffer.from(`u:${WRITE}`).toString('base64')}`, '']) {
      const { status, body } = await t.gql(ACK, { id: open().id }, { authorization });
      expect(status, authorization.slice(0, 12)).toBe(401);
      expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(body)).not.toContain(WRITE);
    }
    expect(snapshot(t.dataDir)).toBe(before);
  });

  test('a mutation over GET is refused even with the write token', async () => {
    const before = snapshot(t.dataDir);
    const query = `mutation { acknowledgeAlert(id: "${open().id}", by: "mallory") { id } }`;
    const res = await fetch(`${t.server.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${WRITE}`, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(snapshot(t.dataDir)).toBe(before);
  });

  test('the write token reads too, and changes; neither token reaches the logs', async () => {
    const writer = { authorization: `Bearer ${WRITE}` };
    const read = await t.gql(`{ alerts(first: 1) { totalCount } }`, undefined, writer);
    expect(read.body.data!.alerts.totalCount).toBe(list.length);
    const { body } = await t.gql(ACK, { id: open().id }, writer);
    expect(body.data!.acknowledgeAlert).toEqual({ id: open().id, status: 'ACKNOWLEDGED' });
    const logs = JSON.stringify(t.logs);
    expect(t.logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(WRITE);
    expect(logs).not.toContain(t.token!);
  });
});

describe('without a write token', () => {
  test('every mutation is refused with a message that says how to enable them; nothing changes', async () => {
    const t = await server({ writeToken: null });
    expect(t.server.writable).toBe(false);
    const before = snapshot(t.dataDir);
    const { body } = await t.gql(RESOLVE, { id: open().id });
    expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0].message).toMatch(/disabled: this server has no write token.*COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN or --write-token-file/);
    expect(snapshot(t.dataDir)).toBe(before);
  });
});

describe('on loopback without a read token', () => {
  test('anyone on this machine reads; only the write token changes', async () => {
    const t = await server({ token: null, writeToken: WRITE });
    expect(t.server.authenticated).toBe(false);
    expect((await t.gql(`{ alerts(first: 1) { totalCount } }`)).body.data!.alerts.totalCount).toBe(list.length);
    const before = snapshot(t.dataDir);
    for (const headers of <Record<string, string>[]>[{}, { authorization: 'Bearer nope-nope-nope-nope' }]) {
      const { body } = await t.gql(ACK, { id: open().id }, headers);
      expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    expect(snapshot(t.dataDir)).toBe(before);
    const { body } = await t.gql(ACK, { id: open().id }, { authorization: `Bearer ${WRITE}` });
    expect(body.data!.acknowledgeAlert.status).toBe('ACKNOWLEDGED');
  });
});

describe('configuration', () => {
  test('the write token must differ from the read token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gql-wt-'));
    try {
      const error = await startGraphqlServer({ dataDir, port: 0, token: WRITE, writeToken: WRITE }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphqlServerConfigError);
      expect((error as Error).message).toMatch(/must differ from the read token/);
      expect((error as Error).message).not.toContain(WRITE);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('--write-token-file, else COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN; an empty or missing file is a config error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gql-wtf-'));
    try {
      const file = join(dir, 'write.token');
      writeFileSync(file, `${WRITE}\n`);
      expect(loadGraphqlWriteToken({ writeTokenFile: file }, { COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN: 'other' })).toBe(WRITE);
      expect(loadGraphqlWriteToken({}, { COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN: ` ${WRITE} ` })).toBe(WRITE);
      expect(loadGraphqlWriteToken({}, {})).toBeNull();
      writeFileSync(file, '  \n');
      expect(() => loadGraphqlWriteToken({ writeTokenFile: file }, {})).toThrow(ConfigError);
      expect(() => loadGraphqlWriteToken({ writeTokenFile: join(dir, 'missing') }, {})).toThrow(/--write-token-file: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a config file the rules cannot use', () => {
  test('rules says what is wrong with it, naming the setting; alerts still list', async () => {
    const t = await server({
      prepare: (dir) => {
        writeAlertStore(dir, fx, list);
        writeFileSync(join(dir, 'compliance-lake.config.json'), JSON.stringify({ detections: { rules: { failed_signin_burst: { treshold: 3 } } } }));
      },
    });
    const { body } = await t.gql(`{ rules { id } }`);
    expect(body.errors?.[0].extensions?.code).toBe('RULES_UNAVAILABLE');
    expect(body.errors?.[0].message).toMatch(/detections\.rules\.failed_signin_burst\.treshold.*no parameter "treshold"/);
    const alerts = await t.gql(`{ alerts(first: 1) { totalCount } }`);
    expect(alerts.body.data!.alerts.totalCount).toBe(list.length);
  });
});

describe('before any rule has been evaluated (no alerts.sqlite)', () => {
  test('alerts is empty, rules have no counts, and a mutation says there is no alert store yet', async () => {
    const t = await server({ writeToken: WRITE, prepare: () => undefined });
    const { body } = await t.gql(`{ alerts { totalCount edges { node { id } } } alert(id: "x") { id } rules { id alertCounts { total } evaluation { evaluatedSeq } }
      syncStatus { detections { available openAlerts rules { ruleId } } destinations { destination } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!.alerts).toEqual({ totalCount: 0, edges: [] });
    expect(body.data!.alert).toBeNull();
    // the rules are there (sql/detections), with nothing counted and no evaluation yet
    expect(body.data!.rules.length).toBeGreaterThanOrEqual(25);
    for (const r of body.data!.rules) expect(r).toEqual({ id: r.id, alertCounts: { total: 0 }, evaluation: null });
    expect(body.data!.syncStatus).toEqual({ detections: { available: false, openAlerts: 0, rules: [] }, destinations: [] });
    const ack = await t.gql(ACK, { id: 'x' }, { authorization: `Bearer ${WRITE}` });
    expect(ack.body.errors?.[0]).toMatchObject({ extensions: { code: 'ALERT_STORE_UNAVAILABLE' } });
    expect(ack.body.errors?.[0].message).toMatch(/no alert store yet/);
  });
});
