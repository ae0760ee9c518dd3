// The SQL behind User.membershipHistory: every membership interval of a user, ended ones included.
import type { Db } from './context.js';
import { SqlParams } from './sql-params.js';
import { membershipColumns, toMembership } from './membership.service.js';
import type { GroupMembership } from './membership.type.js';

export async function membershipHistoryOfUser(db: Db, userId: string, first: number): Promise<GroupMembership[]> {
  const params = new SqlParams();
  const rows = await db.query(
    `select ${membershipColumns('m')} from marts.group_memberships m where m.user_id = ${params.add(userId)} ` +
      `order by m.valid_from nulls first, m.group_id limit ${params.add(first)}`,
    params.values,
  );
  return rows.map((r) => toMembership(r));
}
