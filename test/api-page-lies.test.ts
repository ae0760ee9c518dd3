// Pages that lie (compliance-api.md §7.2, §2.7): an empty page with `has_more: true`, a full page with
// `has_more: false`. The simulator tells each lie on demand; every walk, cursor and page token, confirms with
// one more request, loses no record and never loops; the activity stream records what the check found.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PageCheck } from '../src/api/index.js';
import { StateStore } from '../src/state/index.js';
import type { FaultRule } from '../src/simulator/server/faults.js';
import { lakeActivityIds, syncWith, tempDataDir } from './support/lake-harness.js';
import {
  BEFORE_NOW,
  TRANSPORTS,
  type Transport,
  allPages,
  connect,
  idsOf,
  makeClient,
  makeSim,
  makeTenant,
  truthIds,
} from './support/sim-harness.js';

const shared = makeTenant();
type Sim = ReturnType<typeof makeSim>;

/** A client that collects its page checks. */
function checkingClient(sim: Sim, t: Transport) {
  const checks: PageCheck[] = [];
  const h = makeClient(sim, t, { requestsPerMinute: 0, maxRetries: 0, onPageCheck: (c) => checks.push(c) });
  return { ...h, checks };
}

const LIES: [string, FaultRule[]][] = [
  ['an empty page claiming more (every 3rd page)', [{ kind: 'empty-has-more', every: 3 }]],
  ['a full page claiming the end (every 2nd page)', [{ kind: 'full-no-more', every: 2 }]],
];
/** Both at once: a confirming request can meet the other lie. */
const BOTH: FaultRule[] = [{ kind: 'empty-has-more', every: 3 }, { kind: 'full-no-more', every: 2 }];

describe.each(TRANSPORTS)('pages that lie (%s)', (kind) => {
  let sim: Sim;
  let t: Transport;
  beforeAll(async () => {
    sim = makeSim({ shared, sim: { rpm: 0 } });
    t = await connect(sim, kind);
  });
  afterAll(() => t.close());

  test.each(LIES)('activities (cursor): %s — exactly the truth, every lie confirmed away', async (_name, rules) => {
    const truth = (await truthIds(t, `created_at.lt=${BEFORE_NOW}`)).reverse();
    sim.faults.setRules(rules);
    try {
      const h = checkingClient(sim, t);
      const pages = await allPages(h.client.activities.pages({ limit: 400, 'created_at.lt': BEFORE_NOW }));
      const injected = sim.faults.config().rules.reduce((n, r) => n + r.fired, 0);
      expect(injected).toBeGreaterThan(2);
      expect(idsOf(pages)).toEqual(truth);
      // every injected lie was met by one confirming request that found more
      const lies = h.checks.filter((c) => c.outcome === 'more');
      expect(lies).toHaveLength(injected);
      expect(h.requests).toHaveLength(pages.length);
    } finally {
      sim.faults.clear();
    }
  });

  test.each(LIES)('chats (cursor): %s — exactly the records of a clean walk', async (_name, rules) => {
    const clean = idsOf(await allPages(checkingClient(sim, t).client.chats.pages({ limit: 50 })));
    expect(clean.length).toBeGreaterThanOrEqual(100);
    sim.faults.setRules(rules);
    try {
      const h = checkingClient(sim, t);
      const ids = idsOf(await allPages(h.client.chats.pages({ limit: 50 })));
      expect(ids).toEqual(clean);
      expect(h.checks.filter((c) => c.outcome === 'more').length).toBeGreaterThan(0);
    } finally {
      sim.faults.clear();
    }
  });

  test.each(LIES)('users and projects (page tokens): %s — exactly the records of the tenant', async (_name, rules) => {
    const org = sim.tenant.directory.organizations(sim.clock.now())[0].uuid;
    const userTruth = (sim.tenant.directory.users(org, sim.clock.now()) ?? []).map((u) => u.id);
    expect(userTruth.length).toBeGreaterThan(50);
    sim.faults.setRules(rules);
    try {
      const h = checkingClient(sim, t);
      const users = (await allPages(h.client.users.pages(org, { limit: 25 }))).flatMap((p) => p.data.map((u) => u.id));
      expect(users).toEqual(userTruth);
      const projects = (await allPages(h.client.projects.pages({ limit: 10 }))).flatMap((p) => p.data.map((x) => x.id));
      expect(new Set(projects).size).toBe(projects.length);
      expect(projects.length).toBe(sim.tenant.content.projects(sim.clock.now()).length);
      expect(h.checks.filter((c) => c.outcome === 'more').length).toBeGreaterThan(1);
    } finally {
      sim.faults.clear();
    }
  });
});

