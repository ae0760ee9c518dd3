import { describe, expect, it } from 'vitest';
import { ComplianceClient } from '../src/api/client.js';
import { InvalidRequestError, MalformedResponseError, NetworkError, NotFoundError, RateLimitedError, ServerError } from '../src/api/errors.js';
import { backoffDelay, isTransientNetworkError, parseRetryAfter, shouldRetryStatus } from '../src/api/retry.js';
import { activity, apiError, cursorPage, fakeFetch, json, sequence, type Handler } from './support/api-fake-fetch.js';

const KEY = 'sk-ant-api01-RetryTestKey_0123456789abcdefghijklmnopqrstuvwxyz';
const NOW = Date.UTC(2026, 8, 17, 12, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('25', NOW)).toBe(25_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 17 Sep 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Thu, 17 Sep 2026 11:59:00 GMT', NOW)).toBe(0);
  });
  it('is null when absent or unreadable', () => {
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter('', NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-5', NOW)).toBeNull();
  });
});

describe('backoffDelay', () => {
  const opts = { baseMs: 1_000, maxMs: 60_000 };
  it('doubles from base with ±25 % jitter', () => {
    expect(backoffDelay(1, opts, () => 0.5)).toBe(1_000);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(2_000);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(4_000);
    expect(backoffDelay(1, opts, () => 0)).toBe(750);
    expect(backoffDelay(1, opts, () => 0.999999)).toBe(1_250);
  });
  it('stays within [0, maxMs] for any retry number and random value', () => {
    for (let retry = 0; retry <= 200; retry++) {
      for (const r of [0, 0.25, 0.5, 0.75, 0.999999]) {
        const d = backoffDelay(retry, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(60_000);
      }
    }
    expect(backoffDelay(30, opts, () => 0.999999)).toBe(60_000);
    expect(backoffDelay(30, opts, () => 0)).toBe(45_000);
  });
  it('stays within ±25 % of the exponential value with Math.random', () => {
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(3_000);
      expect(d).toBeLessThanOrEqual(5_000);
    }
  });
});

describe('shouldRetryStatus', () => {
  it('retries throttling and transient server statuses', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 529]) expect(shouldRetryStatus(s, null)).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 422, 501]) expect(shouldRetryStatus(s, null)).toBe(false);
  });
  it('always retries a 429, whatever x-should-retry says (the API sends false on every 4xx)', () => {
    expect(shouldRetryStatus(429, 'false')).toBe(true);
    expect(shouldRetryStatus(429, null)).toBe(true);
  });
  it('lets x-should-retry override both ways for every other status', () => {
    expect(shouldRetryStatus(500, 'false')).toBe(false);
    expect(shouldRetryStatus(400, 'true')).toBe(true);
    expect(shouldRetryStatus(503, 'TRUE')).toBe(true);
  });
});

