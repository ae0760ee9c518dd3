// The SQL over marts.group_memberships: a user's memberships at a time, a group's members at a time (with
// their user record), and a group's additions and removals. Every client value is a bound parameter;
// every read is limited.
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { userInputError } from './errors.js';
import { SqlParams, keysetAfter, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkTimeRange } from './activity.service.js';
import { toUser, userColumns, userVersionAt } from './user.service.js';
import {
  type GroupMembership,
  GroupMemberConnection,
  GroupMemberEdge,
  MembershipChangeConnection,
  MembershipChangeEdge,
  MembershipChangeKind,
} from './membership.type.js';
import type { Row } from './warehouse.js';

const MEMBER_CURSOR = { kind: 'member', shape: ['s'] } as const;
const CHANGE_CURSOR = { kind: 'change', shape: ['u', 's', 's'] } as const;

/** The columns `toMembership` reads, from marts.group_memberships aliased `m`, names prefixed with `prefix`. */
export function membershipColumns(m: string, prefix = ''): string {
  return [
    `${m}.group_id as ${prefix}group_id`,
    `${m}.user_id as ${prefix}user_id`,
    `epoch_us(${m}.valid_from) as ${prefix}valid_from_us`,
    `${m}.valid_from_source as ${prefix}valid_from_source`,
    `epoch_us(${m}.valid_to) as ${prefix}valid_to_us`,
    `${m}.valid_to_source as ${prefix}valid_to_source`,
    `epoch_us(${m}.valid_to_earliest) as ${prefix}valid_to_earliest_us`,
    `epoch_us(${m}.valid_to_latest) as ${prefix}valid_to_latest_us`,
  ].join(', ');
}

export function toMembership(row: Row, prefix = ''): GroupMembership {
  const validTo = usToDate(row[`${prefix}valid_to_us`]);
  return {
    groupId: String(row[`${prefix}group_id`]),
    userId: String(row[`${prefix}user_id`]),
    validFrom: usToDate(row[`${prefix}valid_from_us`]),
    validFromSource: toStringOrNull(row[`${prefix}valid_from_source`]),
    validTo,
    validToSource: toStringOrNull(row[`${prefix}valid_to_source`]),
    validToEarliest: usToDate(row[`${prefix}valid_to_earliest_us`]),
    validToLatest: usToDate(row[`${prefix}valid_to_latest_us`]),
    isCurrent: validTo === null,
  };
}

/**
 * The condition "membership `m` held at `at`" (a column or a placeholder), or "holds now" without one. A null
 * valid_from (a membership that began before the lake's history) counts as minus infinity, as in the marts.
 */
function heldAt(m: string, at: string | null): string {
  return at === null
    ? `${m}.valid_to is null`
    : `coalesce(${m}.valid_from, '-infinity'::timestamptz) <= ${at} and (${m}.valid_to is null or ${at} < ${m}.valid_to)`;
}

export function checkFirst(first: number, max: number): void {
  if (!Number.isInteger(first) || first < 0) throw userInputError('"first" must be a whole number, 0 or more');
  if (first > max) throw userInputError(`"first" is ${first}; at most ${max} are allowed`);
}

export async function membershipsOfUser(db: Db, userId: string, asOf: Date | null | undefined, first: number): Promise<GroupMembership[]> {
  const params = new SqlParams();
  const at = asOf ? params.time(asOf) : null;
  const rows = await db.query(
    `select ${membershipColumns('m')} from marts.group_memberships m where m.user_id = ${params.add(userId)} and ${heldAt('m', at)} ` +
      `order by m.valid_from desc, m.group_id limit ${params.add(first)}`,
    params.values,
  );
  return rows.map((r) => toMembership(r));
}

