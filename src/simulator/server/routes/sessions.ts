// Local and remote session transcripts: lists and messages with forward-only page tokens and no `has_more`
// (compliance-api.md §2.6, §6.2).
import type { LocalSessionMessage, RemoteSessionMessage } from '../../../api/app-types.js';
import type { ContentBlock } from '../../../api/types.js';
import {
  DEFAULT_SESSION_BYTE_CAP,
  DEFAULT_SESSION_MESSAGE_PAGE,
  DEFAULT_SESSION_PAGE,
  MAX_APPS_ORGANIZATION_IDS,
  MAX_REMOTE_SESSION_USER_IDS,
  MAX_SESSION_BYTE_CAP,
  MAX_SESSION_MESSAGE_PAGE,
  MAX_SESSION_PAGE,
} from '../../../api/limits.js';
import { decodeWalkToken, encodeWalkToken } from '../cursors.js';
import { MESSAGES, invalidRequest, notFound } from '../errors.js';
import { type TimeRange, inRange, parseTimestamp, recordTimeUs } from '../params.js';
import type { RouteContext } from '../router.js';
import { matchesOrganization, resolveOrganizations } from './shared.js';

/** Cursors expire 24 h after the walk's first page (compliance-api.md §2.6). */
export const SESSION_CURSOR_TTL_MS = 24 * 3_600_000;

/** One page of a `page`/`next_page` walk without `has_more`: the walk ends when `next_page` is absent. */
export function walkPage<T>(ctx: RouteContext, items: readonly T[], defaultLimit: number, maxLimit: number): { data: T[]; next_page: string | null } {
  const limit = ctx.query.limit(defaultLimit, maxLimit);
  const fingerprint = ctx.query.fingerprint(ctx.pattern + JSON.stringify(ctx.params));
  const raw = ctx.query.one('page');
  let offset = 0;
  let startedMs = ctx.nowMs;
  if (raw !== undefined) {
    const token = decodeWalkToken(raw, fingerprint);
    if (!token) throw invalidRequest(MESSAGES.invalidSessionCursor);
    if (ctx.nowMs - token.startedMs > SESSION_CURSOR_TTL_MS) throw invalidRequest(MESSAGES.expiredSessionCursor);
    ({ offset, startedMs } = token);
  }
  const data = items.slice(offset, offset + limit);
  const end = offset + data.length;
  return { data, next_page: end < items.length ? encodeWalkToken(end, fingerprint, startedMs) : null };
}

/** Local-session filters must carry a UTC offset (compliance-api.md §1.1, §2.6). */
function offsetTimestamp(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query.one(name);
  if (raw === undefined) return undefined;
  const t = parseTimestamp(raw);
  if (!t) throw invalidRequest(MESSAGES.invalidTimestamp(name, raw));
  if (!/([Zz]|[+-]\d{2}:\d{2})$/.test(raw)) {
    throw invalidRequest(`The \`${name}\` parameter must include a UTC offset, e.g. "2026-03-01T00:00:00Z". Got "${raw}".`);
  }
  return t.us;
}

const LOCAL_LIST_PARAMS: ReadonlySet<string> = new Set(['created_at.gte', 'created_at.lt', 'updated_at.gte', 'limit', 'page']);

/** Newest first; only `created_at.gte`/`.lt` and `updated_at.gte` filter (compliance-api.md §2.6). */
export function listLocalSessions(ctx: RouteContext) {
  const { query } = ctx;
  query.allowOnly(LOCAL_LIST_PARAMS);
  query.limit(DEFAULT_SESSION_PAGE, MAX_SESSION_PAGE);
  const gte = offsetTimestamp(ctx, 'created_at.gte');
  const lt = offsetTimestamp(ctx, 'created_at.lt');
  const updatedGte = offsetTimestamp(ctx, 'updated_at.gte');
  if (gte !== undefined && lt !== undefined && lt <= gte) throw invalidRequest('created_at.lt must be strictly after created_at.gte.');
  const range: TimeRange = { minUs: gte, maxUs: lt };
  const sessions = ctx.tenant.content
    .localSessions(ctx.nowMs)
    .filter((s) => inRange(recordTimeUs(s.created_at), range) && (updatedGte === undefined || recordTimeUs(s.updated_at) >= updatedGte));
  return { body: walkPage(ctx, sessions, DEFAULT_SESSION_PAGE, MAX_SESSION_PAGE) };
}

function sessionId(ctx: RouteContext, prefix: 'clls_' | 'cse_', what: string): string {
  const id = ctx.params[prefix === 'clls_' ? 'local_session_id' : 'claude_remote_session_id'];
  if (!id.startsWith(prefix) || !/^[A-Za-z0-9_]+$/.test(id)) throw invalidRequest(`Invalid ${what} id "${id}": expected an id starting with \`${prefix}\`.`);
  return id;
}

export function getLocalSession(ctx: RouteContext) {
  ctx.query.allowOnly(new Set());
  const found = ctx.tenant.content.localSession(sessionId(ctx, 'clls_', 'local session'), ctx.nowMs);
  if (!found) throw notFound(MESSAGES.localSessionNotFound);
  return { body: found.session };
}

const MESSAGE_PARAMS: ReadonlySet<string> = new Set(['limit', 'page', 'order', 'tool_use_input_max_bytes', 'tool_result_max_bytes']);

