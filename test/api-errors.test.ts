import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ComplianceClient, type ComplianceClientOptions } from '../src/api/client.js';
import {
  AuthenticationError,
  ClientValidationError,
  ComplianceApiError,
  ConflictError,
  InvalidRequestError,
  MalformedResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  ServerError,
  parseErrorBody,
  parseScopeMessage,
  redact,
} from '../src/api/errors.js';
import type { RequestInfo } from '../src/api/http.js';
import { apiError, fakeFetch, json, type Handler } from './support/api-fake-fetch.js';

describe('parseScopeMessage', () => {
  it('reads the Got/Needed form', () => {
    expect(
      parseScopeMessage("Missing required scopes. Got: ['read:compliance_activities'] Needed: ['read:compliance_user_data']"),
    ).toEqual({ scopesHeld: ['read:compliance_activities'], scopesNeeded: ['read:compliance_user_data'], anyOfNeeded: false });
  });
  it('reads the Needed one of form and several scopes', () => {
    expect(
      parseScopeMessage(
        "Missing required scopes. Got: ['read:compliance_activities', 'api:admin'] Needed one of: ['read:compliance_org_data', 'read:org_audit']",
      ),
    ).toEqual({
      scopesHeld: ['read:compliance_activities', 'api:admin'],
      scopesNeeded: ['read:compliance_org_data', 'read:org_audit'],
      anyOfNeeded: true,
    });
  });
  it('reads empty lists and double quotes', () => {
    expect(parseScopeMessage('Missing required scopes. Got: [] Needed: ["read:compliance_org_data"]')).toEqual({
      scopesHeld: [],
      scopesNeeded: ['read:compliance_org_data'],
      anyOfNeeded: false,
    });
  });
  it('is null for other messages', () => {
    expect(parseScopeMessage("Cannot query compliance data for organizations outside this API key's scope")).toBeNull();
    expect(parseScopeMessage(null)).toBeNull();
  });
});

describe('PermissionError', () => {
  it('carries the scopes and says which key is needed', () => {
    const err = new PermissionError({
      status: 403,
      errorType: 'permission_error',
      apiMessage: "Missing required scopes. Got: ['read:compliance_activities'] Needed one of: ['read:compliance_user_data', 'read:org_audit']",
      method: 'GET',
      path: '/v1/compliance/apps/chats',
      requestId: 'req_1',
      attempts: 1,
    });
    expect(err.scopesHeld).toEqual(['read:compliance_activities']);
    expect(err.scopesNeeded).toEqual(['read:compliance_user_data', 'read:org_audit']);
    expect(err.anyOfNeeded).toBe(true);
    expect(err.message).toContain('read:compliance_user_data or read:org_audit');
    expect(err.message).toContain('Compliance Access Key');
    expect(err.message).toContain('Organization settings');
    expect(err.message).toContain('Admin API keys reach only the activity feed');
    expect(err.message).toContain('GET /v1/compliance/apps/chats');
    expect(err.message).toContain('req_1');
  });
});

describe('parseErrorBody', () => {
  it('reads the full platform envelope', () => {
    expect(
      parseErrorBody('{"type":"error","error":{"type":"not_found_error","message":"Group not found."},"request_id":"req_9"}'),
    ).toEqual({ errorType: 'not_found_error', message: 'Group not found.', requestId: 'req_9' });
  });
  it('reads the older bare envelope', () => {
    expect(parseErrorBody('{"error":{"type":"invalid_request_error","message":"bad"}}')).toEqual({
      errorType: 'invalid_request_error',
      message: 'bad',
      requestId: null,
    });
  });
  it('reads non-JSON bodies as text', () => {
    expect(parseErrorBody('<html>502 Bad Gateway</html>')).toEqual({
      errorType: null,
      message: '<html>502 Bad Gateway</html>',
      requestId: null,
    });
    expect(parseErrorBody('')).toEqual({ errorType: null, message: null, requestId: null });
    expect(parseErrorBody('null')).toEqual({ errorType: null, message: null, requestId: null });
  });
});

