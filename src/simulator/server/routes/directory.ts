// Directory endpoints: organizations, users, roles and permissions, groups and members (compliance-api.md §2.2).
import {
  DEFAULT_DIRECTORY_PAGE,
  DEFAULT_ORGANIZATION_PAGE,
  MAX_DIRECTORY_PAGE,
  MAX_ORGANIZATION_PAGE,
} from '../../../api/limits.js';
import { MESSAGES, notFound } from '../errors.js';
import type { RouteContext, RouteResult } from '../router.js';
import { tokenPage } from './shared.js';

const PAGED: ReadonlySet<string> = new Set(['limit', 'page']);
const NONE: ReadonlySet<string> = new Set();
const GROUPS: ReadonlySet<string> = new Set(['limit', 'page', 'name_prefix']);

function orgMissing(ctx: RouteContext): never {
  throw notFound(MESSAGES.organizationNotFound(ctx.params.org_uuid));
}

export function listOrganizations(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  const orgs = ctx.tenant.directory.organizations(ctx.nowMs);
  return { body: tokenPage(ctx, orgs, DEFAULT_ORGANIZATION_PAGE, MAX_ORGANIZATION_PAGE) };
}

/** Sorted by organization join date by the tenant (compliance-api.md §2.2). */
export function listUsers(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  const users = ctx.tenant.directory.users(ctx.params.org_uuid, ctx.nowMs) ?? orgMissing(ctx);
  return { body: tokenPage(ctx, users, DEFAULT_DIRECTORY_PAGE, MAX_DIRECTORY_PAGE) };
}

/** One object, not a list; the parent itself, unknown ids and a disabled endpoint are all the same 404 (compliance-api.md §2.2 item 7). */
export function getOrganizationSettings(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const value = ctx.params.organization_id;
  const settings = ctx.tenant.directory.organizationSettings(value, ctx.nowMs);
  if (!settings) throw notFound(MESSAGES.settingsOrganizationNotFound(value));
  return { body: settings };
}

export function listRoles(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  const roles = ctx.tenant.directory.roles(ctx.params.org_uuid, ctx.nowMs) ?? orgMissing(ctx);
  return { body: tokenPage(ctx, roles, DEFAULT_DIRECTORY_PAGE, MAX_DIRECTORY_PAGE) };
}

export function getRole(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const roles = ctx.tenant.directory.roles(ctx.params.org_uuid, ctx.nowMs) ?? orgMissing(ctx);
  const role = roles.find((r) => r.id === ctx.params.role_id);
  if (!role) throw notFound(MESSAGES.roleNotFound);
  return { body: role };
}

export function listRolePermissions(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  const { org_uuid, role_id } = ctx.params;
  if (!ctx.tenant.directory.roles(org_uuid, ctx.nowMs)) orgMissing(ctx);
  const permissions = ctx.tenant.directory.rolePermissions(org_uuid, role_id, ctx.nowMs);
  if (!permissions) throw notFound(MESSAGES.roleNotFound);
  return { body: tokenPage(ctx, permissions, DEFAULT_DIRECTORY_PAGE, MAX_DIRECTORY_PAGE) };
}

export function listGroups(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(GROUPS);
  const prefix = ctx.query.one('name_prefix');
  let groups = ctx.tenant.directory.groups(ctx.nowMs);
  if (prefix !== undefined) groups = groups.filter((g) => g.name.startsWith(prefix));
  return { body: tokenPage(ctx, groups, DEFAULT_DIRECTORY_PAGE, MAX_DIRECTORY_PAGE) };
}

export function getGroup(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(NONE);
  const group = ctx.tenant.directory.groups(ctx.nowMs).find((g) => g.id === ctx.params.group_id);
  if (!group) throw notFound(MESSAGES.groupNotFound);
  return { body: group };
}

export function listGroupMembers(ctx: RouteContext): RouteResult {
  ctx.query.allowOnly(PAGED);
  const members = ctx.tenant.directory.groupMembers(ctx.params.group_id, ctx.nowMs);
  if (!members) throw notFound(MESSAGES.groupNotFound);
  return { body: tokenPage(ctx, members, DEFAULT_DIRECTORY_PAGE, MAX_DIRECTORY_PAGE) };
}
