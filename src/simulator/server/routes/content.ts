// Content endpoints: chats list, chat messages, file metadata, projects and attachments (compliance-api.md §2.3, §2.4).
import type { ChatMessage, ContentBlock, CursorPage, Chat, Project, ProjectAttachment } from '../../../api/types.js';
import {
  DEFAULT_CHAT_PAGE,
  DEFAULT_PROJECT_PAGE,
  MAX_CHAT_PAGE,
  MAX_CHAT_USER_IDS,
  MAX_MESSAGE_PAGE,
  MAX_PROJECT_PAGE,
} from '../../../api/limits.js';
import { decodeChatCursor, decodeMessageCursor, encodeChatCursor, encodeMessageCursor } from '../cursors.js';
import { MESSAGES, invalidRequest, notFound } from '../errors.js';
import { inRange, recordTimeUs } from '../params.js';
import type { RouteContext, RouteResult } from '../router.js';
import { type IndexedChat, compareIds, matchesOrganization, resolveOrganizations, tokenPage } from './shared.js';

const TIME_PARAMS = ['created_at', 'updated_at'].flatMap((f) => ['gte', 'gt', 'lte', 'lt'].map((op) => `${f}.${op}`));
const NONE: ReadonlySet<string> = new Set();
const PAGED: ReadonlySet<string> = new Set(['limit', 'page']);

// ---- GET /v1/compliance/apps/chats -------------------------------------------------------------

const CHAT_PARAMS: ReadonlySet<string> = new Set([
  'user_ids[]',
  'organization_ids[]',
  'project_ids[]',
  ...TIME_PARAMS,
  'order_by',
  'after_id',
  'before_id',
  'limit',
]);

type ChatOrder = 'created_at' | 'updated_at';

/**
 * Two modes (compliance-api.md §2.3): per-user (`user_ids[]`, 1–10, created_at order, both cursor directions, optional
 * `project_ids[]`) and organization-wide (no `user_ids[]`, either order, forward cursors only, time filters on
 * the sort key only). Results ascend by the sort key, ties by id; `after_id` walks toward newer chats.
 */
