// The SQL behind Query.activity: one activity by id, optionally at a known time (which lets DuckDB skip every
// row group whose created_at range does not hold it, instead of reading every id).
import type { Db } from './context.js';
import { SqlParams } from './sql-params.js';
import { activityColumns, toActivity } from './activity.service.js';
import type { Activity } from './activity.type.js';

export async function getActivity(db: Db, id: string, at: Date | null | undefined): Promise<Activity | null> {
  const params = new SqlParams();
  const where = [`a.id = ${params.add(id)}`];
  if (at) where.push(`a.created_at = ${params.time(at)}`);
  const rows = await db.query(`select ${activityColumns('a')} from marts.activities a where ${where.join(' and ')} limit 1`, params.values);
  return rows.length ? toActivity(rows[0]) : null;
}
