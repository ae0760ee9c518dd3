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
 * A page that may lie, and what one confirming request showed (compliance-api.md §7.2, §2.7). A walk never
 * ends on an empty page that claims more, nor on a full page (size == limit) that claims the end, before one
 * more request: the same page again for the empty one, the next page for the full one (with page tokens the
 * same page again: there is no next token to follow).
 */
export interface PageCheck {
  /** `empty-has-more`: an empty page claimed more. `full-no-more`: a full page claimed the end. */
  claim: 'empty-has-more' | 'full-no-more';
  /**
   * `more`: the claim was false and the walk went on (records the claim would have lost); `end`: the
   * confirming request agreed the walk is over; `unconfirmed`: it was empty and claimed more again, and the
   * walk ended there rather than loop.
   */
  outcome: 'more' | 'end' | 'unconfirmed';
  endpoint: string;
  /** The query of the page that made the claim. */
  query: string;
  requestId: string | null;
  confirmRequestId: string | null;
}

export interface WalkOptions {
  /** The page size in force (the `limit` sent, else the endpoint's default); null when unknown or unbounded. */
  limit: number | null;
  logger?: Logger;
  onPageCheck?: (check: PageCheck) => void;
}

/** A page a walk yields: a confirming request's page says what it confirmed. */
export type Checked<P> = P & { check?: PageCheck };

/**
 * Walk cursor pages until `has_more` is false, confirming a page that may lie (see PageCheck). Also ends,
 * with a warning, on a cursor that does not advance or repeats.
 */
export async function* walkCursorPages<P extends PageOf<unknown>>(
  fetchPage: (cursor: CursorStart) => Promise<P>,
  start: CursorStart,
  direction: CursorDirection,
  options: WalkOptions,
): AsyncGenerator<Checked<P>, void, undefined> {
  const { logger } = options;
  const key = direction === 'after' ? 'after_id' : 'before_id';
  let cursor = start[key];
  const seen = new Set<string>();
  if (cursor !== undefined) seen.add(cursor);
  let pending: { claim: PageCheck['claim']; page: P } | null = null;
  // The next page is requested as soon as this one says where it is, before the caller works through this
  // one: the server's time and the caller's overlap (a walk is serial otherwise, one round trip per page).
  let inflight: Promise<P> | null = prefetch(fetchPage(cursor === undefined ? {} : { [key]: cursor }));
  for (;;) {
    const page: Checked<P> = await inflight!;
    inflight = null;
    let stop = false;
    let warning: string | null = null;
    if (pending) {
      // After a full page, an empty page claiming more is a claim of its own, asked again once more; two
      // empty pages in a row end the walk (it must not loop).
      const again = page.data.length === 0 && page.has_more && pending.claim === 'full-no-more';
      const outcome: PageCheck['outcome'] = page.data.length > 0 || again ? 'more' : page.has_more ? 'unconfirmed' : 'end';
      page.check = reportCheck(options, pending.claim, outcome, pending.page, page);
      pending = null;
      stop = outcome !== 'more';
    }
    if (!stop && page.data.length === 0) {
      // the same request again: an empty page has no cursor to follow
      if (page.has_more) pending = { claim: 'empty-has-more', page };
      else stop = true;
    } else if (!stop) {
      const next = direction === 'after' ? page.last_id : page.first_id;
      if (!page.has_more && (options.limit === null || page.data.length < options.limit || next === null)) stop = true;
      else if (!page.has_more) pending = { claim: 'full-no-more', page };
      else if (next === null || seen.has(next)) {
        warning = next === null ? 'has_more without a cursor; stopping' : 'cursor did not advance; stopping';
        stop = true;
      }
      if (!stop) {
        seen.add(next!);
        cursor = next!;
      }
    }
    if (!stop) inflight = prefetch(fetchPage(cursor === undefined ? {} : { [key]: cursor }));
    yield page;
    if (warning) warn(logger, page, warning);
    if (stop) return;
  }
}

/** A request started ahead: its failure is raised where it is awaited, never as an unhandled rejection. */
function prefetch<P>(request: Promise<P>): Promise<P> {
  request.catch(() => {});
  return request;
}

/**
 * Walk page-token pages until `next_page` is absent or `has_more` is false, confirming a page that may lie
 * (see PageCheck); ends on a repeated token. A repeat of a full page confirms without being yielded again;
 * only when that repeat itself lies (an empty page leading back to the same offset) are its records
 * delivered twice: at least once, as the API's own delivery (design.md invariant 1).
 */
export async function* walkTokenPages<P extends PageOf<unknown>>(
  fetchPage: (page: string | undefined) => Promise<P>,
  start: string | undefined,
  options: WalkOptions,
): AsyncGenerator<Checked<P>, void, undefined> {
  const { logger } = options;
  let token = start;
  const seen = new Set<string>();
  if (token !== undefined) seen.add(token);
  let pending: { claim: PageCheck['claim']; page: P } | null = null;
  for (;;) {
    const page: Checked<P> = await fetchPage(token);
    const more = page.next_page !== null && page.has_more;
    if (pending) {
      const { claim } = pending;
      const outcome: PageCheck['outcome'] =
        claim === 'full-no-more' ? (more ? 'more' : 'end') : page.data.length > 0 ? 'more' : more ? 'unconfirmed' : 'end';
      const check = reportCheck(options, claim, outcome, pending.page, page);
      pending = null;
      // a full page asked again holds the records already yielded; only its answer about what follows is new
      if (claim === 'empty-has-more') {
        page.check = check;
        yield page;
      }
      if (outcome !== 'more') return;
    } else {
      yield page;
    }
    const next = page.next_page;
    if (page.data.length === 0) {
      if (!more && !(page.has_more && next === null)) return;
      pending = { claim: 'empty-has-more', page };
      // follow next_page (compliance-api.md §2.7: pages may be empty while next_page is set), else ask again
      token = next ?? token;
      if (next !== null) seen.add(next);
      continue;
    }
    if (!more) {
      if (options.limit === null || page.data.length < options.limit) return;
      pending = { claim: 'full-no-more', page };
      continue;
    }
    if (seen.has(next!)) {
      warn(logger, page, 'next_page repeats an earlier token; stopping');
      return;
    }
    seen.add(next!);
    token = next!;
  }
}

function reportCheck(options: WalkOptions, claim: PageCheck['claim'], outcome: PageCheck['outcome'], claimed: PageOf<unknown>, confirm: PageOf<unknown>): PageCheck {
  const check: PageCheck = {
    claim,
    outcome,
    endpoint: claimed.endpoint,
    query: claimed.query,
    requestId: claimed.requestId,
    confirmRequestId: confirm.requestId,
  };
  const text =
    outcome === 'more'
      ? `${claim === 'empty-has-more' ? 'an empty page claimed more' : 'a full page claimed the end'}; the confirming request found more, the walk goes on`
      : outcome === 'end'
        ? `${claim === 'empty-has-more' ? 'an empty page claimed more' : 'a full page claimed the end'}; the confirming request agreed it is the end`
        : 'an empty page claimed more, twice; ending the walk there';
  const log = outcome === 'end' ? options.logger?.info : options.logger?.warn;
  log?.({ ...check }, `compliance api: ${text}`);
  try {
    options.onPageCheck?.(check);
  } catch (err) {
    options.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'compliance api: onPageCheck hook threw');
  }
  return check;
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
