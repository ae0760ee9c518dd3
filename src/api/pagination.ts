// Pages and page walks for both pagination styles (compliance-api.md §2): cursors (`after_id`/`before_id` ←
// `last_id`/`first_id`, until `has_more` is false) and page tokens (`page` ← `next_page`, until null).
// Walks yield pages, not records, so a caller can commit a page and its provenance together.

import type { Chat, ChatMessage } from './types.js';
import { ClientValidationError } from './errors.js';
import type { Logger } from './http.js';
import type { WireParams } from './query.js';

/** Where a response came from: enough to record provenance next to the data. */
export interface ResponseMeta {
  /** The `request-id` response header (or the body's `request_id`). */
  requestId: string | null;
  status: number;
  /** Path without query, e.g. `/v1/compliance/activities`. */
  endpoint: string;
  /** The query exactly as sent, keyed by wire name (`activity_types[]`, `created_at.gte`). */
  params: WireParams;
  /** The encoded query string as sent, without `?`. */
  query: string;
  /** Attempts this response took (1 = no retry). */
  attempts: number;
  /** The server's clock (`date` header) in epoch ms: anchor windows on it, not on the local clock. */
  serverTimeMs: number | null;
}

/**
 * One page of either style. Cursor pages fill `first_id`/`last_id` (null when empty) and leave
 * `next_page` null; token pages fill `next_page` and leave the ids null. `has_more` defaults to false
 * on cursor pages and to `next_page !== null` on token pages when the server omits it.
 */
export interface PageOf<T> extends ResponseMeta {
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
  next_page: string | null;
}

/** A single-object response (one role, group, file, project). */
export interface ItemOf<T> extends ResponseMeta {
  data: T;
}

/** GET .../chats/{id}/messages: `data` is `chat_messages`; `chat` is the chat's metadata on that page. */
export interface MessagesPageOf extends PageOf<ChatMessage> {
  chat: Chat;
}

/** `after`: follow `last_id` as `after_id` (the result order). `before`: follow `first_id` as `before_id`. */
export type CursorDirection = 'after' | 'before';

export interface CursorStart {
  after_id?: string;
  before_id?: string;
}

/** The direction a walk takes: explicit, else `before` when only `before_id` is given. */
export function resolveDirection(start: CursorStart, direction?: CursorDirection): CursorDirection {
  const d = direction ?? (start.before_id !== undefined ? 'before' : 'after');
  if (d !== 'after' && d !== 'before') throw new ClientValidationError(`direction must be 'after' or 'before'`, 'direction');
  if (d === 'after' && start.before_id !== undefined) {
    throw new ClientValidationError('before_id given but the walk goes in direction "after"; pass after_id', 'before_id');
  }
  if (d === 'before' && start.after_id !== undefined) {
    throw new ClientValidationError('after_id given but the walk goes in direction "before"; pass before_id', 'after_id');
  }
  return d;
}

/**
 * Walk cursor pages until `has_more` is false. Also ends, with a warning, on an empty page (a server
 * may claim `has_more` and return nothing) and on a cursor that does not advance or repeats.
 */
export async function* walkCursorPages<P extends PageOf<unknown>>(
  fetchPage: (cursor: CursorStart) => Promise<P>,
  start: CursorStart,
  direction: CursorDirection,
  logger?: Logger,
): AsyncGenerator<P, void, undefined> {
  const key = direction === 'after' ? 'after_id' : 'before_id';
  let cursor = start[key];
  const seen = new Set<string>();
  if (cursor !== undefined) seen.add(cursor);
  for (;;) {
    const page = await fetchPage(cursor === undefined ? {} : { [key]: cursor });
    yield page;
    if (!page.has_more) return;
    if (page.data.length === 0) {
      warn(logger, page, 'empty page claims has_more; treating it as the end');
      return;
    }
    const next = direction === 'after' ? page.last_id : page.first_id;
    if (next === null || seen.has(next)) {
      warn(logger, page, next === null ? 'has_more without a cursor; stopping' : 'cursor did not advance; stopping');
      return;
    }
    seen.add(next);
    cursor = next;
  }
}

/** Walk page-token pages until `next_page` is absent or `has_more` is false; ends on a repeated token. */
export async function* walkTokenPages<P extends PageOf<unknown>>(
  fetchPage: (page: string | undefined) => Promise<P>,
  start: string | undefined,
  logger?: Logger,
): AsyncGenerator<P, void, undefined> {
  let token = start;
  const seen = new Set<string>();
  if (token !== undefined) seen.add(token);
  for (;;) {
    const page = await fetchPage(token);
    yield page;
    const next = page.next_page;
    if (!next || !page.has_more) return;
    if (page.data.length === 0) {
      warn(logger, page, 'empty page with a next_page; treating it as the end');
      return;
    }
    if (seen.has(next)) {
      warn(logger, page, 'next_page repeats an earlier token; stopping');
      return;
    }
    seen.add(next);
    token = next;
  }
}

/** Flatten a walk of pages into its records, for callers that do not need page boundaries. */
export async function* records<T>(pages: AsyncIterable<{ data: readonly T[] }>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.data;
}

function warn(logger: Logger | undefined, page: PageOf<unknown>, msg: string): void {
  logger?.warn(
    { endpoint: page.endpoint, requestId: page.requestId, has_more: page.has_more, records: page.data.length },
    `compliance api: ${msg}`,
  );
}
