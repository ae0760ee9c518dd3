// The simulator's HTTP layer against the reference (§1, §2, §6, checklist §9): auth, scopes, budget, envelopes,
// validation, cursors and page tokens, chats rules, faults and the /_sim/ control endpoints.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Activity, Chat, ChatMessagesPage, CursorPage, TokenPage } from '../src/api/types.js';
import { type Simulator, type SimulatorOptions, SimClock, createSimulator } from '../src/simulator/server/app.js';
import { type SyntheticTenant, createTenant } from '../src/simulator/tenant/index.js';
import { FUTURE_TYPES } from '../src/simulator/tenant/background.js';
import { loadCatalog } from '../src/models/catalog.js';

const START = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;
const NOW = START + HOUR;

const KEYS = {
  full: 'sk-ant-api01-full-read-access-000000',
  activities: 'sk-ant-api01-activities-only-000000',
  orgData: 'sk-ant-api01-org-data-only-0000000',
  audit: 'sk-ant-api01-org-audit-00000000000',
  admin: 'sk-ant-admin01-console-admin-00000',
  revoked: 'sk-ant-api01-revoked-0000000000000',
  expired: 'sk-ant-api01-expired-0000000000000',
};

const REQUEST_ID = /^req_01[1-9A-HJ-NP-Za-km-z]{22}$/;
const API_KEY_ID = /^apikey_01[1-9A-HJ-NP-Za-km-z]{22}$/;
const DAY_WINDOW = 'created_at.gte=2026-10-30T00:00:00Z&created_at.lt=2026-10-31T00:00:00Z';

function makeSim(extra: Partial<SimulatorOptions> = {}): Simulator {
  const tenant = createTenant({
    seed: 1,
    startMs: START,
    horizonDays: 30,
    activitiesPerDay: 500,
    live: false,
    lateShare: 0,
    timestampStyle: 'z',
  });
  return createSimulator({
    tenant,
    clock: new SimClock(NOW, { frozen: true }),
    keys: [
      { key: KEYS.full, kind: 'compliance' },
      { key: KEYS.activities, kind: 'compliance', scopes: ['read:compliance_activities'] },
      { key: KEYS.orgData, kind: 'compliance', scopes: ['read:compliance_org_data'] },
      { key: KEYS.audit, kind: 'compliance', scopes: ['read:org_audit'] },
      { key: KEYS.admin, kind: 'admin' },
      { key: KEYS.revoked, kind: 'compliance', isActive: false },
      { key: KEYS.expired, kind: 'compliance', expiresAt: '2026-10-01T00:00:00Z' },
    ],
    ...extra,
  });
}

interface CallOptions {
  key?: string | null;
  method?: string;
  headers?: Record<string, string>;
  remoteAddress?: string;
  body?: unknown;
}

interface Called {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: any;
  fault?: unknown;
}

