// The SQL over marts.roles, marts.role_permissions, marts.role_assignments, marts.group_memberships and
// marts.users: the roles as of a moment, a role's permissions and holders then, and a user's roles then.
// Every client value is a bound parameter; every read is limited.
import type { Db } from './context.js';
import { userInputError } from './errors.js';
import { checkText } from './activity.service.js';
import { SqlParams, toStringOrNull, usToDate } from './sql-params.js';
import { Role, RoleMember, RolePermission } from './role.type.js';
import { toUser, userColumns } from './user.service.js';
import type { Row } from './warehouse.js';

/** Roles returned at most by one list (organizations × (custom roles + built-in roles) stays far below it). */
export const MAX_ROLES = 1_000;
/** Permissions of one role returned at most. */
export const MAX_PERMISSIONS = 1_000;
const MAX_IDS = 100;
const KINDS = ['rbac', 'builtin'];

/**
 * "Row `a` held at `at`" (a placeholder), or "holds now" without a time. A null valid_from (before the lake's
 * history) counts as minus infinity, as in the marts.
 */
function heldAt(a: string, at: string | null): string {
  if (at === null) return `${a}.valid_to is null`;
  return `coalesce(${a}.valid_from, '-infinity'::timestamptz) <= ${at} and (${a}.valid_to is null or ${at} < ${a}.valid_to)`;
}

function toRole(row: Row, asOf: Date | null): Role {
  return {
    id: String(row.id),
    kind: String(row.kind),
    organizationUuid: toStringOrNull(row.organization_uuid),
    name: toStringOrNull(row.name),
    description: toStringOrNull(row.description),
    asOf,
  };
}

export async function listRoles(db: Db, asOf: Date | null, ids: readonly string[] | null | undefined, kind: string | null | undefined): Promise<Role[]> {
  const params = new SqlParams();
  const at = asOf ? params.time(asOf) : null;
  const where: string[] = [];
  if (ids !== null && ids !== undefined) {
    if (ids.length === 0 || ids.length > MAX_IDS) throw userInputError(`"ids" must name between 1 and ${MAX_IDS} roles; got ${ids.length}`);
    for (const id of ids) checkText('ids', id);
    where.push(`x.id in ${params.list(ids)}`);
  }
  if (kind !== null && kind !== undefined) {
    if (!KINDS.includes(kind)) throw userInputError(`"kind" must be one of ${KINDS.join(', ')}; got "${kind.slice(0, 40)}"`);
    where.push(`x.kind = ${params.add(kind)}`);
  }
  const rows = await db.query(
    `with rbac as (
       select r.role_id as id, 'rbac' as kind, r.organization_uuid, r.name, r.description from marts.roles r where ${heldAt('r', at)}
     ),
     builtin as (
       select distinct u.organization_role as id, 'builtin' as kind, u.organization_uuid, u.organization_role as name, cast(null as varchar) as description
       from marts.users u where ${heldAt('u', at)} and u.organization_role is not null
     )
     select * from (select * from rbac union all select * from builtin) as x
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by x.kind desc, x.organization_uuid, x.id limit ${params.add(MAX_ROLES)}`,
    params.values,
  );
  return rows.map((r) => toRole(r, asOf));
}

/** The roles a user held at asOf: their built-in organization role, and the RBAC roles of their groups (or assigned to them). */
export async function rolesOfUser(db: Db, userId: string, asOf: Date | null): Promise<Role[]> {
  const params = new SqlParams();
  const at = asOf ? params.time(asOf) : null;
  const user = params.add(userId);
  const rows = await db.query(
    `with builtin as (
       select u.organization_role as id, 'builtin' as kind, u.organization_uuid, u.organization_role as name, cast(null as varchar) as description
       from marts.users u where u.user_id = ${user} and ${heldAt('u', at)} and u.organization_role is not null
     ),
     held as (
       select a.role_id, a.organization_uuid
       from marts.role_assignments a
       inner join marts.group_memberships m on m.group_id = a.principal_id
       where a.role_kind = 'rbac' and a.principal_type = 'group' and ${heldAt('a', at)} and m.user_id = ${user} and ${heldAt('m', at)}
       union
       select a.role_id, a.organization_uuid
       from marts.role_assignments a
       where a.role_kind = 'rbac' and a.principal_type = 'user' and a.principal_id = ${user} and ${heldAt('a', at)}
     ),
     rbac as (
       select h.role_id as id, 'rbac' as kind, coalesce(r.organization_uuid, h.organization_uuid) as organization_uuid, r.name, r.description
       from held h left join marts.roles r on r.role_id = h.role_id and ${heldAt('r', at)}
     )
     select * from (select * from rbac union all select * from builtin) as x
     order by x.kind desc, x.organization_uuid, x.id limit ${params.add(MAX_ROLES)}`,
    params.values,
  );
  return rows.map((r) => toRole(r, asOf));
}

