import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ComplianceClient, normalizeBaseUrl } from '../src/api/client.js';
import type { RequestInfo } from '../src/api/http.js';
import { RateBudget } from '../src/api/rate-budget.js';
import { activity, cursorPage, fakeFetch, json } from './support/api-fake-fetch.js';

const KEY = 'sk-ant-api01-ClientTestKey-0000000000000000000000';
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('base URL', () => {
  it.each([
    ['https://api.anthropic.com', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/v1/compliance', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/v1/compliance/', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/v1', 'https://api.anthropic.com'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['https://proxy.example.com/anthropic/v1/compliance', 'https://proxy.example.com/anthropic'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected);
  });
});

describe('requests', () => {
  it('send the documented headers and nothing secret in the URL', async () => {
    const fake = fakeFetch(() => json(cursorPage([], false)));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, baseUrl: 'https://api.anthropic.com/v1/compliance/' });
    await client.activities.list({ limit: 1 });
    const [call] = fake.calls;
    expect(call.url.toString()).toBe('https://api.anthropic.com/v1/compliance/activities?limit=1');
    expect(call.method).toBe('GET');
    expect(call.headers).toMatchObject({
      'x-api-key': KEY,
      'anthropic-version': '2023-06-01',
      'user-agent': `compliance-lake/${version}`,
      accept: 'application/json',
    });
  });

  it('a custom user agent replaces the default', async () => {
    const fake = fakeFetch(() => json(cursorPage([], false)));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, userAgent: 'my-agent/1' });
    await client.organizations.list();
    expect(fake.calls[0].headers['user-agent']).toBe('my-agent/1');
  });

  it.each([
    ['activities.list', (c: ComplianceClient) => c.activities.list(), '/v1/compliance/activities', 'list'],
    ['organizations.list', (c: ComplianceClient) => c.organizations.list(), '/v1/compliance/organizations', 'list'],
    ['users.list', (c: ComplianceClient) => c.users.list('org-uuid'), '/v1/compliance/organizations/org-uuid/users', 'list'],
    ['roles.list', (c: ComplianceClient) => c.roles.list('org-uuid'), '/v1/compliance/organizations/org-uuid/roles', 'list'],
    ['roles.get', (c: ComplianceClient) => c.roles.get('org-uuid', 'rbac_role_1'), '/v1/compliance/organizations/org-uuid/roles/rbac_role_1', 'object'],
    ['rolePermissions.list', (c: ComplianceClient) => c.rolePermissions.list('org-uuid', 'rbac_role_1'), '/v1/compliance/organizations/org-uuid/roles/rbac_role_1/permissions', 'list'],
    ['groups.list', (c: ComplianceClient) => c.groups.list({ name_prefix: 'Eng' }), '/v1/compliance/groups', 'list'],
    ['groups.get', (c: ComplianceClient) => c.groups.get('rbac_group_1'), '/v1/compliance/groups/rbac_group_1', 'object'],
    ['groupMembers.list', (c: ComplianceClient) => c.groupMembers.list('rbac_group_1'), '/v1/compliance/groups/rbac_group_1/members', 'list'],
    ['chats.list', (c: ComplianceClient) => c.chats.list(), '/v1/compliance/apps/chats', 'list'],
    ['chatMessages.list', (c: ComplianceClient) => c.chatMessages.list('claude_chat_1'), '/v1/compliance/apps/chats/claude_chat_1/messages', 'messages'],
    ['files.get', (c: ComplianceClient) => c.files.get('claude_file_1'), '/v1/compliance/apps/chats/files/claude_file_1', 'object'],
    ['projects.list', (c: ComplianceClient) => c.projects.list(), '/v1/compliance/apps/projects', 'list'],
    ['projects.get', (c: ComplianceClient) => c.projects.get('claude_proj_1'), '/v1/compliance/apps/projects/claude_proj_1', 'object'],
    ['projectAttachments.list', (c: ComplianceClient) => c.projectAttachments.list('claude_proj_1'), '/v1/compliance/apps/projects/claude_proj_1/attachments', 'list'],
  ] as const)('%s hits %s', async (_name, call, path, shape) => {
    const body =
      shape === 'list'
        ? { data: [], has_more: false, next_page: null, first_id: null, last_id: null }
        : shape === 'messages'
          ? { id: 'claude_chat_1', chat_messages: [], has_more: false, first_id: null, last_id: null }
          : { id: 'x', created_at: '2026-01-01T00:00:00+00:00' };
    const fake = fakeFetch(() => json(body));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, requestsPerMinute: 0 });
    const result = await call(client);
    expect(fake.calls[0].url.pathname).toBe(path);
    expect(result.endpoint).toBe(path);
    if (shape === 'object') expect((result.data as { created_at: string }).created_at).toBe('2026-01-01T00:00:00Z');
  });

  it('normalise timestamps in place and keep unknown fields, types and actor types', async () => {
    const records = [
      activity('activity_01', '2026-06-08T17:12:09.812446+00:00', {
        type: 'brand_new_activity_type',
        actor: { type: 'quantum_actor', qubit_id: 'q1' },
        future_field: { nested: [1, 2] },
      }),
      activity('activity_02', '2026-06-08T17:12:09Z'),
    ];
    const fake = fakeFetch(() => json(cursorPage(records, false)));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, requestsPerMinute: 0 });
    const page = await client.activities.list();
    expect(page.data[0]).toMatchObject({
      created_at: '2026-06-08T17:12:09.812446Z',
      type: 'brand_new_activity_type',
      actor: { type: 'quantum_actor', qubit_id: 'q1' },
      future_field: { nested: [1, 2] },
    });
    expect(page.data[1].created_at).toBe('2026-06-08T17:12:09Z');
  });

  it('does not reject records missing required keys (the extractor decides)', async () => {
    const fake = fakeFetch(() => json({ data: [{ id: 'activity_bare' }, { type: 'x', created_at: 'not a time' }], has_more: false }));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, requestsPerMinute: 0 });
    const page = await client.activities.list();
    expect(page.data).toEqual([{ id: 'activity_bare' }, { type: 'x', created_at: 'not a time' }]);
    expect(page).toMatchObject({ has_more: false, first_id: null, last_id: null });
  });

  it('report every attempt to onRequest and the logger, without headers', async () => {
    const infos: RequestInfo[] = [];
    const lines: Record<string, unknown>[] = [];
    const log = (obj: Record<string, unknown>) => lines.push(obj);
    let n = 0;
    const fake = fakeFetch(() =>
      ++n === 1
        ? json({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_a' }, 529, { 'request-id': 'req_a' })
        : json(cursorPage([], false), 200, { 'request-id': 'req_b' }),
    );
    const client = new ComplianceClient({
      apiKey: KEY,
      fetch: fake.fetch,
      requestsPerMinute: 0,
      sleep: async () => {},
      onRequest: (info) => infos.push(info),
      logger: { debug: log, info: log, warn: log, error: log },
    });
    await client.activities.list({ limit: 3 });
    expect(infos.map(({ durationMs, ...rest }) => rest)).toEqual([
      { method: 'GET', url: 'https://api.anthropic.com/v1/compliance/activities?limit=3', status: 529, requestId: 'req_a', attempt: 1 },
      { method: 'GET', url: 'https://api.anthropic.com/v1/compliance/activities?limit=3', status: 200, requestId: 'req_b', attempt: 2 },
    ]);
    const debug = lines.filter((l) => l.attempt !== undefined && l.waitMs === undefined);
    expect(debug[0]).toMatchObject({ method: 'GET', path: '/v1/compliance/activities?limit=3', status: 529, requestId: 'req_a', attempt: 1 });
    expect(JSON.stringify(lines)).not.toMatch(/x-api-key|headers/i);
  });

  it('a throwing onRequest hook does not fail the request', async () => {
    const fake = fakeFetch(() => json(cursorPage([], false)));
    const client = new ComplianceClient({
      apiKey: KEY,
      fetch: fake.fetch,
      onRequest: () => {
        throw new Error('metrics down');
      },
    });
    await expect(client.activities.list()).resolves.toMatchObject({ status: 200 });
  });

  it('accepts a pino logger', async () => {
    const fake = fakeFetch(() => json(cursorPage([], false)));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, logger: pino({ level: 'silent' }) });
    await expect(client.activities.list()).resolves.toBeDefined();
  });

  it('shares one rate budget between clients and observes server headers', async () => {
    const budget = new RateBudget({ requestsPerMinute: 100 });
    const fake = fakeFetch(() => json(cursorPage([], false), 200, { 'anthropic-ratelimit-requests-remaining': '42' }));
    const a = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, rateBudget: budget });
    const b = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, rateBudget: budget });
    expect(a.rateBudget).toBe(b.rateBudget);
    await a.activities.list();
    await b.organizations.list();
    expect(budget.snapshot()).toMatchObject({ inWindow: 2, remaining: 42, limit: 600, requestsPerMinute: 100 });
  });
});
