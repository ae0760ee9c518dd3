// Artifacts, project collaborators and documents, local and remote sessions and the code-artifact list through the
// real client against the simulator, compared with the tenant's truth (compliance-api.md §2.3, §2.4, §2.6, §2.7).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClientValidationError, InvalidRequestError, NotFoundError, RateLimitedError } from '../src/api/index.js';
import { createSimulator, SimClock, type Simulator } from '../src/simulator/server/app.js';
import type { SyntheticTenant } from '../src/simulator/tenant/index.js';
import { KEYS, NOW, TRANSPORTS, type Transport, allPages, connect, failure, idsOf, makeClient, makeSim, makeTenant } from './support/sim-harness.js';

const V = '/v1/compliance';
const enc = encodeURIComponent;
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

async function rawGet(t: Transport, path: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await t.fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': KEYS.full } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // raw text (legacy artifact content)
  }
  return { status: res.status, headers: res.headers, body };
}

describe.each(TRANSPORTS)('content endpoints of issue 11 (%s)', (kind) => {
  let tenant: SyntheticTenant;
  let sim: Simulator;
  let t: Transport;
  beforeAll(async () => {
    tenant = makeTenant();
    sim = makeSim({ shared: tenant, sim: { rpm: 0 } });
    t = await connect(sim, kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const artifactRefs = () =>
    tenant.content
      .chats(NOW)
      .flatMap((c) => tenant.content.chat(c.id, NOW)?.messages ?? [])
      .flatMap((m) => m.artifacts ?? []);

  test('artifacts: metadata md5/size describe the JSON content; revisions share the artifact id', async () => {
    const { client } = makeClient(sim, t);
    const refs = artifactRefs();
    expect(refs.length).toBeGreaterThan(2);
    for (const ref of refs.slice(0, 15)) {
      const meta = (await client.artifacts.get(ref.version_id)).data;
      expect(meta).toMatchObject({ id: ref.id, version_id: ref.version_id, title: ref.title, artifact_type: ref.artifact_type });
      const content = await client.artifacts.content(ref.version_id);
      expect(content.format).toBe('json');
      expect(content.data.title).toBe(ref.title);
      expect(md5(content.data.content)).toBe(meta.md5);
      expect(Buffer.byteLength(content.data.content, 'utf8')).toBe(meta.size_bytes);
    }
    const byArtifact = new Map<string, Set<string>>();
    for (const r of refs) byArtifact.set(r.id, (byArtifact.get(r.id) ?? new Set()).add(r.version_id));
    expect([...byArtifact.values()].some((v) => v.size > 1), 'some artifact has several versions').toBe(true);
    await expect(client.artifacts.get('claude_artifact_version_01NoSuchVersionNoSuchVe')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('artifacts: the legacy raw-text server (compat) gives the same content', async () => {
    const legacy = createSimulator({ tenant, clock: new SimClock(NOW, { frozen: true }), keys: [{ key: KEYS.full, kind: 'compliance' }], rpm: 0, compat: { artifactContent: 'raw' } });
    const lt = await connect(legacy, kind);
    try {
      const { client } = makeClient(legacy, lt);
      const ref = artifactRefs()[0];
      const raw = await rawGet(lt, `${V}/apps/artifacts/${enc(ref.version_id)}/content`);
      expect(raw.headers.get('content-type')).toMatch(/^text\/markdown/);
      expect(typeof raw.body).toBe('string');
      const legacyContent = await client.artifacts.content(ref.version_id);
      const current = await makeClient(sim, t).client.artifacts.content(ref.version_id);
      expect(legacyContent.format).toBe('raw');
      expect(legacyContent.data).toEqual({ content: current.data.content, title: null, artifact_type: null });
    } finally {
      await lt.close();
    }
  });

  test('project collaborators: pages of 2 walk to exactly the tenant list; owner first; union variants', async () => {
    const { client } = makeClient(sim, t);
    const kinds = new Set<string>();
    for (const project of tenant.content.projects(NOW).slice(0, 30)) {
      const truth = tenant.content.projectCollaborators(project.id, NOW)!;
      const pages = await allPages(client.projectCollaborators.pages(project.id, { limit: 2 }));
      const got = pages.flatMap((p) => p.data);
      expect(got).toEqual(truth);
      // the owner is granted at creation; another grant may tie with it (ties go by the hidden assignment id)
      expect(got.filter((c) => c.role === 'owner')).toEqual([expect.objectContaining({ type: 'user', granted_at: project.created_at })]);
      expect(got[0].granted_at).toBe(project.created_at);
      const times = got.map((c) => Date.parse(c.granted_at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const c of got) kinds.add(c.type);
    }
    expect([...kinds].sort()).toEqual(['group', 'organization', 'organization_role', 'user']);
    await expect(client.projectCollaborators.list('claude_proj_01NoSuchProjectNoSuchProj')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.projectCollaborators.list(tenant.content.projects(NOW)[0].id, { limit: 101 })).rejects.toBeInstanceOf(ClientValidationError);
    expect((await rawGet(t, `${V}/apps/projects/${enc(tenant.content.projects(NOW)[0].id)}/collaborators?limit=101`)).body.error.message).toBe(
      'The limit parameter must be between 1 and 100, inclusive. Got 101.',
    );
  });

  test('project documents: every project_doc attachment resolves; metadata md5/size are over the text', async () => {
    const { client } = makeClient(sim, t);
    let n = 0;
    for (const project of tenant.content.projects(NOW)) {
      for (const a of tenant.content.projectAttachments(project.id, NOW) ?? []) {
        if (a.type !== 'project_doc') continue;
        n++;
        const doc = (await client.projectDocuments.get(a.id)).data;
        const meta = (await client.projectDocuments.metadata(a.id)).data;
        expect(doc).toMatchObject({ id: a.id, filename: a.filename, created_at: a.created_at });
        expect(meta).toMatchObject({ id: a.id, claude_project_id: project.id, mime_type: 'text/plain', md5: md5(doc.content), size_bytes: Buffer.byteLength(doc.content) });
      }
    }
    expect(n).toBeGreaterThan(0);
    const err = await failure(() => client.projectDocuments.get('claude_proj_doc_01NoSuchDocNoSuchDocNo12'));
    expect((err as NotFoundError).apiMessage).toBe('No project document found with provided id, or it has already been deleted.');
  });

  test('local sessions: newest first, the walk ends when next_page is absent (no has_more), equal to the truth', async () => {
    const { client, requests } = makeClient(sim, t);
    const truth = tenant.content.localSessions(NOW);
    expect(truth.length).toBeGreaterThan(5);
    const pages = await allPages(client.localSessions.pages({ limit: 3 }));
    expect(idsOf(pages)).toEqual(truth.map((s) => s.id));
    expect(pages.at(-1)!.next_page).toBeNull();
    const raw = await rawGet(t, `${V}/apps/sessions/local?limit=3`);
    expect(Object.keys(raw.body).sort()).toEqual(['data', 'next_page']);
    expect(requests.length).toBe(pages.length);

    // created_at window: [gte, lt), offsets required
    const mid = truth[Math.floor(truth.length / 2)].created_at;
    const older = await allPages(client.localSessions.pages({ 'created_at.lt': mid, limit: 500 }));
    expect(idsOf(older)).toEqual(truth.filter((s) => Date.parse(s.created_at) < Date.parse(mid)).map((s) => s.id));

    // updated_at.gte: the last inference call (newest docs)
    const recent = [...truth].sort((x, y) => Date.parse(x.updated_at!) - Date.parse(y.updated_at!))[Math.floor(truth.length / 2)].updated_at!;
    const active = await allPages(client.localSessions.pages({ 'updated_at.gte': recent, limit: 500 }));
    expect(idsOf(active)).toEqual(truth.filter((s) => Date.parse(s.updated_at!) >= Date.parse(recent)).map((s) => s.id));
    expect(idsOf(active).length).toBeGreaterThan(0);

    const one = truth[0];
    expect((await client.localSessions.get(one.id)).data).toEqual(one);
  });

  test('local sessions: the 400s of §2.6 and §6.2', async () => {
    const { client } = makeClient(sim, t);
    const msg = async (q: string) => {
      const r = await rawGet(t, `${V}/apps/sessions/local?${q}`);
      expect(r.status, q).toBe(400);
      return r.body.error.message as string;
    };
    expect(await msg('created_at.gte=2026-10-01T00:00:00')).toContain('must include a UTC offset');
    expect(await msg('created_at.gte=2026-10-02T00:00:00Z&created_at.lt=2026-10-01T00:00:00Z')).toBe('created_at.lt must be strictly after created_at.gte.');
    expect(await msg('limit=501')).toBe('The limit parameter must be between 1 and 500, inclusive. Got 501.');
    expect(await msg('page=nonsense')).toBe('The page parameter is not a valid cursor for this request.');
    expect(await msg('created_at.gt=2026-10-01T00:00:00Z')).toBe("Unknown query parameter: 'created_at.gt'.");
    await expect(client.localSessions.list({ 'created_at.gte': '2026-10-01T00:00:00' })).rejects.toBeInstanceOf(ClientValidationError);
    await expect(client.localSessions.list({ 'created_at.gte': '2026-10-02T00:00:00Z', 'created_at.lt': '2026-10-01T00:00:00Z' })).rejects.toBeInstanceOf(
      ClientValidationError,
    );
    const err = await failure(() => client.localSessions.get('cse_01NotALocalSessionIdAtAll'));
    expect(err).toBeInstanceOf(InvalidRequestError);
    await expect(client.localSessions.get('clls_01NoSuchSessionNoSuchSess')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('local session messages: both orders equal the truth; cursors are bound to session and order; byte caps truncate', async () => {
    const { client } = makeClient(sim, t);
    const sessions = tenant.content.localSessions(NOW);
    const s = sessions.find((x) => (tenant.content.localSession(x.id, NOW)?.messages.length ?? 0) >= 5)!;
    const truth = tenant.content.localSession(s.id, NOW)!.messages;
    const asc = await allPages(client.localSessionMessages.pages(s.id, { limit: 2, tool_use_input_max_bytes: -1, tool_result_max_bytes: -1 }));
    expect(asc.flatMap((p) => p.data)).toEqual(truth);
    expect(asc[0].session).toEqual(s);
    const desc = await allPages(client.localSessionMessages.pages(s.id, { limit: 2, order: 'desc', tool_use_input_max_bytes: -1, tool_result_max_bytes: -1 }));
    expect(desc.flatMap((p) => p.data)).toEqual([...truth].reverse());

    const first = await client.localSessionMessages.list(s.id, { limit: 2 });
    const token = first.next_page!;
    const other = sessions.find((x) => x.id !== s.id)!;
    for (const [id, order] of [[other.id, 'asc'], [s.id, 'desc']] as const) {
      const err = await failure(() => client.localSessionMessages.list(id, { page: token, order }));
      expect((err as InvalidRequestError).apiMessage).toBe('The page parameter is not a valid cursor for this request.');
    }
    expect((await rawGet(t, `${V}/apps/sessions/local/${enc(s.id)}/messages?tool_result_max_bytes=0`)).status).toBe(400);
    await expect(client.localSessionMessages.list(s.id, { tool_use_input_max_bytes: 0 })).rejects.toBeInstanceOf(ClientValidationError);

    // the default cap (10 000 bytes) cuts long tool inputs and says so
    const long = sessions
      .map((x) => tenant.content.localSession(x.id, NOW)!)
      .find((x) => x.messages.some((m) => m.content.some((b) => b.type === 'tool_use' && Buffer.byteLength(String(b.input)) > 10_000)))!;
    const capped = (await allPages(client.localSessionMessages.pages(long.session.id))).flatMap((p) => p.data);
    const cut = capped.flatMap((m) => m.content).filter((b) => b.type === 'tool_use' && b.truncated === true);
    expect(cut.length).toBeGreaterThan(0);
    for (const b of cut) expect(Buffer.byteLength(String(b.input))).toBeLessThanOrEqual(10_000);
  });

  test('local session cursors expire 24 h after the walk started', async () => {
    const own = makeSim({ shared: tenant, sim: { rpm: 0 } });
    const ot = await connect(own, kind);
    try {
      const { client } = makeClient(own, ot);
      const first = await client.localSessions.list({ limit: 1 });
      own.clock.set(NOW + 24 * 3_600_000 + 1000);
      const err = await failure(() => client.localSessions.list({ limit: 1, page: first.next_page! }));
      expect((err as InvalidRequestError).apiMessage).toMatch(/^The page cursor has expired\./);
    } finally {
      await ot.close();
    }
  });

  test('remote sessions: walk equals the truth; user filter excludes agent-owned; pending transcripts 404', async () => {
    const { client } = makeClient(sim, t);
    const truth = tenant.content.remoteSessions(NOW);
    expect(idsOf(await allPages(client.remoteSessions.pages({ limit: 4 })))).toEqual(truth.map((s) => s.id));
    expect(truth.some((s) => s.agent_id !== null && s.user === null)).toBe(true);
    const userId = truth.find((s) => s.user)!.user!.id;
    const mine = idsOf(await allPages(client.remoteSessions.pages({ user_ids: [userId] })));
    expect(mine).toEqual(truth.filter((s) => s.user?.id === userId).map((s) => s.id));

    const mid = truth[Math.floor(truth.length / 2)].created_at;
    const newer = idsOf(await allPages(client.remoteSessions.pages({ 'created_at.gte': mid })));
    expect(newer).toEqual(truth.filter((s) => Date.parse(s.created_at) >= Date.parse(mid)).map((s) => s.id));

    const active = truth.find((s) => s.status !== 'pending')!;
    const page = await client.remoteSessionMessages.list(active.id, { limit: 1000, tool_use_input_max_bytes: -1, tool_result_max_bytes: -1 });
    expect(page.data).toEqual(tenant.content.remoteSession(active.id, NOW)!.messages);
    expect(page.session.claude_project_id).toBeNull();
    const pending = truth.find((s) => s.status === 'pending')!;
    const err = await failure(() => client.remoteSessionMessages.list(pending.id));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).apiMessage).toBe('Remote session not found.');
    const tooMany = Array.from({ length: 11 }, (_, i) => `user_${i}`);
    await expect(client.remoteSessions.list({ user_ids: tooMany })).rejects.toBeInstanceOf(ClientValidationError);
  });

  test('code artifacts: short and empty pages while next_page is set; the walk follows next_page to the end', async () => {
    const { client } = makeClient(sim, t);
    const truth = tenant.content.codeArtifacts(NOW);
    const ids = truth.map((a) => a.id);
    expect(ids).toEqual([...ids].sort());
    const owner = truth[0].owner_user_id!;
    const pages = await allPages(client.codeArtifacts.pages({ user_ids: [owner], limit: 2 }));
    expect(idsOf(pages)).toEqual(truth.filter((a) => a.owner_user_id === owner).map((a) => a.id));
    expect(pages.some((p) => p.data.length === 0 && p.next_page !== null), 'an empty page that is not the end').toBe(true);
    // the server's has_more is unreliable there; the client's page says what next_page says
    const raw = await rawGet(t, `${V}/apps/code/artifacts?limit=2&user_ids[]=${enc(owner)}`);
    const emptyRaw = raw.body.data.length === 0 ? raw.body : undefined;
    if (emptyRaw) expect(emptyRaw.has_more).toBe(false);
    for (const p of pages) expect(p.has_more).toBe(p.next_page !== null);
  });
});

describe('the remote-session budget (compliance-api.md §6.3)', () => {
  test('its 429 carries retry-after: 1; the client waits and retries, other endpoints are not limited by it', async () => {
    const tenant = makeTenant();
    const sim = makeSim({ shared: tenant, sim: { rpm: 0, remoteSessionRpm: 2 } });
    const t = await connect(sim, 'in-process');
    const raw = async (path: string) => t.fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': KEYS.full } });
    expect((await raw(`${V}/apps/sessions/remote`)).status).toBe(200);
    expect((await raw(`${V}/apps/sessions/remote`)).status).toBe(200);
    const limited = await raw(`${V}/apps/sessions/remote`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(((await limited.json()) as any).error.type).toBe('rate_limit_error');
    expect((await raw(`${V}/apps/sessions/local`)).status).toBe(200);

    const strict = makeClient(sim, t, { maxRetries: 0, maxRateLimitRetries: 0 });
    await expect(strict.client.remoteSessions.list()).rejects.toBeInstanceOf(RateLimitedError);
    // retry-after: 1 is a floor, not the reset: a retrying client backs off exponentially until the window turns
    const h = makeClient(sim, t, { maxRetries: 0, maxRateLimitRetries: 8 });
    const page = await h.client.remoteSessions.list();
    expect(page.data.length).toBeGreaterThan(0);
    expect(h.time.slept.length).toBeGreaterThan(0);
  });
});
