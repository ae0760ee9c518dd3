// The SQL of the headline question: activities whose actor was a member of the group at the time of the
// activity and had been added at most N days before it, each with the membership that held and the
// actor's record from marts.users in effect then (valid_from <= created_at < valid_to).
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { userInputError } from './errors.js';
import { SqlParams, toInt } from './sql-params.js';
import { activityAfter, activityColumns, activityCursor, checkList, checkTimeRange, inList, toActivity } from './activity.service.js';
import { RecentGroupMemberActionConnection, RecentGroupMemberActionEdge } from './admin-action.type.js';
import type { RecentGroupMemberActionsArgs } from './admin-action.args.js';
import { membershipColumns, toMembership } from './membership.service.js';
import { toUser, userColumns, userVersionAt } from './user.service.js';

export const ADMIN_CATEGORY = 'admin';
/** A century: the window is a day count, and anything longer is a mistake. */
export const MAX_ADDED_WITHIN_DAYS = 36_600;
const US_PER_DAY = 86_400_000_000;

export async function recentGroupMemberActions(db: Db, args: RecentGroupMemberActionsArgs, page: Page): Promise<RecentGroupMemberActionConnection> {
  const days = args.addedWithinDays;
  if (!Number.isInteger(days) || days < 0 || days > MAX_ADDED_WITHIN_DAYS) {
    throw userInputError(`"addedWithinDays" must be a whole number from 0 to ${MAX_ADDED_WITHIN_DAYS}`);
  }
  checkTimeRange(args.since, args.until);
  const params = new SqlParams();
  const where: string[] = [];
  // Without `types`, read marts.admin_actions: the admin rows only, already split out by the build (a scan of
  // a few percent of the feed instead of all of it: 231 ms instead of 8.9 s over six years of 35M activities).
  const adminOnly = args.types === null || args.types === undefined;
  if (adminOnly) where.push(`a.category = ${params.add(ADMIN_CATEGORY)}`);
  else {
    checkList('types', args.types!);
    where.push(inList('a.type', args.types!, params));
  }
  if (args.since) where.push(`a.created_at >= ${params.time(args.since)}`);
  if (args.until) where.push(`a.created_at < ${params.time(args.until)}`);
  const joined =
    `from ${adminOnly ? 'marts.admin_actions' : 'marts.activities'} a join marts.group_memberships m on m.group_id = ${params.add(args.groupId)} and m.user_id = a.actor_user_id ` +
    `and m.valid_from <= a.created_at and (m.valid_to is null or a.created_at < m.valid_to) ` +
    `and a.created_at <= m.valid_from + to_days(${params.add(days)})`;
  const countSql = `select count(distinct a.id) as n ${joined} where ${where.join(' and ')}`;
  const countParams = { ...params.values };
  if (page.after !== null) where.push(activityAfter(page.after, params, 'a'));
  // The page is cut before the users join, so only its rows are enriched. One membership per activity
  // (intervals of a user in a group do not overlap; the latest start wins if a model ever produced two),
  // and one user version (the activity's organization first).
  const rows = await db.query(
    `with hits as (` +
      `select ${activityColumns('a')}, a.created_at as ts, ${membershipColumns('m', 'm_')} ${joined} where ${where.join(' and ')} ` +
      `qualify row_number() over (partition by a.id order by m.valid_from desc) = 1 ` +
      `order by a.created_at desc, a.id desc limit ${params.add(page.first + 1)}) ` +
      `select h.*, ${userColumns('u', 'u_')} from hits h ` +
      `left join marts.users u on u.user_id = h.actor_user_id and ${userVersionAt('u', 'h.ts')} ` +
      `qualify row_number() over (partition by h.id order by (u.organization_uuid = h.organization_uuid) desc nulls last, u.valid_from desc nulls last) = 1 ` +
      `order by h.ts desc, h.id desc`,
    params.values,
  );
  return toConnection(
    RecentGroupMemberActionConnection,
    rows,
    page,
    (row) =>
      Object.assign(new RecentGroupMemberActionEdge(), {
        cursor: activityCursor(row),
        node: toActivity(row),
        actor: toUser(row, 'u_'),
        membership: toMembership(row, 'm_'),
        daysSinceAdded: Number((row.created_us as bigint) - (row.m_valid_from_us as bigint)) / US_PER_DAY,
      }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}