describe('isTransientNetworkError', () => {
  it('recognises undici and socket failures', () => {
    expect(isTransientNetworkError(new TypeError('fetch failed'))).toBe(true);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(isTransientNetworkError(new Error('wrapped', { cause: reset }))).toBe(true);
    expect(isTransientNetworkError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe(true);
    expect(isTransientNetworkError(new Error('terminated'))).toBe(true);
    expect(isTransientNetworkError(new Error('a bug'))).toBe(false);
    expect(isTransientNetworkError('string')).toBe(false);
  });
});

function clientWith(handler: Handler, extra: Partial<ConstructorParameters<typeof ComplianceClient>[0]> = {}) {
  const fake = fakeFetch(handler);
  const waits: number[] = [];
  let t = NOW; // a virtual clock that sleeping advances
  const client = new ComplianceClient({
    apiKey: KEY,
    fetch: fake.fetch,
    requestsPerMinute: 0,
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
    random: () => 0.5,
    ...extra,
  });
  return { client, calls: fake.calls, waits };
}

const okPage = () => json(cursorPage([activity('activity_01', '2026-09-17T11:00:00Z')], false));

describe('retries in the client', () => {
  it('retries 5xx with exponential backoff, then succeeds', async () => {
    const { client, calls, waits } = clientWith(
      sequence(
        () => apiError(503, 'overloaded_error', 'Overloaded'),
        () => apiError(529, 'overloaded_error', 'Overloaded'),
        () => apiError(502, 'api_error', 'Bad gateway'),
        okPage,
      ),
    );
    const page = await client.activities.list();
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    expect(page.attempts).toBe(4);
    expect(page.data).toHaveLength(1);
  });

  it('treats retry-after as a floor', async () => {
    const { client, waits } = clientWith(sequence(() => apiError(503, 'overloaded_error', 'Overloaded', { 'retry-after': '7' }), okPage));
    await client.activities.list();
    expect(waits).toEqual([7_000]);
  });

  it('stops at x-should-retry: false and throws the typed error', async () => {
    const { client, calls } = clientWith(() => apiError(500, 'api_error', 'Internal error', { 'x-should-retry': 'false' }));
    const err = await client.activities.list().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.attempts).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it('retries when x-should-retry: true even on a 400', async () => {
    const { client, calls } = clientWith(
      sequence(() => apiError(400, 'invalid_request_error', 'transient', { 'x-should-retry': 'true' }), okPage),
    );
    await client.activities.list();
    expect(calls).toHaveLength(2);
  });

  it('does not retry 4xx', async () => {
    for (const [status, type, cls] of [
      [400, 'invalid_request_error', InvalidRequestError],
      [422, 'invalid_request_error', InvalidRequestError],
      [404, 'not_found_error', NotFoundError],
    ] as const) {
      const { client, calls } = clientWith(() => apiError(status, type, 'no'));
      await expect(client.activities.list()).rejects.toBeInstanceOf(cls);
      expect(calls).toHaveLength(1);
    }
  });

  it('gives up after maxRetries with the status error', async () => {
    const { client, calls } = clientWith(() => apiError(503, 'overloaded_error', 'Overloaded'), { maxRetries: 2 });
    const err = await client.activities.list().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(3);
    expect(err.errorType).toBe('overloaded_error');
    expect(calls).toHaveLength(3);
  });

  it('a 429 that persists becomes RateLimitedError carrying retryAfterMs', async () => {
    const { client } = clientWith(
      () => apiError(429, 'rate_limit_error', 'Compliance API rate limit of 600 requests per minute per parent organization has been exceeded.', { 'retry-after': '3' }),
      { maxRateLimitRetries: 1 },
    );
    const err = await client.activities.list().catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAfterMs).toBe(3_000);
    expect(err.attempts).toBe(2);
  });

  it('waits out a 429 sent with x-should-retry: false, even with maxRetries 0', async () => {
    const limited = () =>
      apiError(429, 'rate_limit_error', 'Compliance API rate limit of 600 requests per minute per parent organization has been exceeded.', {
        'retry-after': '5',
        'x-should-retry': 'false',
      });
    const { client, calls, waits } = clientWith(sequence(limited, limited, limited, okPage), { maxRetries: 0 });
    const page = await client.activities.list();
    expect(calls).toHaveLength(4);
    expect(page.attempts).toBe(4);
    // retry-after is the floor; the exponential backoff takes over once it is longer
    expect(waits).toEqual([5_000, 5_000, 5_000]);
  });

  it('counts 429s apart from other failures: a storm does not spend the retries of a 5xx', async () => {
    const limited = () => apiError(429, 'rate_limit_error', 'rate limited', { 'retry-after': '1', 'x-should-retry': 'false' });
    const overloaded = () => apiError(503, 'overloaded_error', 'Overloaded');
    const { client, calls } = clientWith(sequence(limited, limited, limited, limited, overloaded, limited, okPage), { maxRetries: 1 });
    const page = await client.activities.list();
    expect(calls).toHaveLength(7);
    expect(page.attempts).toBe(7);
  });

  it('retries connection errors and reports NetworkError when they persist', async () => {
    let n = 0;
    const { client, calls } = clientWith(
      () => {
        n++;
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
      },
      { maxRetries: 2 },
    );
    const err = await client.activities.list().catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.timedOut).toBe(false);
    expect(err.status).toBeNull();
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(calls).toHaveLength(3);
    expect(n).toBe(3);
  });

  it('does not retry a non-network exception', async () => {
    const { client, calls } = clientWith(() => {
      throw new Error('a bug in the fetch implementation');
    });
    await expect(client.activities.list()).rejects.toBeInstanceOf(NetworkError);
    expect(calls).toHaveLength(1);
  });

  it('times out an attempt and retries it', async () => {
    const hang: Handler = (_req, _n, signal) =>
      new Promise<Response>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    let n = 0;
    const { client } = clientWith((req, count, signal) => (++n === 1 ? hang(req, count, signal) : okPage()), { timeoutMs: 30 });
    const page = await client.activities.list();
    expect(page.attempts).toBe(2);

    const { client: slow } = clientWith(hang, { timeoutMs: 20, maxRetries: 1 });
    const err = await slow.activities.list().catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.timedOut).toBe(true);
    expect(err.attempts).toBe(2);
  });

  it('retries a truncated 2xx body, then returns the good page', async () => {
    const truncated = () => json('{"data":[{"id":"activity_01","created_at":"2026-09-17T', 200);
    const { client, calls } = clientWith(sequence(truncated, okPage));
    const page = await client.activities.list();
    expect(calls).toHaveLength(2);
    expect(page.data[0].id).toBe('activity_01');
  });

  it('throws MalformedResponseError with request id, endpoint, preview and raw body after retries', async () => {
    const raw = `{"data":[${'{"id":"activity_x","created_at":"2026-09-17T11:00:00Z"},'.repeat(20)}`;
    const { client, calls } = clientWith(() => json(raw, 200, { 'request-id': 'req_malformed_1' }), { maxRetries: 2 });
    const err = await client.activities.list({ limit: 20 }).catch((e) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(calls).toHaveLength(3);
    expect(err.requestId).toBe('req_malformed_1');
    expect(err.endpoint).toBe('/v1/compliance/activities');
    expect(err.path).toBe('/v1/compliance/activities?limit=20');
    expect(err.bodyPreview).toBe(raw.slice(0, 200));
    expect(err.rawBody).toBe(raw);
    expect(err.message).toContain('req_malformed_1');
    expect(JSON.stringify(err)).not.toContain(raw.slice(0, 300));
  });

  it('treats a non-object body or a non-array data as malformed', async () => {
    for (const body of ['[]', 'null', '{"data":{}}', '{"has_more":false}', '']) {
      const { client } = clientWith(() => json(body), { maxRetries: 0 });
      await expect(client.activities.list()).rejects.toBeInstanceOf(MalformedResponseError);
    }
    const { client } = clientWith(() => json({ chat_messages: null, id: 'claude_chat_1' }), { maxRetries: 0 });
    await expect(client.chatMessages.list('claude_chat_1')).rejects.toBeInstanceOf(MalformedResponseError);
    const { client: item } = clientWith(() => json('[1]'), { maxRetries: 0 });
    await expect(item.groups.get('rbac_group_1')).rejects.toBeInstanceOf(MalformedResponseError);
  });
});