/** Default 10 000 bytes; -1 = the server maximum (~1 MiB); 0 or anything else → 400 (compliance-api.md §2.6, §6.2). */
function byteCap(ctx: RouteContext, name: string): number {
  const raw = ctx.query.one(name);
  if (raw === undefined) return DEFAULT_SESSION_BYTE_CAP;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (n === -1) return MAX_SESSION_BYTE_CAP;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidRequest(`The \`${name}\` parameter must be -1 or a positive integer. Got ${raw}.`);
  return Math.min(n, MAX_SESSION_BYTE_CAP);
}

function cutBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  // never split a UTF-8 sequence
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function capBlocks(content: ContentBlock[], inputMax: number, resultMax: number): ContentBlock[] {
  return content.map((b) => {
    if (b.type === 'tool_use' && typeof b.input === 'string' && Buffer.byteLength(b.input) > inputMax) {
      return { ...b, input: cutBytes(b.input, inputMax), truncated: true };
    }
    if (b.type === 'tool_result' && Array.isArray(b.content)) {
      const items = b.content as { type: string; text?: string }[];
      if (items.some((i) => typeof i.text === 'string' && Buffer.byteLength(i.text) > resultMax)) {
        return { ...b, content: items.map((i) => (typeof i.text === 'string' ? { ...i, text: cutBytes(i.text, resultMax) } : i)), truncated: true };
      }
    }
    return b;
  });
}

function messagePage<M extends LocalSessionMessage | RemoteSessionMessage>(ctx: RouteContext, messages: M[]) {
  const { query } = ctx;
  query.allowOnly(MESSAGE_PARAMS);
  query.limit(DEFAULT_SESSION_MESSAGE_PAGE, MAX_SESSION_MESSAGE_PAGE);
  const order = query.choice('order', ['asc', 'desc'] as const, 'asc');
  const inputMax = byteCap(ctx, 'tool_use_input_max_bytes');
  const resultMax = byteCap(ctx, 'tool_result_max_bytes');
  const ordered = order === 'asc' ? messages : [...messages].reverse();
  const page = walkPage(ctx, ordered, DEFAULT_SESSION_MESSAGE_PAGE, MAX_SESSION_MESSAGE_PAGE);
  return { data: page.data.map((m) => ({ ...m, content: capBlocks(m.content, inputMax, resultMax) })), next_page: page.next_page };
}

export function listLocalSessionMessages(ctx: RouteContext) {
  const id = sessionId(ctx, 'clls_', 'local session');
  ctx.query.allowOnly(MESSAGE_PARAMS);
  const found = ctx.tenant.content.localSession(id, ctx.nowMs);
  if (!found) throw notFound(MESSAGES.localSessionNotFound);
  const page = messagePage(ctx, found.messages);
  return { body: { session: found.session, ...page } };
}

const REMOTE_LIST_PARAMS: ReadonlySet<string> = new Set([
  'organization_ids[]',
  'user_ids[]',
  ...['gte', 'gt', 'lte', 'lt'].map((op) => `created_at.${op}`),
  'limit',
  'page',
]);

/** Newest first; `user_ids[]` 1–10 excludes agent-owned sessions (compliance-api.md §2.6). */
export function listRemoteSessions(ctx: RouteContext) {
  const { query } = ctx;
  query.allowOnly(REMOTE_LIST_PARAMS);
  query.limit(DEFAULT_SESSION_PAGE, MAX_SESSION_PAGE);
  const userIds = query.list('user_ids[]');
  const orgIds = query.list('organization_ids[]');
  if (userIds.length > MAX_REMOTE_SESSION_USER_IDS) {
    throw invalidRequest(`\`user_ids[]\` accepts between 1 and ${MAX_REMOTE_SESSION_USER_IDS} values. Got ${userIds.length}.`);
  }
  if (orgIds.length > MAX_APPS_ORGANIZATION_IDS) {
    throw invalidRequest(`\`organization_ids[]\` accepts at most ${MAX_APPS_ORGANIZATION_IDS} values. Got ${orgIds.length}.`);
  }
  const range = query.timeRange('created_at');
  const orgs = resolveOrganizations(ctx, orgIds);
  const users = new Set(userIds);
  const sessions = ctx.tenant.content
    .remoteSessions(ctx.nowMs)
    .filter(
      (s) =>
        (users.size === 0 || (s.user !== null && users.has(s.user.id))) &&
        (!orgs || matchesOrganization(orgs, undefined, s.organization_uuid)) &&
        inRange(recordTimeUs(s.created_at), range),
    );
  return { body: walkPage(ctx, sessions, DEFAULT_SESSION_PAGE, MAX_SESSION_PAGE) };
}

/** A pending session has no transcript yet: 404 (compliance-api.md §2.6). */
export function listRemoteSessionMessages(ctx: RouteContext) {
  const id = sessionId(ctx, 'cse_', 'remote session');
  ctx.query.allowOnly(MESSAGE_PARAMS);
  const found = ctx.tenant.content.remoteSession(id, ctx.nowMs);
  if (!found || found.session.status === 'pending') throw notFound(MESSAGES.remoteSessionNotFound);
  const page = messagePage(ctx, found.messages);
  // the envelope's project id is always null (compliance-api.md §2.6)
  return { body: { session: { ...found.session, claude_project_id: null }, ...page } };
}
