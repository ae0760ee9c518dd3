import { describe, expect, it } from 'vitest';
import { ComplianceClient } from '../src/api/client.js';
import { RateBudget } from '../src/api/rate-budget.js';
import { activity, apiError, cursorPage, fakeFetch, json } from './support/api-fake-fetch.js';
import { FakeClock } from './support/api-fake-clock.js';

const T0 = Date.UTC(2026, 8, 17, 12, 0, 0); // a whole second, like a `date` header
const httpDate = (ms: number) => new Date(ms).toUTCString();

function headers(h: Record<string, string>): Headers {
  return new Headers(h);
}

describe('sliding window', () => {
  it('never lets more than N requests start in any window', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ requestsPerMinute: 5, now: clock.now, sleep: clock.sleep });
    const starts: number[] = [];
    const all = Promise.all(
      Array.from({ length: 23 }, () => budget.acquire().then(() => starts.push(clock.now()))),
    );
    await clock.run(all);
    expect(starts).toHaveLength(23);
    starts.sort((a, b) => a - b);
    for (let i = 0; i + 5 < starts.length; i++) expect(starts[i + 5] - starts[i]).toBeGreaterThanOrEqual(60_000);
    // ...and it is not slower than it needs to be
    expect(starts.slice(0, 5).every((t) => t === T0)).toBe(true);
    expect(starts[5]).toBe(T0 + 60_000);
    expect(starts[22]).toBe(T0 + 4 * 60_000);
  });

  it('a rolling window admits as older requests age out, not in fixed blocks', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ requestsPerMinute: 3, now: clock.now, sleep: clock.sleep });
    await budget.acquire(); // T0
    clock.t = T0 + 20_000;
    await budget.acquire();
    clock.t = T0 + 40_000;
    await budget.acquire();
    const fourth = budget.acquire().then(() => clock.now());
    expect(await clock.run(fourth)).toBe(T0 + 60_000);
    const fifth = budget.acquire().then(() => clock.now());
    expect(await clock.run(fifth)).toBe(T0 + 80_000);
    expect(budget.snapshot().inWindow).toBe(3);
  });

  it('requestsPerMinute 0 disables client-side pacing', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ requestsPerMinute: 0, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 10_000; i++) await budget.acquire();
    expect(clock.sleeps).toHaveLength(0);
  });
});

