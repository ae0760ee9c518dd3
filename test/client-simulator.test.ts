// The real ComplianceClient against the real simulator, in-process (`fetch: sim.fetch`) and over loopback HTTP:
// a walk of every endpoint checked against the tenant, activity cursor walks, the rate budget on the simulator's
// clock, every fault profile, the status → error class mapping, and the key never leaking (compliance-api.md §1, §2, §6, §9).
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AuthenticationError,
  ComplianceApiError,
  InvalidRequestError,
  MalformedResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RateBudget,
  RateLimitedError,
  ServerError,
  type Activity,
  type PageOf,
} from '../src/api/index.js';
import { FAULT_PROFILES, type Simulator } from '../src/simulator/server/app.js';
import {
  BEFORE_NOW,
  KEYS,
  MINUTE,
  NOW,
  TRANSPORTS,
  type ClientHarness,
  type Transport,
  allPages,
  connect,
  control,
  errorSurfaces,
  expectNoSecrets,
  failure,
  idsOf,
  makeClient,
  makeSim,
  makeTenant,
  recordingFetch,
  simTime,
  truthIds,
} from './support/sim-harness.js';

const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const REQUEST_ID = /^req_01[1-9A-HJ-NP-Za-km-z]{22}$/;

/** Microseconds since the epoch, parsed independently of the client (no offset = UTC, as the reference implies). */
function instantUs(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$/.exec(s);
  if (!m) throw new Error(`not a timestamp: ${s}`);
  const ms = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  return ms * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

/** Compares a record from the client with the tenant's: equal apart from timestamps, which must be canonical UTC at the same instant. */
class RecordAudit {
  /** Raw timestamps that were not already canonical `Z` (proof the normalisation was exercised). */
  rewritten = 0;
  compared = 0;

  // plain comparisons first (thousands of records), expect() only to report a mismatch
  same(got: object, raw: object, timestampFields: readonly string[], what: string): void {
    const g = got as Record<string, unknown>;
    const r = raw as Record<string, unknown>;
    const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !timestampFields.includes(k)));
    if (!isDeepStrictEqual(strip(g), strip(r))) expect(strip(g), what).toEqual(strip(r));
    for (const f of timestampFields) {
      const gv = g[f];
      const rv = r[f];
      if (rv === null || rv === undefined) {
        if (gv !== rv) expect(gv, `${what}.${f}`).toBe(rv);
        continue;
      }
      if (typeof gv !== 'string' || !CANONICAL_UTC.test(gv)) expect(gv, `${what}.${f}`).toMatch(CANONICAL_UTC);
      if (instantUs(gv as string) !== instantUs(rv as string)) expect(gv, `${what}.${f} is the instant of ${String(rv)}`).toBe(rv);
      if (!CANONICAL_UTC.test(rv as string)) this.rewritten++;
    }
    this.compared++;
  }
}

function expectUnique(values: readonly string[], what: string): void {
  expect(new Set(values).size, `${what} ids are unique`).toBe(values.length);
}

function expectAscending<T>(items: readonly T[], key: (t: T) => [number, string], what: string): void {
  for (let i = 1; i < items.length; i++) {
    const [a, ai] = key(items[i - 1]);
    const [b, bi] = key(items[i]);
    expect(a < b || (a === b && ai < bi), `${what} ascends at ${i}`).toBe(true);
  }
}

const activityKey = (a: Activity): [number, string] => [instantUs(a.created_at), a.id];
const reversed = <T>(xs: readonly T[]): T[] => [...xs].reverse();

type ErrorClass = abstract new (...args: never[]) => ComplianceApiError;

/** The fields every typed error must carry, and their place in its message. */
function expectApiError<C extends ErrorClass>(
  err: unknown,
  cls: C,
  want: { status: number | null; errorType: string | null; path: string; requestId: string | null; attempts?: number },
): asserts err is InstanceType<C> {
  expect(err).toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(ComplianceApiError);
  const e = err as ComplianceApiError;
  expect(e.name).toBe(cls.name);
  expect(e.status).toBe(want.status);
  expect(e.errorType).toBe(want.errorType);
  expect(e.method).toBe('GET');
  expect(e.path).toBe(want.path);
  expect(e.requestId).toBe(want.requestId);
  expect(e.attempts).toBe(want.attempts ?? 1);
  expect(e.message).toContain(`GET ${want.path}`);
  if (want.requestId) expect(e.message).toContain(want.requestId);
  if (want.status !== null) expect(e.message).toContain(String(want.status));
}

/** The key never reaches an error (message, stack, JSON, cause, inspection) or any log line. */
function expectKeyKept(err: unknown, h: ClientHarness): void {
  expectNoSecrets(errorSurfaces(err), 'error');
  expectNoSecrets(h.logs.lines, 'log line');
}

// ---- 1. every endpoint over loopback -------------------------------------------------------------------

