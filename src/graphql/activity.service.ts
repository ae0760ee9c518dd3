// The SQL over marts.activities: the activity filter as conditions, pages in keyset order (newest first),
// the total count, and time buckets. Every client value is a bound parameter; every read is limited.
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { userInputError } from './errors.js';
import { SqlParams, keysetAfter, parseJson, toInt, toStringOrNull, usToDate } from './sql-params.js';
import type { ActivityFilter } from './activity.args.js';
import { Activity, ActivityConnection, type ActivityCount, ActivityEdge, TimeBucket } from './activity.type.js';
import { Instant } from './scalars.js';
import type { Row } from './warehouse.js';
import { TYPE_DAILY, dailySplit, fromDailyTypes } from './daily-counts.js';

/** Values one filter list may hold: a longer list is almost surely a mistake, and it grows the SQL. */
export const MAX_FILTER_VALUES = 100;
/** Rows activityCounts may return (27 years of days). */
export const MAX_BUCKETS = 10_000;
/** Microseconds in a UTC day. */
const DAY_US = 86_400_000_000;
const CURSOR = { kind: 'activity', shape: ['u', 's'] } as const;

const BUCKET_PART: Record<TimeBucket, string> = { [TimeBucket.DAY]: 'day', [TimeBucket.WEEK]: 'week', [TimeBucket.MONTH]: 'month' };

/** The columns `toActivity` reads, from marts.activities (or a relation with its columns) aliased `a`. */
export function activityColumns(a: string): string {
  return [
    `${a}.id`,
    `epoch_us(${a}.created_at) as created_us`,
    `${a}.type`,
    `${a}.category`,
    `${a}.organization_id`,
    `${a}.organization_uuid`,
    `${a}.actor_type`,
    `${a}.actor_user_id`,
    `${a}.actor_email`,
    `${a}.actor_ip`,
    `${a}.actor_user_agent`,
    `${a}.actor_api_key_id`,
    `${a}.is_own_request`,
    `${a}.details::varchar as details`,
  ].join(', ');
}

export function toActivity(row: Row): Activity {
  return {
    id: String(row.id),
    createdAt: usToDate(row.created_us)!,
    type: String(row.type),
    category: toStringOrNull(row.category) ?? 'other',
    organizationId: toStringOrNull(row.organization_id),
    organizationUuid: toStringOrNull(row.organization_uuid),
    actor: {
      type: toStringOrNull(row.actor_type),
      userId: toStringOrNull(row.actor_user_id),
      email: toStringOrNull(row.actor_email),
      ip: toStringOrNull(row.actor_ip),
      userAgent: toStringOrNull(row.actor_user_agent),
      apiKeyId: toStringOrNull(row.actor_api_key_id),
    },
    isOwnRequest: row.is_own_request === null || row.is_own_request === undefined ? null : Boolean(row.is_own_request),
    details: parseJson(row.details),
  };
}

export function activityCursor(row: Row): string {
  return encodeCursor(CURSOR.kind, [row.created_us as bigint, String(row.id)]);
}

/** The keyset condition for rows after `after` in newest-first order, on alias `a`. */
export function activityAfter(after: string, params: SqlParams, a: string): string {
  const [us, id] = decodeCursor(CURSOR.kind, CURSOR.shape, after);
  return keysetAfter([`${a}.created_at`, `${a}.id`], [params.micros(us as bigint), params.add(id as string)], 'desc');
}

export function checkTimeRange(since: Date | null | undefined, until: Date | null | undefined): void {
  if (since && until && Instant.microsOf(since) >= Instant.microsOf(until)) {
    throw userInputError(`"since" (${Instant.isoMicros(since)}) must be before "until" (${Instant.isoMicros(until)})`);
  }
}

export function checkList(name: string, values: readonly string[]): void {
  if (values.length > MAX_FILTER_VALUES) throw userInputError(`"${name}" holds ${values.length} values; at most ${MAX_FILTER_VALUES} are allowed`);
}

/** `column in (...)`, or false for an empty list. */
export function inList(column: string, values: readonly string[], params: SqlParams): string {
  return values.length === 0 ? 'false' : `${column} in ${params.list(values)}`;
}

