// The synthetic tenant: deterministic, ordered, and consistent between its directory and its feed.
import { describe, expect, it } from 'vitest';
import { KNOWN_ACTOR_TYPES } from '../src/api/types.js';
import { createTenant } from '../src/simulator/tenant/index.js';
import type { TenantOptions } from '../src/simulator/tenant/index.js';
import { REFERENCE_ACTIVITY_TYPES } from '../src/simulator/tenant/activity-types.js';
import { BackgroundGenerator } from '../src/simulator/tenant/background.js';
import { comparePosition } from '../src/simulator/tenant/feed.js';
import { shapeTenant } from '../src/simulator/tenant/options.js';
import { Rng, activityId, activityIdTime, base58Fixed, randomBase58 } from '../src/simulator/tenant/random.js';
import { HOUR, isoMicros } from '../src/simulator/tenant/time.js';

const START = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86_400_000;
const base: TenantOptions = { seed: 1, startMs: START, horizonDays: 30, activitiesPerDay: 500, live: false, lateShare: 0, timestampStyle: 'z' };
const LATER = START + 2 * DAY; // every activity indexed

function everything(t: ReturnType<typeof createTenant>, nowMs = LATER) {
  return t.feed.scan({ direction: 'forward', nowMs, limit: Number.MAX_SAFE_INTEGER });
}

