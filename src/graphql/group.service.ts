// The SQL over marts.groups: one group and the list of groups. Every client value is a bound parameter;
// every read is limited.
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { SqlParams, keysetAfter, parseJson, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkText } from './activity.service.js';
import type { GroupFilter } from './group.args.js';
import { type Group, GroupConnection, GroupEdge } from './group.type.js';
import type { Row } from './warehouse.js';

const CURSOR = { kind: 'group', shape: ['s'] } as const;

const GROUP_COLUMNS =
  'g.group_id, g.name, g.description, g.source_type, g.roles::varchar as roles, epoch_us(g.first_seen) as first_seen_us, epoch_us(g.last_seen) as last_seen_us, g.is_current';

function toGroup(row: Row): Group {
  return {
    id: String(row.group_id),
    name: toStringOrNull(row.name),
    description: toStringOrNull(row.description),
    sourceType: toStringOrNull(row.source_type),
    roles: parseJson(row.roles),
    firstSeen: usToDate(row.first_seen_us),
    lastSeen: usToDate(row.last_seen_us),
    isCurrent: Boolean(row.is_current),
  };
}

export async function getGroup(db: Db, id: string): Promise<Group | null> {
  const params = new SqlParams();
  const rows = await db.query(`select ${GROUP_COLUMNS} from marts.groups g where g.group_id = ${params.add(id)} order by g.last_seen desc nulls last limit 1`, params.values);
  return rows.length ? toGroup(rows[0]) : null;
}

export async function listGroups(db: Db, filter: GroupFilter | null | undefined, page: Page): Promise<GroupConnection> {
  const params = new SqlParams();
  const where: string[] = [];
  if (filter?.nameContains !== null && filter?.nameContains !== undefined) {
    checkText('nameContains', filter.nameContains);
    where.push(`contains(lower(g.name), ${params.add(filter.nameContains.toLowerCase())})`);
  }
  if (filter?.current !== null && filter?.current !== undefined) where.push(`g.is_current = ${params.add(filter.current)}`);
  const countSql = `select count(*) as n from marts.groups g ${where.length ? `where ${where.join(' and ')}` : ''}`;
  const countParams = { ...params.values };
  if (page.after !== null) {
    const [id] = decodeCursor(CURSOR.kind, CURSOR.shape, page.after);
    where.push(keysetAfter(['g.group_id'], [params.add(id as string)], 'asc'));
  }
  const rows = await db.query(
    `select ${GROUP_COLUMNS} from marts.groups g ${where.length ? `where ${where.join(' and ')}` : ''} order by g.group_id limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    GroupConnection,
    rows,
    page,
    (row) => Object.assign(new GroupEdge(), { cursor: encodeCursor(CURSOR.kind, [String(row.group_id)]), node: toGroup(row) }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}
