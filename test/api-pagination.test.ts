import { describe, expect, it } from 'vitest';
import { ComplianceClient } from '../src/api/client.js';
import { records } from '../src/api/pagination.js';
import { activity, cursorPage, fakeFetch, json, type Handler } from './support/api-fake-fetch.js';

const KEY = 'sk-ant-api01-PaginationTestKey-000000000000000000';

function clientWith(handler: Handler) {
  const fake = fakeFetch(handler);
  const warnings: string[] = [];
  const noop = () => {};
  const client = new ComplianceClient({
    apiKey: KEY,
    fetch: fake.fetch,
    requestsPerMinute: 0,
    logger: { debug: noop, info: noop, error: noop, warn: (_o, msg) => warnings.push(msg ?? '') },
  });
  return { client, calls: fake.calls, warnings };
}

const acts = (...ids: string[]) => ids.map((id) => activity(id, '2026-09-17T11:00:00Z'));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('cursor walks', () => {
  it('follow last_id as after_id until has_more is false, with constant params', async () => {
    const pages: Record<string, unknown>[] = [
      cursorPage(acts('a3', 'a2'), true),
      cursorPage(acts('a1', 'a0'), true),
      cursorPage(acts('z'), false),
    ];
    const { client, calls } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.activities.pages({ limit: 2, activity_types: ['claude_chat_created'] }));
    expect(got.map((p) => p.data.map((a) => a.id))).toEqual([['a3', 'a2'], ['a1', 'a0'], ['z']]);
    expect(calls.map((c) => c.url.search)).toEqual([
      '?limit=2&activity_types[]=claude_chat_created',
      '?limit=2&activity_types[]=claude_chat_created&after_id=a0'.replace('a0', 'a2'),
      '?limit=2&activity_types[]=claude_chat_created&after_id=a0',
    ]);
    expect(got[1].params).toEqual({ limit: '2', 'activity_types[]': ['claude_chat_created'], after_id: 'a2' });
    expect(got[1].query).toBe('limit=2&activity_types[]=claude_chat_created&after_id=a2');
    expect(got[1].endpoint).toBe('/v1/compliance/activities');
    expect(got[2]).toMatchObject({ has_more: false, first_id: 'z', last_id: 'z', next_page: null, status: 200, attempts: 1 });
    expect(got[0].requestId).toMatch(/^req_/);
    expect(got[0].serverTimeMs).toBe(Date.UTC(2026, 8, 17, 12, 0, 0));
  });

  it('direction before follows first_id as before_id (catch-up toward the present)', async () => {
    // the last page is full: one more request confirms the end (compliance-api.md §7.2)
    const pages = [cursorPage(acts('n2', 'n1'), true), cursorPage(acts('n4', 'n3'), false), cursorPage([], false)];
    const { client, calls } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.activities.pages({ before_id: 'stored', limit: 2 }));
    expect(got).toHaveLength(3);
    expect(got[2].check).toMatchObject({ claim: 'full-no-more', outcome: 'end' });
    expect(calls.map((c) => c.url.searchParams.get('before_id'))).toEqual(['stored', 'n2', 'n4']);
    expect(calls.every((c) => !c.url.searchParams.has('after_id'))).toBe(true);
  });

  it('supports order=asc with after_id', async () => {
    const { client, calls } = clientWith(() => json(cursorPage(acts('x'), false)));
    await collect(client.activities.pages({ order: 'asc', after_id: 'c0', 'created_at.gte': '2026-09-17T00:00:00+00:00' }));
    expect(calls[0].url.search).toBe('?order=asc&created_at.gte=2026-09-17T00:00:00Z&after_id=c0');
  });

  it('asks again once after an empty page that claims has_more; empty twice ends the walk (no loop)', async () => {
    const { client, calls, warnings } = clientWith((_req, n) =>
      json(n === 1 ? cursorPage(acts('a'), true) : { data: [], has_more: true, first_id: null, last_id: null }),
    );
    const got = await collect(client.activities.pages());
    expect(got.map((p) => p.data.length)).toEqual([1, 0, 0]);
    expect(calls).toHaveLength(3);
    expect(calls[2].url.search).toBe(calls[1].url.search);
    expect(got[2].check).toMatchObject({ claim: 'empty-has-more', outcome: 'unconfirmed' });
    expect(warnings.join()).toMatch(/empty page claimed more, twice/);
  });

  it('an empty page that claims has_more, asked again, gives the records it hid', async () => {
    const pages = [cursorPage(acts('a2', 'a1'), true), { data: [], has_more: true, first_id: null, last_id: null }, cursorPage(acts('a0'), false)];
    const checks: unknown[] = [];
    const fake = fakeFetch((_r, n) => json(pages[n - 1]));
    const client = new ComplianceClient({ apiKey: KEY, fetch: fake.fetch, requestsPerMinute: 0, onPageCheck: (c) => checks.push(c) });
    const got = await collect(client.activities.pages({ limit: 2 }));
    expect(got.flatMap((p) => p.data.map((a) => a.id))).toEqual(['a2', 'a1', 'a0']);
    expect(checks).toEqual([expect.objectContaining({ claim: 'empty-has-more', outcome: 'more', endpoint: '/v1/compliance/activities' })]);
    expect(fake.calls[2].url.search).toBe(fake.calls[1].url.search);
  });

  it('a full page that claims the end is followed once: records behind it are not lost', async () => {
    const pages = [cursorPage(acts('a3', 'a2'), false), cursorPage(acts('a1'), false)];
    const { client, calls, warnings } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.activities.pages({ limit: 2 }));
    expect(got.flatMap((p) => p.data.map((a) => a.id))).toEqual(['a3', 'a2', 'a1']);
    expect(calls.map((c) => c.url.searchParams.get('after_id'))).toEqual([null, 'a2']);
    expect(got[1].check).toMatchObject({ claim: 'full-no-more', outcome: 'more' });
    expect(warnings.join()).toMatch(/full page claimed the end/);
    // a short last page needs no confirmation
    const short = clientWith(() => json(cursorPage(acts('b'), false)));
    expect(await collect(short.client.activities.pages({ limit: 2 }))).toHaveLength(1);
    expect(short.calls).toHaveLength(1);
  });

  it('stops when the cursor does not advance or repeats', async () => {
    const stuck = clientWith(() => json(cursorPage(acts('same'), true)));
    expect(await collect(stuck.client.activities.pages())).toHaveLength(2);
    expect(stuck.calls).toHaveLength(2);
    expect(stuck.warnings.join()).toMatch(/did not advance/);

    const cycle = ['p1', 'p2', 'p1'];
    const loop = clientWith((_req, n) => json(cursorPage(acts(cycle[(n - 1) % 3]), true)));
    expect(await collect(loop.client.activities.pages())).toHaveLength(3);

    const noCursor = clientWith(() => json({ data: acts('q'), has_more: true, first_id: null, last_id: null }));
    expect(await collect(noCursor.client.activities.pages())).toHaveLength(1);
  });

  it('walks chats and messages the same way', async () => {
    const chat = {
      id: 'claude_chat_01',
      name: 'Quarterly plan',
      created_at: '2026-09-01T10:00:00.123456+00:00',
      updated_at: '2026-09-02T10:00:00',
      deleted_at: null,
      href: 'https://claude.ai/chat/1',
      model: null,
      organization_uuid: 'uuid',
      project_id: null,
      user: { id: 'user_1', email_address: 'ada@example.com' },
    };
    const message = (id: string) => ({
      id,
      role: 'user',
      created_at: '2026-09-01T10:00:01+00:00',
      content: [{ type: 'text', text: 'hi' }, { type: 'future_block', payload: 1 }],
      files: [{ id: 'claude_file_1', created_at: '2026-09-01T10:00:00', filename: 'a.txt', md5: null, mime_type: null, size_bytes: null }],
      generated_files: null,
      artifacts: null,
    });
    const pages = [
      { ...chat, chat_messages: [message('m1'), message('m2')], has_more: true, first_id: 'c1', last_id: 'c2' },
      { ...chat, chat_messages: [message('m3')], has_more: false, first_id: 'c3', last_id: 'c3' },
    ];
    const { client, calls } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.chatMessages.pages('claude_chat_01', { limit: 2 }));
    expect(calls.map((c) => c.url.pathname + c.url.search)).toEqual([
      '/v1/compliance/apps/chats/claude_chat_01/messages?limit=2',
      '/v1/compliance/apps/chats/claude_chat_01/messages?limit=2&after_id=c2',
    ]);
    expect(got[0].chat).toMatchObject({ id: 'claude_chat_01', created_at: '2026-09-01T10:00:00.123456Z', updated_at: '2026-09-02T10:00:00Z' });
    expect(got[0].chat).not.toHaveProperty('chat_messages');
    expect(got[0].chat).not.toHaveProperty('has_more');
    expect(got[0].data[0].created_at).toBe('2026-09-01T10:00:01Z');
    expect(got[0].data[0].files?.[0].created_at).toBe('2026-09-01T10:00:00Z');
    expect(got[0].data[0].content[1]).toEqual({ type: 'future_block', payload: 1 });
    expect(got[1]).toMatchObject({ has_more: false, first_id: 'c3', last_id: 'c3' });
  });
});

