// The SQL over marts.users: one user (a version as of a time, or the latest), the list of users (their
// latest version), and a user's versions. Every client value is a bound parameter; every read is limited.
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { SqlParams, keysetAfter, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkText } from './activity.service.js';
import type { UserFilter } from './user.args.js';
import { User, UserConnection, UserEdge } from './user.type.js';
import type { Row } from './warehouse.js';

/** Versions of one user read at most (a role change a week for ten years stays below it). */
export const MAX_USER_VERSIONS = 1_000;
const CURSOR = { kind: 'user', shape: ['s', 's'] } as const;

/** The columns `toUser` reads, from marts.users aliased `u`, each name prefixed with `prefix`. */
export function userColumns(u: string, prefix = ''): string {
  return [
    `${u}.user_id as ${prefix}user_id`,
    `${u}.organization_uuid as ${prefix}organization_uuid`,
    `${u}.email as ${prefix}email`,
    `${u}.full_name as ${prefix}full_name`,
    `${u}.organization_role as ${prefix}organization_role`,
    `epoch_us(${u}.valid_from) as ${prefix}valid_from_us`,
    `epoch_us(${u}.valid_to) as ${prefix}valid_to_us`,
    `${u}.is_current as ${prefix}is_current`,
    `epoch_us(${u}.removed_at) as ${prefix}removed_at_us`,
    `${u}.removed_at_source as ${prefix}removed_at_source`,
  ].join(', ');
}

/** The user of a row read with `userColumns(..., prefix)`; null when the row joined no user. */
export function toUser(row: Row, prefix = ''): User | null {
  const id = row[`${prefix}user_id`];
  if (id === null || id === undefined) return null;
  return {
    id: String(id),
    organizationUuid: toStringOrNull(row[`${prefix}organization_uuid`]),
    email: toStringOrNull(row[`${prefix}email`]),
    fullName: toStringOrNull(row[`${prefix}full_name`]),
    organizationRole: toStringOrNull(row[`${prefix}organization_role`]),
    validFrom: usToDate(row[`${prefix}valid_from_us`]),
    validTo: usToDate(row[`${prefix}valid_to_us`]),
    isCurrent: Boolean(row[`${prefix}is_current`]),
    removedAt: usToDate(row[`${prefix}removed_at_us`]),
    removedAtSource: toStringOrNull(row[`${prefix}removed_at_source`]),
  };
}

/**
 * The condition "version `u` held at `at`" (a SQL expression: a column or a placeholder). A null valid_from
 * (a version that began before the lake's history) counts as minus infinity, as in the marts.
 */
export function userVersionAt(u: string, at: string): string {
  // Two comparisons, no OR: in a join DuckDB then hashes on the user id and checks these per match; with
  // `valid_to is null or ...` it fell back to a nested-loop join of the page with every user version.
  return `coalesce(${u}.valid_from, '-infinity'::timestamptz) <= ${at} and ${at} < coalesce(${u}.valid_to, 'infinity'::timestamptz)`;
}

export async function getUser(db: Db, id: string, asOf: Date | null | undefined): Promise<User | null> {
  const params = new SqlParams();
  const where = [`u.user_id = ${params.add(id)}`];
  if (asOf) where.push(userVersionAt('u', params.time(asOf)));
  const rows = await db.query(
    `select ${userColumns('u')} from marts.users u where ${where.join(' and ')} order by u.valid_from desc nulls last, u.organization_uuid limit 1`,
    params.values,
  );
  return rows.length ? toUser(rows[0]) : null;
}

export async function listUsers(db: Db, filter: UserFilter | null | undefined, page: Page): Promise<UserConnection> {
  const params = new SqlParams();
  const where: string[] = [];
  if (filter?.emailContains !== null && filter?.emailContains !== undefined) {
    checkText('emailContains', filter.emailContains);
    where.push(
      `exists (select 1 from marts.users e where e.user_id = u.user_id and e.organization_uuid is not distinct from u.organization_uuid ` +
        `and contains(lower(e.email), ${params.add(filter.emailContains.toLowerCase())}))`,
    );
  }
  if (filter?.organizationUuid !== null && filter?.organizationUuid !== undefined) {
    checkText('organizationUuid', filter.organizationUuid);
    where.push(`u.organization_uuid = ${params.add(filter.organizationUuid)}`);
  }
  if (filter?.current !== null && filter?.current !== undefined) where.push(`u.is_current = ${params.add(filter.current)}`);
  const latest =
    `with latest as (select * from marts.users u ` +
    `qualify row_number() over (partition by u.user_id, u.organization_uuid order by u.valid_from desc nulls last) = 1)`;
  const countSql = `${latest} select count(*) as n from latest u ${where.length ? `where ${where.join(' and ')}` : ''}`;
  const countParams = { ...params.values };
  if (page.after !== null) {
    const [id, org] = decodeCursor(CURSOR.kind, CURSOR.shape, page.after);
    where.push(keysetAfter(['u.user_id', `coalesce(u.organization_uuid, '')`], [params.add(id as string), params.add(org as string)], 'asc'));
  }
  const rows = await db.query(
    `${latest} select ${userColumns('u')} from latest u ${where.length ? `where ${where.join(' and ')}` : ''} ` +
      `order by u.user_id, coalesce(u.organization_uuid, '') limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    UserConnection,
    rows,
    page,
    (row) => Object.assign(new UserEdge(), { cursor: encodeCursor(CURSOR.kind, [String(row.user_id), String(row.organization_uuid ?? '')]), node: toUser(row)! }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

/** Every version of the user, oldest first. */
export async function userVersions(db: Db, user: User): Promise<User[]> {
  const params = new SqlParams();
  const rows = await db.query(
    `select ${userColumns('u')} from marts.users u where u.user_id = ${params.add(user.id)} ` +
      `and u.organization_uuid is not distinct from ${params.add(user.organizationUuid)} order by u.valid_from nulls first limit ${params.add(MAX_USER_VERSIONS)}`,
    params.values,
  );
  return rows.map((r) => toUser(r)!);
}
