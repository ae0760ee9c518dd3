// GET /v1/compliance/activities: filters, validation, ordering and cursors of the Activity Feed (compliance-api.md §2.1).
import type { Activity, CursorPage } from '../../../api/types.js';
import { DEFAULT_ACTIVITY_PAGE, MAX_ACTIVITY_PAGE } from '../../../api/limits.js';
import type { FeedPosition, ScanOptions, SimActivity } from '../../model.js';
import { activityCursorId, encodeActivityCursor } from '../cursors.js';
import { MESSAGES, invalidRequest } from '../errors.js';
import { inRange } from '../params.js';
import type { RouteContext, RouteResult } from '../router.js';
import { matchesOrganization, resolveOrganizations } from './shared.js';

const ALLOWED: ReadonlySet<string> = new Set([
  'activity_types[]',
  'exclude_activity_types[]',
  'actor_ids[]',
  'user_ids[]',
  'organization_ids[]',
  'created_at.gte',
  'created_at.gt',
  'created_at.lte',
  'created_at.lt',
  'after_id',
  'before_id',
  'limit',
  'order',
]);

export function listActivities(ctx: RouteContext): RouteResult {
  const { query, tenant, nowMs } = ctx;
  const { feed } = tenant;
  query.allowOnly(ALLOWED);
  const limit = query.limit(DEFAULT_ACTIVITY_PAGE, MAX_ACTIVITY_PAGE);
  const order = query.choice('order', ['asc', 'desc'] as const, 'desc');

  const types = query.list('activity_types[]');
  const excluded = query.list('exclude_activity_types[]');
  if (types.length > 0 && excluded.length > 0) {
    throw invalidRequest('`activity_types[]` and `exclude_activity_types[]` cannot be used together.');
  }
  // filter values are validated against the enum (compliance-api.md §2.1, WIRE)
  for (const [param, values] of [['activity_types[]', types], ['exclude_activity_types[]', excluded]] as const) {
    for (const t of values) {
      if (!feed.knownTypes.has(t)) throw invalidRequest(`Invalid value for \`${param}\`: "${t}" is not a known activity type.`);
    }
  }
  // `user_ids[]` is an alias of `actor_ids[]`; both lists are merged (compliance-api.md §2.1)
  const actors = new Set([...query.list('actor_ids[]'), ...query.list('user_ids[]')]);
  const orgs = resolveOrganizations(ctx, query.list('organization_ids[]'));
  const range = query.timeRange('created_at');

  const afterRaw = query.one('after_id');
  const beforeRaw = query.one('before_id');
  if (afterRaw !== undefined && beforeRaw !== undefined) {
    throw invalidRequest('Only one of `after_id` and `before_id` may be provided.');
  }
  const cursorParam = afterRaw !== undefined ? 'after_id' : beforeRaw !== undefined ? 'before_id' : undefined;
  const cursorRaw = afterRaw ?? beforeRaw;
  let cursor: SimActivity | undefined;
  if (cursorParam && cursorRaw !== undefined) {
    const id = activityCursorId(cursorRaw);
    cursor = id === undefined ? undefined : feed.get(id);
    if (!cursor) throw invalidRequest(MESSAGES.invalidCursor(cursorParam, cursorRaw));
  }

  const includeTypes = types.length > 0 ? new Set(types) : undefined;
  const excludeTypes = excluded.length > 0 ? new Set(excluded) : undefined;
  const filters: ((a: SimActivity) => boolean)[] = [];
  if (includeTypes) filters.push((a) => includeTypes.has(a.record.type));
  if (excludeTypes) filters.push((a) => !excludeTypes.has(a.record.type));
  if (actors.size > 0) filters.push((a) => typeof a.record.actor?.user_id === 'string' && actors.has(a.record.actor.user_id));
  if (orgs) {
    // activities not tied to an organization (sign-ins, Compliance API calls) stay in the result (WIRE)
    filters.push(
      (a) =>
        (a.record.organization_id == null && a.record.organization_uuid == null) ||
        matchesOrganization(orgs, a.record.organization_id, a.record.organization_uuid),
    );
  }
  const filter = filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : (a: SimActivity) => filters.every((f) => f(a));

  // Result order is created_at desc by default; `after_id` continues in result order, `before_id` goes back
  // toward the start of it. Each combination is one scan direction, reversed when it runs against the order.
  const ascending = order === 'asc';
  const towardResultEnd = cursorParam !== 'before_id';
  const direction: ScanOptions['direction'] = ascending === towardResultEnd ? 'forward' : 'backward';
  const from: FeedPosition | undefined = cursor ? { us: cursor.us, id: cursor.id } : undefined;
  const scanned =
    range.minUs !== undefined && range.maxUs !== undefined && range.minUs >= range.maxUs
      ? []
      : feed.scan({ direction, from, minUs: range.minUs, maxUs: range.maxUs, nowMs, filter, limit: limit + 1 });
  let hasMore = scanned.length > limit;
  let page = hasMore ? scanned.slice(0, limit) : scanned;
  if (!towardResultEnd) page = page.reverse();
  const data: Activity[] = page.map((a) => a.record);

  // fault: the item at the cursor is served again across the page boundary
  if (cursor && cursor.visibleAt <= nowMs && inRange(cursor.us, range) && (!filter || filter(cursor)) && ctx.pageFault('duplicate-boundary')) {
    if (towardResultEnd) data.unshift(cursor.record);
    else data.push(cursor.record);
    if (data.length > limit) {
      if (towardResultEnd) data.pop();
      else data.shift();
      hasMore = true;
    }
  }
  if (!hasMore && data.length > 0 && ctx.pageFault('phantom-has-more')) hasMore = true;
  // faults: a full page that claims the end while more follow; an empty page that claims more (§7.2)
  if (hasMore && data.length >= limit && ctx.pageFault('full-no-more')) hasMore = false;
  if (data.length > 0 && ctx.pageFault('empty-has-more')) {
    data.length = 0;
    hasMore = true;
  }

  const first = data[0];
  const last = data[data.length - 1];
  const body: CursorPage<Activity> = {
    data,
    has_more: hasMore,
    first_id: first ? encodeActivityCursor(first.id, first.created_at) : null,
    last_id: last ? encodeActivityCursor(last.id, last.created_at) : null,
  };
  return { body };
}
