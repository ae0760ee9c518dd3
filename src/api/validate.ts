// Client-side checks of the rules the server enforces with a 400, so a bad call fails before it spends
// rate budget (compliance-api.md §2, §6.2). Messages name parameters, never echo caller-supplied strings.

import { ClientValidationError } from './errors.js';
import {
  MAX_ACTIVITY_PAGE,
  MAX_CHAT_PAGE,
  MAX_CHAT_USER_IDS,
  MAX_MESSAGE_PAGE,
  MAX_PROJECT_PAGE,
} from './limits.js';

type Params = Record<string, unknown>;

const TIME_BOUNDS = ['gte', 'gt', 'lte', 'lt'] as const;

/** `limit` is an integer in [1, max] (compliance-api.md §2.0; 0 or max+1 → 400). */
export function checkLimit(params: Params, max: number): void {
  const limit = params.limit;
  if (limit === undefined) return;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    const shown = typeof limit === 'number' ? String(limit) : typeof limit;
    throw new ClientValidationError(`limit must be an integer between 1 and ${max}, inclusive; got ${shown}`, 'limit');
  }
}

/** Checks shared by every list endpoint: limit, cursors, page token, array filters. */
export function checkCommon(params: Params, maxLimit: number): void {
  checkLimit(params, maxLimit);
  if (params.after_id !== undefined && params.before_id !== undefined) {
    throw new ClientValidationError('after_id and before_id cannot be combined; pass one cursor', 'after_id');
  }
  for (const key of ['after_id', 'before_id', 'page'] as const) {
    const v = params[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) {
      throw new ClientValidationError(`${key} must be a non-empty string (an opaque value from a previous page)`, key);
    }
  }
  for (const [key, value] of Object.entries(params)) {
    if (!Array.isArray(value)) continue;
    const wire = key.endsWith('[]') ? key : `${key}[]`;
    // An empty filter would be dropped from the query and silently mean "everything".
    if (value.length === 0) throw new ClientValidationError(`${wire} is empty; omit it instead`, wire);
    if (value.some((v) => typeof v !== 'string' || v.length === 0)) {
      throw new ClientValidationError(`${wire} must contain non-empty strings`, wire);
    }
  }
}

function checkOrder(params: Params): void {
  const order = params.order;
  if (order !== undefined && order !== 'asc' && order !== 'desc') {
    throw new ClientValidationError(`order must be 'asc' or 'desc'`, 'order');
  }
}

function hasTimeBound(params: Params, field: 'created_at' | 'updated_at'): boolean {
  return TIME_BOUNDS.some((b) => params[`${field}.${b}`] !== undefined);
}

/** GET /v1/compliance/activities (compliance-api.md §2.1). */
export function validateActivityQuery(params: Params): void {
  checkCommon(params, MAX_ACTIVITY_PAGE);
  checkOrder(params);
  if (params.activity_types !== undefined && params.exclude_activity_types !== undefined) {
    throw new ClientValidationError(
      'activity_types[] and exclude_activity_types[] cannot be combined',
      'exclude_activity_types[]',
    );
  }
}

/** GET /v1/compliance/apps/chats: per-user vs org-wide rules (compliance-api.md §2.3). */
export function validateChatQuery(params: Params): void {
  checkCommon(params, MAX_CHAT_PAGE);
  const userIds = params.user_ids;
  const perUser = userIds !== undefined;
  if (Array.isArray(userIds) && userIds.length > MAX_CHAT_USER_IDS) {
    throw new ClientValidationError(
      `user_ids[] takes 1 to ${MAX_CHAT_USER_IDS} values; got ${userIds.length}`,
      'user_ids[]',
    );
  }
  const orderBy = params.order_by;
  if (orderBy !== undefined && orderBy !== 'created_at' && orderBy !== 'updated_at') {
    throw new ClientValidationError(`order_by must be 'created_at' or 'updated_at'`, 'order_by');
  }
  if (params.project_ids !== undefined && !perUser) {
    throw new ClientValidationError('project_ids[] is only allowed together with user_ids[]', 'project_ids[]');
  }
  if (perUser) {
    if (orderBy === 'updated_at') {
      throw new ClientValidationError('order_by=updated_at is only allowed for org-wide queries (without user_ids[])', 'order_by');
    }
    if (hasTimeBound(params, 'updated_at')) {
      throw new ClientValidationError('updated_at.* filters cannot be combined with user_ids[]', 'user_ids[]');
    }
    return;
  }
  if (params.before_id !== undefined) {
    throw new ClientValidationError('before_id is only allowed with user_ids[]; org-wide queries page forward only', 'before_id');
  }
  // Org-wide queries must pair time filters with the sort key.
  const sortKey = orderBy ?? 'created_at';
  const other = sortKey === 'created_at' ? 'updated_at' : 'created_at';
  if (hasTimeBound(params, other)) {
    throw new ClientValidationError(
      `org-wide chat queries sorted by ${sortKey} accept only ${sortKey}.* filters; set order_by=${other} to filter on ${other}`,
      `${other}.*`,
    );
  }
}

/** GET .../apps/chats/{id}/messages (compliance-api.md §2.3). */
export function validateMessageQuery(params: Params): void {
  checkCommon(params, MAX_MESSAGE_PAGE);
  checkOrder(params);
  for (const key of ['tool_use_input_max_chars', 'tool_result_max_chars'] as const) {
    const v = params[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < -1)) {
      throw new ClientValidationError(`${key} must be an integer >= 0, or -1 to disable the cap`, key);
    }
  }
}

/** Page-token endpoints: directory (max 1000), projects and attachments (max 100). */
export function validatePageQuery(params: Params, maxLimit: number): void {
  checkCommon(params, maxLimit);
}

export function validateProjectQuery(params: Params): void {
  checkCommon(params, MAX_PROJECT_PAGE);
}

/** Path parameters are opaque ids: a non-empty string. */
export function checkPathId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ClientValidationError(`${name} must be a non-empty string`, name);
  }
  return value;
}