describe('page-token walks', () => {
  const org = (uuid: string) => ({ uuid, name: uuid, created_at: '2026-01-01T00:00:00.000001+00:00' });

  it('follow next_page until null', async () => {
    const pages = [
      { data: [org('o1')], has_more: true, next_page: 'page_AAA=' },
      { data: [org('o2')], has_more: true, next_page: 'page_BBB=' },
      { data: [org('o3')], has_more: false, next_page: null },
      // the last page was full: asked again, it confirms the end and is not yielded twice
      { data: [org('o3')], has_more: false, next_page: null },
    ];
    const { client, calls } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.organizations.pages({ limit: 1 }));
    expect(got.map((p) => p.data[0].uuid)).toEqual(['o1', 'o2', 'o3']);
    expect(calls.map((c) => c.url.search)).toEqual(['?limit=1', '?limit=1&page=page_AAA%3D', '?limit=1&page=page_BBB%3D', '?limit=1&page=page_BBB%3D']);
    expect(got[0]).toMatchObject({ next_page: 'page_AAA=', first_id: null, last_id: null });
    expect(got[0].data[0].created_at).toBe('2026-01-01T00:00:00.000001Z');
  });

  it('stop when has_more is false even if next_page is set, and without has_more use next_page', async () => {
    const a = clientWith(() => json({ data: [org('o1')], has_more: false, next_page: 'page_X' }));
    expect(await collect(a.client.organizations.pages())).toHaveLength(1);

    const pages = [{ data: [org('o1')], next_page: 'page_2' }, { data: [org('o2')] }];
    const b = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(b.client.organizations.pages());
    expect(got.map((p) => p.has_more)).toEqual([true, false]);
  });

  it('stop on a repeated token and on an empty page', async () => {
    const repeat = clientWith(() => json({ data: [org('o1')], has_more: true, next_page: 'page_same' }));
    expect(await collect(repeat.client.organizations.pages())).toHaveLength(2);
    expect(repeat.warnings.join()).toMatch(/repeats/);

    // an empty page with a next_page is followed once (compliance-api.md §2.7); empty again, the walk ends
    let n = 0;
    const empty = clientWith(() => json({ data: n++ === 0 ? [org('o1')] : [], has_more: true, next_page: `page_${n}` }));
    const got = await collect(empty.client.organizations.pages());
    expect(got).toHaveLength(3);
    expect(empty.calls.map((c) => c.url.searchParams.get('page'))).toEqual([null, 'page_1', 'page_2']);
    expect(got[2].check).toMatchObject({ claim: 'empty-has-more', outcome: 'unconfirmed' });
  });

  it('a full page that claims the end is asked again, and its next_page then followed', async () => {
    const pages = [
      { data: [org('o1'), org('o2')], has_more: false, next_page: null },
      { data: [org('o1'), org('o2')], has_more: true, next_page: 'page_2' },
      { data: [org('o3')], has_more: false, next_page: null },
    ];
    const { client, calls } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.organizations.pages({ limit: 2 }));
    expect(got.flatMap((p) => p.data.map((o) => o.uuid))).toEqual(['o1', 'o2', 'o3']);
    expect(calls.map((c) => c.url.searchParams.get('page'))).toEqual([null, null, 'page_2']);
  });

  it('encode path ids and keep parameters on every page', async () => {
    const pages = [
      { data: [{ user_id: 'user_1', email: 'a@example.com', created_at: null, updated_at: '2025-03-12T18:22:41.123456' }], has_more: true, next_page: 'p2' },
      { data: [], has_more: false, next_page: null },
    ];
    const { client, calls } = clientWith((_req, n) => json(pages[n - 1]));
    const got = await collect(client.groupMembers.pages('rbac_group_01/../x y', { limit: 500 }));
    expect(calls.map((c) => c.url.pathname + c.url.search)).toEqual([
      '/v1/compliance/groups/rbac_group_01%2F..%2Fx%20y/members?limit=500',
      '/v1/compliance/groups/rbac_group_01%2F..%2Fx%20y/members?limit=500&page=p2',
    ]);
    expect(got[0].data[0]).toEqual({ user_id: 'user_1', email: 'a@example.com', created_at: null, updated_at: '2025-03-12T18:22:41.123456Z' });
  });
});

describe('records()', () => {
  it('flattens pages into records', async () => {
    const pages = [cursorPage(acts('a', 'b'), true), cursorPage(acts('c'), false)];
    const { client } = clientWith((_req, n) => json(pages[n - 1]));
    const ids: string[] = [];
    for await (const a of records(client.activities.pages())) ids.push(a.id);
    expect(ids).toEqual(['a', 'b', 'c']);
  });
});