async function call(sim: Simulator, url: string, opts: CallOptions = {}): Promise<Called> {
  const headers: Record<string, string> = { host: 'sim.test', 'user-agent': 'vitest/1.0', ...opts.headers };
  if (opts.key !== null) headers['x-api-key'] = opts.key ?? KEYS.full;
  const res = await sim.handle({
    method: opts.method ?? 'GET',
    url,
    headers,
    remoteAddress: opts.remoteAddress ?? '127.0.0.1',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { ...res, json };
}

/** Response#json() is `unknown` in Node's types. */
const jsonOf = async (res: Response): Promise<any> => res.json();

const control = (sim: Simulator, method: string, path: string, body?: unknown) => call(sim, path, { key: null, method, body });

const errorOf = (status: number, type: string, message: string, requestId: string | null) => ({
  status,
  json: { type: 'error', error: { type, message }, request_id: requestId },
});

function expectError(res: Called, status: number, type: string, message?: string | RegExp): void {
  expect(res.status).toBe(status);
  expect(res.json.type).toBe('error');
  expect(res.json.error.type).toBe(type);
  if (typeof message === 'string') expect(res.json.error.message).toBe(message);
  else if (message) expect(res.json.error.message).toMatch(message);
  expect(res.json.request_id).toBe(res.headers['request-id']);
  expect(res.headers['x-should-retry']).toBe('false');
  expect(res.headers['content-type']).toBe('application/json');
}

const remaining = (sim: Simulator) => sim.stats().window?.remaining;

/** Follows `cursorField` into `param` until has_more is false; returns every page. */
async function walk(sim: Simulator, base: string, param: 'after_id' | 'before_id', start?: string, key?: string) {
  const pages: CursorPage<any>[] = [];
  let cursor = start;
  for (let i = 0; i < 1000; i++) {
    const url = cursor ? `${base}&${param}=${encodeURIComponent(cursor)}` : base;
    const res = await call(sim, url, { key });
    expect(res.status, res.body).toBe(200);
    pages.push(res.json);
    if (!res.json.has_more) return pages;
    cursor = param === 'after_id' ? res.json.last_id : res.json.first_id;
  }
  throw new Error('walk did not end');
}

async function truthIds(sim: Simulator, query: string): Promise<string[]> {
  const res = await control(sim, 'GET', `/_sim/truth/activities?${query}`);
  expect(res.status).toBe(200);
  return res.json.ids;
}

// ---- authentication and scopes (compliance-api.md §1.2, §1.3, §6.2; checklist 1–2) --------------------------

describe('authentication', () => {
  test('a missing key is 401 authentication_error with request_id null, no ratelimit headers and no quota', async () => {
    const sim = makeSim();
    const before = sim.stats();
    const res = await call(sim, '/v1/compliance/activities', { key: null });
    expect(res).toMatchObject(errorOf(401, 'authentication_error', 'The API key provided is invalid or has been revoked.', null));
    expect(res.body).toBe(
      '{"type":"error","error":{"type":"authentication_error","message":"The API key provided is invalid or has been revoked."},"request_id":null}',
    );
    expect(res.headers['request-id']).toMatch(REQUEST_ID);
    expect(res.headers['x-should-retry']).toBe('false');
    expect(res.headers['anthropic-ratelimit-requests-limit']).toBeUndefined();
    expect(sim.stats().window).toEqual(before.window);
    expect(sim.stats().requests_per_minute).toEqual([]);
  });

  test.each([
    ['unknown', 'sk-ant-api01-never-registered'],
    ['Claude API key', 'sk-ant-api03-some-inference-key'],
    ['revoked', KEYS.revoked],
    ['empty', ''],
  ])('%s key is 401 and leaves no self-event', async (_label, key) => {
    const sim = makeSim();
    const res = await call(sim, '/v1/compliance/organizations', { key });
    expect(res).toMatchObject(errorOf(401, 'authentication_error', 'The API key provided is invalid or has been revoked.', null));
    expect(remaining(sim)).toBe(600);
    sim.clock.advance(5000);
    const own = await call(sim, '/v1/compliance/activities?activity_types[]=compliance_api_accessed&created_at.gte=2026-11-01T00:00:00Z');
    expect(own.json.data).toEqual([]);
  });

  test('an expired key is 401 "API key has expired." without request-id or x-should-retry (WIRE)', async () => {
    const sim = makeSim();
    const res = await call(sim, '/v1/compliance/activities', { key: KEYS.expired });
    expect(res).toMatchObject(errorOf(401, 'authentication_error', 'API key has expired.', null));
    expect(res.headers['request-id']).toBeUndefined();
    expect(res.headers['x-should-retry']).toBeUndefined();
    expect(remaining(sim)).toBe(600);
  });

  test('compat.missingKey=404 answers a missing key with not_found_error, an unknown key still 401', async () => {
    const sim = makeSim({ compat: { missingKey: 404 } });
    const missing = await call(sim, '/v1/compliance/activities', { key: null });
    expectError(missing, 404, 'not_found_error');
    const unknown = await call(sim, '/v1/compliance/activities', { key: 'sk-ant-api01-unknown' });
    expect(unknown.status).toBe(401);
  });

  test('Authorization: Bearer is accepted unless compat.acceptBearer is false', async () => {
    const bearer = { key: null, headers: { authorization: `Bearer ${KEYS.full}` } };
    expect((await call(makeSim(), '/v1/compliance/organizations', bearer)).status).toBe(200);
    expect((await call(makeSim({ compat: { acceptBearer: false } }), '/v1/compliance/organizations', bearer)).status).toBe(401);
  });

  test('keys registered with a contradicting prefix or a Claude API key are refused at registration', () => {
    const sim = makeSim();
    expect(() => sim.addKey({ key: 'sk-ant-admin01-x', kind: 'compliance' })).toThrow();
    expect(() => sim.addKey({ key: 'sk-ant-api03-x', kind: 'compliance' })).toThrow();
    expect(sim.addKey({ key: 'sk-ant-api01-new', kind: 'compliance' })).toMatch(API_KEY_ID);
  });
});

describe('scopes', () => {
  test('an Admin key reads the feed and gets 403 elsewhere, in Python-list formatting, consuming one unit', async () => {
    const sim = makeSim();
    expect((await call(sim, '/v1/compliance/activities?limit=1', { key: KEYS.admin })).status).toBe(200);
    const res = await call(sim, '/v1/compliance/organizations', { key: KEYS.admin });
    expectError(res, 403, 'permission_error');
    expect(res.json).toEqual({
      type: 'error',
      error: {
        type: 'permission_error',
        message: "Missing required scopes. Got: ['read:compliance_activities'] Needed: ['read:compliance_org_data']",
        details: { error_visibility: 'user_facing' },
      },
      request_id: res.headers['request-id'],
    });
    expect(res.headers['anthropic-ratelimit-requests-remaining']).toBe('598');
    expect(remaining(sim)).toBe(598);
  });

  test('endpoint → scope matrix: users and members need user data; orgs, roles and groups need org data', async () => {
    const sim = makeSim();
    const org = (await call(sim, '/v1/compliance/organizations')).json.data[0].uuid;
    const group = (await call(sim, '/v1/compliance/groups')).json.data[0].id;
    const needs = async (path: string) => {
      const res = await call(sim, path, { key: KEYS.orgData });
      return res.status === 200 ? 'ok' : /Needed: \['(.*)'\]/.exec(res.json.error.message)?.[1];
    };
    expect(await needs('/v1/compliance/organizations')).toBe('ok');
    expect(await needs(`/v1/compliance/organizations/${org}/roles`)).toBe('ok');
    expect(await needs('/v1/compliance/groups')).toBe('ok');
    expect(await needs(`/v1/compliance/groups/${group}`)).toBe('ok');
    expect(await needs(`/v1/compliance/organizations/${org}/users`)).toBe('read:compliance_user_data');
    expect(await needs(`/v1/compliance/groups/${group}/members`)).toBe('read:compliance_user_data');
    expect(await needs('/v1/compliance/apps/chats')).toBe('read:compliance_user_data');
    expect(await needs('/v1/compliance/apps/projects')).toBe('read:compliance_user_data');
    expect(await needs('/v1/compliance/activities')).toBe('read:compliance_activities');
    const activitiesOnly = await call(sim, '/v1/compliance/groups', { key: KEYS.activities });
    expect(activitiesOnly.json.error.message).toBe(
      "Missing required scopes. Got: ['read:compliance_activities'] Needed: ['read:compliance_org_data']",
    );
  });

  test('read:org_audit satisfies every read endpoint', async () => {
    const sim = makeSim();
    const org = (await call(sim, '/v1/compliance/organizations', { key: KEYS.audit })).json.data[0].uuid;
    for (const path of ['/v1/compliance/activities', `/v1/compliance/organizations/${org}/users`, '/v1/compliance/apps/chats', '/v1/compliance/groups']) {
      expect((await call(sim, path, { key: KEYS.audit })).status, path).toBe(200);
    }
  });

  test('compat wording "Needed one of" and the PDF-era 401', async () => {
    const oneOf = await call(makeSim({ compat: { neededWording: 'Needed one of' } }), '/v1/compliance/groups', { key: KEYS.admin });
    expect(oneOf.json.error.message).toBe(
      "Missing required scopes. Got: ['read:compliance_activities'] Needed one of: ['read:compliance_org_data', 'read:org_audit']",
    );
    const pdf = await call(makeSim({ compat: { scopeErrorStatus: 401 } }), '/v1/compliance/groups', { key: KEYS.admin });
    expectError(pdf, 401, 'authentication_error', 'The API key provided does not have the `read:compliance_org_data` scope required for this endpoint.');
  });
});

// ---- headers, envelopes, routing (compliance-api.md §6.1; checklist 15) -------------------------------------

describe('headers and routing', () => {
  test('every response has a unique req_01… request-id, JSON content type and the simulated Date', async () => {
    const sim = makeSim();
    const a = await call(sim, '/v1/compliance/organizations');
    const b = await call(sim, '/v1/compliance/organizations');
    const c = await call(sim, '/v1/compliance/nope');
    for (const r of [a, b, c]) {
      expect(r.headers['request-id']).toMatch(REQUEST_ID);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers.date).toBe(new Date(NOW).toUTCString());
    }
    expect(new Set([a, b, c].map((r) => r.headers['request-id'])).size).toBe(3);
    expect(a.headers['x-should-retry']).toBeUndefined();
  });

  test('ratelimit headers on authenticated responses: limit, remaining, RFC 3339 reset of the window end', async () => {
    const sim = makeSim();
    const res = await call(sim, '/v1/compliance/organizations');
    expect(res.headers['anthropic-ratelimit-requests-limit']).toBe('600');
    expect(res.headers['anthropic-ratelimit-requests-remaining']).toBe('599');
    expect(res.headers['anthropic-ratelimit-requests-reset']).toBe('2026-11-01T01:01:00Z');
  });

  test('unknown paths under /v1/compliance are 404 not_found_error after auth; other paths 404 without', async () => {
    const sim = makeSim();
    expectError(await call(sim, '/v1/compliance/chats'), 404, 'not_found_error');
    expectError(await call(sim, '/v1/compliance/apps/chats/x/y/z'), 404, 'not_found_error');
    expect((await call(sim, '/v1/compliance/chats', { key: null })).status).toBe(401);
    expectError(await call(sim, '/v1/messages', { key: null }), 404, 'not_found_error');
    expect(remaining(sim)).toBe(598);
  });

  test('non-GET methods on simulated paths are 405 with an allow header', async () => {
    const sim = makeSim();
    const res = await call(sim, '/v1/compliance/activities', { method: 'POST' });
    expectError(res, 405, 'invalid_request_error', 'Method POST is not allowed on this endpoint; use GET.');
    expect(res.headers.allow).toBe('GET');
  });
});

// ---- the shared budget (compliance-api.md §6.3; checklist 3) ------------------------------------------------

describe('rate limit', () => {
  test('600 per window across all keys, then 429 with the documented message and retry-after', async () => {
    const sim = makeSim();
    for (let i = 0; i < 600; i++) {
      const res = await call(sim, '/v1/compliance/activities?limit=1', { key: i % 2 ? KEYS.full : KEYS.admin });
      expect(res.status).toBe(200);
    }
    const res = await call(sim, '/v1/compliance/organizations');
    expect(res.status).toBe(429);
    expect(res.json).toEqual({
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message:
          'Compliance API rate limit of 600 requests per minute per parent organization has been exceeded. Retry after the time indicated by the retry-after header. Quote the request-id response header when contacting Anthropic support.',
      },
      request_id: res.headers['request-id'],
    });
    expect(res.headers['retry-after']).toBe('61'); // the window just began: 60 s, rounded up, plus 1 s margin
    expect(res.headers['anthropic-ratelimit-requests-remaining']).toBe('0');
    // as the real API: false on every 4xx, the 429 included (compliance-api.md §6.1)
    expect(res.headers['x-should-retry']).toBe('false');
    // unauthenticated requests are still refused before the limiter
    expect((await call(sim, '/v1/compliance/organizations', { key: null })).status).toBe(401);

    sim.clock.advance(45_500);
    expect((await call(sim, '/v1/compliance/organizations')).headers['retry-after']).toBe('16');
    sim.clock.advance(14_500);
    const next = await call(sim, '/v1/compliance/organizations');
    expect(next.status).toBe(200);
    expect(next.headers['anthropic-ratelimit-requests-remaining']).toBe('599');

    const stats = sim.stats();
    expect(stats.requests_per_minute).toEqual([602, 1]);
    expect(stats.rate_limited).toBe(2);
    expect(stats.windows[0]).toEqual({ start: '2026-11-01T01:00:00.000Z', requests: 602, rate_limited: 2 });
  });

  test('rpm 0 is unlimited and sends no ratelimit headers; POST /_sim/rate-limit changes the budget', async () => {
    const sim = makeSim({ rpm: 0 });
    const res = await call(sim, '/v1/compliance/organizations');
    expect(res.headers['anthropic-ratelimit-requests-limit']).toBeUndefined();
    expect(sim.stats().window).toBeNull();
    // the request above already counts in this window
    expect((await control(sim, 'POST', '/_sim/rate-limit', { rpm: 2 })).json).toEqual({ rpm: 2 });
    expect((await call(sim, '/v1/compliance/organizations')).status).toBe(200);
    expect((await call(sim, '/v1/compliance/organizations')).status).toBe(429);
    expectError(await control(sim, 'POST', '/_sim/rate-limit', { rpm: -1 }), 400, 'invalid_request_error');
  });
});

// ---- self-events (compliance-api.md §2.1; checklist 4) ------------------------------------------------------

