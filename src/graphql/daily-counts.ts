// Counting activities from the daily marts (sql/marts/activity_counts_daily.sql, actor_counts_daily.sql)
// instead of every activity: a window's whole UTC days come from the mart, the part-days at its edges from
// marts.activities. The answers are the same as counting marts.activities (test/graphql-daily-counts.test.ts);
// a 30-day overview reads about 1 700 day rows instead of 1.4 M activities at 100 M (BENCHMARKS.md, issue 13).
import { hasRelation, type Db } from './context.js';
import type { ActivityFilter } from './activity.args.js';
import { checkList, checkTimeRange, inList } from './activity.service.js';
import { Instant } from './scalars.js';
import type { SqlParams } from './sql-params.js';

export const TYPE_DAILY = 'marts.activity_counts_daily';
export const ACTOR_DAILY = 'marts.actor_counts_daily';
const US_PER_DAY = 86_400_000_000n;
/** Microseconds in a UTC day, as SQL text. */
const DAY_US = '86400000000';

/** The filter's fields a daily mart can answer: the window, and for the type mart the types and categories. */
type DailyField = 'since' | 'until' | 'types' | 'categories';

/** A window cut into whole UTC days [from, to) (null: unbounded) and the part-days around them. */
export interface DaySplit {
  from: bigint | null;
  to: bigint | null;
  /** [start, end) in microseconds: the part of the window before `from` and after `to`. */
  edges: [bigint, bigint][];
}

const floorDay = (us: bigint) => us - (((us % US_PER_DAY) + US_PER_DAY) % US_PER_DAY);
const ceilDay = (us: bigint) => (floorDay(us) === us ? us : floorDay(us) + US_PER_DAY);

/** The window's whole days and edges, or null when it holds no whole day (then the activities are counted). */
export function splitDays(since: Date | null | undefined, until: Date | null | undefined): DaySplit | null {
  checkTimeRange(since, until);
  const s = since ? Instant.microsOf(since) : null;
  const u = until ? Instant.microsOf(until) : null;
  const from = s === null ? null : ceilDay(s);
  const to = u === null ? null : floorDay(u);
  if (from !== null && to !== null && from >= to) return null;
  const edges: [bigint, bigint][] = [];
  if (s !== null && from !== null && s < from) edges.push([s, from]);
  if (u !== null && to !== null && to < u) edges.push([to, u]);
  return { from, to, edges };
}

/**
 * The split when `relation` can answer `filter` (only `allowed` fields set, the mart built), else null.
 * Callers then count marts.activities as before.
 */
export async function dailySplit(db: Db, relation: string, filter: ActivityFilter | null | undefined, allowed: readonly DailyField[]): Promise<DaySplit | null> {
  const f = (filter ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(f)) {
    if (value !== null && value !== undefined && !allowed.includes(name as DailyField)) return null;
  }
  const split = splitDays(filter?.since, filter?.until);
  if (!split) return null;
  return (await hasRelation(db, relation)) ? split : null;
}

/** Conditions on the mart's rows `d` (its `day` column) for the split's whole days, and types/categories. */
export function dayConditions(split: DaySplit, filter: ActivityFilter | null | undefined, params: SqlParams, d: string): string[] {
  const where: string[] = [];
  if (split.from !== null) where.push(`${d}.day >= ${params.micros(split.from)}`);
  if (split.to !== null) where.push(`${d}.day < ${params.micros(split.to)}`);
  where.push(...typeConditions(filter, params, d));
  return where;
}

/** The filter's types and categories on `a` (activities or a mart: both name the columns type and category). */
export function typeConditions(filter: ActivityFilter | null | undefined, params: SqlParams, a: string): string[] {
  const where: string[] = [];
  if (filter?.types !== null && filter?.types !== undefined) {
    checkList('types', filter.types);
    where.push(inList(`${a}.type`, filter.types, params));
  }
  if (filter?.categories !== null && filter?.categories !== undefined) {
    checkList('categories', filter.categories);
    where.push(inList(`${a}.category`, filter.categories, params));
  }
  return where;
}

/** One condition per edge on marts.activities `a` (each a plain range, so the scan's zone maps skip the rest). */
export function edgeRanges(split: DaySplit, params: SqlParams, a: string): string[] {
  return split.edges.map(([lo, hi]) => `${a}.created_at >= ${params.micros(lo)} and ${a}.created_at < ${params.micros(hi)}`);
}

export function where(conditions: readonly string[]): string {
  return conditions.length ? `where ${conditions.join(' and ')}` : '';
}

/**
 * Rows (day, ...columns, n) with day the UTC day number: the type mart's whole days and the activities at the
 * window's edges, with the filter's types and categories. `columns` read the type mart's or the activities'
 * columns alike (type, category); `groups` are their grouping.
 */
export function fromDailyTypes(split: DaySplit, filter: ActivityFilter | null | undefined, params: SqlParams, columns: readonly string[], groups: readonly string[]): string {
  const select = columns.map((c) => `, ${c}`).join('');
  const group = groups.map((g) => `, ${g}`).join('');
  const parts = [
    `select epoch_us(d.day) // ${DAY_US} as day${select}, sum(d.activity_count) as n from ${TYPE_DAILY} d ${where(dayConditions(split, filter, params, 'd'))} group by d.day${group}`,
    ...edgeRanges(split, params, 'a').map(
      (range) =>
        `select epoch_us(a.created_at) // ${DAY_US} as day${select}, count(*) as n from marts.activities a ` +
        `${where([range, ...typeConditions(filter, params, 'a')])} group by 1${group}`,
    ),
  ];
  return parts.join(' union all ');
}
