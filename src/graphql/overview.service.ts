// The SQL behind the overview queries over marts.activities: counts per bucket and category, top types, top
// actors. The filter is the one of Query.activities (activityConditions); every client value is a parameter.
// A filter of only a window (and types/categories for the counts and top types) is answered from the daily
// marts for its whole days (daily-counts.ts); any other filter counts marts.activities.
import type { Db } from './context.js';
import { userInputError } from './errors.js';
import { SqlParams, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { MAX_BUCKETS, activityConditions } from './activity.service.js';
import type { ActivityFilter } from './activity.args.js';
import { TimeBucket } from './activity.type.js';
import { MAX_TOP } from './overview.args.js';
import type { ActorCount, CategoryCount, TypeCount } from './overview.type.js';
import { ACTOR_DAILY, TYPE_DAILY, dailySplit, dayConditions, edgeRanges, fromDailyTypes, where } from './daily-counts.js';

/** Microseconds in a UTC day. */
const DAY_US = 86_400_000_000;
/** Categories of the catalog plus "other": what one bucket may hold at most (activity-categories.md). */
const MAX_CATEGORIES = 16;
const BUCKET_PART: Record<TimeBucket, string> = { [TimeBucket.DAY]: 'day', [TimeBucket.WEEK]: 'week', [TimeBucket.MONTH]: 'month' };

function whereClause(conditions: readonly string[]): string {
  return conditions.length ? `where ${conditions.join(' and ')}` : '';
}

function checkTop(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_TOP) throw userInputError(`"first" must be between 1 and ${MAX_TOP}`);
}

export async function countActivitiesByCategory(db: Db, by: TimeBucket, filter: ActivityFilter | null | undefined): Promise<CategoryCount[]> {
  const part = BUCKET_PART[by];
  if (!part) throw userInputError(`"by" must be DAY, WEEK or MONTH`);
  const params = new SqlParams();
  const limit = MAX_BUCKETS * MAX_CATEGORIES;
  const split = await dailySplit(db, TYPE_DAILY, filter, ['since', 'until', 'types', 'categories']);
  // As activityCounts: whole UTC days by integer division first (cheap), then rolled up; `part` comes from
  // the fixed table above, never from the client's text.
  const days = split
    ? fromDailyTypes(split, filter, params, [`coalesce(category, 'other') as category`], ['category'])
    : `select epoch_us(a.created_at) // ${DAY_US} as day, coalesce(a.category, 'other') as category, count(*) as n ` +
      `from marts.activities a ${whereClause(activityConditions(filter, params, 'a'))} group by 1, 2`;
  const rows = await db.query(
    `with days as (${days}) ` +
      `select epoch_us(date_trunc('${part}', to_timestamp(day * 86400))) as bucket_us, category, sum(n) as n from days ` +
      `group by 1, 2 order by 1, 2 limit ${params.add(limit + 1)}`,
    params.values,
  );
  if (rows.length > limit) throw userInputError(`too many buckets; narrow the time range or use a larger bucket`);
  return rows.map((r) => ({ bucket: usToDate(r.bucket_us)!, category: String(r.category), count: toInt(r.n) }));
}

export async function topActivityTypes(db: Db, first: number, filter: ActivityFilter | null | undefined): Promise<TypeCount[]> {
  checkTop(first);
  const params = new SqlParams();
  const split = await dailySplit(db, TYPE_DAILY, filter, ['since', 'until', 'types', 'categories']);
  const rows = await db.query(
    split
      ? `select a.type, any_value(a.category) as category, sum(a.n) as n ` +
          `from (${fromDailyTypes(split, filter, params, ['type', `coalesce(category, 'other') as category`], ['type', 'category'])}) a ` +
          `group by a.type order by n desc, a.type limit ${params.add(first)}`
      : `select a.type, any_value(coalesce(a.category, 'other')) as category, count(*) as n from marts.activities a ${whereClause(activityConditions(filter, params, 'a'))} ` +
          `group by a.type order by n desc, a.type limit ${params.add(first)}`,
    params.values,
  );
  return rows.map((r) => ({ type: String(r.type), category: String(r.category), count: toInt(r.n) }));
}

export async function topActors(db: Db, first: number, filter: ActivityFilter | null | undefined): Promise<ActorCount[]> {
  checkTop(first);
  const params = new SqlParams();
  const split = await dailySplit(db, ACTOR_DAILY, filter, ['since', 'until']);
  const order = `order by n desc, user_id nulls last, api_key_id nulls last, email_key nulls last limit ${params.add(first)}`;
  // One actor: the user id; without it the API key; without both the email (failed sign-ins name only that).
  const actorKeys =
    `a.actor_user_id as user_id, case when a.actor_user_id is null then a.actor_api_key_id end as api_key_id, ` +
    `case when a.actor_user_id is null and a.actor_api_key_id is null then lower(a.actor_email) end as email_key`;
  let sql: string;
  if (split) {
    // arg_max skips null values, so the latest email over day rows is arg_max(email, email_at), email_at being
    // the time of the day's latest activity that had one (sql/marts/actor_counts_daily.sql); likewise the type.
    const parts = [
      `select user_id, api_key_id, email_key, email, email_at, actor_type, actor_type_at, activity_count as n from ${ACTOR_DAILY} d ${where(dayConditions(split, null, params, 'd'))}`,
      ...edgeRanges(split, params, 'a').map(
        (range) =>
          `select ${actorKeys}, arg_max(a.actor_email, a.created_at) as email, max(a.created_at) filter (where a.actor_email is not null) as email_at, ` +
          `arg_max(a.actor_type, a.created_at) as actor_type, max(a.created_at) filter (where a.actor_type is not null) as actor_type_at, count(*) as n ` +
          `from marts.activities a where ${range} group by 1, 2, 3`,
      ),
    ];
    sql =
      `with parts as (${parts.join(' union all ')}) ` +
      `select user_id, api_key_id, email_key, arg_max(email, email_at) as email, arg_max(actor_type, actor_type_at) as actor_type, sum(n) as n ` +
      `from parts group by 1, 2, 3 ${order}`;
  } else {
    sql =
      `select ${actorKeys}, arg_max(a.actor_email, a.created_at) as email, arg_max(a.actor_type, a.created_at) as actor_type, count(*) as n ` +
      `from marts.activities a ${whereClause(activityConditions(filter, params, 'a'))} group by 1, 2, 3 ${order}`;
  }
  const rows = await db.query(sql, params.values);
  return rows.map((r) => ({
    type: toStringOrNull(r.actor_type),
    userId: toStringOrNull(r.user_id),
    apiKeyId: toStringOrNull(r.api_key_id),
    email: toStringOrNull(r.email),
    count: toInt(r.n),
  }));
}