describe('compliance_api_accessed', () => {
  test('every authenticated call, errors included, becomes an activity about a second later', async () => {
    const sim = makeSim();
    const ok = await call(sim, '/v1/compliance/organizations?limit=1');
    const forbidden = await call(sim, '/v1/compliance/groups', { key: KEYS.admin });
    const invalid = await call(sim, '/v1/compliance/activities?limit=0');
    await call(sim, '/v1/compliance/activities', { key: null });
    const query = '/v1/compliance/activities?activity_types[]=compliance_api_accessed&created_at.gte=2026-11-01T00:00:00Z&order=asc';
    sim.clock.advance(999);
    expect((await call(sim, query)).json.data).toEqual([]);
    sim.clock.advance(1001);
    // calls within one millisecond of the frozen clock land in the feed in any order within it
    const events: Activity[] = ((await call(sim, query)).json.data as Activity[]).sort((a, b) =>
      (a.request_id as string) < (b.request_id as string) ? -1 : 1,
    );
    expect(events.map((e) => [e.request_id, e.status_code])).toEqual([
      [ok.headers['request-id'], 200],
      [forbidden.headers['request-id'], 403],
      [invalid.headers['request-id'], 400],
      // the first read of the feed, itself
      [expect.stringMatching(REQUEST_ID), 200],
    ]);
    const first = events[0];
    expect(first).toMatchObject({
      type: 'compliance_api_accessed',
      organization_id: null,
      organization_uuid: null,
      url: 'http://sim.test/v1/compliance/organizations?limit=1',
      request_method: 'GET',
      request_body: null,
      actor: { type: 'api_actor', ip_address: '127.0.0.1', user_agent: 'vitest/1.0' },
    });
    expect(first.actor.api_key_id).toMatch(API_KEY_ID);
    expect(events[1].actor.api_key_id).not.toBe(first.actor.api_key_id);
    expect(JSON.stringify(events)).not.toContain('sk-ant-');
  });
});

// ---- activities (compliance-api.md §2.1; checklist 5–6) -----------------------------------------------------

describe('activities: validation', () => {
  let sim: Simulator;
  beforeAll(() => {
    sim = makeSim({ rpm: 0 });
  });
  const bad = async (query: string, message: string | RegExp, status = 400, type = 'invalid_request_error') =>
    expectError(await call(sim, `/v1/compliance/activities?${query}`), status, type, message);

  test('unknown parameters, including the non-bracket array form', async () => {
    await bad('foo=1', "Unknown query parameter: 'foo'.");
    await bad('activity_types=claude_chat_created', "Unknown query parameter: 'activity_types'.");
    await bad('page=x', "Unknown query parameter: 'page'.");
  });

  test('limit must be an integer between 1 and 5000', async () => {
    await bad('limit=0', 'The limit parameter must be between 1 and 5000, inclusive. Got 0.');
    await bad('limit=5001', 'The limit parameter must be between 1 and 5000, inclusive. Got 5001.');
    await bad('limit=abc', 'The limit parameter must be between 1 and 5000, inclusive. Got abc.');
    await bad('limit=2.5', 'The limit parameter must be between 1 and 5000, inclusive. Got 2.5.');
    expect((await call(sim, '/v1/compliance/activities?limit=5000')).json.data).toHaveLength(5000);
    expect((await call(sim, '/v1/compliance/activities')).json.data).toHaveLength(100);
  });

  test('timestamps: RFC 3339, offset optional; the message names the parameter and echoes the value', async () => {
    await bad(
      'created_at.gte=2024-01-01',
      'The `created_at.gte` parameter contains an invalid timestamp format. Timestamps must be provided in RFC 3339 format e.g., "2024-03-01T00:00:00Z". Got "2024-01-01".',
    );
    await bad('created_at.lt=2026-13-01T00:00:00Z', /`created_at.lt` parameter contains an invalid timestamp format.*Got "2026-13-01T00:00:00Z"/);
    for (const ok of ['2026-10-30T00:00:00Z', '2026-10-30T00:00:00', '2026-10-30T02:00:00%2B02:00', '2026-10-30T00:00:00.123456789Z']) {
      expect((await call(sim, `/v1/compliance/activities?created_at.gte=${ok}`)).status, ok).toBe(200);
    }
  });

  test('activity types are validated; include and exclude are exclusive', async () => {
    await bad('activity_types[]=not_a_type', /not_a_type/);
    await bad('exclude_activity_types[]=not_a_type', /not_a_type/);
    await bad('activity_types[]=claude_chat_created&exclude_activity_types[]=claude_chat_viewed', /cannot be used together/);
  });

  test('order must be asc or desc; after_id and before_id are exclusive', async () => {
    await bad('order=up', /`order`/);
    const first = (await call(sim, '/v1/compliance/activities?limit=1')).json.data[0].id;
    await bad(`after_id=${first}&before_id=${first}`, /Only one of `after_id` and `before_id`/);
  });

  test('undecodable or unknown cursors are 400 with the documented message', async () => {
    await bad('after_id=garbage!', 'Invalid `after_id`. No activity found for `after_id` "garbage!"');
    const unknown = Buffer.from(JSON.stringify({ id: 'activity_01nope', created_at: '2026-10-01T00:00:00Z' })).toString('base64url');
    await bad(`before_id=${unknown}`, `Invalid \`before_id\`. No activity found for \`before_id\` "${unknown}"`);
    await bad('after_id=activity_01AAAAAAAAAAAAAAAAAAAAAA', /No activity found for `after_id`/);
  });

  test('an organization outside the tenant is 403', async () => {
    await bad('organization_ids[]=00000000-0000-4000-8000-000000000000', "Cannot query compliance data for organizations outside this API key's scope", 403, 'permission_error');
    await bad('organization_ids[]=org_01nothere', "Cannot query compliance data for organizations outside this API key's scope", 403, 'permission_error');
  });
});