export function listChats(ctx: RouteContext): RouteResult {
  const { query } = ctx;
  query.allowOnly(CHAT_PARAMS);
  const limit = query.limit(DEFAULT_CHAT_PAGE, MAX_CHAT_PAGE);
  const orderBy = query.choice('order_by', ['created_at', 'updated_at'] as const, 'created_at');
  const userIds = query.list('user_ids[]');
  const projectIds = query.list('project_ids[]');
  if (userIds.length > MAX_CHAT_USER_IDS) {
    throw invalidRequest(`\`user_ids[]\` accepts between 1 and ${MAX_CHAT_USER_IDS} values. Got ${userIds.length}.`);
  }
  const perUser = userIds.length > 0;
  if (projectIds.length > 0 && !perUser) {
    throw invalidRequest('`project_ids[]` can only be used together with `user_ids[]`.');
  }
  if (perUser) {
    if (orderBy === 'updated_at') {
      throw invalidRequest('`order_by=updated_at` is only supported for organization-wide queries (without `user_ids[]`).');
    }
    // deprecated, rejected since 2026-09-22 (compliance-api.md §2.3)
    if (query.hasAny('updated_at')) throw invalidRequest('`updated_at` filters cannot be combined with `user_ids[]`.');
  } else {
    const other: ChatOrder = orderBy === 'created_at' ? 'updated_at' : 'created_at';
    if (query.hasAny(other)) {
      throw invalidRequest(
        `Organization-wide queries must filter on the sort key: \`${other}\` filters require \`order_by=${other}\`.`,
      );
    }
    if (query.has('before_id')) throw invalidRequest('`before_id` is only supported together with `user_ids[]`.');
  }
  const afterRaw = query.one('after_id');
  const beforeRaw = query.one('before_id');
  if (afterRaw !== undefined && beforeRaw !== undefined) {
    throw invalidRequest('Only one of `after_id` and `before_id` may be provided.');
  }
  const createdRange = query.timeRange('created_at');
  const updatedRange = query.timeRange('updated_at');
  const orgs = resolveOrganizations(ctx, query.list('organization_ids[]'));

  const cursorParam = afterRaw !== undefined ? 'after_id' : beforeRaw !== undefined ? 'before_id' : undefined;
  const cursorRaw = afterRaw ?? beforeRaw;
  let cursor: { us: number; id: string } | undefined;
  if (cursorParam && cursorRaw !== undefined) {
    const c = decodeChatCursor(cursorRaw);
    const us = c ? recordTimeUs(c.t) : NaN;
    if (!c || Number.isNaN(us)) throw invalidRequest(MESSAGES.invalidCursor(cursorParam, cursorRaw, 'chat'));
    // a cursor is bound to the order it was issued under (compliance-api.md §2.3)
    if (c.k !== orderBy) {
      throw invalidRequest(`The \`${cursorParam}\` cursor was issued for \`order_by=${c.k}\` and cannot be used with \`order_by=${orderBy}\`.`);
    }
    cursor = { us, id: c.id };
  }

  const users = new Set(userIds);
  const projects = new Set(projectIds);
  const keep = (c: IndexedChat): boolean =>
    (!perUser || (c.chat.user !== null && users.has(c.chat.user.id))) &&
    (projects.size === 0 || (c.chat.project_id !== null && projects.has(c.chat.project_id))) &&
    (!orgs || matchesOrganization(orgs, c.chat.organization_id, c.chat.organization_uuid)) &&
    inRange(c.createdUs, createdRange) &&
    inRange(c.updatedUs, updatedRange);

  const sorted = ctx.cache.sortedChats(ctx.tenant, ctx.nowMs, orderBy);
  const keyOf = orderBy === 'created_at' ? (c: IndexedChat) => c.createdUs : (c: IndexedChat) => c.updatedUs;
  const compareTo = (c: IndexedChat, pos: { us: number; id: string }) => keyOf(c) - pos.us || compareIds(c.chat.id, pos.id);
  // first index whose chat sorts after the cursor (or at it, with `inclusive`)
  const boundary = (pos: { us: number; id: string }, inclusive: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const cmp = compareTo(sorted[mid], pos);
      if (cmp < 0 || (cmp === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const backward = cursorParam === 'before_id';
  const picked: IndexedChat[] = [];
  if (!backward) {
    for (let i = cursor ? boundary(cursor, false) : 0; i < sorted.length && picked.length <= limit; i++) {
      if (keep(sorted[i])) picked.push(sorted[i]);
    }
  } else if (cursor) {
    for (let i = boundary(cursor, true) - 1; i >= 0 && picked.length <= limit; i--) {
      if (keep(sorted[i])) picked.push(sorted[i]);
    }
  }
  let hasMore = picked.length > limit;
  const page = hasMore ? picked.slice(0, limit) : picked;
  if (backward) page.reverse();
  const data: Chat[] = page.map((c) => c.chat);

  if (cursor) {
    const at = sorted[boundary(cursor, true)];
    if (at && compareTo(at, cursor) === 0 && keep(at) && ctx.pageFault('duplicate-boundary')) {
      if (backward) data.push(at.chat);
      else data.unshift(at.chat);
      if (data.length > limit) {
        if (backward) data.shift();
        else data.pop();
        hasMore = true;
      }
    }
  }
  if (!hasMore && data.length > 0 && ctx.pageFault('phantom-has-more')) hasMore = true;
  // faults: a full page that claims the end while more follow; an empty page that claims more (§7.2)
  if (hasMore && data.length >= limit && ctx.pageFault('full-no-more')) hasMore = false;
  if (data.length > 0 && ctx.pageFault('empty-has-more')) {
    data.length = 0;
    hasMore = true;
  }

  const cursorOf = (c: Chat) => encodeChatCursor({ k: orderBy, t: c[orderBy], id: c.id });
  const body: CursorPage<Chat> = {
    data,
    has_more: hasMore,
    first_id: data.length ? cursorOf(data[0]) : null,
    last_id: data.length ? cursorOf(data[data.length - 1]) : null,
  };
  return { body };
}

// ---- GET /v1/compliance/apps/chats/{claude_chat_id}/messages -------------------------------------

const MESSAGE_PARAMS: ReadonlySet<string> = new Set([
  'limit',
  'after_id',
  'before_id',
  'order',
  ...TIME_PARAMS,
  'tool_use_input_max_chars',
  'tool_result_max_chars',
]);

/** A character cap: -1 disables it, 0 is rejected (compliance-api.md §2.3, §6.2); omitted = no cap. */
function parseCap(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query.one(name);
  if (raw === undefined) return undefined;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n === 0 || n < -1) {
    throw invalidRequest(`The \`${name}\` parameter must be -1 or a positive integer. Got ${raw}.`);
  }
  return n === -1 ? undefined : n;
}

function truncateBlock(block: ContentBlock, toolUseMax: number | undefined, toolResultMax: number | undefined): ContentBlock {
  if (block.type === 'tool_use' && toolUseMax !== undefined && typeof block.input === 'string' && block.input.length > toolUseMax) {
    // the input is a JSON-encoded string; cut, it is no longer valid JSON (compliance-api.md §2.3)
    return { ...block, input: block.input.slice(0, toolUseMax), truncated: true };
  }
  if (block.type === 'tool_result' && toolResultMax !== undefined && Array.isArray(block.content)) {
    const items = block.content as { type: string; text?: string }[];
    if (!items.some((i) => typeof i.text === 'string' && i.text.length > toolResultMax)) return block;
    return {
      ...block,
      content: items.map((i) => (typeof i.text === 'string' && i.text.length > toolResultMax ? { ...i, text: i.text.slice(0, toolResultMax) } : i)),
      truncated: true,
    };
  }
  return block;
}

function truncateMessage(m: ChatMessage, toolUseMax: number | undefined, toolResultMax: number | undefined): ChatMessage {
  if (toolUseMax === undefined && toolResultMax === undefined) return m;
  const content = m.content.map((b) => truncateBlock(b, toolUseMax, toolResultMax));
  return content.some((b, i) => b !== m.content[i]) ? { ...m, content } : m;
}

/** Omitting `limit` returns the whole message set in one response (compliance-api.md §2.3). */
export function getChatMessages(ctx: RouteContext): RouteResult {
  const { query } = ctx;
  query.allowOnly(MESSAGE_PARAMS);
  const limit = query.optionalLimit(MAX_MESSAGE_PAGE);
  const order = query.choice('order', ['asc', 'desc'] as const, 'asc');
  const afterRaw = query.one('after_id');
  const beforeRaw = query.one('before_id');
  if (afterRaw !== undefined && beforeRaw !== undefined) {
    throw invalidRequest('Only one of `after_id` and `before_id` may be provided.');
  }
  const toolUseMax = parseCap(ctx, 'tool_use_input_max_chars');
  const toolResultMax = parseCap(ctx, 'tool_result_max_chars');
  const createdRange = query.timeRange('created_at');
  const updatedRange = query.timeRange('updated_at');

  const chatId = ctx.params.claude_chat_id;
  const found = ctx.tenant.content.chat(chatId, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.chatNotFound(chatId));
  const ordered = order === 'asc' ? found.messages : [...found.messages].reverse();

  const cursorParam = afterRaw !== undefined ? 'after_id' : beforeRaw !== undefined ? 'before_id' : undefined;
  const cursorRaw = afterRaw ?? beforeRaw;
  let cursorIndex = -1;
  if (cursorParam && cursorRaw !== undefined) {
    const id = decodeMessageCursor(cursorRaw);
    cursorIndex = id === undefined ? -1 : ordered.findIndex((m) => m.id === id);
    if (cursorIndex < 0) throw invalidRequest(MESSAGES.invalidCursor(cursorParam, cursorRaw, 'message'));
  }
  const keep = (m: ChatMessage) => {
    const created = recordTimeUs(m.created_at);
    const updated = typeof m.updated_at === 'string' ? recordTimeUs(m.updated_at) : created;
    return inRange(created, createdRange) && inRange(updated, updatedRange);
  };

  const backward = cursorParam === 'before_id';
  const max = limit ?? Number.POSITIVE_INFINITY;
  const picked: ChatMessage[] = [];
  if (!backward) {
    for (let i = cursorIndex + 1; i < ordered.length && picked.length <= max; i++) if (keep(ordered[i])) picked.push(ordered[i]);
  } else {
    for (let i = cursorIndex - 1; i >= 0 && picked.length <= max; i--) if (keep(ordered[i])) picked.push(ordered[i]);
  }
  let hasMore = picked.length > max;
  const page = hasMore ? picked.slice(0, max) : picked;
  if (backward) page.reverse();
  if (cursorIndex >= 0 && keep(ordered[cursorIndex]) && ctx.pageFault('duplicate-boundary')) {
    if (backward) page.push(ordered[cursorIndex]);
    else page.unshift(ordered[cursorIndex]);
    if (page.length > max) {
      if (backward) page.shift();
      else page.pop();
      hasMore = true;
    }
  }
  const messages = page.map((m) => truncateMessage(m, toolUseMax, toolResultMax));
  if (limit !== undefined && !hasMore && messages.length > 0 && ctx.pageFault('phantom-has-more')) hasMore = true;

  return {
    body: {
      ...found.chat,
      chat_messages: messages,
      has_more: hasMore,
      first_id: messages.length ? encodeMessageCursor(messages[0].id) : null,
      last_id: messages.length ? encodeMessageCursor(messages[messages.length - 1].id) : null,
    },
  };
}

// ---- files and projects ------------------------------------------------------------------------

export function getFile(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const file = ctx.tenant.content.file(ctx.params.claude_file_id, ctx.nowMs);
  if (!file) throw notFound(MESSAGES.fileNotFound);
  return { body: file };
}

const PROJECT_PARAMS: ReadonlySet<string> = new Set(['organization_ids[]', 'user_ids[]', ...TIME_PARAMS, 'limit', 'page']);

const byCreatedThenId = <T extends { id: string; created_at: string }>(items: readonly T[]): T[] =>
  items
    .map((item) => ({ item, us: recordTimeUs(item.created_at) }))
    .sort((a, b) => a.us - b.us || compareIds(a.item.id, b.item.id))
    .map((x) => x.item);

/** Sorted by created_at ascending (compliance-api.md §2.4); ties by id so pages are stable. */
export function listProjects(ctx: RouteContext): RouteResult {
  const { query } = ctx;
  query.allowOnly(PROJECT_PARAMS);
  // validate limit and timestamps before doing any work
  query.limit(DEFAULT_PROJECT_PAGE, MAX_PROJECT_PAGE);
  const createdRange = query.timeRange('created_at');
  const updatedRange = query.timeRange('updated_at');
  const orgs = resolveOrganizations(ctx, query.list('organization_ids[]'));
  const users = new Set(query.list('user_ids[]'));
  const projects = ctx.tenant.content.projects(ctx.nowMs).filter(
    (p: Project) =>
      (!orgs || matchesOrganization(orgs, p.organization_id, p.organization_uuid)) &&
      (users.size === 0 || (p.user !== null && users.has(p.user.id))) &&
      inRange(recordTimeUs(p.created_at), createdRange) &&
      inRange(recordTimeUs(p.updated_at), updatedRange),
  );
  return { body: tokenPage(ctx, byCreatedThenId(projects), DEFAULT_PROJECT_PAGE, MAX_PROJECT_PAGE) };
}

export function getProject(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const project = ctx.tenant.content.project(ctx.params.project_id, ctx.nowMs);
  if (!project) throw notFound(MESSAGES.projectNotFound);
  return { body: project };
}

/** Sorted by created_at ascending, ties by id (compliance-api.md §2.4). */
export function listProjectAttachments(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  ctx.query.limit(DEFAULT_PROJECT_PAGE, MAX_PROJECT_PAGE);
  const attachments = ctx.tenant.content.projectAttachments(ctx.params.project_id, ctx.nowMs);
  if (!attachments) throw notFound(MESSAGES.projectNotFound);
  const sorted = byCreatedThenId(attachments as (ProjectAttachment & { created_at: string })[]);
  return { body: tokenPage(ctx, sorted, DEFAULT_PROJECT_PAGE, MAX_PROJECT_PAGE) };
}
