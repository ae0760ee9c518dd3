// The simulator writes each background activity's JSON from the generator (GeneratedActivity) and a page as
// the join of those texts. Both must be byte for byte what JSON.stringify of the record objects gave before.
import { describe, expect, it } from 'vitest';
import type { Activity } from '../src/api/types.js';
import type { SimActivity } from '../src/simulator/model.js';
import { GeneratedActivity } from '../src/simulator/tenant/feed.js';
import type { Draft } from '../src/simulator/tenant/background.js';
import { Rng, hash32 } from '../src/simulator/tenant/random.js';
import { HOUR } from '../src/simulator/tenant/time.js';
import { BEFORE_NOW, KEYS, START, connect, makeSim, makeTenant } from './support/sim-harness.js';

/** The feed's private steps, reached the way staticBucket reaches them. */
interface FeedInternals {
  background: { bucket(b: number): Draft[] };
  materialise(rng: Rng, d: Draft, asText?: boolean): SimActivity;
}

describe('simulator activity JSON written from the generator', () => {
  it('equals JSON.stringify of the record object for every background activity of 10 days (every type, Z and +00:00)', () => {
    const tenant = makeTenant({ timestampStyle: 'reference', horizonDays: 10, activitiesPerDay: 6000 });
    const feed = tenant.feed as unknown as FeedInternals;
    const types = new Set<string>();
    let generated = 0;
    let plusOffset = 0;
    const mismatches: { got: string; expected: string }[] = [];
    const firstBucket = Math.floor(START / HOUR) - 10 * 24;
    for (let b = firstBucket; b < firstBucket + 10 * 24; b++) {
      const drafts = feed.background.bucket(b);
      // the same random draws both ways, as staticBucket makes them
      const asText = new Rng(hash32(7, 101, b));
      const asRecord = new Rng(hash32(7, 101, b));
      for (const d of drafts) {
        const text = feed.materialise(asText, d, true);
        const old = feed.materialise(asRecord, d, false);
        const expected = JSON.stringify(old.record);
        if (text instanceof GeneratedActivity) generated++;
        const got = text instanceof GeneratedActivity ? text.json : JSON.stringify(text.record);
        // one expect per record would dominate the test's time: collect what differs
        if (got !== expected || text.id !== old.id || text.us !== old.us || text.visibleAt !== old.visibleAt) mismatches.push({ got, expected });
        types.add(old.record.type);
        if (old.record.created_at.endsWith('+00:00')) plusOffset++;
      }
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(generated).toBeGreaterThan(50_000);
    expect(plusOffset).toBeGreaterThan(1000);
    // every type the background mixes in (future ones included), with their actors
    expect(types.size).toBeGreaterThanOrEqual(27);
  });

  it('a served page is JSON.stringify of {data, has_more, first_id, last_id}, over many pages, filters and directions', async () => {
    const sim = makeSim({ tenant: { timestampStyle: 'reference', horizonDays: 3, activitiesPerDay: 4000 } });
    const t = await connect(sim, 'in-process');
    const get = async (query: string) => {
      const res = await t.fetch(`${t.baseUrl}/v1/compliance/activities?${query}`, { headers: { 'x-api-key': KEYS.full, 'anthropic-version': '2023-06-01' } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const queries = [
      `limit=1000&created_at.lt=${BEFORE_NOW}`,
      `limit=1000&order=asc&created_at.lt=${BEFORE_NOW}`,
      `limit=500&activity_types[]=claude_chat_viewed&activity_types[]=sso_login_initiated&created_at.lt=${BEFORE_NOW}`,
      `limit=700&exclude_activity_types[]=claude_chat_viewed&created_at.lt=${BEFORE_NOW}`,
    ];
    let pages = 0;
    const timeline = new Set<string>();
    for (const first of queries) {
      let query = first;
      for (let n = 0; n < 8; n++) {
        const text = await get(query);
        const body = JSON.parse(text) as { data: Activity[]; has_more: boolean; first_id: string | null; last_id: string | null };
        // the record objects as the route built them before: the feed's activities, in order
        const records = body.data.map((r) => (sim.tenant.feed.get(r.id) as SimActivity).record);
        for (const r of records) if (!(sim.tenant.feed.get(r.id) instanceof GeneratedActivity)) timeline.add(r.type);
        expect(text).toBe(JSON.stringify({ data: records, has_more: body.has_more, first_id: body.first_id, last_id: body.last_id }));
        pages++;
        if (!body.has_more) break;
        query = `${first}&after_id=${encodeURIComponent(body.last_id!)}`;
      }
    }
    await t.close();
    expect(pages).toBeGreaterThan(20);
    // pages mix generated activities with the timeline's record objects (directory and content events)
    expect(timeline.size).toBeGreaterThan(3);
  });
});