describe('activities: filters, order and cursors', () => {
  let sim: Simulator;
  let truth: string[];
  beforeAll(async () => {
    sim = makeSim({ rpm: 0 });
    truth = await truthIds(sim, DAY_WINDOW);
  });
  const base = (extra = '') => `/v1/compliance/activities?${DAY_WINDOW}&limit=37${extra}`;
  const ids = (pages: CursorPage<Activity>[]) => pages.flatMap((p) => p.data.map((a) => a.id));

  test('default order is created_at desc with ties by id desc; after_id walks to the oldest', async () => {
    expect(truth.length).toBeGreaterThan(300);
    const pages = await walk(sim, base(), 'after_id');
    const walked = ids(pages);
    expect(walked).toEqual([...truth].reverse());
    const all = pages.flatMap((p) => p.data);
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1], all[i]];
      expect(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id)).toBe(true);
    }
    expect(pages.at(-1)!.has_more).toBe(false);
    expect(pages.slice(0, -1).every((p) => p.has_more && p.data.length === 37)).toBe(true);
  });

  test('cursors are base64 JSON {id, created_at} of the first and last item', async () => {
    const page = (await call(sim, base())).json as CursorPage<Activity>;
    expect(JSON.parse(Buffer.from(page.first_id!, 'base64url').toString())).toEqual({ id: page.data[0].id, created_at: page.data[0].created_at });
    expect(JSON.parse(Buffer.from(page.last_id!, 'base64url').toString())).toEqual({ id: page.data[36].id, created_at: page.data[36].created_at });
  });

  test('walks from a middle item in both directions meet without gaps or repeats', async () => {
    const descending = [...truth].reverse();
    const middle = Math.floor(descending.length / 2);
    const pivot = descending[middle];
    const older = ids(await walk(sim, base(), 'after_id', pivot));
    const newerPages = await walk(sim, base(), 'before_id', pivot);
    // before_id pages come back in result order, each one adjacent to (newer than) the previous cursor
    const newer = newerPages.reverse().flatMap((p) => p.data.map((a) => a.id));
    expect([...newer, pivot, ...older]).toEqual(descending);
  });

  test('the documented catch-up loop: before_id from a stored first_id until has_more is false', async () => {
    const descending = [...truth].reverse();
    const oldest = descending.at(-1)!;
    const collected: string[] = [];
    let cursor = oldest;
    for (;;) {
      const page = (await call(sim, `${base()}&before_id=${cursor}`)).json as CursorPage<Activity>;
      collected.unshift(...page.data.map((a) => a.id));
      if (page.first_id) cursor = page.first_id;
      if (!page.has_more) break;
    }
    expect([...collected, oldest]).toEqual(descending);
  });

  test('order=asc walks oldest first; before_id goes back toward the start', async () => {
    const forward = ids(await walk(sim, base('&order=asc'), 'after_id'));
    expect(forward).toEqual(truth);
    const last = truth.at(-1)!;
    const back = (await walk(sim, base('&order=asc'), 'before_id', last)).reverse();
    expect([...back.flatMap((p) => p.data.map((a) => a.id)), last]).toEqual(truth);
  });

  test('a raw activity id works as after_id and gives the same page as its cursor', async () => {
    const first = (await call(sim, base())).json as CursorPage<Activity>;
    const lastItem = first.data.at(-1)!;
    const byCursor = (await call(sim, `${base()}&after_id=${first.last_id}`)).json;
    const byRawId = (await call(sim, `${base()}&after_id=${lastItem.id}`)).json;
    expect(byRawId).toEqual(byCursor);
  });

  test('an empty page: data [], has_more false, first_id and last_id null', async () => {
    const res = await call(sim, '/v1/compliance/activities?created_at.gte=2030-01-01T00:00:00Z');
    expect(res.json).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
    const oldest = truth[0];
    expect((await call(sim, `${base()}&after_id=${oldest}`)).json).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });

  test('created_at bounds at microsecond resolution: gte/lte include the instant, gt/lt exclude it', async () => {
    const page = (await call(sim, base())).json as CursorPage<Activity>;
    const t = page.data[5].created_at;
    const at = page.data.filter((a) => a.created_at === t).map((a) => a.id).sort();
    const count = async (q: string) => ((await call(sim, `/v1/compliance/activities?${q}&limit=5000`)).json.data as Activity[]).map((a) => a.id).sort();
    expect(await count(`created_at.gte=${t}&created_at.lte=${t}`)).toEqual(at);
    expect(await count(`created_at.gt=${t}&created_at.lte=${t}`)).toEqual([]);
    expect(await count(`created_at.gte=${t}&created_at.lt=${t}`)).toEqual([]);
    const nextMicro = t.replace(/(\d{6})Z$/, (_, d: string) => `${String(Number(d) + 1).padStart(6, '0')}Z`);
    expect(await count(`created_at.gte=${t}&created_at.lt=${nextMicro}`)).toEqual(at);
  });

  test('type filters, bracket or percent-encoded, and exclusion', async () => {
    const plain = (await call(sim, `${base()}&activity_types[]=claude_chat_viewed&activity_types[]=sso_login_succeeded&limit=500`)).json;
    const encoded = (await call(sim, `${base()}&activity_types%5B%5D=claude_chat_viewed&activity_types%5B%5D=sso_login_succeeded&limit=500`)).json;
    expect(encoded).toEqual(plain);
    expect(plain.data.length).toBeGreaterThan(10);
    expect(new Set(plain.data.map((a: Activity) => a.type))).toEqual(new Set(['claude_chat_viewed', 'sso_login_succeeded']));
    const excluded = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000&exclude_activity_types[]=claude_chat_viewed`)).json;
    expect(excluded.data.some((a: Activity) => a.type === 'claude_chat_viewed')).toBe(false);
    expect(excluded.data.length).toBe(truth.length - (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000&activity_types[]=claude_chat_viewed`)).json.data.length);
  });

  test('actor_ids[] and user_ids[] are merged', async () => {
    const all = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000`)).json.data as Activity[];
    const users = [...new Set(all.map((a) => a.actor.user_id).filter((u): u is string => typeof u === 'string'))].slice(0, 2);
    const byBoth = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000&actor_ids[]=${users[0]}&user_ids[]=${users[1]}`)).json.data as Activity[];
    expect(byBoth.map((a) => a.id)).toEqual(all.filter((a) => users.includes(a.actor.user_id as string)).map((a) => a.id));
    expect(byBoth.length).toBeGreaterThan(0);
  });

  test('organization_ids[] by UUID or org_ form; activities without an organization stay in', async () => {
    const all = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000`)).json.data as Activity[];
    const withOrg = all.find((a) => a.organization_uuid !== null)!;
    const expected = all
      .filter((a) => a.organization_uuid === withOrg.organization_uuid || (a.organization_id === null && a.organization_uuid === null))
      .map((a) => a.id);
    const byUuid = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000&organization_ids[]=${withOrg.organization_uuid}`)).json.data;
    const byTagged = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000&organization_ids[]=${withOrg.organization_id}`)).json.data;
    expect(byUuid.map((a: Activity) => a.id)).toEqual(expected);
    expect(byTagged.map((a: Activity) => a.id)).toEqual(expected);
    expect(byUuid.some((a: Activity) => a.organization_id === null)).toBe(true);
    expect(expected.length).toBeLessThan(all.length);
    // every organization's org_ form is in scope, the Console org (no content) included
    const tagged = new Set(all.map((a) => a.organization_id).filter((o): o is string => o !== null));
    expect(tagged.size).toBe(3);
    for (const t of tagged) expect((await call(makeSim(), `/v1/compliance/activities?organization_ids[]=${t}`)).status, t).toBe(200);
  });

  test('injected activities (odd timestamps, late arrival) are served as given, once visible', async () => {
    const local = makeSim({ rpm: 0 });
    const record = {
      id: 'activity_01InjectedLateArrival000001',
      created_at: '2026-10-30T12:00:00.5+00:00',
      organization_id: null,
      organization_uuid: null,
      actor: { type: 'brand_new_actor', something: 1 },
      type: 'claude_chat_viewed',
      unknown_field: { nested: true },
    };
    const injected = await control(local, 'POST', '/_sim/activities', { records: [record], visible_at: '2026-11-01T01:00:30Z' });
    expect(injected.json).toEqual({ count: 1, ids: [record.id] });
    const query = `/v1/compliance/activities?created_at.gte=2026-10-30T12:00:00.5Z&created_at.lte=2026-10-30T12:00:00.5Z`;
    expect((await call(local, query)).json.data).toEqual([]);
    local.clock.advance(30_000);
    expect((await call(local, query)).json.data).toEqual([record]);
    expect((await call(local, `/v1/compliance/activities?after_id=${record.id}&limit=1`)).status).toBe(200);
  });
});

// ---- directory (compliance-api.md §2.2; checklist 7) --------------------------------------------------------

describe('directory', () => {
  let sim: Simulator;
  let org: string;
  beforeAll(async () => {
    sim = makeSim({ rpm: 0 });
    org = (await call(sim, '/v1/compliance/organizations')).json.data[0].uuid;
  });

  async function tokenWalk(path: string, limit: number) {
    const pages: TokenPage<any>[] = [];
    let token: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const res: Called = await call(sim, `${path}${sep}limit=${limit}${token ? `&page=${token}` : ''}`);
      expect(res.status, res.body).toBe(200);
      pages.push(res.json);
      token = res.json.next_page;
      expect(res.json.has_more).toBe(token !== null);
    } while (token);
    return pages;
  }

  test('organizations: one page by default, sorted by created_at', async () => {
    const res = await call(sim, '/v1/compliance/organizations');
    expect(res.json.has_more).toBe(false);
    expect(res.json.next_page).toBeNull();
    const created = res.json.data.map((o: { created_at: string }) => o.created_at);
    expect(created).toEqual([...created].sort());
    expectError(await call(sim, '/v1/compliance/organizations?limit=1001'), 400, 'invalid_request_error', 'The limit parameter must be between 1 and 1000, inclusive. Got 1001.');
  });

  test('users: page tokens walk the list in join order without gaps or repeats', async () => {
    const all = (await call(sim, `/v1/compliance/organizations/${org}/users`)).json.data;
    expect(all.length).toBeGreaterThan(10);
    const pages = await tokenWalk(`/v1/compliance/organizations/${org}/users`, 4);
    expect(pages.flatMap((p) => p.data)).toEqual(all);
    expect(pages[0].next_page).toMatch(/^page_/);
    expect(pages.at(-1)!.next_page).toBeNull();
    // in join order (compliance-api.md §2.2), not by created_at, which is the account's creation and often earlier
    const joinedMs = new Map((sim.tenant as SyntheticTenant).timeline.users.map((u) => [u.id, u.joinedMs]));
    const joined = all.map((u: { id: string }) => joinedMs.get(u.id)!);
    expect(joined).toEqual([...joined].sort((a, b) => a - b));
    expect(all.some((u: { id: string; created_at: string }) => Date.parse(u.created_at) < joinedMs.get(u.id)! - 86_400_000)).toBe(true);
  });

  test('bad page tokens are 400; a token is bound to its query', async () => {
    expectError(await call(sim, '/v1/compliance/groups?page=garbage'), 400, 'invalid_request_error');
    expectError(await call(sim, '/v1/compliance/groups?page=page_e30'), 400, 'invalid_request_error');
    const first = (await call(sim, `/v1/compliance/organizations/${org}/users?limit=2`)).json;
    expectError(await call(sim, `/v1/compliance/organizations/${org}/roles?page=${first.next_page}`), 400, 'invalid_request_error');
    // limit may change between pages
    expect((await call(sim, `/v1/compliance/organizations/${org}/users?limit=3&page=${first.next_page}`)).status).toBe(200);
  });

  test('unknown organization, role and group are 404 with the documented messages', async () => {
    const ghost = '11111111-2222-4333-8444-555555555555';
    expectError(await call(sim, `/v1/compliance/organizations/${ghost}/users`), 404, 'not_found_error', `The "${ghost}" organization does not exist or the requester is not authorized to access it.`);
    expectError(await call(sim, `/v1/compliance/organizations/${ghost}/roles`), 404, 'not_found_error', /organization does not exist/);
    expectError(await call(sim, `/v1/compliance/organizations/${org}/roles/rbac_role_01nope`), 404, 'not_found_error', 'Role not found.');
    expectError(await call(sim, `/v1/compliance/organizations/${org}/roles/rbac_role_01nope/permissions`), 404, 'not_found_error', 'Role not found.');
    expectError(await call(sim, '/v1/compliance/groups/rbac_group_01nope'), 404, 'not_found_error', 'Group not found.');
    expectError(await call(sim, '/v1/compliance/groups/rbac_group_01nope/members'), 404, 'not_found_error', 'Group not found.');
  });

  test('roles, a role, its permissions', async () => {
    const roles = (await call(sim, `/v1/compliance/organizations/${org}/roles`)).json.data;
    expect(roles.length).toBeGreaterThan(0);
    const role = await call(sim, `/v1/compliance/organizations/${org}/roles/${roles[0].id}`);
    expect(role.json).toEqual(roles[0]);
    const perms = (await call(sim, `/v1/compliance/organizations/${org}/roles/${roles[0].id}/permissions`)).json;
    expect(perms).toMatchObject({ has_more: false, next_page: null });
    expect(perms.data[0]).toHaveProperty('action');
    expectError(await call(sim, `/v1/compliance/organizations/${org}/roles/${roles[0].id}?limit=1`), 400, 'invalid_request_error', "Unknown query parameter: 'limit'.");
  });

  test('groups: name_prefix, a group, its members with page tokens', async () => {
    const groups = (await call(sim, '/v1/compliance/groups')).json.data;
    const name = groups[1].name as string;
    const filtered = (await call(sim, `/v1/compliance/groups?name_prefix=${encodeURIComponent(name.slice(0, 3))}`)).json.data;
    expect(filtered.map((g: { id: string }) => g.id)).toEqual(groups.filter((g: { name: string }) => g.name.startsWith(name.slice(0, 3))).map((g: { id: string }) => g.id));
    expect((await call(sim, `/v1/compliance/groups/${groups[1].id}`)).json).toEqual(groups[1]);
    const members = (await call(sim, `/v1/compliance/groups/${groups[1].id}/members`)).json.data;
    expect((await tokenWalk(`/v1/compliance/groups/${groups[1].id}/members`, 2)).flatMap((p) => p.data)).toEqual(members);
    expectError(await call(sim, '/v1/compliance/groups?limit=1001'), 400, 'invalid_request_error', 'The limit parameter must be between 1 and 1000, inclusive. Got 1001.');
    expect((await call(sim, '/v1/compliance/groups?name_prefix=zzz-nothing')).json).toEqual({ data: [], has_more: false, next_page: null });
  });
});

// ---- content (compliance-api.md §2.3, §2.4; checklist 9, 10, 12) --------------------------------------------

describe('chats list', () => {
  let sim: Simulator;
  let all: Chat[];
  beforeAll(async () => {
    sim = makeSim({ rpm: 0 });
    all = (await call(sim, '/v1/compliance/apps/chats?limit=1000')).json.data;
  });
  const bad = async (query: string, message?: string | RegExp) => expectError(await call(sim, `/v1/compliance/apps/chats?${query}`), 400, 'invalid_request_error', message);

  test('every 400 rule of the two modes', async () => {
    const u = all[0].user!.id;
    await bad(Array.from({ length: 11 }, (_, i) => `user_ids[]=user_${i}`).join('&'), /between 1 and 10/);
    await bad('project_ids[]=claude_proj_01x', /`project_ids\[\]` can only be used together with `user_ids\[\]`/);
    await bad(`user_ids[]=${u}&order_by=updated_at`, /only supported for organization-wide/);
    await bad(`user_ids[]=${u}&updated_at.gte=2026-10-01T00:00:00Z`, /cannot be combined with `user_ids\[\]`/);
    await bad('order_by=updated_at&created_at.gte=2026-10-01T00:00:00Z', /must filter on the sort key/);
    await bad('updated_at.gte=2026-10-01T00:00:00Z', /must filter on the sort key/);
    await bad(`before_id=${Buffer.from('{}').toString('base64url')}`, /`before_id` is only supported together with `user_ids\[\]`/);
    await bad('order_by=name', /`order_by`/);
    await bad('limit=1001', 'The limit parameter must be between 1 and 1000, inclusive. Got 1001.');
    await bad('after_id=nonsense', 'Invalid `after_id`. No chat found for `after_id` "nonsense"');
    await bad('bogus=1', "Unknown query parameter: 'bogus'.");
    const page = (await call(sim, '/v1/compliance/apps/chats?limit=2')).json;
    await bad(`order_by=updated_at&after_id=${page.last_id}`, /issued for `order_by=created_at`/);
    expect((await call(sim, `/v1/compliance/apps/chats?user_ids[]=${u}&project_ids[]=claude_proj_01x`)).status).toBe(200);
    expectError(await call(sim, '/v1/compliance/apps/chats?organization_ids[]=org_01elsewhere'), 403, 'permission_error');
  });

  test('org-wide: ascending by created_at, ties by id; after_id walks to the newest', async () => {
    expect(all.length).toBeGreaterThan(100);
    const keys = all.map((c) => `${c.created_at}|${c.id}`);
    expect(keys).toEqual([...keys].sort());
    const pages = await walk(sim, '/v1/compliance/apps/chats?limit=40', 'after_id');
    expect(pages.flatMap((p) => p.data)).toEqual(all);
    const cursor = JSON.parse(Buffer.from(pages[0].last_id!, 'base64url').toString());
    expect(cursor).toEqual({ k: 'created_at', t: pages[0].data[39].created_at, id: pages[0].data[39].id });
  });

  test('org-wide by updated_at with an updated_at window', async () => {
    const q = '/v1/compliance/apps/chats?order_by=updated_at&updated_at.gte=2026-10-15T00:00:00Z&limit=25';
    const walked = (await walk(sim, q, 'after_id')).flatMap((p) => p.data) as Chat[];
    const expected = all
      .filter((c) => c.updated_at >= '2026-10-15T00:00:00Z')
      .sort((a, b) => (a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : a.id < b.id ? -1 : 1));
    expect(walked.map((c) => c.id)).toEqual(expected.map((c) => c.id));
    expect(walked.length).toBeGreaterThan(25);
  });

  test('per-user: both cursor directions; organization filter', async () => {
    const counts = new Map<string, number>();
    for (const c of all) if (c.user) counts.set(c.user.id, (counts.get(c.user.id) ?? 0) + 1);
    const [user] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    const mine = all.filter((c) => c.user?.id === user);
    const q = `/v1/compliance/apps/chats?user_ids[]=${user}&limit=4`;
    const forward = await walk(sim, q, 'after_id');
    expect(forward.flatMap((p) => p.data)).toEqual(mine);
    const last = forward.at(-1)!;
    const backward = await walk(sim, q, 'before_id', last.first_id!);
    const before = backward.reverse().flatMap((p) => p.data);
    expect([...before, ...last.data]).toEqual(mine);
    const org = mine[0].organization_uuid;
    const byOrg = (await call(sim, `/v1/compliance/apps/chats?limit=1000&organization_ids[]=${org}`)).json.data as Chat[];
    expect(byOrg.map((c) => c.id)).toEqual(all.filter((c) => c.organization_uuid === org).map((c) => c.id));
  });
});

describe('messages, files, projects', () => {
  let sim: Simulator;
  let chatId: string;
  let full: ChatMessagesPage;
  beforeAll(async () => {
    sim = makeSim({ rpm: 0 });
    const chats = (await call(sim, '/v1/compliance/apps/chats?limit=1000')).json.data as Chat[];
    let best: ChatMessagesPage | undefined;
    for (const c of chats.slice(0, 80)) {
      const page = (await call(sim, `/v1/compliance/apps/chats/${c.id}/messages`)).json as ChatMessagesPage;
      if (!best || page.chat_messages.length > best.chat_messages.length) best = page;
    }
    full = best!;
    chatId = full.id;
  });
  const messages = (q = '') => `/v1/compliance/apps/chats/${chatId}/messages${q}`;

  test('without limit: chat metadata plus every message, oldest first', async () => {
    expect(full.chat_messages.length).toBeGreaterThanOrEqual(6);
    expect(full).toMatchObject({ has_more: false, first_id: expect.any(String), last_id: expect.any(String) });
    expect(full).toHaveProperty('href');
    expect(full).toHaveProperty('organization_uuid');
    const times = full.chat_messages.map((m) => m.created_at);
    expect(times).toEqual([...times].sort());
    expect(JSON.parse(Buffer.from(full.first_id!, 'base64url').toString())).toEqual({ msg_uuid: full.chat_messages[0].id });
  });

  test('cursors in both orders', async () => {
    const ids = full.chat_messages.map((m) => m.id);
    const asc = await walk(sim, messages('?limit=2'), 'after_id');
    expect(asc.flatMap((p: any) => p.chat_messages.map((m: { id: string }) => m.id))).toEqual(ids);
    const desc = await walk(sim, messages('?limit=4&order=desc'), 'after_id');
    expect(desc.flatMap((p: any) => p.chat_messages.map((m: { id: string }) => m.id))).toEqual([...ids].reverse());
    const lastCursor = asc.at(-1)!.last_id!;
    const back = (await call(sim, messages(`?limit=3&before_id=${lastCursor}`))).json;
    expect(back.chat_messages.map((m: { id: string }) => m.id)).toEqual(ids.slice(-4, -1));
    expect(back.has_more).toBe(ids.length > 4);
    const after = full.chat_messages[1].created_at;
    const filtered = (await call(sim, messages(`?created_at.gt=${after}`))).json.chat_messages;
    expect(filtered.map((m: { id: string }) => m.id)).toEqual(ids.slice(2));
  });

  test('message validation and 404', async () => {
    expectError(await call(sim, messages('?limit=1001')), 400, 'invalid_request_error', 'The limit parameter must be between 1 and 1000, inclusive. Got 1001.');
    expectError(await call(sim, messages('?after_id=abc')), 400, 'invalid_request_error', 'Invalid `after_id`. No message found for `after_id` "abc"');
    expectError(await call(sim, messages('?tool_use_input_max_chars=0')), 400, 'invalid_request_error', /tool_use_input_max_chars/);
    expectError(await call(sim, messages('?tool_result_max_chars=-2')), 400, 'invalid_request_error', /tool_result_max_chars/);
    expectError(await call(sim, messages('?order=sideways')), 400, 'invalid_request_error');
    expectError(await call(sim, '/v1/compliance/apps/chats/claude_chat_01nope/messages'), 404, 'not_found_error', 'Chat claude_chat_01nope not found.');
  });

  test('tool_use and tool_result caps truncate and flag; -1 disables', async () => {
    const chats = (await call(sim, '/v1/compliance/apps/chats?limit=1000')).json.data as Chat[];
    let withTools: string | undefined;
    for (const c of chats) {
      const page = (await call(sim, `/v1/compliance/apps/chats/${c.id}/messages`)).json as ChatMessagesPage;
      if (page.chat_messages.some((m) => m.content.some((b) => b.type === 'tool_use' && (b.input as string).length > 8))) {
        withTools = c.id;
        break;
      }
    }
    expect(withTools).toBeDefined();
    const path = `/v1/compliance/apps/chats/${withTools}/messages`;
    const capped = (await call(sim, `${path}?tool_use_input_max_chars=5&tool_result_max_chars=3`)).json as ChatMessagesPage;
    const blocks = capped.chat_messages.flatMap((m) => m.content);
    const toolUse = blocks.find((b) => b.type === 'tool_use')!;
    expect(toolUse).toMatchObject({ truncated: true });
    expect((toolUse.input as string).length).toBe(5);
    const toolResult = blocks.find((b) => b.type === 'tool_result')! as { content: { text: string }[]; truncated: boolean };
    expect(toolResult.truncated).toBe(true);
    expect(toolResult.content.every((c) => c.text.length <= 3)).toBe(true);
    const uncapped = (await call(sim, `${path}?tool_use_input_max_chars=-1`)).json as ChatMessagesPage;
    expect(uncapped).toEqual((await call(sim, path)).json);
  });

  test('file metadata and its 404', async () => {
    const chats = (await call(sim, '/v1/compliance/apps/chats?limit=1000')).json.data as Chat[];
    let fileId: string | undefined;
    for (const c of chats) {
      const page = (await call(sim, `/v1/compliance/apps/chats/${c.id}/messages`)).json as ChatMessagesPage;
      fileId = page.chat_messages.find((m) => m.files?.length)?.files?.[0].id;
      if (fileId) break;
    }
    expect(fileId).toBeDefined();
    const file = await call(sim, `/v1/compliance/apps/chats/files/${fileId}`);
    expect(file.status).toBe(200);
    expect(file.json.id).toBe(fileId);
    expectError(await call(sim, '/v1/compliance/apps/chats/files/claude_file_01nope'), 404, 'not_found_error', 'No file found with provided id, or it has already been deleted.');
  });

  test('projects: created_at order, page tokens, filters, detail, attachments', async () => {
    const list = (await call(sim, '/v1/compliance/apps/projects')).json;
    expect(list.data.length).toBeGreaterThan(2);
    expect(list.data.length).toBeLessThanOrEqual(20);
    const created = list.data.map((p: { created_at: string }) => p.created_at);
    expect(created).toEqual([...created].sort());
    let token: string | null = null;
    const walked: unknown[] = [];
    do {
      const page: Called = await call(sim, `/v1/compliance/apps/projects?limit=2${token ? `&page=${token}` : ''}`);
      walked.push(...page.json.data);
      token = page.json.next_page;
    } while (token);
    expect(walked).toEqual(list.data);
    expectError(await call(sim, '/v1/compliance/apps/projects?limit=101'), 400, 'invalid_request_error', 'The limit parameter must be between 1 and 100, inclusive. Got 101.');
    const org = list.data[0].organization_uuid;
    const byOrg = (await call(sim, `/v1/compliance/apps/projects?organization_ids[]=${org}`)).json.data;
    expect(byOrg.every((p: { organization_uuid: string }) => p.organization_uuid === org)).toBe(true);
    const late = (await call(sim, `/v1/compliance/apps/projects?created_at.gt=${created[0]}`)).json.data;
    expect(late.length).toBe(list.data.filter((p: { created_at: string }) => p.created_at > created[0]).length);

    const detail = await call(sim, `/v1/compliance/apps/projects/${list.data[0].id}`);
    expect(detail.json).toMatchObject({ id: list.data[0].id, chats_count: expect.any(Number), attachments_count: expect.any(Number) });
    expectError(await call(sim, '/v1/compliance/apps/projects/claude_proj_01nope'), 404, 'not_found_error', 'No project is found with the provided id.');
    expectError(await call(sim, '/v1/compliance/apps/projects/claude_proj_01nope/attachments'), 404, 'not_found_error', 'No project is found with the provided id.');
    let attachments: any[] = [];
    for (const p of list.data) {
      const res = (await call(sim, `/v1/compliance/apps/projects/${p.id}/attachments`)).json;
      if (res.data.length > attachments.length) attachments = res.data;
    }
    expect(attachments.length).toBeGreaterThan(1);
    const keys = attachments.map((a) => `${a.created_at}|${a.id}`);
    expect(keys).toEqual([...keys].sort());
  });
});

// ---- faults --------------------------------------------------------------------------------------

describe('x-should-retry on 429s (rateLimitShouldRetry)', () => {
  test.each([
    [undefined, 'false'],
    ['false', 'false'],
    ['true', 'true'],
    ['none', undefined],
  ] as const)('option %s: the budget\'s 429 and an injected 429 both carry %s', async (mode, header) => {
    const sim = makeSim({ rpm: 1, ...(mode ? { rateLimitShouldRetry: mode } : {}) });
    expect((await call(sim, '/v1/compliance/organizations')).status).toBe(200);
    const refused = await call(sim, '/v1/compliance/organizations');
    expect(refused.status).toBe(429);
    expect(refused.headers['x-should-retry']).toBe(header);
    sim.setRateLimit(0);
    sim.faults.setRules([{ kind: '429', count: 1 }]);
    const injected = await call(sim, '/v1/compliance/organizations');
    expect(injected.status).toBe(429);
    expect(injected.headers['x-should-retry']).toBe(header);
    // the other 4xx keep false whatever the option
    const bad = await call(sim, '/v1/compliance/activities?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-should-retry']).toBe('false');
  });
});

describe('faults', () => {
  const rules = async (sim: Simulator, body: unknown) => {
    const res = await control(sim, 'POST', '/_sim/faults', body);
    expect(res.status, res.body).toBe(200);
    return res.json;
  };

  test.each([
    ['429', 429, 'rate_limit_error', 'false'],
    ['500', 500, 'api_error', 'true'],
    ['502', 502, 'api_error', 'true'],
    ['503', 503, 'overloaded_error', 'true'],
    ['504', 504, 'timeout_error', 'true'],
    ['529', 529, 'overloaded_error', 'true'],
    ['500-deterministic', 500, 'api_error', 'false'],
  ])('%s: the next matching request fails once, then the same request succeeds', async (kind, status, type, retry) => {
    const sim = makeSim();
    await rules(sim, { rules: [{ kind, count: 1, path: '/v1/compliance/activities', retryAfter: kind === '429' ? '2' : undefined }] });
    expect((await call(sim, '/v1/compliance/organizations')).status).toBe(200);
    const failed = await call(sim, '/v1/compliance/activities?limit=1');
    expect(failed.status).toBe(status);
    expect(failed.json).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: failed.headers['request-id'] });
    expect(failed.headers['x-should-retry']).toBe(retry);
    expect(failed.headers['anthropic-ratelimit-requests-limit']).toBe('600');
    if (kind === '429') expect(failed.headers['retry-after']).toBe('2');
    expect((await call(sim, '/v1/compliance/activities?limit=1')).status).toBe(200);
    const config = (await control(sim, 'GET', '/_sim/faults')).json;
    expect(config.rules[0]).toMatchObject({ kind, fired: 1, remaining: 0 });
    sim.clock.advance(2000);
    const own = (await call(sim, '/v1/compliance/activities?activity_types[]=compliance_api_accessed&order=asc&limit=10')).json.data as Activity[];
    expect(own.find((a) => a.request_id === failed.headers['request-id'])?.status_code).toBe(status);
    expect(own.map((a) => a.status_code).sort()).toEqual([200, 200, status].sort());
    expect(sim.stats().faults_injected).toBe(1);
  });

  test('reset, truncate, slow and invalid-json through the in-process fetch', async () => {
    const sim = makeSim();
    const url = 'http://sim.test/v1/compliance/activities?limit=50';
    const init = { headers: { 'x-api-key': KEYS.full } };
    await rules(sim, { rules: [{ kind: 'reset', count: 1 }, { kind: 'truncate', count: 1 }, { kind: 'invalid-json', count: 1 }, { kind: 'slow', count: 1, delayMs: 300 }] });
    const reset = await sim.fetch(url, init).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(TypeError);
    expect((reset as TypeError).message).toBe('fetch failed');
    expect(((reset as TypeError).cause as { code: string }).code).toBe('ECONNRESET');

    const truncated = await sim.fetch(url, init);
    expect(truncated.status).toBe(200);
    expect(Number(truncated.headers.get('content-length'))).toBeGreaterThan(1000);
    await expect(truncated.text()).rejects.toThrow('terminated');

    const invalid = await sim.fetch(url, init);
    expect(invalid.status).toBe(200);
    await expect(invalid.json()).rejects.toThrow(SyntaxError);

    const started = Date.now();
    const slow = await sim.fetch(url, init);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect((await jsonOf(slow)).data).toHaveLength(50);

    const fine = await sim.fetch(url, init);
    expect((await jsonOf(fine)).data).toHaveLength(50);
  });

  test('an aborted in-process fetch rejects during a slow response', async () => {
    const sim = makeSim();
    await rules(sim, { rules: [{ kind: 'slow', count: 1, delayMs: 5000 }] });
    const started = Date.now();
    const err = await sim
      .fetch('http://sim.test/v1/compliance/organizations', { headers: { 'x-api-key': KEYS.full }, signal: AbortSignal.timeout(100) })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(4500);
  });

  test('duplicate-boundary repeats the cursor item at the start of the next page', async () => {
    const sim = makeSim({ rpm: 0 });
    const first = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=10`)).json as CursorPage<Activity>;
    const clean = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=10&after_id=${first.last_id}`)).json as CursorPage<Activity>;
    await rules(sim, { rules: [{ kind: 'duplicate-boundary', count: 1 }] });
    // pages without a cursor are not boundaries
    expect((await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=10`)).json).toEqual(first);
    const dup = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=10&after_id=${first.last_id}`)).json as CursorPage<Activity>;
    expect(dup.data[0]).toEqual(first.data[9]);
    expect(dup.data.slice(1)).toEqual(clean.data.slice(0, 9));
    expect(dup.has_more).toBe(true);
    const chats = (await call(sim, '/v1/compliance/apps/chats?limit=5')).json;
    await rules(sim, { rules: [{ kind: 'duplicate-boundary', count: 1 }] });
    const chatDup = (await call(sim, `/v1/compliance/apps/chats?limit=5&after_id=${chats.last_id}`)).json;
    expect(chatDup.data[0]).toEqual(chats.data[4]);
    const chatId = chats.data.find((c: Chat) => c.deleted_at === null).id;
    const messages = (await call(sim, `/v1/compliance/apps/chats/${chatId}/messages?limit=1`)).json as ChatMessagesPage;
    await rules(sim, { rules: [{ kind: 'duplicate-boundary', count: 1 }] });
    const messageDup = (await call(sim, `/v1/compliance/apps/chats/${chatId}/messages?limit=1&after_id=${messages.last_id}`)).json;
    expect(messageDup.chat_messages).toEqual(messages.chat_messages);
    expect(messageDup.has_more).toBe(true);
  });

  test('phantom-has-more: a terminal page claims more, the following page is empty', async () => {
    const sim = makeSim({ rpm: 0 });
    await rules(sim, { rules: [{ kind: 'phantom-has-more', count: 2 }] });
    const q = '/v1/compliance/activities?created_at.gte=2026-10-30T00:00:00Z&created_at.lt=2026-10-30T01:00:00Z&limit=5000';
    const page = (await call(sim, q)).json as CursorPage<Activity>;
    expect(page.has_more).toBe(true);
    expect(page.data.length).toBeLessThan(5000);
    const next = (await call(sim, `${q}&after_id=${page.last_id}`)).json;
    expect(next).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
    const groups = (await call(sim, '/v1/compliance/groups')).json as TokenPage<unknown>;
    expect(groups.has_more).toBe(true);
    expect((await call(sim, `/v1/compliance/groups?page=${groups.next_page}`)).json).toEqual({ data: [], has_more: false, next_page: null });
  });

  test('rules: every, probability and path; unknown kinds and profiles are 400; DELETE clears', async () => {
    const sim = makeSim({ rpm: 0 });
    await rules(sim, { rules: [{ kind: '503', every: 3, path: '/v1/compliance/groups' }] });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await call(sim, '/v1/compliance/groups')).status);
      statuses.push((await call(sim, '/v1/compliance/organizations')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 503, 200, 200, 200, 200, 200, 503, 200]);
    expectError(await control(sim, 'POST', '/_sim/faults', { rules: [{ kind: 'meteor' }] }), 400, 'invalid_request_error');
    expectError(await control(sim, 'POST', '/_sim/faults', { profile: 'meteor' }), 400, 'invalid_request_error');
    expect((await control(sim, 'DELETE', '/_sim/faults')).json).toMatchObject({ profile: null, rules: [] });
    expect((await call(sim, '/v1/compliance/groups')).status).toBe(200);
  });

  test('profiles are deterministic for a seed, and a retry of a faulted request succeeds', async () => {
    const run = async (seed: number) => {
      const sim = makeSim({ rpm: 0, faults: 'server-errors', faultSeed: seed });
      const out: number[] = [];
      for (let i = 0; i < 300; i++) {
        const url = `/v1/compliance/activities?limit=1&created_at.lt=2026-10-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`;
        const first = await call(sim, url);
        out.push(first.status);
        if (first.status !== 200) {
          expect([500, 502, 503, 529]).toContain(first.status);
          expect(first.headers['x-should-retry']).toBe('true');
          expect((await call(sim, url)).status).toBe(200);
        }
      }
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    const failures = a.filter((s) => s !== 200).length;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(60);
  });

  test('rate-limit-burst: three consecutive 429s with retry-after 1 every 20 requests', async () => {
    const sim = makeSim({ rpm: 0, faults: 'rate-limit-burst' });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await call(sim, '/v1/compliance/organizations')).status);
    const limited = statuses.flatMap((s, i) => (s === 429 ? [i] : []));
    expect(limited).toEqual([17, 18, 19, 37, 38, 39]);
  });

  test('a retrying client under the chaos profile collects exactly the truth', async () => {
    const sim = makeSim({ rpm: 0, faults: 'chaos', faultSeed: 3 });
    await rules(sim, { profile: 'chaos' });
    const config = (await control(sim, 'GET', '/_sim/faults')).json;
    expect(config.profile).toBe('chaos');
    // no slow faults here: they only cost wall time
    await rules(sim, { rules: config.rules.filter((r: { kind: string }) => r.kind !== 'slow').map(({ fired: _f, remaining: _r, ...r }: any) => r) });
    const truth = await truthIds(sim, DAY_WINDOW);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let attempts = 0;
    for (let pages = 0; pages < 500; pages++) {
      let page: CursorPage<Activity> | undefined;
      for (let attempt = 0; attempt < 6 && !page; attempt++) {
        attempts++;
        try {
          const res = await sim.fetch(`http://sim.test/v1/compliance/activities?${DAY_WINDOW}&limit=20${cursor ? `&after_id=${cursor}` : ''}`, {
            headers: { 'x-api-key': KEYS.full },
          });
          if (res.status !== 200) continue;
          page = (await jsonOf(res)) as CursorPage<Activity>;
        } catch {
          // reset, truncated or invalid body: retry
        }
      }
      expect(page).toBeDefined();
      for (const a of page!.data) seen.add(a.id);
      if (!page!.has_more) break;
      cursor = page!.last_id ?? cursor;
    }
    expect([...seen].sort()).toEqual([...truth].sort());
    expect(attempts).toBeGreaterThan(truth.length / 20);
    expect(sim.stats().faults_injected).toBeGreaterThan(0);
  });
});

