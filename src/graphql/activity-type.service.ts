// The SQL over marts.activity_types (a few hundred rows, read whole up to a cap).
import type { Db } from './context.js';
import { SqlParams, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkList, inList } from './activity.service.js';
import type { ActivityType, ActivityTypeFilter } from './activity-type.type.js';

/** Far above the ~500 documented types; unknown types are few. */
export const MAX_ACTIVITY_TYPES = 5_000;

export async function listActivityTypes(db: Db, filter: ActivityTypeFilter | null | undefined): Promise<ActivityType[]> {
  const params = new SqlParams();
  const where: string[] = [];
  if (filter?.categories !== null && filter?.categories !== undefined) {
    checkList('categories', filter.categories);
    where.push(inList('t.category', filter.categories, params));
  }
  if (filter?.known !== null && filter?.known !== undefined) where.push(`t.known = ${params.add(filter.known)}`);
  if (filter?.seen === true) where.push('t.first_seen is not null');
  if (filter?.seen === false) where.push('t.first_seen is null');
  const rows = await db.query(
    `select t.type, t.family, t.category, t.description, t.known, epoch_us(t.first_seen) as first_seen_us, epoch_us(t.last_seen) as last_seen_us, t.activity_count ` +
      `from marts.activity_types t ${where.length ? `where ${where.join(' and ')}` : ''} order by t.type limit ${params.add(MAX_ACTIVITY_TYPES)}`,
    params.values,
  );
  return rows.map((r) => ({
    type: String(r.type),
    family: toStringOrNull(r.family),
    category: toStringOrNull(r.category) ?? 'other',
    description: toStringOrNull(r.description),
    known: Boolean(r.known),
    firstSeen: usToDate(r.first_seen_us),
    lastSeen: usToDate(r.last_seen_us),
    activityCount: toInt(r.activity_count),
  }));
}