describe('synthetic tenant', () => {
  const tenant = createTenant(base);
  const all = everything(tenant);

  it('is deterministic: same seed, same data; another seed, other data', () => {
    const again = everything(createTenant(base));
    expect(again.length).toBe(all.length);
    expect(JSON.stringify(again.map((a) => a.record))).toBe(JSON.stringify(all.map((a) => a.record)));
    const other = everything(createTenant({ ...base, seed: 2 }));
    expect(other.map((a) => a.id).slice(0, 50)).not.toEqual(all.map((a) => a.id).slice(0, 50));
  });

  it('orders the feed by created_at then id, and scans backward as the exact reverse', () => {
    for (let i = 1; i < all.length; i++) expect(comparePosition(all[i - 1], all[i])).toBe(-1);
    const back = tenant.feed.scan({ direction: 'backward', nowMs: LATER, limit: Number.MAX_SAFE_INTEGER });
    expect(back.map((a) => a.id)).toEqual(all.map((a) => a.id).reverse());
    const ties = all.filter((a, i) => i > 0 && a.us === all[i - 1].us);
    expect(ties.length).toBeGreaterThan(0);
  });

  it('generated one activity at a time, holds every background draft and timeline event exactly once', () => {
    // the feed writes each hour bucket as its activities are drawn, ordering only the ties of one microsecond
    // (feed.ts generateEach): count what the generators produce per bucket, independently of that merge
    const shape = shapeTenant(base);
    const background = new BackgroundGenerator(shape, tenant.timeline, tenant.contentTimeline);
    const events = [...tenant.timeline.events, ...tenant.contentTimeline.events];
    let expected = 0;
    for (let b = shape.epochStartMs / HOUR; b * HOUR < START; b++) {
      background.bucket(b, () => expected++);
      expected += events.filter((e) => e.ms >= b * HOUR && e.ms < (b + 1) * HOUR).length;
    }
    expect(all.length).toBe(expected);
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length);
  });

  it('resumes a scan from any position without gaps or repeats', () => {
    const pages: string[] = [];
    let from = undefined as (typeof all)[number] | undefined;
    for (;;) {
      const page = tenant.feed.scan({ direction: 'forward', from, nowMs: LATER, limit: 997 });
      if (page.length === 0) break;
      pages.push(...page.map((a) => a.id));
      from = page[page.length - 1];
    }
    expect(pages).toEqual(all.map((a) => a.id));
  });

  it('finds any activity by id, and honours created_at bounds at microsecond resolution', () => {
    for (const a of [all[0], all[777], all[all.length - 1]]) expect(tenant.feed.get(a.id)).toBe(a);
    expect(tenant.feed.get('activity_01nonexistent000000000000')).toBeUndefined();
    const pivot = all[1000];
    const after = tenant.feed.scan({ direction: 'forward', nowMs: LATER, minUs: pivot.us, limit: 3 });
    expect(after[0].us).toBe(pivot.us);
    const before = tenant.feed.scan({ direction: 'backward', nowMs: LATER, maxUs: pivot.us, limit: 1 });
    expect(before[0].us).toBeLessThan(pivot.us);
  });

  it('serves every actor variant of the reference plus types and actors the reference does not know', () => {
    const actorTypes = new Set(all.map((a) => a.record.actor.type));
    for (const known of KNOWN_ACTOR_TYPES) expect(actorTypes, known).toContain(known);
    expect([...actorTypes].some((t) => !(KNOWN_ACTOR_TYPES as readonly string[]).includes(t))).toBe(true);
    const referenceTypes = new Set(REFERENCE_ACTIVITY_TYPES.map(([t]) => t));
    const unknownTypes = new Set(all.map((a) => a.record.type).filter((t) => !referenceTypes.has(t)));
    expect(unknownTypes.size).toBeGreaterThan(0);
    for (const t of unknownTypes) expect(tenant.feed.knownTypes.has(t)).toBe(true);
    const counts = new Map<string, number>();
    for (const a of all) counts.set(a.record.type, (counts.get(a.record.type) ?? 0) + 1);
    const content = all.filter((a) => /^claude_(chat|file|project|artifact)_/.test(a.record.type)).length;
    expect(content / all.length).toBeGreaterThan(0.6);
  });

  it('lets users act only while they are members of the organization', () => {
    const users = new Map(tenant.timeline.users.map((u) => [u.id, u]));
    let checked = 0;
    for (const a of all) {
      if (a.record.actor.type !== 'user_actor') continue;
      const u = users.get(a.record.actor.user_id as string);
      expect(u).toBeDefined();
      const ms = Math.floor(a.us / 1000);
      expect(ms >= u!.joinedMs && ms < u!.leftMs, `${a.record.type} by ${u!.id}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('drops a removed user from the users list while the feed keeps their activities', () => {
    const leaver = tenant.timeline.users.find((u) => u.leftMs < START && all.some((a) => a.record.actor.user_id === u.id));
    expect(leaver).toBeDefined();
    const org = tenant.timeline.orgs[leaver!.orgIndex].uuid;
    expect(tenant.directory.users(org, leaver!.leftMs - 1)!.map((u) => u.id)).toContain(leaver!.id);
    expect(tenant.directory.users(org, leaver!.leftMs)!.map((u) => u.id)).not.toContain(leaver!.id);
    const removal = all.find((a) => (a.record.type === 'org_user_deleted' && a.record.deleted_user_id === leaver!.id) || (a.record.type === 'scim_user_deleted' && a.record.user_id === leaver!.id));
    expect(removal && Math.floor(removal.us / 1000)).toBe(leaver!.leftMs);
  });

  it('keeps group membership equal to the history implied by the feed events, at any time', () => {
    const events = all.filter((a) => a.record.type === 'group_member_added' || a.record.type === 'group_member_removed');
    expect(events.length).toBeGreaterThan(10);
    const epoch = tenant.epochStartMs;
    for (const g of tenant.directory.groups(START)) {
      const members = new Set((tenant.directory.groupMembers(g.id, epoch) ?? []).map((m) => m.user_id));
      const mine = events.filter((e) => e.record.group_id === g.id);
      const probes = [...mine.map((e) => Math.floor(e.us / 1000) + 500), START - 1];
      let k = 0;
      for (const probe of probes.sort((a, b) => a - b)) {
        while (k < mine.length && Math.floor(mine[k].us / 1000) <= probe) {
          for (const id of mine[k].record.member_ids as string[]) {
            if (mine[k].record.type === 'group_member_added') members.add(id);
            else members.delete(id);
          }
          k++;
        }
        const actual = (tenant.directory.groupMembers(g.id, probe) ?? []).map((m) => m.user_id).sort();
        expect(actual, `${g.name} at ${new Date(probe).toISOString()}`).toEqual([...members].sort());
      }
    }
  });

  it('reports membership intervals that match /groups/{id}/members at their bounds', () => {
    const history = tenant.directory.membershipHistory(START);
    const ended = history.filter((m) => m.valid_to !== null);
    expect(ended.length).toBeGreaterThan(0);
    for (const m of history.slice(0, 40)) {
      const from = Date.parse(m.valid_from);
      const members = tenant.directory.groupMembers(m.group_id, from)!;
      const row = members.find((x) => x.user_id === m.user_id);
      expect(row?.created_at).toBe(m.valid_from);
      if (m.valid_to) expect(tenant.directory.groupMembers(m.group_id, Date.parse(m.valid_to))!.some((x) => x.user_id === m.user_id)).toBe(false);
    }
  });

  it('indexes activities late: within a minute normally, minutes to days for the late share', () => {
    const late = createTenant({ ...base, lateShare: 0.1 });
    const atStart = late.feed.scan({ direction: 'forward', nowMs: START, limit: Number.MAX_SAFE_INTEGER });
    const later = late.feed.scan({ direction: 'forward', nowMs: START + 4 * DAY, limit: Number.MAX_SAFE_INTEGER });
    expect(later.length).toBeGreaterThan(atStart.length);
    const normal = everything(tenant, START).length;
    expect(all.length - normal).toBeLessThan(all.length * 0.01);
  });

  it('renders the reference timestamp forms when asked', () => {
    const ref = createTenant({ ...base, timestampStyle: 'reference' });
    const org = ref.directory.organizations(START)[0];
    expect(org.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const role = ref.directory.roles(org.uuid, START)![0];
    expect(role.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const feed = everything(ref).slice(0, 500).map((a) => a.record.created_at);
    expect(feed.some((s) => s.endsWith('+00:00'))).toBe(true);
  });

  it('holds a six-year, fifty-million-activity history without materialising it', () => {
    const big = createTenant({ ...base, horizonDays: 2190, activitiesPerDay: 22_831 });
    expect(big.epochStartMs).toBeLessThan(START - 2189 * DAY);
    const oldest = big.feed.scan({ direction: 'forward', nowMs: LATER, limit: 5000 });
    const newest = big.feed.scan({ direction: 'backward', nowMs: LATER, limit: 5000 });
    expect(oldest).toHaveLength(5000);
    expect(newest).toHaveLength(5000);
    expect(Date.parse(oldest[0].record.created_at)).toBeLessThan(START - 2188 * DAY);
    // sample 100 days: the volume extrapolates to about fifty million
    let sampled = 0;
    for (let d = 0; d < 100; d++) {
      const dayStart = big.epochStartMs + Math.floor((d * 2190) / 100) * DAY;
      sampled += big.feed.scan({ direction: 'forward', nowMs: LATER, minUs: dayStart * 1000, maxUs: (dayStart + DAY) * 1000, limit: Number.MAX_SAFE_INTEGER }).length;
    }
    const estimate = (sampled / 100) * 2190;
    expect(estimate).toBeGreaterThan(45e6);
    expect(estimate).toBeLessThan(58e6);
    expect(process.memoryUsage().rss).toBeLessThan(1.5e9);
  }, 180_000); // 25-30 s alone; 97 s at a load average of 20
});

describe('fast formatters', () => {
  it('isoMicros equals Date#toISOString plus the microsecond digits, across hours, days and years', () => {
    const rng = mulberry(7);
    for (let i = 0; i < 20_000; i++) {
      // from 1970 to 2100, at microsecond resolution, with runs inside one hour to exercise the cached prefix
      const us = i % 4 === 0 ? Math.floor(rng() * 4.1e15) : Math.floor(rng() * 4.1e15 / 3.6e9) * 3.6e9 + Math.floor(rng() * 3.6e9);
      const ms = Math.floor(us / 1000);
      const micros = us - ms * 1000;
      const base = new Date(ms).toISOString();
      expect(isoMicros(us)).toBe(micros === 0 ? base : `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`);
    }
  });

  it('activityId encodes its time and draws the same random characters as the plain form', () => {
    const a = new Rng(11);
    const b = new Rng(11);
    for (let i = 0; i < 5_000; i++) {
      const us = 1.6e15 + i * 7_919_000 + (i % 1000);
      const id = activityId(us, a);
      expect(id).toBe(`activity_01${base58Fixed(us, 9)}${randomBase58(b, 13)}`);
      expect(activityIdTime(id)).toBe(us);
    }
  });
});

function mulberry(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