describe('redact', () => {
  it('removes the exact key and anything shaped like an Anthropic key', () => {
    expect(redact('key=abcdefgh12345 and sk-ant-admin01-XYZ_abc-123 end', ['abcdefgh12345'])).toBe(
      'key=[redacted] and [redacted] end',
    );
  });
});

// ---- the key never leaks ----------------------------------------------------------------------

const KEYS = [
  'sk-ant-api01-LeakTestKey_ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789abcdef',
  // A key in no known format is still scrubbed because the client knows it.
  'plain-secret-0123456789-ZYXWVUT',
];

interface Case {
  name: string;
  cls: new (...args: never[]) => ComplianceApiError;
  handler: (key: string) => Handler;
  call?: (client: ComplianceClient, key: string) => Promise<unknown>;
  options?: Partial<ComplianceClientOptions>;
  status?: number | null;
}

// Several canned bodies echo the key back, as a misbehaving proxy or server might.
const cases: Case[] = [
  {
    name: '401',
    cls: AuthenticationError,
    status: 401,
    handler: () => () =>
      json({ type: 'error', error: { type: 'authentication_error', message: 'API key has expired.' }, request_id: null }, 401, {
        'request-id': '',
      }),
  },
  {
    name: '401 echoing the key',
    cls: AuthenticationError,
    status: 401,
    handler: (key) => () => apiError(401, 'authentication_error', `The API key provided is invalid or has been revoked: ${key}`),
  },
  {
    name: '403',
    cls: PermissionError,
    status: 403,
    handler: (key) => () =>
      apiError(403, 'permission_error', `Missing required scopes. Got: ['read:compliance_activities', '${key}'] Needed: ['read:compliance_user_data']`),
  },
  {
    name: '404',
    cls: NotFoundError,
    status: 404,
    handler: (key) => () => apiError(404, 'not_found_error', `Chat claude_chat_x not found. (${key})`),
  },
  {
    name: '400',
    cls: InvalidRequestError,
    status: 400,
    handler: (key) => () => apiError(400, 'invalid_request_error', `Unknown query parameter: '${key}'.`),
  },
  {
    name: '422',
    cls: InvalidRequestError,
    status: 422,
    handler: (key) => () => new Response(`unprocessable ${key}`, { status: 422 }),
  },
  {
    name: '409',
    cls: ConflictError,
    status: 409,
    handler: (key) => () =>
      apiError(409, 'conflict_error', `The "${key}" project cannot be deleted as it has chats attached to it.`),
  },
  {
    name: '429',
    cls: RateLimitedError,
    status: 429,
    handler: (key) => () =>
      apiError(429, 'rate_limit_error', `Compliance API rate limit exceeded for ${key}`, { 'retry-after': '1', ...{ 'anthropic-ratelimit-requests-remaining': '0' } }),
  },
  {
    name: '500',
    cls: ServerError,
    status: 500,
    handler: (key) => () => new Response(`<html>Internal error ${key}</html>`, { status: 500, headers: { 'x-request-id': 'req_html' } }),
  },
  {
    name: 'network',
    cls: NetworkError,
    status: null,
    handler: (key) => () => {
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED while sending ${key}`) });
    },
  },
  {
    name: 'timeout',
    cls: NetworkError,
    status: null,
    options: { timeoutMs: 10 },
    handler: () => (_req, _n, signal) =>
      new Promise<Response>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
  },
  {
    name: 'malformed',
    cls: MalformedResponseError,
    status: 200,
    handler: (key) => () => json(`{"data":[{"id":"activity_1","note":"${key}"`),
  },
  {
    name: 'client validation',
    cls: ClientValidationError,
    status: null,
    handler: () => () => json({ data: [], has_more: false }),
    call: (client, key) => client.activities.list({ limit: 0, order: key as 'asc' }),
  },
  {
    name: 'client validation of a timestamp',
    cls: ClientValidationError,
    status: null,
    handler: () => () => json({ data: [], has_more: false }),
    call: (client, key) => client.activities.list({ 'created_at.gte': key }),
  },
];

describe.each(KEYS)('the API key never appears (key %s)', (key) => {
  it.each(cases)('$name', async (c) => {
    const logLines: string[] = [];
    const log = (obj: Record<string, unknown>, msg?: string) => logLines.push(JSON.stringify({ ...obj, msg }));
    const infos: RequestInfo[] = [];
    const fake = fakeFetch(c.handler(key));
    let t = Date.UTC(2026, 8, 17, 12); // a virtual clock that sleeping advances
    const client = new ComplianceClient({
      apiKey: key,
      fetch: fake.fetch,
      requestsPerMinute: 0,
      maxRetries: 1,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      logger: { debug: log, info: log, warn: log, error: log },
      onRequest: (info) => infos.push(info),
      ...c.options,
    });
    const err = await (c.call ? c.call(client, key) : client.activities.list({ limit: 10 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(c.cls);
    expect(err).toBeInstanceOf(ComplianceApiError);
    const e = err as ComplianceApiError;
    if (c.status !== undefined) expect(e.status).toBe(c.status);

    // the request did carry the key, in the header only
    for (const call of fake.calls) {
      expect(call.headers['x-api-key']).toBe(key);
      expect(call.url.toString()).not.toContain(key);
    }

    const surfaces = [
      e.message,
      e.stack ?? '',
      JSON.stringify(e),
      inspect(e, { depth: 10, showHidden: true }),
      String(e),
      JSON.stringify(Object.fromEntries(Object.entries(e))),
      e.cause instanceof Error ? `${e.cause.message}\n${e.cause.stack}` : String(e.cause ?? ''),
      ...logLines,
      JSON.stringify(infos),
      inspect(client, { depth: 10, showHidden: true }),
      JSON.stringify(client),
    ];
    for (const text of surfaces) {
      expect(text).not.toContain(key);
      expect(text).not.toMatch(/sk-ant-[A-Za-z0-9_-]+/);
    }
    expect(e.toJSON()).toMatchObject({ name: e.name, status: e.status });
  });
});

describe('error context', () => {
  it('keeps method, path with query, request id from header or body, attempts and error type', async () => {
    const fake = fakeFetch(() =>
      json(
        { type: 'error', error: { type: 'not_found_error', message: 'Group not found.' }, request_id: 'req_from_body' },
        404,
        { 'request-id': '' },
      ),
    );
    const client = new ComplianceClient({ apiKey: KEYS[0], fetch: fake.fetch, requestsPerMinute: 0 });
    const err = (await client.groupMembers.list('rbac_group_01', { limit: 5 }).catch((e) => e)) as NotFoundError;
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.method).toBe('GET');
    expect(err.path).toBe('/v1/compliance/groups/rbac_group_01/members?limit=5');
    expect(err.requestId).toBe('req_from_body');
    expect(err.errorType).toBe('not_found_error');
    expect(err.apiMessage).toBe('Group not found.');
    expect(err.attempts).toBe(1);
    expect(err.message).toContain('404 not_found_error: Group not found.');
  });

  it('401 hint names the environment variable', async () => {
    const fake = fakeFetch(() => apiError(401, 'authentication_error', 'The API key provided is invalid or has been revoked.'));
    const client = new ComplianceClient({ apiKey: KEYS[0], fetch: fake.fetch, requestsPerMinute: 0 });
    const err = await client.organizations.list().catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toContain('ANTHROPIC_COMPLIANCE_API_KEY');
  });

  it('a 403 for a foreign organization gets its own hint', () => {
    const err = new PermissionError({
      status: 403,
      apiMessage: "Cannot query compliance data for organizations outside this API key's scope",
    });
    expect(err.scopesNeeded).toEqual([]);
    expect(err.hint).toContain('organization_ids[]');
  });
});
