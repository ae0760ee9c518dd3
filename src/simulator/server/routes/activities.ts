// GET /v1/compliance/activities: filters, validation, ordering and cursors of the Activity Feed (compliance-api.md §2.1).
import type { Activity } from '../../../api/types.js';
import { DEFAULT_ACTIVITY_PAGE, MAX_ACTIVITY_PAGE } from '../../../api/limits.js';
import type { ActivityFacets, ActivityJson, FeedPosition, ScanOptions } from '../../model.js';
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
  let cursor: ActivityJson | undefined;
  if (cursorParam && cursorRaw !== undefined) {
    const id = activityCursorId(cursorRaw);
    cursor = id === undefined ? undefined : feed.getJson(id);
    if (!cursor) throw invalidRequest(MESSAGES.invalidCursor(cursorParam, cursorRaw));
  }

  const includeTypes = types.length > 0 ? new Set(types) : undefined;
  const excludeTypes = excluded.length > 0 ? new Set(excluded) : undefined;
  const filters: ((a: ActivityFacets) => boolean)[] = [];
  if (includeTypes) filters.push((a) => includeTypes.has(a.type as string));
  if (excludeTypes) filters.push((a) => !excludeTypes.has(a.type as string));
  if (actors.size > 0) filters.push((a) => typeof a.actorUserId === 'string' && actors.has(a.actorUserId));
  if (orgs) {
    // activities not tied to an organization (sign-ins, Compliance API calls) stay in the result (WIRE)
    filters.push((a) => (a.organizationId == null && a.organizationUuid == null) || matchesOrganization(orgs, a.organizationId, a.organizationUuid));
  }
  const filter = filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : (a: ActivityFacets) => filters.every((f) => f(a));

  // Result order is created_at desc by default; `after_id` continues in result order, `before_id` goes back
  // toward the start of it. Each combination is one scan direction, reversed when it runs against the order.
  const ascending = order === 'asc';
  const towardResultEnd = cursorParam !== 'before_id';
  const direction: ScanOptions['direction'] = ascending === towardResultEnd ? 'forward' : 'backward';
  const from: FeedPosition | undefined = cursor ? { us: cursor.us, id: cursor.id } : undefined;
  const scanned =
    range.minUs !== undefined && range.maxUs !== undefined && range.minUs >= range.maxUs
      ? undefined
      : feed.scanJson({ direction, from, minUs: range.minUs, maxUs: range.maxUs, nowMs, filter, limit: limit + 1 });
  // The page is the first `count` scanned activities, in result order: scan order, reversed toward the start.
  let count = Math.min(scanned?.length ?? 0, limit);
  let hasMore = (scanned?.length ?? 0) > limit;
  // fault: the item at the cursor is served again across the page boundary (before or after the page)
  let repeated: string | undefined;
  if (cursor && cursor.visibleAt <= nowMs && inRange(cursor.us, range) && (!filter || filter(cursor.facets)) && ctx.pageFault('duplicate-boundary')) {
    repeated = cursor.json;
    if (count + 1 > limit) {
      count -= 1; // the last of the result toward its end, else its first: the last scanned either way
      hasMore = true;
    }
  }
  const total = count + (repeated === undefined ? 0 : 1);
  if (!hasMore && total > 0 && ctx.pageFault('phantom-has-more')) hasMore = true;
  // faults: a full page that claims the end while more follow; an empty page that claims more (§7.2)
  if (hasMore && total >= limit && ctx.pageFault('full-no-more')) hasMore = false;
  if (total > 0 && ctx.pageFault('empty-has-more')) {
    count = 0;
    repeated = undefined;
    hasMore = true;
  }

  // The body is exactly JSON.stringify of the CursorPage<Activity> (data, has_more, first_id, last_id), written
  // from the feed's JSON bytes instead of records (BENCHMARKS.md, issue 11: a 5000-activity page out of 50 million).
  // result order: [repeated] + scan[0, count) toward the end; reversed scan[0, count) + [repeated] toward the start
  const edge = (i: number) => (count > 0 ? scanned!.text(i) : repeated);
  const firstText = towardResultEnd ? (repeated ?? edge(0)) : edge(count - 1);
  const lastText = towardResultEnd ? edge(count - 1) : (repeated ?? edge(0));
  const firstId = firstText === undefined ? null : cursorOf(firstText);
  const lastId = lastText === undefined ? null : cursorOf(lastText);
  const tail = `],"has_more":${hasMore},"first_id":${JSON.stringify(firstId)},"last_id":${JSON.stringify(lastId)}}`;
  const head = '{"data":[';
  if (repeated === undefined) return { bytes: count > 0 ? scanned!.body(head, count, !towardResultEnd, tail) : Buffer.from(head + tail) };
  const items = count > 0 ? scanned!.joined(count, !towardResultEnd) : '';
  const data = items === '' ? repeated : towardResultEnd ? `${repeated},${items}` : `${items},${repeated}`;
  return { text: head + data + tail };
}

function cursorOf(json: string): string {
  const a = JSON.parse(json) as Activity;
  return encodeActivityCursor(a.id, a.created_at);
}
