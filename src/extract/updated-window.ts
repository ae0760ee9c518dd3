// Content metadata read by `updated_at` windows (chats, projects). The rule: a run reads
// [updated_until - overlap, end), `end` fixed at the start as one minute before the server's clock; a first
// run reads everything before `end` (or from --since). Each observation of a record at a new `updated_at`
// is a new version; a version already committed is skipped. The cursor moves only with the commit.
import type { SyncContext } from './stream.js';
import { isoMicros } from './stream.js';
import { INDEXING_MARGIN_MS } from './activities.js';

export interface UpdatedCursor {
  /** Exclusive end of the last committed `updated_at` window (RFC 3339 UTC). */
  updated_until: string;
}

export interface UpdatedWindow {
  /** Inclusive start, or null for "from the beginning". */
  fromIso: string | null;
  toIso: string;
  /** The cursor to commit once the window is stored. */
  next: UpdatedCursor;
}

export function updatedWindow(ctx: SyncContext, stream: string): UpdatedWindow {
  const before = ctx.state.cursor<UpdatedCursor>(stream);
  const endMs = ctx.settings.untilMs ?? ctx.serverNow() - INDEXING_MARGIN_MS;
  let fromMs: number | null = before ? Date.parse(before.updated_until) - ctx.settings.overlapMs : null;
  if (ctx.settings.sinceMs !== undefined && (fromMs === null || ctx.settings.sinceMs < fromMs)) fromMs = ctx.settings.sinceMs;
  const prevEnd = before ? Date.parse(before.updated_until) : Number.NEGATIVE_INFINITY;
  return {
    fromIso: fromMs === null ? null : isoMicros(fromMs),
    toIso: isoMicros(endMs),
    next: { updated_until: isoMicros(Math.max(endMs, prevEnd)) },
  };
}