// ---- control endpoints ------------------------------------------------------------------------------

describe('control endpoints', () => {
  test('only loopback clients reach /_sim/', async () => {
    const sim = makeSim();
    const denied = await call(sim, '/_sim/health', { key: null, remoteAddress: '10.0.0.5' });
    expectError(denied, 403, 'permission_error');
    for (const remoteAddress of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect((await call(sim, '/_sim/health', { key: null, remoteAddress })).status, remoteAddress).toBe(200);
    }
    expectError(await call(sim, '/_sim/faults', { key: null, method: 'DELETE', remoteAddress: '192.168.1.2' }), 403, 'permission_error');
  });

  test('clock: read, advance, set, never backwards', async () => {
    const sim = makeSim();
    expect((await control(sim, 'GET', '/_sim/clock')).json).toEqual({ now: '2026-11-01T01:00:00.000Z', now_ms: NOW });
    expect((await control(sim, 'POST', '/_sim/clock', { advance_ms: 1500 })).json.now).toBe('2026-11-01T01:00:01.500Z');
    expect((await control(sim, 'POST', '/_sim/clock', { set: '2026-11-02T00:00:00Z' })).json.now).toBe('2026-11-02T00:00:00.000Z');
    expectError(await control(sim, 'POST', '/_sim/clock', { set: '2026-11-01T00:00:00Z' }), 400, 'invalid_request_error');
    expectError(await control(sim, 'POST', '/_sim/clock', { advance_ms: -5 }), 400, 'invalid_request_error');
    expectError(await control(sim, 'POST', '/_sim/clock', '{not json'), 400, 'invalid_request_error');
    expect(sim.clock.now()).toBe(Date.parse('2026-11-02T00:00:00Z'));
  });

  test('truth: activities in a window and membership intervals', async () => {
    const sim = makeSim({ rpm: 0 });
    const truth = await control(sim, 'GET', `/_sim/truth/activities?${DAY_WINDOW}`);
    expect(truth.json.count).toBe(truth.json.ids.length);
    const served = (await call(sim, `/v1/compliance/activities?${DAY_WINDOW}&limit=5000&order=asc`)).json.data.map((a: Activity) => a.id);
    expect(truth.json.ids).toEqual(served);
    const open = await control(sim, 'GET', '/_sim/truth/activities?created_at.gte=2026-10-31T00:00:00Z');
    expect(open.json.count).toBeGreaterThan(0);
    const memberships = (await control(sim, 'GET', '/_sim/truth/memberships')).json.data;
    expect(memberships[0]).toMatchObject({ group_id: expect.any(String), user_id: expect.any(String), valid_from: expect.any(String) });
  });

  test('keys: register at runtime, revoke, expire', async () => {
    const sim = makeSim();
    const key = 'sk-ant-api01-runtime-key';
    expect((await call(sim, '/v1/compliance/organizations', { key })).status).toBe(401);
    const registered = await control(sim, 'POST', '/_sim/keys', { key, kind: 'compliance', scopes: ['read:compliance_org_data'] });
    expect(registered.json).toMatchObject({ kind: 'compliance', scopes: ['read:compliance_org_data'], is_active: true, expires_at: null });
    expect(registered.json.id).toMatch(API_KEY_ID);
    expect(registered.body).not.toContain(key);
    expect((await call(sim, '/v1/compliance/organizations', { key })).status).toBe(200);
    expect((await call(sim, '/v1/compliance/apps/chats', { key })).status).toBe(403);
    await control(sim, 'POST', '/_sim/keys', { key, kind: 'compliance', is_active: false });
    expect((await call(sim, '/v1/compliance/organizations', { key })).status).toBe(401);
    await control(sim, 'POST', '/_sim/keys', { key, kind: 'compliance', expires_at: '2026-11-01T01:00:00Z' });
    expect((await call(sim, '/v1/compliance/organizations', { key })).json.error.message).toBe('API key has expired.');
    expectError(await control(sim, 'POST', '/_sim/keys', { key: 'sk-ant-api03-x', kind: 'compliance' }), 400, 'invalid_request_error');
  });

  test('stats count /v1 requests by status and route', async () => {
    const sim = makeSim();
    await call(sim, '/v1/compliance/organizations');
    await call(sim, '/v1/compliance/groups/rbac_group_01nope');
    await call(sim, '/v1/compliance/organizations', { key: null });
    await control(sim, 'GET', '/_sim/health');
    const stats = (await control(sim, 'GET', '/_sim/stats')).json;
    expect(stats).toMatchObject({
      requests_total: 3,
      by_status: { '200': 1, '404': 1, '401': 1 },
      by_path_prefix: { '/v1/compliance/organizations': 2, '/v1/compliance/groups/{group_id}': 1 },
      rate_limited: 0,
      window: { limit: 600, remaining: 598, reset: '2026-11-01T01:01:00.000Z' },
      requests_per_minute: [2],
    });
  });

  test('unknown control paths are 404, wrong methods 405', async () => {
    const sim = makeSim();
    expectError(await control(sim, 'GET', '/_sim/nothing'), 404, 'not_found_error');
    expectError(await control(sim, 'PUT', '/_sim/clock'), 405, 'invalid_request_error');
  });
});