describe('full walk of every endpoint through the client over loopback', () => {
  test('directory, chats, messages, files, projects and activities equal the tenant; ids unique; timestamps UTC', async () => {
    // 'reference' timestamps: organizations and activities with +00:00, roles/groups/members without offset
    const sim = makeSim({ tenant: { timestampStyle: 'reference' } });
    const t = await connect(sim, 'loopback');
    try {
      expect(t.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const h = makeClient(sim, t);
      const { client } = h;
      const now = sim.clock.now();
      const dir = sim.tenant.directory;
      const content = sim.tenant.content;
      const audit = new RecordAudit();
      const rewrittenBy: Record<string, number> = {};
      const track = (what: string, before: number) => (rewrittenBy[what] = (rewrittenBy[what] ?? 0) + audit.rewritten - before);

      // organizations → users of each; roles → one role → its permissions
      let mark = audit.rewritten;
      const orgPages = await allPages(client.organizations.pages({ limit: 2 }));
      expect(orgPages.length).toBeGreaterThan(1);
      const orgs = orgPages.flatMap((p) => p.data);
      const rawOrgs = dir.organizations(now);
      expect(orgs.map((o) => o.uuid)).toEqual(rawOrgs.map((o) => o.uuid));
      expectUnique(orgs.map((o) => o.uuid), 'organization');
      orgs.forEach((o, i) => audit.same(o, rawOrgs[i], ['created_at'], `organization ${o.uuid}`));
      track('organizations', mark);

      for (const org of orgs) {
        const userPages = await allPages(client.users.pages(org.uuid, { limit: 40 }));
        const users = userPages.flatMap((p) => p.data);
        const rawUsers = dir.users(org.uuid, now)!;
        expect(rawUsers.length).toBeGreaterThan(0);
        expect(users.map((u) => u.id)).toEqual(rawUsers.map((u) => u.id));
        expectUnique(users.map((u) => u.id), 'user');
        users.forEach((u, i) => audit.same(u, rawUsers[i], ['created_at'], `user ${u.id}`));

        mark = audit.rewritten;
        const roles = (await allPages(client.roles.pages(org.uuid, { limit: 3 }))).flatMap((p) => p.data);
        const rawRoles = dir.roles(org.uuid, now)!;
        expect(roles.map((r) => r.id)).toEqual(rawRoles.map((r) => r.id));
        expectUnique(roles.map((r) => r.id), 'role');
        roles.forEach((r, i) => audit.same(r, rawRoles[i], ['created_at', 'updated_at'], `role ${r.id}`));
        const one = await client.roles.get(org.uuid, roles[0].id);
        audit.same(one.data, rawRoles[0], ['created_at', 'updated_at'], `role ${roles[0].id} (get)`);
        const permissions = (await allPages(client.rolePermissions.pages(org.uuid, roles[0].id, { limit: 1 }))).flatMap((p) => p.data);
        expect(permissions).toEqual(dir.rolePermissions(org.uuid, roles[0].id, now));
        expect(permissions.length).toBeGreaterThan(0);
        track('roles', mark);
      }

      // groups → one group → members (of every group)
      mark = audit.rewritten;
      const groups = (await allPages(client.groups.pages({ limit: 3 }))).flatMap((p) => p.data);
      const rawGroups = dir.groups(now);
      expect(groups.map((g) => g.id)).toEqual(rawGroups.map((g) => g.id));
      expectUnique(groups.map((g) => g.id), 'group');
      groups.forEach((g, i) => audit.same(g, rawGroups[i], ['created_at', 'updated_at'], `group ${g.id}`));
      const group = await client.groups.get(groups[1].id);
      audit.same(group.data, rawGroups[1], ['created_at', 'updated_at'], `group ${groups[1].id} (get)`);
      let memberCount = 0;
      for (const g of groups) {
        const members = (await allPages(client.groupMembers.pages(g.id, { limit: 4 }))).flatMap((p) => p.data);
        const rawMembers = dir.groupMembers(g.id, now)!;
        expect(members.map((m) => m.user_id)).toEqual(rawMembers.map((m) => m.user_id));
        expectUnique(members.map((m) => m.user_id), `members of ${g.id}`);
        members.forEach((m, i) => audit.same(m, rawMembers[i], ['created_at', 'updated_at'], `member ${m.user_id}`));
        memberCount += members.length;
      }
      expect(memberCount).toBeGreaterThan(0);
      track('groups', mark);

      // chats, organization-wide, in both orders: the same set, ascending by the sort key, ties by id
      const rawChats = new Map(content.chats(now).map((c) => [c.id, c]));
      for (const orderBy of ['updated_at', 'created_at'] as const) {
        const pages = await allPages(client.chats.pages({ order_by: orderBy, limit: 40 }));
        expect(pages.length).toBeGreaterThan(1);
        const chats = pages.flatMap((p) => p.data);
        expectUnique(chats.map((c) => c.id), `chats by ${orderBy}`);
        expect(new Set(chats.map((c) => c.id))).toEqual(new Set(rawChats.keys()));
        expectAscending(chats, (c) => [instantUs(c[orderBy]), c.id], `chats by ${orderBy}`);
        for (const c of chats) audit.same(c, rawChats.get(c.id)!, ['created_at', 'updated_at', 'deleted_at'], `chat ${c.id}`);
      }

      // messages of a few chats (one with an uploaded file), paged and whole; then that file's metadata
      const chatIds = [...rawChats.keys()];
      const withFile = chatIds.find((id) => content.chat(id, now)!.messages.some((m) => (m.files?.length ?? 0) > 0))!;
      expect(withFile).toBeDefined();
      const sampled = [withFile, ...chatIds.filter((id) => id !== withFile && content.chat(id, now)!.messages.length > 2).slice(0, 2)];
      expect(sampled).toHaveLength(3);
      for (const chatId of sampled) {
        const raw = content.chat(chatId, now)!;
        const pages = await allPages(client.chatMessages.pages(chatId, { limit: 2 }));
        expect(pages.length).toBeGreaterThan(1);
        const messages = pages.flatMap((p) => p.data);
        expect(messages.map((m) => m.id)).toEqual(raw.messages.map((m) => m.id));
        expectUnique(messages.map((m) => m.id), `messages of ${chatId}`);
        for (const p of pages) audit.same(p.chat, raw.chat, ['created_at', 'updated_at', 'deleted_at'], `chat ${chatId} (messages page)`);
        messages.forEach((m, i) => {
          const { files, generated_files, ...rest } = m;
          const { files: rawFiles, generated_files: rawGenerated, ...rawRest } = raw.messages[i];
          audit.same(rest, rawRest, ['created_at'], `message ${m.id}`);
          for (const [list, rawList] of [[files, rawFiles], [generated_files, rawGenerated]] as const) {
            expect(list?.length ?? null, `files of ${m.id}`).toBe(rawList?.length ?? null);
            list?.forEach((f, j) => audit.same(f, rawList![j], ['created_at'], `file ${f.id} of ${m.id}`));
          }
        });
        const whole = await client.chatMessages.list(chatId);
        expect(whole.has_more).toBe(false);
        expect(whole.data.map((m) => m.id)).toEqual(raw.messages.map((m) => m.id));
      }
      const message = content.chat(withFile, now)!.messages.find((m) => (m.files?.length ?? 0) > 0)!;
      const fileId = message.files![0].id;
      const file = await client.files.get(fileId);
      audit.same(file.data, content.file(fileId, now)!, ['created_at'], `file ${fileId}`);
      expect(file.data.claude_chat_ids).toContain(withFile);
      expect(file.data.message_ids).toContain(message.id);

      // projects → detail → attachments
      const projectPages = await allPages(client.projects.pages({ limit: 7 }));
      expect(projectPages.length).toBeGreaterThan(1);
      const projects = projectPages.flatMap((p) => p.data);
      const rawProjects = new Map(content.projects(now).map((p) => [p.id, p]));
      expectUnique(projects.map((p) => p.id), 'project');
      expect(new Set(projects.map((p) => p.id))).toEqual(new Set(rawProjects.keys()));
      expectAscending(projects, (p) => [instantUs(p.created_at), p.id], 'projects by created_at');
      let attachmentCount = 0;
      for (const p of projects) {
        audit.same(p, rawProjects.get(p.id)!, ['created_at', 'updated_at', 'deleted_at'], `project ${p.id}`);
        const detail = await client.projects.get(p.id);
        audit.same(detail.data, content.project(p.id, now)!, ['created_at', 'updated_at', 'deleted_at'], `project ${p.id} (get)`);
        const attachments = (await allPages(client.projectAttachments.pages(p.id, { limit: 2 }))).flatMap((x) => x.data);
        const rawAttachments = content.projectAttachments(p.id, now)!;
        expect(new Set(attachments.map((a) => a.id))).toEqual(new Set(rawAttachments.map((a) => a.id)));
        expectUnique(attachments.map((a) => a.id), `attachments of ${p.id}`);
        expect(detail.data.attachments_count).toBe(attachments.length);
        const rawById = new Map(rawAttachments.map((a) => [a.id, a]));
        for (const a of attachments) audit.same(a, rawById.get(a.id)!, ['created_at', 'updated_at'], `attachment ${a.id}`);
        attachmentCount += attachments.length;
      }
      expect(attachmentCount).toBeGreaterThan(0);

      // the activity feed, newest first, against /_sim/truth/activities
      mark = audit.rewritten;
      const truth = await truthIds(t);
      const activityPages = await allPages(client.activities.pages({ limit: 1000 }));
      const activities = activityPages.flatMap((p) => p.data);
      expect(activities.length).toBeGreaterThan(5000);
      expect(activities.map((a) => a.id)).toEqual(reversed(truth));
      expectUnique(activities.map((a) => a.id), 'activity');
      for (const a of activities) audit.same(a, sim.tenant.feed.get(a.id)!.record, ['created_at'], `activity ${a.id}`);
      track('activities', mark);

      // every timestamp field of the 'reference' style was rewritten by the client somewhere
      expect(rewrittenBy.organizations).toBe(orgs.length);
      expect(rewrittenBy.roles).toBeGreaterThan(0);
      expect(rewrittenBy.groups).toBeGreaterThan(0);
      expect(rewrittenBy.activities).toBeGreaterThan(0);
      expect(audit.compared).toBeGreaterThan(6000);

      // every request reached the simulator once and succeeded; the server saw exactly the client's requests
      expect(h.requests.every((r) => r.status === 200 && r.attempt === 1 && REQUEST_ID.test(r.requestId ?? ''))).toBe(true);
      const stats = sim.stats();
      expect(stats.requests_total).toBe(h.requests.length);
      expect(stats.by_status).toEqual({ '200': h.requests.length });
      for (const route of [
        '/v1/compliance/organizations/{org_uuid}/roles/{role_id}/permissions',
        '/v1/compliance/groups/{group_id}/members',
        '/v1/compliance/apps/chats/{claude_chat_id}/messages',
        '/v1/compliance/apps/chats/files/{claude_file_id}',
        '/v1/compliance/apps/projects/{project_id}/attachments',
        '/v1/compliance/activities',
      ]) {
        expect(stats.by_path_prefix[route], route).toBeGreaterThan(0);
      }
      expect(Object.keys(stats.by_path_prefix)).not.toContain('other');
      expectNoSecrets(h.logs.lines, 'log line');
    } finally {
      await t.close();
    }
  });
});

// ---- 2. activity cursor walks --------------------------------------------------------------------------

describe.each(TRANSPORTS)('activity cursor walks through the client (%s)', (kind) => {
  let sim: Simulator;
  let t: Transport;
  /** Ascending (created_at, id). The clock stands still, so the feed does not change during these tests. */
  let truth: string[];

  beforeAll(async () => {
    sim = makeSim();
    t = await connect(sim, kind);
    truth = await truthIds(t);
    expect(truth.length).toBeGreaterThan(5000);
  });
  afterAll(() => t.close());

  test('newest first, following last_id as after_id: pages descend, no repeats, equal to the truth', async () => {
    const { client } = makeClient(sim, t);
    const pages = await allPages(client.activities.pages({ limit: 500 }));
    expect(pages).toHaveLength(Math.ceil(truth.length / 500));
    expect(idsOf(pages)).toEqual(reversed(truth));
    pages.forEach((p, i) => {
      expect(p.has_more).toBe(i < pages.length - 1);
      expect(p.params.after_id).toBe(i === 0 ? undefined : pages[i - 1].last_id);
      expectAscending(reversed(p.data), activityKey, `page ${i} (reversed)`);
    });
  });

  test("order: 'asc' walks oldest first and equals the truth", async () => {
    const { client } = makeClient(sim, t);
    const pages = await allPages(client.activities.pages({ order: 'asc', limit: 700 }));
    expect(idsOf(pages)).toEqual(truth);
    expectAscending(pages.flatMap((p) => p.data), activityKey, 'asc walk');
    expect(pages.every((p) => p.params.order === 'asc')).toBe(true);
  });

  test.each(['desc', 'asc'] as const)('order %s: from a middle page cursor, both directions meet with no gap or repeat', async (order) => {
    const { client } = makeClient(sim, t);
    const inOrder = order === 'desc' ? reversed(truth) : truth;
    const first = await allPages(client.activities.pages({ order, limit: 400 }));
    const pivotPage = first[Math.floor(first.length / 2)];
    const pivotId = pivotPage.data[pivotPage.data.length - 1].id;
    const cursor = pivotPage.last_id!;
    // toward the end of the result order, and back toward its start (pages adjacent to the cursor first)
    const onward = await allPages(client.activities.pages({ order, limit: 300, after_id: cursor }));
    const back = await allPages(client.activities.pages({ order, limit: 300, before_id: cursor }));
    expect(back.length).toBeGreaterThan(1);
    back.slice(1).forEach((p, i) => expect(p.params.before_id).toBe(back[i].first_id));
    const backIds = reversed(back).flatMap((p) => p.data.map((a) => a.id));
    const joined = [...backIds, pivotId, ...idsOf(onward)];
    expect(joined).toEqual(inOrder);
    expectUnique(joined, 'joined walk');
  });

  test('from a raw activity id in the middle (accepted as a cursor), both directions cover the truth exactly', async () => {
    const { client } = makeClient(sim, t);
    const pivot = truth[Math.floor(truth.length / 3)];
    const older = idsOf(await allPages(client.activities.pages({ limit: 1000, after_id: pivot })));
    const newerPages = await allPages(client.activities.pages({ limit: 1000, before_id: pivot }));
    const newer = reversed(newerPages).flatMap((p) => p.data.map((a) => a.id));
    expect(older.length).toBeGreaterThan(1000);
    expect(newer.length).toBeGreaterThan(1000);
    // newer side, pivot, older side: the whole feed in order, so their union is the truth with nothing twice
    expect([...newer, pivot, ...older]).toEqual(reversed(truth));
  });

  test('catch-up: before_id from a stored first_id collects exactly what arrived since, then nothing', async () => {
    const own = makeSim();
    const ot = await connect(own, kind);
    try {
      const { client, requests } = makeClient(own, ot);
      const backfill = await allPages(client.activities.pages({ limit: 1000 }));
      const backfillIds = idsOf(backfill);
      expect(backfillIds).toEqual(reversed(await truthIds(ot)));
      const stored = backfill[0].first_id!;
      const backfillRequestIds = requests.map((r) => r.requestId);

      // our own calls become compliance_api_accessed activities, visible about a second later
      own.clock.advance(5_000);
      const truthAfter = await truthIds(ot);
      const known = new Set(backfillIds);
      const arrived = truthAfter.filter((id) => !known.has(id));
      expect(arrived).toHaveLength(backfill.length);

      const catchUp = await allPages(client.activities.pages({ before_id: stored, limit: 2 }));
      expect(catchUp.length).toBeGreaterThan(1);
      expect(catchUp[catchUp.length - 1].has_more).toBe(false);
      const caught = reversed(catchUp).flatMap((p) => p.data);
      expect(caught.map((a) => a.id)).toEqual(reversed(arrived));
      expect(caught.every((a) => a.type === 'compliance_api_accessed')).toBe(true);
      expect(new Set(caught.map((a) => a.request_id))).toEqual(new Set(backfillRequestIds));
      expect(new Set([...backfillIds, ...caught.map((a) => a.id)])).toEqual(new Set(truthAfter));

      // the newest first_id is the next stored cursor; with the clock still, nothing newer is visible
      const next = catchUp[catchUp.length - 1].first_id!;
      const again = await allPages(client.activities.pages({ before_id: next }));
      expect(again).toHaveLength(1);
      expect(again[0].data).toEqual([]);
      expect(again[0].has_more).toBe(false);
    } finally {
      await ot.close();
    }
  });
});

// ---- 3. the rate budget, on the simulator's clock ------------------------------------------------------

describe('rate budget driven by the simulator clock (no real waiting)', () => {
  const LIMIT = 30;
  // every walk here is bounded by BEFORE_NOW, so one tenant serves every simulator
  const shared = makeTenant();
  const walk = (h: ClientHarness, extra: { order?: 'asc' | 'desc' } = {}) =>
    allPages(h.client.activities.pages({ limit: 60, 'created_at.lt': BEFORE_NOW, ...extra }));

  function expectWithinLimit(sim: Simulator): void {
    const stats = sim.stats();
    expect(stats.rate_limited).toBe(0);
    expect(stats.requests_per_minute.reduce((a, b) => a + b, 0)).toBe(stats.requests_total);
    expect(Math.max(...stats.requests_per_minute)).toBeLessThanOrEqual(LIMIT);
  }

  test('(a) client 30 rpm against a 30 rpm simulator: ~100 pages, never refused, no window above 30', async () => {
    const sim = makeSim({ shared, sim: { rpm: LIMIT } });
    const t = await connect(sim, 'in-process');
    const truth = await truthIds(t, `created_at.lt=${BEFORE_NOW}`);
    const h = makeClient(sim, t, { requestsPerMinute: LIMIT });
    const pages = await walk(h);
    expect(pages.length).toBeGreaterThanOrEqual(95);
    expect(idsOf(pages)).toEqual(reversed(truth));
    expectWithinLimit(sim);
    // the control endpoint reports the same as sim.stats()
    const stats = await control(t, 'GET', '/_sim/stats');
    expect(stats).toEqual(sim.stats());
    expect(stats.requests_total).toBe(pages.length);
    expect(stats.rate_limited).toBe(0);
    expect(h.requests).toHaveLength(pages.length);
    // the walk needed at least ceil(pages / 30) windows of simulated time, and took them
    expect(sim.stats().windows.length).toBeGreaterThanOrEqual(Math.ceil(pages.length / LIMIT));
    expect(sim.clock.now() - NOW).toBeGreaterThanOrEqual(Math.floor(pages.length / LIMIT) * MINUTE);
    expect(h.time.slept.length).toBeGreaterThan(0);
  });

  test('a client allowed 600 rpm alone still never exceeds a 30 rpm simulator: it stops at remaining 0 until the reset', async () => {
    const sim = makeSim({ shared, sim: { rpm: LIMIT } });
    const t = await connect(sim, 'in-process');
    const rec = recordingFetch(t.fetch, () => sim.clock.now());
    const truth = await truthIds(t, `created_at.lt=${BEFORE_NOW}`);
    const h = makeClient(sim, t, { requestsPerMinute: 600, fetch: rec.fetch });
    const pages = await walk(h);
    expect(idsOf(pages)).toEqual(reversed(truth));
    expectWithinLimit(sim);
    // after every response reporting remaining 0, the next request waits for the announced reset
    const zeros = rec.exchanges.map((x, i) => ({ x, i })).filter(({ x }) => x.remaining === '0');
    expect(zeros.length).toBeGreaterThanOrEqual(3);
    for (const { x, i } of zeros) {
      const next = rec.exchanges[i + 1];
      if (next) expect(next.at).toBeGreaterThanOrEqual(Date.parse(x.reset!));
    }
  });

  test('(b) client 600 rpm, 30 rpm simulator, a neighbour key taking the last unit: 429s, retry-after obeyed, exact truth', async () => {
    const sim = makeSim({ shared, sim: { rpm: LIMIT } });
    const t = await connect(sim, 'in-process');
    const truth = await truthIds(t, `created_at.lt=${BEFORE_NOW}`);
    let neighbourCalls = 0;
    // another tool of the same parent organization grabs the window's last unit right before our request
    const withNeighbour: typeof fetch = async (input, init) => {
      if (sim.stats().window?.remaining === 1) {
        neighbourCalls++;
        const res = await sim.fetch(`${t.baseUrl}/v1/compliance/organizations`, { headers: { 'x-api-key': KEYS.neighbour } });
        expect(res.status).toBe(200);
        await res.text();
      }
      return sim.fetch(input, init);
    };
    const rec = recordingFetch(withNeighbour, () => sim.clock.now());
    const h = makeClient(sim, t, { requestsPerMinute: 600, fetch: rec.fetch });
    const pages = await walk(h);
    expect(idsOf(pages)).toEqual(reversed(truth));

    const refused = rec.exchanges.map((x, i) => ({ x, i })).filter(({ x }) => x.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBe(neighbourCalls);
    expect(h.requests.filter((r) => r.status === 429)).toHaveLength(refused.length);
    for (const { x, i } of refused) {
      const retry = rec.exchanges[i + 1];
      // the retry waited for retry-after and for the window's reset, and was then admitted
      expect(Number(x.retryAfter)).toBeGreaterThan(0);
      expect(retry.at - x.at).toBeGreaterThanOrEqual(Number(x.retryAfter) * 1000);
      expect(retry.at).toBeGreaterThanOrEqual(Date.parse(x.reset!));
      expect(retry.status).toBe(200);
      expect(retry.url).toBe(x.url);
    }
    const stats = sim.stats();
    expect(stats.rate_limited).toBe(refused.length);
    expect(stats.requests_total).toBe(rec.exchanges.length + neighbourCalls);
    for (const w of stats.windows) {
      // never beyond what the simulator allowed, except the refused requests themselves, and never more than one of those
      expect(w.requests).toBeLessThanOrEqual(LIMIT + w.rate_limited);
      expect(w.rate_limited).toBeLessThanOrEqual(1);
    }
    expect(h.logs.lines.some((l) => l.includes('retrying') && l.includes('429'))).toBe(true);
    expectNoSecrets(h.logs.lines, 'log line');
  });

  test('(c) two clients sharing one RateBudget walk concurrently within 30 rpm together', async () => {
    const sim = makeSim({ shared, sim: { rpm: LIMIT } });
    const t = await connect(sim, 'in-process');
    const truth = await truthIds(t, `created_at.lt=${BEFORE_NOW}`);
    const time = simTime(sim);
    const budget = new RateBudget({ requestsPerMinute: LIMIT, now: time.now, sleep: time.sleep });
    const recA = recordingFetch(t.fetch, time.now);
    const recB = recordingFetch(t.fetch, time.now);
    const a = makeClient(sim, t, { rateBudget: budget, fetch: recA.fetch });
    const b = makeClient(sim, t, { rateBudget: budget, fetch: recB.fetch, apiKey: KEYS.neighbour });
    expect(a.client.rateBudget).toBe(b.client.rateBudget);
    const [pa, pb] = await Promise.all([walk(a), walk(b, { order: 'asc' })]);
    expect(idsOf(pa)).toEqual(reversed(truth));
    expect(idsOf(pb)).toEqual(truth);
    expectWithinLimit(sim);
    expect(sim.stats().requests_total).toBe(pa.length + pb.length);
    expect(recA.exchanges.every((x) => x.status === 200) && recB.exchanges.every((x) => x.status === 200)).toBe(true);
    // they really ran together: several windows served both clients
    const windowOf = (x: { at: number }) => Math.floor(x.at / MINUTE);
    const aWindows = new Set(recA.exchanges.map(windowOf));
    const common = [...new Set(recB.exchanges.map(windowOf))].filter((w) => aWindows.has(w));
    expect(common.length).toBeGreaterThanOrEqual(3);
    expect(budget.snapshot().inWindow).toBeLessThanOrEqual(LIMIT);
  });

  test('(c, control) the same two walkers with separate 30 rpm budgets are refused by the simulator', async () => {
    const sim = makeSim({ shared, sim: { rpm: LIMIT } });
    const t = await connect(sim, 'in-process');
    const truth = await truthIds(t, `created_at.lt=${BEFORE_NOW}`);
    const a = makeClient(sim, t, { requestsPerMinute: LIMIT });
    const b = makeClient(sim, t, { requestsPerMinute: LIMIT, apiKey: KEYS.neighbour });
    const [pa, pb] = await Promise.all([walk(a), walk(b, { order: 'asc' })]);
    // retries still complete both walks, but only a shared budget keeps the organization's limit
    expect(idsOf(pa)).toEqual(reversed(truth));
    expect(idsOf(pb)).toEqual(truth);
    expect(sim.stats().rate_limited).toBeGreaterThan(0);
  });
});

// ---- 4. fault profiles ---------------------------------------------------------------------------------

/** Fixed, so each profile's faults land on the same requests every run (decisions come from seed and request counter). */
const FAULT_SEED = 4;
/** Activities per page of the fault walks (~31 pages). */
const FAULT_PAGE = 200;
/** Per attempt; `slow` delays responses 1–3 s (real time), which this turns into timeouts. */
const FAULT_TIMEOUT_MS = 250;

interface FaultCase {
  /** Which of the client's attempts carry the injected fault (each such attempt costs exactly one retry), if any. */
  faulted?: (r: ClientHarness['requests'][number]) => boolean;
  /** With maxRetries 0: the walk still completes (page faults), or fails with this error. */
  single: 'complete' | { error: ErrorClass; check: (err: any) => void };
  /** Per-attempt timeout for profiles with delayed responses (elsewhere a busy machine must not add retries). */
  timeoutMs?: number;
}

const FAULT_CASES: Record<string, FaultCase> = {
  // a 429 is waited out whatever maxRetries and x-should-retry say (design.md invariant 4)
  'rate-limit-burst': { faulted: (r) => r.status === 429, single: 'complete' },
  'server-errors': {
    faulted: (r) => (r.status ?? 0) >= 500,
    single: {
      error: ServerError,
      check: (e) => {
        expect([500, 502, 503, 529]).toContain(e.status);
        expect(['api_error', 'overloaded_error']).toContain(e.errorType);
      },
    },
  },
  resets: {
    faulted: (r) => r.failure === 'network' && r.status === null,
    single: {
      error: NetworkError,
      check: (e) => {
        expect(e.timedOut).toBe(false);
        expect(e.status).toBeNull();
        expect(e.requestId).toBeNull();
        expect(e.cause).toBeDefined();
      },
    },
  },
  slow: {
    faulted: (r) => r.failure === 'timeout',
    timeoutMs: FAULT_TIMEOUT_MS,
    single: {
      error: NetworkError,
      check: (e) => {
        expect(e.timedOut).toBe(true);
        expect(e.apiMessage).toContain(`${FAULT_TIMEOUT_MS} ms`);
      },
    },
  },
  truncated: {
    // the headers arrived (status 200, request id), the body did not
    faulted: (r) => r.failure === 'network' && r.status === 200,
    single: {
      error: NetworkError,
      check: (e) => {
        expect(e.timedOut).toBe(false);
        expect(e.status).toBe(200);
        expect(e.requestId).toMatch(REQUEST_ID);
      },
    },
  },
  'invalid-json': {
    faulted: (r) => r.failure === 'malformed',
    single: {
      error: MalformedResponseError,
      check: (e) => {
        expect(e.status).toBe(200);
        expect(e.endpoint).toBe('/v1/compliance/activities');
        expect(e.rawBody.endsWith(',}')).toBe(true);
        expect(e.requestId).toMatch(REQUEST_ID);
      },
    },
  },
  'duplicate-boundary': { single: 'complete' },
  'phantom-has-more': { single: 'complete' },
  // pages that lie are confirmed by one more request, retries or not (compliance-api.md §7.2)
  'empty-has-more': { single: 'complete' },
  'full-no-more': { single: 'complete' },
  // with seed 4 the first fault that fails a request is an unparseable body
  chaos: {
    // wider than `slow`'s: here an ordinary response timing out would change which error comes first
    timeoutMs: 2 * FAULT_TIMEOUT_MS,
    single: {
      error: MalformedResponseError,
      check: (e) => expect(e.status).toBe(200),
    },
  },
};

test('the fault table covers every profile of FAULT_PROFILES', () => {
  expect(Object.keys(FAULT_CASES).sort()).toEqual(Object.keys(FAULT_PROFILES).filter((p) => p !== 'none').sort());
});

describe.each(TRANSPORTS)(`fault profiles (%s, seed ${FAULT_SEED})`, (kind) => {
  const query = { limit: FAULT_PAGE, 'created_at.lt': BEFORE_NOW } as const;
  // every walk here is bounded by BEFORE_NOW, so one tenant serves every simulator
  const shared = makeTenant();

  async function setUp(profile: string, maxRetries: number) {
    const sim = makeSim({ shared, sim: { faults: profile, faultSeed: FAULT_SEED, rpm: 0 } });
    const t = await connect(sim, kind);
    const truth = reversed(await truthIds(t, `created_at.lt=${BEFORE_NOW}`));
    const h = makeClient(sim, t, { maxRetries, timeoutMs: FAULT_CASES[profile].timeoutMs });
    return { sim, t, truth, h };
  }

  test.each(Object.keys(FAULT_CASES))('%s: a retrying client collects exactly the truth after de-duplicating on id', async (profile) => {
    const { sim, t, truth, h } = await setUp(profile, 5);
    try {
      const pages = await allPages(h.client.activities.pages(query));
      const ids = idsOf(pages);
      const unique = [...new Set(ids)];
      expect(unique).toEqual(truth);
      const injected = sim.stats().faults_injected;
      expect(injected).toBeGreaterThan(0);
      const c = FAULT_CASES[profile];
      if (c.faulted) {
        // every transport fault cost exactly one retry, and nothing else was retried (a timeout may also hit
        // an ordinary response on a very busy machine: then it is one more retry, never a lost page)
        const faulted = h.requests.filter(c.faulted).length;
        if (profile === 'slow') expect(faulted).toBeGreaterThanOrEqual(injected);
        else expect(faulted).toBe(injected);
        expect(h.requests).toHaveLength(pages.length + faulted);
        expect(ids).toHaveLength(unique.length);
      }
      if (profile === 'duplicate-boundary') {
        expect(ids.length - unique.length).toBe(injected);
        expect(h.requests).toHaveLength(pages.length);
      }
      if (profile === 'phantom-has-more') {
        // the last real page claimed more; the extra request found an empty page without has_more
        expect(pages.at(-2)!.has_more).toBe(true);
        expect(pages.at(-1)!.data).toEqual([]);
        expect(pages.at(-1)!.has_more).toBe(false);
        expect(pages).toHaveLength(Math.ceil(truth.length / FAULT_PAGE) + 1);
      }
      if (profile === 'chaos') {
        expect(ids.length).toBeGreaterThan(unique.length);
        expect(h.requests.length).toBeGreaterThan(pages.length);
      }
      expectNoSecrets(h.logs.lines, 'log line');
    } finally {
      await t.close();
    }
  });

  test.each(Object.keys(FAULT_CASES))('%s: with maxRetries 0 the outcome is fixed by the seed', async (profile) => {
    const { sim, t, truth, h } = await setUp(profile, 0);
    try {
      const got: PageOf<Activity>[] = [];
      const outcome = await (async () => {
        for await (const page of h.client.activities.pages(query)) got.push(page);
      })().then(
        () => 'complete' as const,
        (err: unknown) => err,
      );
      const ids = idsOf(got);
      const c = FAULT_CASES[profile];
      if (c.single === 'complete') {
        expect(outcome).toBe('complete');
        expect([...new Set(ids)]).toEqual(truth);
        expect(sim.stats().faults_injected).toBeGreaterThan(0);
      } else {
        // the failing attempt is the client's last one; status and type are checked per profile
        const last = h.requests.at(-1)!;
        const e = outcome as ComplianceApiError;
        expectApiError(outcome, c.single.error, {
          status: e.status,
          errorType: e.errorType,
          path: last.url.slice(last.url.indexOf('/v1/compliance')),
          requestId: last.requestId,
        });
        expect(got.length).toBeGreaterThan(0);
        c.single.check(outcome);
        // what was delivered before the failure is, de-duplicated, a correct prefix of the truth
        const delivered = [...new Set(ids)];
        expect(delivered).toEqual(truth.slice(0, delivered.length));
        expectKeyKept(outcome, h);
      }
    } finally {
      await t.close();
    }
  });
});

describe('x-should-retry', () => {
  test('a 500 with x-should-retry: false is not retried; a transient 500 (x-should-retry: true) is', async () => {
    const sim = makeSim();
    const t = await connect(sim, 'in-process');
    const rec = recordingFetch(t.fetch, () => sim.clock.now());
    const h = makeClient(sim, t, { maxRetries: 5, fetch: rec.fetch });
    sim.faults.setRules([{ kind: '500-deterministic', count: 1 }]);
    const err = await failure(() => h.client.activities.list({ limit: 10 }));
    expect(rec.exchanges).toHaveLength(1);
    expect(rec.exchanges[0].shouldRetry).toBe('false');
    expectApiError(err, ServerError, {
      status: 500,
      errorType: 'api_error',
      path: '/v1/compliance/activities?limit=10',
      requestId: rec.exchanges[0].requestId,
    });
    expect(sim.stats().requests_total).toBe(1);

    sim.faults.setRules([{ kind: '500', count: 1 }]);
    const page = await h.client.activities.list({ limit: 10 });
    expect(rec.exchanges.slice(1).map((x) => [x.status, x.shouldRetry])).toEqual([
      [500, 'true'],
      [200, null],
    ]);
    expect(page.attempts).toBe(2);
    expect(page.data).toHaveLength(10);
    expectKeyKept(err, h);
  });
});

// ---- 5 and 6. status → error class, and the key never leaking ------------------------------------------

describe.each(TRANSPORTS)('status → typed error against the simulator (%s)', (kind) => {
  let sim: Simulator;
  let t: Transport;
  let rec: ReturnType<typeof recordingFetch>;

  beforeAll(async () => {
    sim = makeSim();
    t = await connect(sim, kind);
  });
  afterAll(() => t.close());

  /** A client whose exchanges are recorded on the wire; `maxRetries` 0 unless given. */
  function client(options: Parameters<typeof makeClient>[2] = {}): ClientHarness {
    rec = recordingFetch(t.fetch, () => sim.clock.now());
    return makeClient(sim, t, { maxRetries: 0, fetch: rec.fetch, ...options });
  }
  const lastRequestId = () => rec.exchanges.at(-1)!.requestId;

  test('400 InvalidRequestError: a bogus after_id sent raw through list', async () => {
    const h = client({ maxRetries: 3 });
    const err = await failure(() => h.client.activities.list({ limit: 5, after_id: 'not-a-cursor' }));
    expectApiError(err, InvalidRequestError, {
      status: 400,
      errorType: 'invalid_request_error',
      path: '/v1/compliance/activities?limit=5&after_id=not-a-cursor',
      requestId: lastRequestId(),
    });
    expect(lastRequestId()).toMatch(REQUEST_ID);
    // x-should-retry: false on every 4xx: not retried although retries were allowed
    expect(rec.exchanges).toHaveLength(1);
    expect(rec.exchanges[0].shouldRetry).toBe('false');
    expect(err.apiMessage).toBe('Invalid `after_id`. No activity found for `after_id` "not-a-cursor"');
    expectKeyKept(err, h);
  });

  test('401 AuthenticationError: an unknown key (request id from the header; the body has null)', async () => {
    const h = client({ apiKey: KEYS.unknown });
    const err = await failure(() => h.client.organizations.list());
    expectApiError(err, AuthenticationError, {
      status: 401,
      errorType: 'authentication_error',
      path: '/v1/compliance/organizations',
      requestId: lastRequestId(),
    });
    expect(err.requestId).toMatch(REQUEST_ID);
    expect(err.apiMessage).toBe('The API key provided is invalid or has been revoked.');
    expectKeyKept(err, h);
  });

  test('403 PermissionError: an Admin key on /groups names the scopes held and needed', async () => {
    const h = client({ apiKey: KEYS.admin });
    const err = await failure(() => h.client.groups.list({ name_prefix: 'Sec' }));
    expectApiError(err, PermissionError, {
      status: 403,
      errorType: 'permission_error',
      path: '/v1/compliance/groups?name_prefix=Sec',
      requestId: lastRequestId(),
    });
    expect(err.scopesHeld).toEqual(['read:compliance_activities']);
    expect(err.scopesNeeded).toEqual(['read:compliance_org_data']);
    expect(err.message).toContain('read:compliance_activities');
    expect(err.message).toContain('read:compliance_org_data');
    expectKeyKept(err, h);
  });

  test('404 NotFoundError: an unknown group id', async () => {
    const h = client();
    const err = await failure(() => h.client.groups.get('rbac_group_01DoesNotExist0000000000'));
    expectApiError(err, NotFoundError, {
      status: 404,
      errorType: 'not_found_error',
      path: '/v1/compliance/groups/rbac_group_01DoesNotExist0000000000',
      requestId: lastRequestId(),
    });
    expect(err.apiMessage).toBe('Group not found.');
    expectKeyKept(err, h);
  });

  test('429 RateLimitedError: a neighbour key spent the tiny shared budget, maxRateLimitRetries 0', async () => {
    const own = makeSim({ sim: { rpm: 1 } });
    const ot = await connect(own, kind);
    try {
      const neighbour = makeClient(own, ot, { apiKey: KEYS.neighbour });
      await neighbour.client.organizations.list();
      rec = recordingFetch(ot.fetch, () => own.clock.now());
      const h = makeClient(own, ot, { maxRetries: 0, maxRateLimitRetries: 0, fetch: rec.fetch });
      const err = await failure(() => h.client.activities.list({ limit: 1 }));
      expectApiError(err, RateLimitedError, {
        status: 429,
        errorType: 'rate_limit_error',
        path: '/v1/compliance/activities?limit=1',
        requestId: lastRequestId(),
      });
      expect(err.retryAfterMs).toBe(Number(rec.exchanges[0].retryAfter) * 1000);
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(own.stats().rate_limited).toBe(1);
      expectKeyKept(err, h);
    } finally {
      await ot.close();
    }
  });

  test('5xx ServerError: a 503 rule set through the /_sim/faults control endpoint, maxRetries 0', async () => {
    await control(t, 'POST', '/_sim/faults', { rules: [{ kind: '503', count: 1, path: '/v1/compliance/apps/projects' }] });
    try {
      const h = client();
      const err = await failure(() => h.client.projects.list({ limit: 3 }));
      expectApiError(err, ServerError, {
        status: 503,
        errorType: 'overloaded_error',
        path: '/v1/compliance/apps/projects?limit=3',
        requestId: lastRequestId(),
      });
      expect(rec.exchanges[0].shouldRetry).toBe('true');
      expectKeyKept(err, h);
    } finally {
      await control(t, 'DELETE', '/_sim/faults');
    }
  });

  test('NetworkError: a connection reset, maxRetries 0', async () => {
    sim.faults.setRules([{ kind: 'reset', count: 1 }]);
    try {
      const h = client();
      const err = await failure(() => h.client.chats.list({ order_by: 'updated_at', limit: 2 }));
      expectApiError(err, NetworkError, {
        status: null,
        errorType: null,
        path: '/v1/compliance/apps/chats?order_by=updated_at&limit=2',
        requestId: null,
      });
      expect(err.timedOut).toBe(false);
      expect(rec.exchanges[0].error).toBeDefined();
      expect(String(err.cause)).toMatch(/fetch failed|terminated|socket|ECONNRESET/i);
      expectKeyKept(err, h);
    } finally {
      sim.faults.clear();
    }
  });

  // No 409 here: the simulator serves only GET and the client only reads, so nothing can produce the 409 of
  // DELETE /apps/projects/{id} (compliance-api.md §2.5). The 409 → ConflictError mapping is in api-errors.test.ts.

  test.each([
    ['with an Anthropic prefix', KEYS.full],
    ['without a known prefix (exact-secret redaction only)', KEYS.unprefixed],
  ])('the key %s is redacted even when the server echoes it back in a 400', async (_label, key) => {
    const h = client({ apiKey: key, maxRetries: 2 });
    const err = await failure(() => h.client.activities.list({ after_id: key }));
    expect(rec.exchanges).toHaveLength(1);
    expect(err).toBeInstanceOf(InvalidRequestError);
    const e = err as InvalidRequestError;
    // the server did send the key back (the error text is built from its message) — and the client scrubbed it
    expect(e.apiMessage).toBe('Invalid `after_id`. No activity found for `after_id` "[redacted]"');
    expect(e.path).toBe('/v1/compliance/activities?after_id=[redacted]');
    expect(h.logs.lines.some((l) => l.includes('[redacted]'))).toBe(true);
    expectKeyKept(err, h);
  });
});

test('no failure leaks a key: every error surface and every log line of one failure of each kind, over both transports', async () => {
  const sim = makeSim();
  const org = sim.tenant.directory.organizations(sim.clock.now())[0].uuid;
  const errors: unknown[] = [];
  const lines: string[] = [];
  const scenarios: [string, Partial<Parameters<typeof makeClient>[2]>, (h: ClientHarness) => Promise<unknown>, Parameters<Simulator['faults']['setRules']>[0]?][] = [
    ['AuthenticationError', { apiKey: KEYS.unknown }, (h) => h.client.activities.list()],
    ['PermissionError', { apiKey: KEYS.admin }, (h) => h.client.users.list(org)],
    // the server echoes the cursor, here the key itself, in its message
    ['InvalidRequestError', {}, (h) => h.client.activities.list({ before_id: KEYS.full })],
    ['NotFoundError', {}, (h) => h.client.projects.get('claude_proj_01Missing000000000000000')],
    ['MalformedResponseError', { maxRetries: 1 }, (h) => h.client.activities.list({ limit: 2 }), [{ kind: 'invalid-json', count: 2 }]],
    ['NetworkError', { maxRetries: 1 }, (h) => h.client.activities.list({ limit: 2 }), [{ kind: 'truncate', count: 2 }]],
    ['ServerError', { maxRetries: 2 }, (h) => h.client.activities.list({ limit: 2 }), [{ kind: '529', count: 3 }]],
    ['RateLimitedError', { maxRateLimitRetries: 1 }, (h) => h.client.organizations.list(), [{ kind: '429', count: 2 }]],
  ];
  for (const kind of TRANSPORTS) {
    const t = await connect(sim, kind);
    try {
      for (const [name, options, call, rules] of scenarios) {
        if (rules) sim.faults.setRules(rules);
        const h = makeClient(sim, t, { maxRetries: 0, ...options });
        const err = await failure(() => call(h));
        sim.faults.clear();
        expect((err as Error).name, `${kind}: ${name}`).toBe(name);
        errors.push(err);
        lines.push(...h.logs.lines);
      }
    } finally {
      sim.faults.clear();
      await t.close();
    }
  }
  expect(errors).toHaveLength(2 * scenarios.length);
  // retries were logged (warn) and every attempt was logged (debug): the logs were really exercised
  expect(lines.filter((l) => l.startsWith('warn')).length).toBeGreaterThanOrEqual(2 * 4);
  expect(lines.filter((l) => l.startsWith('debug')).length).toBeGreaterThanOrEqual(2 * (scenarios.length + 4));
  for (const err of errors) expectNoSecrets(errorSurfaces(err), (err as Error).name);
  expectNoSecrets(lines, 'log line');
});
