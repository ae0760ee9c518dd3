// A programmable in-process fake of the Compliance API's HTTP surface for client tests: canned
// responses shaped like the reference's (§6.1 envelope, request-id and ratelimit headers).

export interface RecordedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
}

export type Handler = (req: RecordedRequest, n: number, signal: AbortSignal | undefined) => Response | Promise<Response>;

export function fakeFetch(handler: Handler): { fetch: typeof fetch; calls: RecordedRequest[] } {
  const calls: RecordedRequest[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const req: RecordedRequest = { url: new URL(String(input)), method: init?.method ?? 'GET', headers };
    calls.push(req);
    return handler(req, calls.length, init?.signal ?? undefined);
  };
  return { fetch: fn as typeof fetch, calls };
}

/** Responses in order; the last one repeats. */
export function sequence(...responses: (() => Response | Promise<Response>)[]): Handler {
  return (_req, n) => responses[Math.min(n, responses.length) - 1]();
}

let requestCounter = 0;
export function requestId(): string {
  requestCounter += 1;
  return `req_011CTest${String(requestCounter).padStart(14, '0')}`;
}

export function rateHeaders(remaining = 599, resetIso = '2026-09-17T12:01:00Z'): Record<string, string> {
  return {
    'anthropic-ratelimit-requests-limit': '600',
    'anthropic-ratelimit-requests-remaining': String(remaining),
    'anthropic-ratelimit-requests-reset': resetIso,
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      'request-id': requestId(),
      date: 'Thu, 17 Sep 2026 12:00:00 GMT',
      ...rateHeaders(),
      ...headers,
    },
  });
}

/** The full platform error envelope (compliance-api.md §6.1), with `x-should-retry: false` on 4xx as observed. */
export function apiError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const id = requestId();
  const body = {
    type: 'error',
    error: { type, message, ...(status === 403 ? { details: { error_visibility: 'user_facing' } } : {}) },
    request_id: id,
  };
  const defaults: Record<string, string> =
    status >= 400 && status < 500 && status !== 429 ? { 'x-should-retry': 'false' } : {};
  return json(body, status, { 'request-id': id, ...defaults, ...headers });
}

export function activity(
  id: string,
  created_at: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> & { id: string; created_at: string } {
  return {
    id,
    created_at,
    organization_id: 'org_01ExampleOrg000000000000',
    organization_uuid: '2f3c0d4e-1111-4a2b-9c3d-5e6f7a8b9c0d',
    actor: {
      type: 'user_actor',
      email_address: 'ada@example.com',
      user_id: 'user_01AdaExample0000000000',
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
    },
    type: 'claude_chat_created',
    claude_chat_id: 'claude_chat_01Example00000000000000',
    claude_project_id: null,
    ...extra,
  };
}

export function cursorPage(data: { id: string }[], has_more: boolean): Record<string, unknown> {
  return {
    data,
    has_more,
    first_id: data.length ? data[0].id : null,
    last_id: data.length ? data[data.length - 1].id : null,
  };
}