// ---- transports -------------------------------------------------------------------------------------

describe('over loopback', () => {
  let sim: Simulator;
  let server: { url: string; port: number; close(): Promise<void> };
  beforeAll(async () => {
    sim = makeSim({ rpm: 0 });
    server = await sim.listen(0);
  });
  afterAll(async () => {
    await server.close();
  });

  test('serves the API and the control endpoints with keep-alive', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await fetch(`${server.url}/v1/compliance/activities?limit=3`, { headers: { 'x-api-key': KEYS.full } });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(REQUEST_ID);
    expect(res.headers.get('connection')).toBe('keep-alive');
    expect(res.headers.get('date')).toBe(new Date(NOW).toUTCString());
    expect((await jsonOf(res)).data).toHaveLength(3);
    const health = await fetch(`${server.url}/_sim/health`);
    expect(await jsonOf(health)).toMatchObject({ status: 'ok' });
    sim.clock.advance(2000);
    const own = (await jsonOf(await fetch(`${server.url}/v1/compliance/activities?activity_types[]=compliance_api_accessed&limit=1`, { headers: { 'x-api-key': KEYS.full } }))).data[0];
    expect(own.url).toBe(`${server.url}/v1/compliance/activities?limit=3`);
    expect(own.actor.ip_address).toBe('127.0.0.1');
  });

  test('reset and truncate faults break the socket', async () => {
    const post = (body: unknown) => fetch(`${server.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ rules: [{ kind: 'reset', count: 1 }, { kind: 'truncate', count: 1 }] })).status).toBe(200);
    const headers = { 'x-api-key': KEYS.full };
    const reset = await fetch(`${server.url}/v1/compliance/activities?limit=100`, { headers }).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(TypeError);
    const truncated = await fetch(`${server.url}/v1/compliance/activities?limit=100`, { headers });
    expect(truncated.status).toBe(200);
    await expect(truncated.text()).rejects.toThrow();
    const ok = await fetch(`${server.url}/v1/compliance/activities?limit=100`, { headers });
    expect((await jsonOf(ok)).data).toHaveLength(100);
  });
});

describe('latency', () => {
  test('latencyMs delays every API response', async () => {
    const sim = makeSim({ latencyMs: 120 });
    const started = Date.now();
    await call(sim, '/v1/compliance/organizations');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe('activity types come from schema/activity-types.json', () => {
  test('the feed accepts exactly the catalog types (plus the simulated future ones) as activity_types[]', async () => {
    const sim = makeSim();
    const catalog = loadCatalog().map((e) => e.type);
    expect(catalog.length).toBeGreaterThan(400);
    expect([...sim.tenant.feed.knownTypes].sort()).toEqual([...new Set([...catalog, ...FUTURE_TYPES])].sort());
    const last = catalog[catalog.length - 1];
    expect((await call(sim, `/v1/compliance/activities?activity_types[]=${last}&limit=1`)).status).toBe(200);
    const bogus = await call(sim, '/v1/compliance/activities?activity_types[]=not_in_the_catalog&limit=1');
    expect(bogus.status).toBe(400);
  });
});