export async function groupMembers(db: Db, groupId: string, asOf: Date | null | undefined, page: Page): Promise<GroupMemberConnection> {
  const params = new SqlParams();
  const group = params.add(groupId);
  const at = asOf ? params.time(asOf) : null;
  const held = `select * from marts.group_memberships m where m.group_id = ${group} and ${heldAt('m', at)}`;
  const countSql = `select count(distinct m.user_id) as n from (${held}) m`;
  const countParams = { ...params.values };
  const where = page.after === null ? [] : [keysetAfter(['m.user_id'], [params.add(decodeCursor(MEMBER_CURSOR.kind, MEMBER_CURSOR.shape, page.after)[0] as string)], 'asc')];
  // One membership per user (intervals of one user in one group do not overlap; the latest start wins if
  // a model ever produced two) and one user version: as of `asOf`, else the latest.
  const rows = await db.query(
    `with m as (${held} qualify row_number() over (partition by m.user_id order by m.valid_from desc nulls last) = 1) ` +
      `select ${membershipColumns('m', 'm_')}, ${userColumns('u', 'u_')} from m ` +
      `left join marts.users u on u.user_id = m.user_id${at === null ? '' : ` and ${userVersionAt('u', at)}`} ` +
      `${where.length ? `where ${where.join(' and ')}` : ''} ` +
      `qualify row_number() over (partition by m.user_id order by u.valid_from desc nulls last, u.organization_uuid) = 1 ` +
      `order by m.user_id limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    GroupMemberConnection,
    rows,
    page,
    (row) =>
      Object.assign(new GroupMemberEdge(), {
        cursor: encodeCursor(MEMBER_CURSOR.kind, [String(row.m_user_id)]),
        // A member with no user record yet (the directory lags the feed) still shows, by id.
        node: toUser(row, 'u_') ?? placeholderUser(String(row.m_user_id)),
        membership: toMembership(row, 'm_'),
      }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

export async function membershipChanges(
  db: Db,
  groupId: string,
  since: Date | null | undefined,
  until: Date | null | undefined,
  page: Page,
): Promise<MembershipChangeConnection> {
  checkTimeRange(since, until);
  const params = new SqlParams();
  const group = params.add(groupId);
  const columns = 'group_id, user_id, valid_from, valid_from_source, valid_to, valid_to_source, valid_to_earliest, valid_to_latest';
  const changes =
    `with c as (` +
    `select 'ADDED' as kind, valid_from as at, valid_from_source as source, ${columns} from marts.group_memberships where group_id = ${group} and valid_from is not null ` +
    `union all ` +
    `select 'REMOVED' as kind, valid_to as at, valid_to_source as source, ${columns} from marts.group_memberships where group_id = ${group} and valid_to is not null)`;
  const where: string[] = [];
  if (since) where.push(`c.at >= ${params.time(since)}`);
  if (until) where.push(`c.at < ${params.time(until)}`);
  const countSql = `${changes} select count(*) as n from c ${where.length ? `where ${where.join(' and ')}` : ''}`;
  const countParams = { ...params.values };
  if (page.after !== null) {
    const [us, userId, kind] = decodeCursor(CHANGE_CURSOR.kind, CHANGE_CURSOR.shape, page.after);
    where.push(keysetAfter(['c.at', 'c.user_id', 'c.kind'], [params.micros(us as bigint), params.add(userId as string), params.add(kind as string)], 'desc'));
  }
  const rows = await db.query(
    `${changes} select c.kind, epoch_us(c.at) as at_us, c.source, ${membershipColumns('c', 'm_')}, ${userColumns('u', 'u_')} from c ` +
      `left join marts.users u on u.user_id = c.user_id and coalesce(u.valid_from, '-infinity'::timestamptz) <= c.at ` +
      `${where.length ? `where ${where.join(' and ')}` : ''} ` +
      `qualify row_number() over (partition by c.kind, c.user_id, c.at order by u.valid_from desc nulls last, u.organization_uuid) = 1 ` +
      `order by c.at desc, c.user_id desc, c.kind desc limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    MembershipChangeConnection,
    rows,
    page,
    (row) =>
      Object.assign(new MembershipChangeEdge(), {
        cursor: encodeCursor(CHANGE_CURSOR.kind, [row.at_us as bigint, String(row.m_user_id), String(row.kind)]),
        node: {
          at: usToDate(row.at_us)!,
          kind: row.kind === 'ADDED' ? MembershipChangeKind.ADDED : MembershipChangeKind.REMOVED,
          source: toStringOrNull(row.source),
          userId: String(row.m_user_id),
          user: toUser(row, 'u_'),
          membership: toMembership(row, 'm_'),
        },
      }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

function placeholderUser(id: string) {
  return {
    id,
    organizationUuid: null,
    email: null,
    fullName: null,
    organizationRole: null,
    validFrom: null,
    validTo: null,
    isCurrent: false,
    removedAt: null,
    removedAtSource: null,
  };
}