/** The filter as SQL conditions over marts.activities aliased `a` (and-ed by the caller). */
export function activityConditions(filter: ActivityFilter | null | undefined, params: SqlParams, a: string): string[] {
  if (!filter) return [];
  checkTimeRange(filter.since, filter.until);
  const where: string[] = [];
  if (filter.since) where.push(`${a}.created_at >= ${params.time(filter.since)}`);
  if (filter.until) where.push(`${a}.created_at < ${params.time(filter.until)}`);
  const lists: [keyof ActivityFilter, string[] | null | undefined, (values: string[]) => string][] = [
    ['types', filter.types, (v) => inList(`${a}.type`, v, params)],
    ['categories', filter.categories, (v) => inList(`${a}.category`, v, params)],
    ['actorUserIds', filter.actorUserIds, (v) => inList(`${a}.actor_user_id`, v, params)],
    ['actorEmails', filter.actorEmails, (v) => inList(`lower(${a}.actor_email)`, v.map((e) => e.toLowerCase()), params)],
    [
      'organizationIds',
      filter.organizationIds,
      (v) => (v.length === 0 ? 'false' : `(${inList(`${a}.organization_id`, v, params)} or ${inList(`${a}.organization_uuid`, v, params)})`),
    ],
    ['apiKeyIds', filter.apiKeyIds, (v) => inList(`${a}.actor_api_key_id`, v, params)],
  ];
  for (const [name, values, condition] of lists) {
    if (values === null || values === undefined) continue;
    checkList(name, values);
    where.push(condition(values));
  }
  const group = filter.actorInGroup;
  if (group) {
    const groupId = params.add(group.groupId);
    where.push(
      group.asOfEventTime === false
        ? `${a}.actor_user_id in (select m.user_id from marts.group_memberships m where m.group_id = ${groupId} and m.valid_to is null)`
        : // the plain `in` first: it lets DuckDB skip every activity of a user who was never in the group
          // (a semi-join on a few hundred ids) before the as-of check runs per row (22.5 s → 1.3 s over 35 M)
          `${a}.actor_user_id in (select m.user_id from marts.group_memberships m where m.group_id = ${groupId}) and ` +
            `exists (select 1 from marts.group_memberships m where m.group_id = ${groupId} and m.user_id = ${a}.actor_user_id ` +
            `and coalesce(m.valid_from, '-infinity'::timestamptz) <= ${a}.created_at and (m.valid_to is null or ${a}.created_at < m.valid_to))`,
    );
  }
  return where;
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length ? `where ${conditions.join(' and ')}` : '';
}

/** `scope.actorUserId`: only that user's activities (User.activities), on top of the filter. */
export async function listActivities(
  db: Db,
  filter: ActivityFilter | null | undefined,
  page: Page,
  scope: { actorUserId?: string } = {},
): Promise<ActivityConnection> {
  const params = new SqlParams();
  const conditions = activityConditions(filter, params, 'a');
  if (scope.actorUserId !== undefined) conditions.push(`a.actor_user_id = ${params.add(scope.actorUserId)}`);
  const countParams = { ...params.values };
  const countSql = `select count(*) as n from marts.activities a ${whereClause(conditions)}`;
  if (page.after !== null) conditions.push(activityAfter(page.after, params, 'a'));
  const rows = await db.query(
    `select ${activityColumns('a')} from marts.activities a ${whereClause(conditions)} order by a.created_at desc, a.id desc limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    ActivityConnection,
    rows,
    page,
    (row) => Object.assign(new ActivityEdge(), { cursor: activityCursor(row), node: toActivity(row) }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

export async function countActivitiesBy(db: Db, by: TimeBucket, filter: ActivityFilter | null | undefined): Promise<ActivityCount[]> {
  const part = BUCKET_PART[by];
  if (!part) throw userInputError(`"by" must be DAY, WEEK or MONTH`);
  const params = new SqlParams();
  // Whole days of a window-only filter (with types/categories) come from the daily mart (daily-counts.ts).
  const split = await dailySplit(db, TYPE_DAILY, filter, ['since', 'until', 'types', 'categories']);
  // Counted per whole UTC day first (integer division of the microseconds: cheap), then the day rows
  // (about 2 200 over six years) are rolled up into weeks or months: date_trunc on every activity cost
  // 6.7 s of CPU over 35 M rows, the day grouping 0.6 s. `part` comes from the fixed table above, never
  // from the client's text; the connection's time zone is UTC, so the buckets are UTC.
  const days = split
    ? fromDailyTypes(split, filter, params, [], [])
    : `select epoch_us(a.created_at) // ${DAY_US} as day, count(*) as n from marts.activities a ${whereClause(activityConditions(filter, params, 'a'))} group by 1`;
  const rows = await db.query(
    `with days as (${days}) ` +
      `select epoch_us(date_trunc('${part}', to_timestamp(day * 86400))) as bucket_us, sum(n) as n from days ` +
      `group by 1 order by 1 limit ${params.add(MAX_BUCKETS + 1)}`,
    params.values,
  );
  if (rows.length > MAX_BUCKETS) throw userInputError(`more than ${MAX_BUCKETS} buckets; narrow the time range or use a larger bucket`);
  return rows.map((r) => ({ bucket: usToDate(r.bucket_us)!, count: toInt(r.n) }));
}

/** Text a client may search for; longer text is refused rather than sent to a scan. */
export const MAX_TEXT_LENGTH = 1_000;

export function checkText(name: string, value: string): void {
  if (value.length > MAX_TEXT_LENGTH) throw userInputError(`"${name}" is ${value.length} characters long; at most ${MAX_TEXT_LENGTH} are allowed`);
}