describe('server headers', () => {
  it('remaining 0 makes the next acquire wait until the reset (measured on the server clock)', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ requestsPerMinute: 600, now: clock.now, sleep: clock.sleep });
    // The server's clock runs 5 minutes ahead of ours: the wait is reset - date, not reset - local now.
    const serverNow = T0 + 300_000;
    budget.observe(
      headers({
        'anthropic-ratelimit-requests-limit': '600',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': new Date(serverNow + 23_000).toISOString(),
        date: httpDate(serverNow),
      }),
    );
    const snap = budget.snapshot();
    expect(snap).toMatchObject({ limit: 600, remaining: 0, pausedUntil: new Date(T0 + 23_000).toISOString() });
    expect(snap.observedAt).toBe(new Date(T0).toISOString());
    const next = budget.acquire().then(() => clock.now());
    expect(await clock.run(next)).toBe(T0 + 23_000);
  });

  it('without a date header the reset is read against the local clock', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ now: clock.now, sleep: clock.sleep });
    budget.observe(
      headers({
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-09-17T12:00:10+00:00',
      }),
    );
    expect(await clock.run(budget.acquire().then(() => clock.now()))).toBe(T0 + 10_000);
  });

  it('a late response from the exhausted window does not lift the block; a newer window does', () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ now: clock.now, sleep: clock.sleep });
    const reset = new Date(T0 + 30_000).toISOString();
    budget.observe(headers({ 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': reset }));
    budget.observe(headers({ 'anthropic-ratelimit-requests-remaining': '4', 'anthropic-ratelimit-requests-reset': reset }));
    expect(budget.snapshot().pausedUntil).toBe(reset);
    budget.observe(
      headers({ 'anthropic-ratelimit-requests-remaining': '599', 'anthropic-ratelimit-requests-reset': new Date(T0 + 90_000).toISOString() }),
    );
    expect(budget.snapshot().pausedUntil).toBeNull();
  });

  it('ignores responses without rate-limit headers (a 403 may have none)', () => {
    const budget = new RateBudget({ now: () => T0 });
    budget.observe(headers({ 'content-type': 'application/json' }));
    expect(budget.snapshot()).toMatchObject({ limit: null, remaining: null, resetAt: null, observedAt: null, pausedUntil: null });
  });

  it('caps an absurd reset so a bad header cannot stall a sync for hours', () => {
    const budget = new RateBudget({ now: () => T0 });
    budget.observe(
      headers({ 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2030-01-01T00:00:00Z' }),
    );
    expect(Date.parse(budget.snapshot().pausedUntil!)).toBeLessThanOrEqual(T0 + 120_000);
  });
});

describe('pauses', () => {
  it('a pause applies to every caller of the budget', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ now: clock.now, sleep: clock.sleep });
    budget.pauseFor(20_000);
    budget.pauseFor(5_000); // a shorter pause never shortens a longer one
    const a = budget.acquire().then(() => clock.now());
    const b = budget.acquire().then(() => clock.now());
    expect(await clock.run(Promise.all([a, b]))).toEqual([T0 + 20_000, T0 + 20_000]);
  });

  it("one client's 429 pauses another client that shares the budget", async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ now: clock.now, sleep: clock.sleep });
    const ok = () => json(cursorPage([activity('activity_01', '2026-09-17T11:00:00Z')], false));

    const aTimes: number[] = [];
    const a = new ComplianceClient({
      apiKey: 'sk-ant-api01-client-a-key-000000000000',
      rateBudget: budget,
      sleep: clock.sleep,
      now: clock.now,
      fetch: fakeFetch((_req, n) => {
        aTimes.push(clock.now());
        return n === 1
          ? apiError(429, 'rate_limit_error', 'Compliance API rate limit of 600 requests per minute per parent organization has been exceeded.', {
              'retry-after': '25',
            })
          : ok();
      }).fetch,
    });
    const bTimes: number[] = [];
    const b = new ComplianceClient({
      apiKey: 'sk-ant-api01-client-b-key-000000000000',
      rateBudget: budget,
      sleep: clock.sleep,
      now: clock.now,
      fetch: fakeFetch(() => {
        bTimes.push(clock.now());
        return ok();
      }).fetch,
    });

    const first = a.activities.list();
    await clock.settle(); // A's first attempt gets its 429
    expect(aTimes).toEqual([T0]);
    expect(budget.snapshot().pausedUntil).toBe(new Date(T0 + 25_000).toISOString());

    const second = b.activities.list();
    const [pa, pb] = await clock.run(Promise.all([first, second]));
    expect(pa.attempts).toBe(2);
    expect(pb.attempts).toBe(1);
    expect(aTimes[1]).toBeGreaterThanOrEqual(T0 + 25_000);
    expect(bTimes[0]).toBeGreaterThanOrEqual(T0 + 25_000);
  });

  it('a 429 without retry-after backs off exponentially from 1 s, for everyone', async () => {
    const clock = new FakeClock(T0);
    const budget = new RateBudget({ now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    const client = new ComplianceClient({
      apiKey: 'sk-ant-api01-backoff-key-000000000000',
      rateBudget: budget,
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0.5,
      fetch: fakeFetch((_req, n) => {
        times.push(clock.now() - T0);
        return n <= 3 ? apiError(429, 'rate_limit_error', 'rate limited') : json(cursorPage([], false));
      }).fetch,
    });
    await clock.run(client.activities.list());
    expect(times).toEqual([0, 1_000, 3_000, 7_000]);
  });

  it('snapshot reports the pause', () => {
    const budget = new RateBudget({ now: () => T0 });
    budget.pauseUntil(T0 + 1_000);
    expect(budget.snapshot().pausedUntil).toBe(new Date(T0 + 1_000).toISOString());
  });
});
