// A 429 is always waited out and retried, whatever `x-should-retry` says (design.md invariant 4,
// compliance-api.md §6.1–§6.3), against the simulator in each of its 429 header modes, over both transports.
import { describe, expect, test } from 'vitest';
import { RateLimitedError } from '../src/api/index.js';
import type { RateLimitShouldRetry } from '../src/simulator/server/app.js';
import {
  BEFORE_NOW,
  TRANSPORTS,
  allPages,
  connect,
  idsOf,
  makeClient,
  makeSim,
  makeTenant,
  recordingFetch,
  truthIds,
} from './support/sim-harness.js';

const shared = makeTenant();
const reversed = <T>(xs: readonly T[]): T[] => [...xs].reverse();
const MODES: [RateLimitShouldRetry, string | null][] = [
  ['false', 'false'],
  ['true', 'true'],
  ['none', null],
];

describe.each(TRANSPORTS)('429 storms (%s)', (kind) => {
  test.each(MODES)('x-should-retry mode %s: a walk through a 429 storm collects exactly the truth', async (mode, header) => {
    const sim = makeSim({ shared, sim: { rpm: 0, rateLimitShouldRetry: mode } });
    const t = await connect(sim, kind);
    try {
      const truth = reversed(await truthIds(t, `created_at.lt=${BEFORE_NOW}`));
      // two requests in three are refused, and the first four in a row: a storm longer than maxRetries
      sim.faults.setRules([
        { kind: '429', count: 4, retryAfter: '2' },
        { kind: '429', every: 3, burst: 2, retryAfter: '1' },
      ]);
      const rec = recordingFetch(t.fetch, () => sim.clock.now());
      const h = makeClient(sim, t, { maxRetries: 1, requestsPerMinute: 0, fetch: rec.fetch });
      const pages = await allPages(h.client.activities.pages({ limit: 500, 'created_at.lt': BEFORE_NOW }));
      expect(idsOf(pages)).toEqual(truth);

      const refused = rec.exchanges.filter((x) => x.status === 429);
      expect(refused.length).toBeGreaterThan(pages.length);
      for (const x of refused) expect(x.shouldRetry).toBe(header);
      // every 429 was retried with the very same request (its cursor did not move), after at least retry-after
      rec.exchanges.forEach((x, i) => {
        if (x.status !== 429) return;
        const next = rec.exchanges[i + 1];
        expect(next.url).toBe(x.url);
        expect(next.at - x.at).toBeGreaterThanOrEqual(Number(x.retryAfter) * 1000);
      });
      // each page's request was sent with the previous page's cursor: no 429 ever advanced one
      const served = rec.exchanges.filter((x) => x.status === 200);
      expect(served).toHaveLength(pages.length);
      for (let i = 1; i < pages.length; i++) {
        expect(new URL(served[i].url).searchParams.get('after_id')).toBe(pages[i - 1].last_id);
      }
      const attempts = pages.reduce((n, p) => n + p.attempts, 0);
      expect(attempts).toBe(rec.exchanges.length);
      expect(h.logs.lines.some((l) => l.includes('retrying') && l.includes('429'))).toBe(true);
    } finally {
      await t.close();
    }
  });
});

test('a 429 storm longer than maxRateLimitRetries ends in RateLimitedError, with retry-after kept', async () => {
  const sim = makeSim({ shared, sim: { rpm: 0 } });
  const t = await connect(sim, 'in-process');
  sim.faults.setRules([{ kind: '429', count: 4, retryAfter: '3' }]);
  const h = makeClient(sim, t, { maxRetries: 10, maxRateLimitRetries: 3 });
  const err = await h.client.activities.list({ limit: 5 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitedError);
  expect((err as RateLimitedError).attempts).toBe(4);
  expect((err as RateLimitedError).retryAfterMs).toBe(3000);
  // the fifth attempt would have been served
  expect((await h.client.activities.list({ limit: 5 })).data).toHaveLength(5);
});