describe.each(TRANSPORTS)('both lies at once (%s): no record lost, no loop', (kind) => {
  test('activities, chats and users', async () => {
    const sim = makeSim({ shared, sim: { rpm: 0 } });
    const t = await connect(sim, kind);
    try {
      const truth = (await truthIds(t, `created_at.lt=${BEFORE_NOW}`)).reverse();
      const org = sim.tenant.directory.organizations(sim.clock.now())[0].uuid;
      const userTruth = (sim.tenant.directory.users(org, sim.clock.now()) ?? []).map((u) => u.id);
      const cleanChats = idsOf(await allPages(checkingClient(sim, t).client.chats.pages({ limit: 50 })));
      sim.faults.setRules(BOTH);
      const h = checkingClient(sim, t);
      // cursor walks: exact, a confirming request that meets the other lie is asked again
      expect(idsOf(await allPages(h.client.activities.pages({ limit: 400, 'created_at.lt': BEFORE_NOW })))).toEqual(truth);
      expect(idsOf(await allPages(h.client.chats.pages({ limit: 50 })))).toEqual(cleanChats);
      // page tokens: every record, a page possibly twice (at least once)
      const users = (await allPages(h.client.users.pages(org, { limit: 25 }))).flatMap((p) => p.data.map((u) => u.id));
      expect([...new Set(users)].sort()).toEqual([...userTruth].sort());
      expect(sim.faults.config().rules.every((r) => r.fired > 0)).toBe(true);
      expect(h.checks.some((c) => c.outcome === 'unconfirmed')).toBe(false);
    } finally {
      await t.close();
    }
  });
});

test('a walk that meets an empty page claiming more every time asks once more, then ends (no loop), and says so', async () => {
  const sim = makeSim({ shared, sim: { rpm: 0 } });
  const t = await connect(sim, 'in-process');
  sim.faults.setRules([{ kind: 'empty-has-more', every: 1 }]);
  const h = checkingClient(sim, t);
  const pages = await allPages(h.client.activities.pages({ limit: 100, 'created_at.lt': BEFORE_NOW }));
  expect(pages.map((p) => p.data.length)).toEqual([0, 0]);
  expect(h.checks).toEqual([expect.objectContaining({ claim: 'empty-has-more', outcome: 'unconfirmed' })]);
  expect(h.logs.lines.some((l) => l.startsWith('warn') && l.includes('twice'))).toBe(true);

  const org = sim.tenant.directory.organizations(sim.clock.now())[0].uuid;
  const users = await allPages(h.client.users.pages(org, { limit: 25 }));
  expect(users.map((p) => p.data.length)).toEqual([0, 0]);
  expect(h.checks.at(-1)).toMatchObject({ claim: 'empty-has-more', outcome: 'unconfirmed', endpoint: `/v1/compliance/organizations/${org}/users` });
});

test('a full last page is confirmed by one more request that finds the end', async () => {
  const sim = makeSim({ shared, sim: { rpm: 0 } });
  const t = await connect(sim, 'in-process');
  const window = 'created_at.gte=2026-10-31T00:00:00Z&created_at.lt=2026-10-31T06:00:00Z';
  const truth = await truthIds(t, window);
  expect(truth.length).toBeGreaterThan(10);
  const h = checkingClient(sim, t);
  const pages = await allPages(
    h.client.activities.pages({ 'created_at.gte': '2026-10-31T00:00:00Z', 'created_at.lt': '2026-10-31T06:00:00Z', limit: truth.length }),
  );
  expect(pages.map((p) => p.data.length)).toEqual([truth.length, 0]);
  expect(h.checks).toEqual([expect.objectContaining({ claim: 'full-no-more', outcome: 'end' })]);
});

test('the activity stream stores exactly the truth through both lies and records what the checks found', async () => {
  const sim = makeSim({ shared, sim: { rpm: 0 } });
  const t = await connect(sim, 'in-process');
  const { dir, cleanup } = tempDataDir('cl-page-lies-');
  try {
    // the stream reads 5000-activity pages by UTC day, so a full page needs a day of more than 5000: not in this
    // tenant; empty pages claiming more are what it meets here
    // (every 3rd: the stream's two probes of limit 1 come first, and a single list call is not a walk)
    sim.faults.setRules([{ kind: 'empty-has-more', every: 3, path: '/v1/compliance/activities' }]);
    const result = await syncWith(t, dir, { streams: ['activities'], maxRetries: 0, settings: { overlapMs: 0, reconcileDays: 0, untilMs: Date.parse(BEFORE_NOW) } });
    expect(result.ok, JSON.stringify(result.streams)).toBe(true);
    const fired = sim.faults.config().rules[0].fired;
    expect(fired).toBeGreaterThan(1);
    const stored = await lakeActivityIds(dir);
    const truth = await truthIds(t, `created_at.lt=${BEFORE_NOW}`);
    expect(stored).toEqual([...truth].sort());
    const state = StateStore.open(dir, { readonly: true });
    try {
      const events = state.coverage({ stream: 'activities' }).filter((e) => e.found_by === 'page-check');
      // each lie hid a page (or the rest of a day): its records are the ones recorded as found by the check
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) expect(truth).toContain(e.record_id);
    } finally {
      state.close();
    }
  } finally {
    cleanup();
  }
});
