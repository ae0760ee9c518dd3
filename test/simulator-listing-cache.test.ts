// The simulator keeps its sorted chats and projects lists until the tenant's content revision moves
// (server/routes/shared.ts ServerCache). These tests hold that cache to a from-scratch answer under a moving
// clock on a live tenant: the same pages as a fresh simulator (empty cache) at each moment, the same order as
// sorting the tenant's list directly, and a revision that names the list's state exactly.
import { describe, expect, test } from 'vitest';
import type { Chat } from '../src/api/types.js';
import type { Simulator } from '../src/simulator/server/app.js';
import { compareIds } from '../src/simulator/server/routes/shared.js';
import { recordTimeUs } from '../src/simulator/server/params.js';
import { KEYS, NOW, START, makeSim, makeTenant } from './support/sim-harness.js';

const DAY = 86_400_000;

// live: chats and projects keep being created, messaged, deleted and orphaned (creator left) after START
const tenant = makeTenant({ live: true, chats: 400, projects: 60, users: 40 });
const timeline = tenant.contentTimeline;

/**
 * Moments in (NOW, NOW + 10 days] at which some chat or project record changes, ascending: every deletion,
 * creator leaving and project change, and a thinned-out sample of the (many) chat creations and messages.
 */
function changeMoments(): number[] {
  const inWindow = (ts: Iterable<number>) => [...new Set(ts)].filter((t) => t > NOW + 2000 && t <= NOW + 10 * DAY).sort((a, b) => a - b);
  const rare = inWindow([
    ...timeline.chats.flatMap((c) => [c.deletedMs, c.creator.leftMs]),
    ...timeline.projects.flatMap((p) => [p.createdMs, p.deletedMs, p.creator.leftMs, ...p.attachments.map((a) => a.createdMs)]),
  ]);
  const frequent = inWindow(timeline.chats.flatMap((c) => [c.createdMs, ...c.messageTimes]));
  const sampled = frequent.filter((_, i) => i % Math.ceil(frequent.length / 30) === 0);
  return [...new Set([...rare, ...sampled])].sort((a, b) => a - b);
}

async function get(sim: Simulator, url: string): Promise<string> {
  const res = await sim.handle({ method: 'GET', url, headers: { host: 'sim.test', 'x-api-key': KEYS.full }, remoteAddress: '127.0.0.1' });
  expect(res.status, res.body).toBe(200);
  return res.body;
}

/** Every page of a list, as the raw bodies the server sent. */
async function walk(sim: Simulator, path: string, style: 'cursor' | 'token'): Promise<string[]> {
  const bodies: string[] = [];
  let next = '';
  for (;;) {
    const body = await get(sim, `${path}${next}`);
    bodies.push(body);
    const page = JSON.parse(body) as { has_more: boolean; last_id?: string; next_page?: string | null };
    if (!page.has_more) return bodies;
    next = style === 'cursor' ? `&after_id=${encodeURIComponent(page.last_id!)}` : `&page=${encodeURIComponent(page.next_page!)}`;
  }
}

const LISTS = [
  { path: '/v1/compliance/apps/chats?limit=37&order_by=updated_at', style: 'cursor' },
  { path: '/v1/compliance/apps/chats?limit=37&order_by=created_at', style: 'cursor' },
  { path: '/v1/compliance/apps/projects?limit=7', style: 'token' },
] as const;

describe('simulator listing cache under a moving clock', () => {
  const moments = changeMoments();

  test('the tenant changes in the window (the test has something to see)', () => {
    expect(moments.length).toBeGreaterThan(20);
    expect(tenant.content.revision('chats', moments.at(-1)!)).toBeGreaterThan(tenant.content.revision('chats', moments[0]));
    expect(tenant.content.revision('projects', moments.at(-1)!)).toBeGreaterThan(tenant.content.revision('projects', NOW));
  });

  test('a long-lived simulator serves the same pages as a fresh one at every moment', async () => {
    const kept = makeSim({ shared: tenant });
    for (const m of moments) {
      // the second before the change, at it, later in its second, and the next second (the chats list is as
      // of the second, so a change shows from the next whole second on)
      for (const t of [m - 1000, m, m + 1, m + 1000]) {
        if (t < kept.clock.now()) continue;
        kept.clock.set(t);
        const fresh = makeSim({ shared: tenant });
        fresh.clock.set(t);
        for (const list of LISTS) {
          // a second walk on the kept simulator reads its cache; the fresh one builds and sorts from scratch
          expect(await walk(kept, list.path, list.style), `${list.path} at ${new Date(t).toISOString()}`).toEqual(
            await walk(fresh, list.path, list.style),
          );
        }
      }
    }
  });

  test('the chats walk is the tenant list sorted by (updated_at, id) from scratch', async () => {
    const kept = makeSim({ shared: tenant });
    for (const m of moments.filter((_, i) => i % 4 === 0)) {
      kept.clock.set(m);
      const pages = (await walk(kept, LISTS[0].path, 'cursor')).map((b) => JSON.parse(b) as { data: Chat[] });
      const served = pages.flatMap((p) => p.data);
      const truth = tenant.content
        .chats(Math.floor(m / 1000) * 1000)
        .sort((a, b) => recordTimeUs(a.updated_at) - recordTimeUs(b.updated_at) || compareIds(a.id, b.id));
      expect(served).toEqual(truth);
    }
  });

  test('equal revisions mean equal lists; a non-live tenant never moves after its start', () => {
    const grid = [...new Set(moments.flatMap((m) => [m - 1, m, m + 1]))].sort((a, b) => a - b);
    let compared = 0;
    for (let i = 1; i < grid.length; i++) {
      const [a, b] = [grid[i - 1], grid[i]];
      for (const list of ['chats', 'projects'] as const) {
        if (tenant.content.revision(list, a) !== tenant.content.revision(list, b)) continue;
        compared++;
        expect(tenant.content[list](b), `${list} at ${a} and ${b}`).toEqual(tenant.content[list](a));
      }
    }
    expect(compared).toBeGreaterThan(10);
    // every change moment moves the revision
    for (const m of moments) {
      expect(tenant.content.revision('chats', m) + tenant.content.revision('projects', m)).toBeGreaterThan(
        tenant.content.revision('chats', m - 1) + tenant.content.revision('projects', m - 1),
      );
    }
    const still = makeTenant({ live: false });
    expect(still.content.revision('chats', START + 30 * DAY)).toBe(still.content.revision('chats', START));
    expect(still.content.revision('projects', START + 30 * DAY)).toBe(still.content.revision('projects', START));
  });
});