/** The permissions an RBAC role granted at the role's asOf (a built-in role's are not in the API). */
export async function rolePermissions(db: Db, role: Role): Promise<RolePermission[]> {
  if (role.kind !== 'rbac') return [];
  const params = new SqlParams();
  const at = role.asOf ? params.time(role.asOf) : null;
  const rows = await db.query(
    `select p.action, p.resource_type, p.resource_id, epoch_us(p.valid_from) as valid_from_us, p.valid_from_source, epoch_us(p.valid_to) as valid_to_us
     from marts.role_permissions p where p.role_id = ${params.add(role.id)} and ${heldAt('p', at)}
     order by p.action, p.resource_type, p.resource_id limit ${params.add(MAX_PERMISSIONS)}`,
    params.values,
  );
  return rows.map((r) => ({
    action: String(r.action),
    resourceType: toStringOrNull(r.resource_type),
    resourceId: toStringOrNull(r.resource_id),
    validFrom: usToDate(r.valid_from_us),
    validFromSource: toStringOrNull(r.valid_from_source),
    validTo: usToDate(r.valid_to_us),
  }));
}

/** Who held the role at its asOf, by user id: for an RBAC role through a group (or directly), for a built-in one by their record. */
export async function roleMembers(db: Db, role: Role, first: number): Promise<RoleMember[]> {
  const params = new SqlParams();
  const at = role.asOf ? params.time(role.asOf) : null;
  const roleId = params.add(role.id);
  const org = params.add(role.organizationUuid ?? '');
  const holders =
    role.kind === 'rbac'
      ? `with grants as (
           select a.principal_type, a.principal_id, a.valid_from from marts.role_assignments a
           where a.role_kind = 'rbac' and a.role_id = ${roleId} and ${heldAt('a', at)}
         ),
         holders as (
           -- null starts are minus infinity: greatest() ignores them, so the later known start wins
           select m.user_id, 'group' as via, g.principal_id as group_id, greatest(g.valid_from, m.valid_from) as since
           from grants g join marts.group_memberships m on g.principal_type = 'group' and m.group_id = g.principal_id and ${heldAt('m', at)}
           union all
           select g.principal_id as user_id, 'direct' as via, cast(null as varchar) as group_id, g.valid_from as since
           from grants g where g.principal_type = 'user'
         ),
         one as (select * from holders qualify row_number() over (partition by user_id order by since nulls first, group_id) = 1)`
      : `with one as (
           select u.user_id, 'builtin' as via, cast(null as varchar) as group_id, a.valid_from as since
           from marts.users u
           left join marts.role_assignments a
             on a.role_kind = 'builtin' and a.principal_id = u.user_id and a.role_id = u.organization_role
             and a.organization_uuid = u.organization_uuid and ${heldAt('a', at)}
           where u.organization_role = ${roleId} and coalesce(u.organization_uuid, '') = ${org} and ${heldAt('u', at)}
         )`;
  const rows = await db.query(
    `${holders}
     select h.user_id as member_id, h.via, h.group_id, epoch_us(h.since) as since_us, ${userColumns('u', 'u_')}
     from one h left join marts.users u on u.user_id = h.user_id and ${heldAt('u', at)}
     qualify row_number() over (partition by h.user_id order by (coalesce(u.organization_uuid, '') = ${org}) desc, u.organization_uuid) = 1
     order by h.user_id limit ${params.add(first)}`,
    params.values,
  );
  return rows.map((r) => ({
    userId: String(r.member_id),
    user: toUser(r, 'u_'),
    via: String(r.via),
    groupId: toStringOrNull(r.group_id),
    since: usToDate(r.since_us),
  }));
}
