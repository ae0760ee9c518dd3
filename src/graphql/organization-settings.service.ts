// The SQL over marts.organization_settings: the settings in force at a moment (by organization, then name) and
// the changes in a window (newest first), each version with its predecessor's value. Every client value is a
// bound parameter; every read is limited.
import type { Db } from './context.js';
import { type Page, toConnection } from './connection.type.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { SqlParams, keysetAfter, parseJson, toInt, toStringOrNull, usToDate } from './sql-params.js';
import { checkList, checkTimeRange, inList } from './activity.service.js';
import { type OrganizationSetting, OrganizationSettingConnection, OrganizationSettingEdge } from './organization-settings.type.js';
import type { Row } from './warehouse.js';

const AS_OF_CURSOR = { kind: 'setting', shape: ['s', 's'] } as const;
const CHANGE_CURSOR = { kind: 'setting_change', shape: ['u', 's', 's'] } as const;

/** Every version with its predecessor (lag over the setting's versions): small, so computed whole. */
const VERSIONS = `(select s.*, lag(s.value::varchar) over w as previous_value, (lag(s.valid_from) over w) is not null as has_previous
  from marts.organization_settings s window w as (partition by s.organization_uuid, s.setting_name order by s.valid_from))`;

const COLUMNS =
  's.organization_uuid, s.setting_name, s.setting_type, s.value::varchar as value, s.previous_value, s.has_previous, ' +
  'epoch_us(s.valid_from) as valid_from_us, epoch_us(s.valid_to) as valid_to_us, s.valid_from_source, ' +
  'epoch_us(s.valid_from_earliest) as valid_from_earliest_us, s.is_current';

function toSetting(row: Row): OrganizationSetting {
  return {
    organizationUuid: String(row.organization_uuid),
    name: String(row.setting_name),
    type: toStringOrNull(row.setting_type),
    value: parseJson(row.value),
    previousValue: parseJson(row.previous_value),
    hasPrevious: Boolean(row.has_previous),
    validFrom: usToDate(row.valid_from_us)!,
    validTo: usToDate(row.valid_to_us),
    validFromSource: String(row.valid_from_source),
    validFromEarliest: usToDate(row.valid_from_earliest_us),
    isCurrent: Boolean(row.is_current),
  };
}

function scope(params: SqlParams, organizationUuids: string[] | null | undefined, names: string[] | null | undefined): string[] {
  const where: string[] = [];
  if (organizationUuids !== null && organizationUuids !== undefined) {
    checkList('organizationUuids', organizationUuids);
    where.push(inList('s.organization_uuid', organizationUuids, params));
  }
  if (names !== null && names !== undefined) {
    checkList('names', names);
    where.push(inList('s.setting_name', names, params));
  }
  return where;
}

const clause = (where: readonly string[]) => (where.length ? `where ${where.join(' and ')}` : '');

/** How a listing pages: its order, the keyset condition after a cursor, and the cursor of a row. */
interface SettingsOrder {
  orderBy: string;
  after: (params: SqlParams, cursor: string) => string;
  cursorOf: (row: Row) => string;
}

/** One page of the versions matching `where`, in `order`, with the total over `where` computed on demand. */
async function settingsPage(db: Db, params: SqlParams, where: string[], order: SettingsOrder, page: Page): Promise<OrganizationSettingConnection> {
  const countSql = `select count(*) as n from ${VERSIONS} s ${clause(where)}`;
  const countParams = { ...params.values };
  const pageWhere = page.after === null ? where : [...where, order.after(params, page.after)];
  const rows = await db.query(
    `select ${COLUMNS} from ${VERSIONS} s ${clause(pageWhere)} order by ${order.orderBy} limit ${params.add(page.first + 1)}`,
    params.values,
  );
  return toConnection(
    OrganizationSettingConnection,
    rows,
    page,
    (row) => Object.assign(new OrganizationSettingEdge(), { cursor: order.cursorOf(row), node: toSetting(row) }),
    async () => toInt((await db.query(countSql, countParams))[0]?.n),
  );
}

const AS_OF_ORDER: SettingsOrder = {
  orderBy: 's.organization_uuid, s.setting_name',
  after: (params, cursor) => {
    const [org, name] = decodeCursor(AS_OF_CURSOR.kind, AS_OF_CURSOR.shape, cursor);
    return keysetAfter(['s.organization_uuid', 's.setting_name'], [params.add(org as string), params.add(name as string)], 'asc');
  },
  cursorOf: (row) => encodeCursor(AS_OF_CURSOR.kind, [String(row.organization_uuid), String(row.setting_name)]),
};

const CHANGE_ORDER: SettingsOrder = {
  orderBy: 's.valid_from desc, s.organization_uuid desc, s.setting_name desc',
  after: (params, cursor) => {
    const [us, org, name] = decodeCursor(CHANGE_CURSOR.kind, CHANGE_CURSOR.shape, cursor);
    return keysetAfter(['s.valid_from', 's.organization_uuid', 's.setting_name'], [params.micros(us as bigint), params.add(org as string), params.add(name as string)], 'desc');
  },
  cursorOf: (row) => encodeCursor(CHANGE_CURSOR.kind, [row.valid_from_us as bigint, String(row.organization_uuid), String(row.setting_name)]),
};

export async function settingsAsOf(
  db: Db,
  args: { asOf?: Date | null; organizationUuids?: string[] | null; names?: string[] | null },
  page: Page,
): Promise<OrganizationSettingConnection> {
  const params = new SqlParams();
  const where = scope(params, args.organizationUuids, args.names);
  if (args.asOf) {
    const at = params.time(args.asOf);
    where.push(`s.valid_from <= ${at} and (s.valid_to is null or ${at} < s.valid_to)`);
  } else where.push('s.is_current');
  return settingsPage(db, params, where, AS_OF_ORDER, page);
}

/** Versions that began in [since, until) and replaced an earlier one: the changes the lake saw, newest first. */
export async function settingChanges(
  db: Db,
  args: { since?: Date | null; until?: Date | null; organizationUuids?: string[] | null; names?: string[] | null },
  page: Page,
): Promise<OrganizationSettingConnection> {
  checkTimeRange(args.since, args.until);
  const params = new SqlParams();
  const where = ['s.has_previous', ...scope(params, args.organizationUuids, args.names)];
  if (args.since) where.push(`s.valid_from >= ${params.time(args.since)}`);
  if (args.until) where.push(`s.valid_from < ${params.time(args.until)}`);
  return settingsPage(db, params, where, CHANGE_ORDER, page);
}
