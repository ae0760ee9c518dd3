// The SQL over marts.chats: the chat filter as conditions, pages newest first, the creator's record as of the
// creation, and the counts of Group.chatCount / Group.projectCount. Every client value is a bound parameter;
// every read is limited.
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { SqlParams, keysetAfter, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkList, checkTimeRange, inList } from './activity.service.js';
import type { ChatFilter } from './chat.args.js';
import { type Chat, ChatConnection, ChatEdge } from './chat.type.js';
import { toUser, userColumns } from './user.service.js';
import type { Row } from './warehouse.js';

const CURSOR = { kind: 'chat', shape: ['u', 's'] } as const;

/** The version of marts.users aliased `u` in force for the creator of `c` when `c` was created (`c.created_at`). */
export function creatorAsOfCreation(c: string, u: string): string {
  return (
    `${u}.user_id = ${c}.user_id and ${u}.organization_uuid = ${c}.organization_uuid ` +
    `and coalesce(${u}.valid_from, '-infinity'::timestamptz) <= ${c}.created_at and ${c}.created_at < coalesce(${u}.valid_to, 'infinity'::timestamptz)`
  );
}

/** `c.user_id` was a member of the group at `c.created_at` (or now), over marts.group_memberships. */
export function creatorInGroup(c: string, groupParam: string, asOfCreation: boolean): string {
  if (!asOfCreation) return `${c}.user_id in (select m.user_id from marts.group_memberships m where m.group_id = ${groupParam} and m.valid_to is null)`;
  return (
    `exists (select 1 from marts.group_memberships m where m.group_id = ${groupParam} and m.user_id = ${c}.user_id ` +
    `and coalesce(m.valid_from, '-infinity'::timestamptz) <= ${c}.created_at and (m.valid_to is null or ${c}.created_at < m.valid_to))`
  );
}

function chatConditions(filter: ChatFilter | null | undefined, params: SqlParams): string[] {
  if (!filter) return [];
  checkTimeRange(filter.since, filter.until);
  const where: string[] = [];
  if (filter.since) where.push(`c.created_at >= ${params.time(filter.since)}`);
  if (filter.until) where.push(`c.created_at < ${params.time(filter.until)}`);
  if (filter.userIds !== null && filter.userIds !== undefined) {
    checkList('userIds', filter.userIds);
    where.push(inList('c.user_id', filter.userIds, params));
  }
  if (filter.projectIds !== null && filter.projectIds !== undefined) {
    checkList('projectIds', filter.projectIds);
    where.push(inList('c.project_id', filter.projectIds, params));
  }
  if (filter.deleted !== null && filter.deleted !== undefined) where.push(filter.deleted ? 'c.deleted_at is not null' : 'c.deleted_at is null');
  if (filter.actorInGroup) where.push(creatorInGroup('c', params.add(filter.actorInGroup.groupId), filter.actorInGroup.asOfCreation !== false));
  return where;
}

const CHAT_COLUMNS =
  'c.chat_id, c.name, c.model, c.organization_uuid, c.project_id, c.user_id as chat_user_id, c.user_email, ' +
  'epoch_us(c.created_at) as created_us, epoch_us(c.updated_at) as updated_us, epoch_us(c.deleted_at) as deleted_us';

function toChat(row: Row): Chat {
  return {
    id: String(row.chat_id),
    name: toStringOrNull(row.name),
    model: toStringOrNull(row.model),
    organizationUuid: toStringOrNull(row.organization_uuid),
    projectId: toStringOrNull(row.project_id),
    userId: toStringOrNull(row.chat_user_id),
    userEmail: toStringOrNull(row.user_email),
    createdAt: usToDate(row.created_us)!,
    updatedAt: usToDate(row.updated_us),
    deletedAt: usToDate(row.deleted_us),
    creator: toUser(row, 'creator_'),
  };
}

const where = (conditions: readonly string[]) => (conditions.length ? `where ${conditions.join(' and ')}` : '');

/** `scope`: only one user's chats (User.chats) or one project's (Project.chats), on top of the filter. */
export async function listChats(db: Db, filter: ChatFilter | null | undefined, page: Page, scope: { userId?: string; projectId?: string } = {}): Promise<ChatConnection> {
  const params = new SqlParams();
  const conditions = chatConditions(filter, params);
  if (scope.userId !== undefined) conditions.push(`c.user_id = ${params.add(scope.userId)}`);
  if (scope.projectId !== undefined) conditions.push(`c.project_id = ${params.add(scope.projectId)}`);
  const countSql = `select count(*) as n from marts.chats c ${where(conditions)}`;
  const countParams = { ...params.values };
  if (page.after !== null) {
    const [us, id] = decodeCursor(CURSOR.kind, CURSOR.shape, page.after);
    conditions.push(keysetAfter(['c.created_at', 'c.chat_id'], [params.micros(us as bigint), params.add(id as string)], 'desc'));
  }
  // the page is chosen first, then each chat's creator version is joined (at most one holds at a moment)
  const rows = await db.query(
    `with page as (select * from marts.chats c ${where(conditions)} order by c.created_at desc, c.chat_id desc limit ${params.add(page.first + 1)}) ` +
      `select ${CHAT_COLUMNS}, ${userColumns('u', 'creator_')} from page c left join marts.users u on ${creatorAsOfCreation('c', 'u')} ` +
      `qualify row_number() over (partition by c.chat_id order by u.valid_from desc nulls last) = 1 ` +
      'order by c.created_at desc, c.chat_id desc',
    params.values,
  );
  return toConnection(
    ChatConnection,
    rows,
    page,
    (row) => Object.assign(new ChatEdge(), { cursor: encodeCursor(CURSOR.kind, [row.created_us as bigint, String(row.chat_id)]), node: toChat(row) }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

/**
 * Chats (or projects) created by members of each group while they were members: the creator's membership held at
 * the creation time (a member's chats from before they joined or after they left are not counted). Every group
 * at once, so that a page of groups asking for the count costs one query, not one per group.
 */
export async function countsByMembersWhileMembers(
  db: Db,
  relation: 'chats' | 'projects',
  since: Date | null | undefined,
  until: Date | null | undefined,
): Promise<Map<string, number>> {
  checkTimeRange(since, until);
  const params = new SqlParams();
  const key = relation === 'chats' ? 'c.chat_id' : 'c.project_id';
  const conditions: string[] = [];
  if (since) conditions.push(`c.created_at >= ${params.time(since)}`);
  if (until) conditions.push(`c.created_at < ${params.time(until)}`);
  const rows = await db.query(
    `select m.group_id, count(distinct ${key}) as n from marts.${relation} c join marts.group_memberships m on m.user_id = c.user_id ` +
      `and coalesce(m.valid_from, '-infinity'::timestamptz) <= c.created_at and (m.valid_to is null or c.created_at < m.valid_to) ` +
      `${where(conditions)} group by m.group_id`,
    params.values,
  );
  return new Map(rows.map((r) => [String(r.group_id), toInt(r.n)]));
}
