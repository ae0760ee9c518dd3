// The tenant's directory history (organizations, users, roles, groups, memberships) and the feed events
// that record every change at exactly the time it happened. The endpoints show only the state at a moment.
import type { Actor, Group, GroupMember, Organization, OrganizationRole, OrganizationUser, Role, RolePermission } from '../../api/types.js';
import type { Directory, MembershipInterval } from '../model.js';
import type { TenantShape } from './options.js';
import { adminApiKeyActor, personName, scimActor, userActor } from './people.js';
import { Rng, entityId, hash32, uuid } from './random.js';
import { DAY, HOUR, MINUTE, directoryTime, iso } from './time.js';

/** A feed event known from the timeline; the feed gives it an id and an indexing delay. */
export interface TimelineEvent {
  ms: number;
  orgIndex: number | null;
  actor: Actor;
  type: string;
  fields: Record<string, unknown>;
}

export interface SimOrg {
  uuid: string;
  tagged: string;
  name: string;
  createdMs: number;
  kind: 'claude_ai' | 'console';
  /** The attack scenarios' organization (scenarios.ts): the everyday generators leave it alone. */
  scripted?: boolean;
}

export interface SimUser {
  index: number;
  id: string;
  email: string;
  fullName: string;
  orgIndex: number;
  /**
   * When the account was created: the users endpoint's created_at (compliance-api.md §2.2). An account often
   * predates joining this organization (by minutes for an invite, by years for someone who used Claude
   * elsewhere first), so it is no evidence of membership.
   */
  accountCreatedMs: number;
  /** Joined the organization (the scim_user_created / org_user_invite_accepted event's time). */
  joinedMs: number;
  /** Removed from the organization at this time (Infinity while a member). */
  leftMs: number;
  /** Role changes in time order; the first entry holds from joinedMs. */
  roles: { fromMs: number; role: OrganizationRole }[];
  /** A person of an attack scenario (scenarios.ts): the everyday generators never pick them. */
  scripted?: boolean;
}

export interface SimGroup {
  id: string;
  name: string;
  description: string;
  sourceType: 'direct' | 'scim';
  createdMs: number;
  /** The roles it held when created. */
  roleIds: string[];
  /** Every role it held and when ([fromMs, toMs), toMs Infinity while held): its `roles` at a moment. */
  roleGrants: SimGrant<string>[];
  /** Times at which membership changed (for updated_at). */
  changes: number[];
}

/** Something held over [fromMs, toMs); toMs is Infinity while it holds. */
export interface SimGrant<T> {
  value: T;
  fromMs: number;
  toMs: number;
}

export interface SimMembership {
  groupId: string;
  userIndex: number;
  fromMs: number;
  /** Infinity while current. */
  toMs: number;
}

export interface SimRole {
  id: string;
  orgIndex: number;
  name: string;
  description: string;
  createdMs: number;
  /** The permissions it had when created. */
  permissions: RolePermission[];
  /** Every permission it granted and when: its role_permissions at a moment. */
  permissionGrants: SimGrant<RolePermission>[];
}

const holds = (g: { fromMs: number; toMs: number }, ms: number) => g.fromMs <= ms && ms < g.toMs;
const samePermission = (a: RolePermission, b: RolePermission) => a.action === b.action && a.resource_type === b.resource_type && a.resource_id === b.resource_id;
/** Actions an rbac_role_permission_added / _removed event toggles. */
const TOGGLED_ACTIONS = ['view_analytics', 'read_usage', 'manage_projects', 'export_data'];

const ORG_NAMES = ['Acme Corp', 'Acme Research', 'Acme Platform', 'Acme Labs', 'Acme Legal', 'Acme Europe'];
const GROUP_NAMES = ['Security Admins', 'Engineering', 'Legal', 'Finance', 'Data Science', 'Support', 'Sales', 'Design', 'IT Operations', 'Research', 'Marketing', 'People Ops'];
const ROLE_NAMES: [string, string, string][] = [
  ['Claude Code Users', 'May use Claude Code', 'claude_code'],
  ['Project Managers', 'Create and share projects', 'manage_projects'],
  ['Connector Admins', 'Manage MCP connectors', 'manage_connectors'],
  ['Analytics Viewers', 'View usage analytics', 'view_analytics'],
];
const ADMIN_ROLES: ReadonlySet<string> = new Set(['primary_owner', 'owner', 'admin']);

export const ADMIN_ACTION_TYPES = [
  'claude_organization_settings_updated',
  'org_sso_toggled',
  'org_sso_provisioning_mode_changed',
  'api_key_created',
  'admin_api_key_created',
  'audit_log_export_started',
  'org_data_export_started',
  'rbac_role_assigned',
  'rbac_role_permission_added',
  'org_compliance_api_settings_updated',
  'org_domain_verified',
  'org_ip_restriction_created',
  'org_invite_link_generated',
  'group_updated',
] as const;

export class DirectoryTimeline {
  readonly parentOrganizationUuid: string;
  readonly orgs: SimOrg[] = [];
  readonly users: SimUser[] = [];
  readonly groups: SimGroup[] = [];
  readonly roles: SimRole[] = [];
  readonly memberships: SimMembership[] = [];
  readonly events: TimelineEvent[] = [];
  readonly scimDirectoryId: string;
  readonly adminApiKeyId: string;
  private readonly usersByOrg: SimUser[][] = [];
  private readonly membershipsByGroup = new Map<string, SimMembership[]>();
  private readonly groupById = new Map<string, SimGroup>();

  constructor(private readonly shape: TenantShape) {
    const rng = new Rng(hash32(shape.seed, 1));
    this.parentOrganizationUuid = uuid(rng);
    this.scimDirectoryId = entityId('directory', rng);
    this.adminApiKeyId = entityId('apikey', rng);
    this.buildOrganizations(rng);
    this.buildUsers(new Rng(hash32(shape.seed, 2)));
    this.buildRoleChanges(new Rng(hash32(shape.seed, 3)));
    this.buildRoles(new Rng(hash32(shape.seed, 4)));
    this.buildGroups(new Rng(hash32(shape.seed, 5)));
    this.buildAdminActions(new Rng(hash32(shape.seed, 6)));
    this.events.sort((a, b) => a.ms - b.ms);
  }

  // ---- queries used by the content and background generators ------------------------------------

  isActive(u: SimUser, ms: number): boolean {
    return u.joinedMs <= ms && ms < u.leftMs;
  }

  roleAt(u: SimUser, ms: number): OrganizationRole {
    let role = u.roles[0].role;
    for (const r of u.roles) if (r.fromMs <= ms) role = r.role;
    return role;
  }

  /** A random member active at `ms` (optionally of one org and matching a predicate), by rejection sampling. */
  pickActiveUser(rng: Rng, ms: number, orgIndex?: number, accept?: (u: SimUser) => boolean): SimUser | undefined {
    const pool = orgIndex === undefined ? this.users : this.usersByOrg[orgIndex];
    if (!pool || pool.length === 0) return undefined;
    for (let attempt = 0; attempt < 64; attempt++) {
      const u = pool[rng.int(pool.length)];
      if (this.isActive(u, ms) && !u.scripted && (!accept || accept(u))) return u;
    }
    return pool.find((u) => this.isActive(u, ms) && !u.scripted && (!accept || accept(u)));
  }

  pickAdmin(rng: Rng, ms: number, orgIndex: number): SimUser | undefined {
    return this.pickActiveUser(rng, ms, orgIndex, (u) => ADMIN_ROLES.has(this.roleAt(u, ms)));
  }

  // One actor object per user, shared by all of their activities (records are never mutated): the
  // feed builds thousands per page.
  private readonly actors = new Map<string, Actor>();

  actorFor(u: SimUser): Actor {
    let actor = this.actors.get(u.id);
    if (!actor) this.actors.set(u.id, (actor = userActor(this.shape.seed, u)));
    return actor;
  }

  // ---- additions by the attack scenarios (scenarios.ts) -------------------------------------------

  addOrganizationSlot(): void {
    this.usersByOrg.push([]);
  }

  addScriptedUser(u: SimUser): void {
    this.users.push(u);
    this.usersByOrg[u.orgIndex].push(u);
  }

  addScriptedGroup(g: SimGroup): void {
    this.groups.push(g);
    this.groupById.set(g.id, g);
    this.membershipsByGroup.set(g.id, []);
  }

    addScriptedMembership(m: SimMembership): void {
    this.addMembership(m);
    this.groupById.get(m.groupId)!.changes.push(m.fromMs);
  }

  // ---- Directory (the endpoints' view at a moment) ------------------------------------------------

  organizations(nowMs: number): Organization[] {
    const style = this.shape.timestampStyle;
    return this.orgs
      .filter((o) => o.createdMs <= nowMs)
      .sort((a, b) => a.createdMs - b.createdMs)
      .map((o) => ({ uuid: o.uuid, name: o.name, created_at: directoryTime(o.createdMs, style, 'plus-offset') }));
  }

  private orgIndexOf(orgUuid: string, nowMs: number): number | undefined {
    const i = this.orgs.findIndex((o) => o.uuid === orgUuid);
    return i >= 0 && this.orgs[i].createdMs <= nowMs ? i : undefined;
  }

  users_(orgUuid: string, nowMs: number): SimUser[] | undefined {
    const i = this.orgIndexOf(orgUuid, nowMs);
    if (i === undefined) return undefined;
    return this.usersByOrg[i].filter((u) => this.isActive(u, nowMs));
  }

  // `users` is both the field of all users and the endpoint; the endpoint view is below.
  usersOf(orgUuid: string, nowMs: number): OrganizationUser[] | undefined {
    return this.users_(orgUuid, nowMs)?.map((u) => ({
      id: u.id,
      created_at: iso(u.accountCreatedMs),
      email: u.email,
      full_name: u.fullName,
      organization_role: this.roleAt(u, nowMs),
    }));
  }

  roles_(orgUuid: string, nowMs: number): Role[] | undefined {
    const i = this.orgIndexOf(orgUuid, nowMs);
    if (i === undefined) return undefined;
    const style = this.shape.timestampStyle;
    return this.roles
      .filter((r) => r.orgIndex === i && r.createdMs <= nowMs)
      .map((r) => ({
        id: r.id,
        name: r.name,
        description: r.description,
        created_at: directoryTime(r.createdMs, style, 'no-offset'),
        updated_at: directoryTime(r.createdMs, style, 'no-offset'),
      }));
  }

  rolePermissions(orgUuid: string, roleId: string, nowMs: number): RolePermission[] | undefined {
    const i = this.orgIndexOf(orgUuid, nowMs);
    if (i === undefined) return undefined;
    const role = this.roles.find((r) => r.id === roleId && r.orgIndex === i && r.createdMs <= nowMs);
    return role?.permissionGrants.filter((g) => holds(g, nowMs)).map((g) => ({ ...g.value }));
  }

  groups_(nowMs: number): Group[] {
    const style = this.shape.timestampStyle;
    return this.groups
      .filter((g) => g.createdMs <= nowMs)
      .map((g) => {
        let updated = g.createdMs;
        for (const c of g.changes) if (c <= nowMs) updated = Math.max(updated, c);
        const roles = g.roleGrants.filter((r) => holds(r, nowMs)).map((r) => r.value);
        return {
          id: g.id,
          name: g.name,
          description: g.description,
          roles: roles.length ? roles : null,
          source_type: g.sourceType,
          created_at: directoryTime(g.createdMs, style, 'no-offset'),
          updated_at: directoryTime(updated, style, 'no-offset'),
        };
      });
  }

  groupMembers(groupId: string, nowMs: number): GroupMember[] | undefined {
    const g = this.groupById.get(groupId);
    if (!g || g.createdMs > nowMs) return undefined;
    const style = this.shape.timestampStyle;
    return (this.membershipsByGroup.get(groupId) ?? [])
      .filter((m) => m.fromMs <= nowMs && nowMs < m.toMs)
      .sort((a, b) => a.fromMs - b.fromMs || a.userIndex - b.userIndex)
      .map((m) => ({
        user_id: this.users[m.userIndex].id,
        email: this.users[m.userIndex].email,
        created_at: directoryTime(m.fromMs, style, 'no-offset'),
        updated_at: directoryTime(m.fromMs, style, 'no-offset'),
      }));
  }

  membershipHistory(nowMs: number): MembershipInterval[] {
    return this.memberships
      .filter((m) => m.fromMs <= nowMs)
      .map((m) => ({
        group_id: m.groupId,
        user_id: this.users[m.userIndex].id,
        valid_from: iso(m.fromMs),
        valid_to: m.toMs <= nowMs ? iso(m.toMs) : null,
      }));
  }

  // ---- generation ---------------------------------------------------------------------------------

  private buildOrganizations(rng: Rng): void {
    const n = Math.max(1, Math.min(this.shape.organizations, ORG_NAMES.length));
    for (let i = 0; i < n; i++) {
      const id = uuid(rng);
      this.orgs.push({
        uuid: id,
        tagged: `org_01${id.replace(/-/g, '').slice(0, 22)}`,
        name: ORG_NAMES[i],
        createdMs: this.shape.epochStartMs - Math.round(rng.between(30, 400)) * DAY - rng.int(DAY),
        // the third organization is a Claude Console (platform) org; the rest are claude.ai orgs
        kind: i === 2 ? 'console' : 'claude_ai',
      });
      this.usersByOrg.push([]);
    }
  }

  /** Weighted so the first org holds most people. */
  private orgFor(rng: Rng): number {
    const n = this.orgs.length;
    const x = rng.next();
    if (n === 1 || x < 0.6) return 0;
    if (n === 2 || x < 0.9) return 1;
    return 2 + rng.int(n - 2);
  }

  private buildUsers(rng: Rng): void {
    const { epochStartMs, timelineEndMs, seed } = this.shape;
    const span = timelineEndMs - epochStartMs;
    for (let i = 0; i < this.shape.users; i++) {
      // the first users of each org are its owners and admins: they exist from the start and never leave
      const orgIndex = i < this.orgs.length * 4 ? i % this.orgs.length : this.orgFor(rng);
      const founding = i < this.orgs.length * 4;
      const initial = founding || rng.chance(0.6);
      const joinedMs = initial
        ? epochStartMs - Math.round(rng.between(1, 700)) * DAY - rng.int(DAY)
        : epochStartMs + Math.floor(rng.next() * span);
      const { fullName, email } = personName(seed, i);
      const role: OrganizationRole = !founding
        ? rng.chance(0.08) && this.orgs[orgIndex].kind === 'console'
          ? 'developer'
          : rng.chance(0.03)
            ? 'membership_admin'
            : 'user'
        : i < this.orgs.length
          ? orgIndex === 0
            ? 'primary_owner'
            : 'owner'
          : 'admin';
      const user: SimUser = {
        index: i,
        id: entityId('user', rng),
        email,
        fullName,
        orgIndex,
        accountCreatedMs: accountCreatedAt(seed, i, joinedMs),
        joinedMs,
        leftMs: Infinity,
        roles: [{ fromMs: joinedMs, role }],
      };
      if (!founding && rng.chance(0.15)) {
        const from = Math.max(joinedMs, epochStartMs);
        const leave = from + Math.floor(rng.next() * (timelineEndMs - from)) + HOUR;
        if (leave < timelineEndMs) user.leftMs = leave;
      }
      this.users.push(user);
      this.usersByOrg[orgIndex].push(user);
    }
    for (const list of this.usersByOrg) list.sort((a, b) => a.joinedMs - b.joinedMs || a.index - b.index);
    for (const u of this.users) {
      if (u.joinedMs >= epochStartMs) this.emitJoin(rng, u);
      if (u.leftMs !== Infinity) this.emitLeave(rng, u);
    }
  }

  private emitJoin(rng: Rng, u: SimUser): void {
    const org = this.orgs[u.orgIndex];
    if (u.orgIndex === 0) {
      // the first org provisions people from the IdP over SCIM
      this.events.push({ ms: u.joinedMs, orgIndex: 0, actor: scimActor(rng, this.scimDirectoryId), type: 'scim_user_created', fields: { user_id: u.id } });
      return;
    }
    const inviteMs = Math.max(this.shape.epochStartMs, u.joinedMs - Math.round(rng.between(10 * MINUTE, 2 * DAY)));
    const inviter = org.kind === 'console' ? undefined : this.pickAdmin(rng, inviteMs, u.orgIndex);
    this.events.push({
      ms: inviteMs,
      orgIndex: u.orgIndex,
      actor: inviter ? this.actorFor(inviter) : adminApiKeyActor(this.adminApiKeyId),
      type: 'org_user_invite_sent',
      fields: { invited_email: u.email, invited_role: u.roles[0].role, invited_seat_tier: 'standard', invited_rbac_group_ids: [] },
    });
    this.events.push({ ms: u.joinedMs, orgIndex: u.orgIndex, actor: this.actorFor(u), type: 'org_user_invite_accepted', fields: {} });
  }

  private emitLeave(rng: Rng, u: SimUser): void {
    if (u.orgIndex === 0) {
      this.events.push({ ms: u.leftMs, orgIndex: 0, actor: scimActor(rng, this.scimDirectoryId), type: 'scim_user_deleted', fields: { user_id: u.id } });
      return;
    }
    const admin = this.pickAdmin(rng, u.leftMs, u.orgIndex);
    this.events.push({
      ms: u.leftMs,
      orgIndex: u.orgIndex,
      actor: admin ? this.actorFor(admin) : adminApiKeyActor(this.adminApiKeyId),
      type: 'org_user_deleted',
      fields: { deleted_user_id: u.id, deleted_user_email: u.email },
    });
  }

  /** Some members are promoted to admin (and some later demoted), recorded as claude_user_role_updated. */
  private buildRoleChanges(rng: Rng): void {
    const { epochStartMs, timelineEndMs } = this.shape;
    for (const u of this.users) {
      if (u.roles[0].role !== 'user' || !rng.chance(0.06)) continue;
      const from = Math.max(u.joinedMs, epochStartMs) + HOUR;
      const until = Math.min(u.leftMs, timelineEndMs);
      if (from >= until) continue;
      const promoteMs = from + Math.floor(rng.next() * (until - from));
      this.changeRole(rng, u, promoteMs, 'admin');
      if (rng.chance(0.3)) {
        const demoteMs = promoteMs + Math.floor(rng.next() * (until - promoteMs));
        if (demoteMs > promoteMs + MINUTE) this.changeRole(rng, u, demoteMs, 'user');
      }
    }
  }

  private changeRole(rng: Rng, u: SimUser, ms: number, role: OrganizationRole): void {
    const previous = this.roleAt(u, ms);
    const admin = this.pickAdmin(rng, ms, u.orgIndex);
    u.roles.push({ fromMs: ms, role });
    this.events.push({
      ms,
      orgIndex: u.orgIndex,
      actor: admin && admin !== u ? this.actorFor(admin) : adminApiKeyActor(this.adminApiKeyId),
      type: 'claude_user_role_updated',
      fields: { user_id: u.id, user_email: u.email, previous_role: previous, current_role: role },
    });
  }

  private buildRoles(rng: Rng): void {
    for (let o = 0; o < this.orgs.length; o++) {
      for (const [name, description, action] of ROLE_NAMES) {
        const perms: RolePermission[] = [{ action, resource_id: this.orgs[o].uuid, resource_type: 'organization' }];
        if (rng.chance(0.5)) perms.push({ action: 'read_usage', resource_id: this.orgs[o].uuid, resource_type: 'organization' });
        this.roles.push({
          id: entityId('rbac_role', rng),
          orgIndex: o,
          name,
          description,
          createdMs: this.orgs[o].createdMs + Math.round(rng.between(1, 20)) * DAY,
          permissions: perms,
          permissionGrants: [],
        });
        const role = this.roles[this.roles.length - 1];
        role.permissionGrants = perms.map((p) => ({ value: p, fromMs: role.createdMs, toMs: Infinity }));
      }
    }
  }

  private buildGroups(rng: Rng): void {
    const { epochStartMs, timelineEndMs, horizonDays } = this.shape;
    for (let g = 0; g < this.shape.groups; g++) {
      const sourceType = g % 5 === 1 || g % 5 === 3 ? 'scim' : 'direct';
      const base = GROUP_NAMES[g % GROUP_NAMES.length];
      const createdMs = rng.chance(0.7)
        ? epochStartMs - Math.round(rng.between(1, 300)) * DAY - rng.int(DAY)
        : epochStartMs + Math.floor(rng.next() * (timelineEndMs - epochStartMs) * 0.8);
      const group: SimGroup = {
        id: entityId('rbac_group', rng),
        name: g < GROUP_NAMES.length ? base : `${base} ${Math.floor(g / GROUP_NAMES.length) + 1}`,
        description: `${base} team (${sourceType === 'scim' ? 'synced from Okta' : 'managed in Claude'})`,
        sourceType,
        createdMs,
        roleIds: rng.chance(0.6) ? [rng.pick(this.roles.filter((r) => r.orgIndex === 0)).id] : [],
        roleGrants: [],
        changes: [],
      };
      group.roleGrants = group.roleIds.map((id) => ({ value: id, fromMs: createdMs, toMs: Infinity }));
      this.groups.push(group);
      this.groupById.set(group.id, group);
      this.membershipsByGroup.set(group.id, []);
      if (createdMs >= epochStartMs) {
        const creator = this.pickAdmin(rng, createdMs, 0);
        this.events.push({
          ms: createdMs,
          orgIndex: 0,
          actor: sourceType === 'scim' || !creator ? scimActor(rng, this.scimDirectoryId) : this.actorFor(creator),
          type: 'group_created',
          fields: { group_id: group.id, group_name: group.name },
        });
      }
      this.simulateMemberships(rng, group, horizonDays);
    }
  }

  /**
   * One group's membership over time, in time order: an initial roster, then additions and removals at
   * random moments (admins are favoured in direct groups, so "admin actions by recent members" has
   * answers), and a removal whenever a member leaves the organization.
   */
  private simulateMemberships(rng: Rng, group: SimGroup, horizonDays: number): void {
    const { epochStartMs, timelineEndMs } = this.shape;
    const members = new Map<number, SimMembership>();
    const admins = group.sourceType === 'direct' && group.name.startsWith('Security');
    const startMs = Math.max(group.createdMs, epochStartMs - 30 * DAY);
    const initialCount = 3 + rng.int(12);
    for (let k = 0; k < initialCount; k++) {
      const u = this.pickActiveUser(rng, startMs, undefined, (c) => !members.has(c.index) && (!admins || ADMIN_ROLES.has(this.roleAt(c, startMs))));
      if (!u) break;
      const fromMs = Math.max(startMs, u.joinedMs);
      const m: SimMembership = { groupId: group.id, userIndex: u.index, fromMs, toMs: Infinity };
      members.set(u.index, m);
      this.addMembership(m);
      if (fromMs >= epochStartMs) this.emitMembership(rng, group, 'group_member_added', fromMs, [u]);
    }
    // change moments: roughly one every 15 days per group, more for admin groups
    const changeCount = rng.poisson((horizonDays / 15) * (admins ? 2 : 1));
    const times: number[] = [];
    for (let k = 0; k < changeCount; k++) {
      const t = Math.max(startMs, epochStartMs) + Math.floor(rng.next() * (timelineEndMs - Math.max(startMs, epochStartMs)));
      if (t > group.createdMs) times.push(t);
    }
    times.sort((a, b) => a - b);
    for (const t of times) {
      this.expireLeavers(rng, group, members, t);
      const remove = members.size > 2 && rng.chance(0.4);
      if (remove) {
        const pool = [...members.values()];
        const chosen = [pool[rng.int(pool.length)]];
        if (pool.length > 4 && rng.chance(0.2)) {
          const other = pool[rng.int(pool.length)];
          if (other !== chosen[0]) chosen.push(other);
        }
        for (const m of chosen) {
          m.toMs = t;
          members.delete(m.userIndex);
        }
        this.emitMembership(rng, group, 'group_member_removed', t, chosen.map((m) => this.users[m.userIndex]));
      } else {
        const preferAdmin = group.sourceType === 'direct' && rng.chance(admins ? 0.8 : 0.3);
        const count = rng.chance(0.2) ? 2 + rng.int(3) : 1;
        const added: SimUser[] = [];
        for (let k = 0; k < count; k++) {
          const u =
            (preferAdmin && this.pickActiveUser(rng, t, undefined, (c) => !members.has(c.index) && ADMIN_ROLES.has(this.roleAt(c, t)))) ||
            this.pickActiveUser(rng, t, undefined, (c) => !members.has(c.index));
          if (!u || added.includes(u)) continue;
          const m: SimMembership = { groupId: group.id, userIndex: u.index, fromMs: t, toMs: Infinity };
          members.set(u.index, m);
          this.addMembership(m);
          added.push(u);
        }
        if (added.length) this.emitMembership(rng, group, 'group_member_added', t, added);
      }
    }
    this.expireLeavers(rng, group, members, Infinity);
  }

  private addMembership(m: SimMembership): void {
    this.memberships.push(m);
    this.membershipsByGroup.get(m.groupId)!.push(m);
  }

  /** A member who leaves the organization is removed from the group a second later (deprovisioning). */
  private expireLeavers(rng: Rng, group: SimGroup, members: Map<number, SimMembership>, untilMs: number): void {
    for (const m of [...members.values()].sort((a, b) => this.users[a.userIndex].leftMs - this.users[b.userIndex].leftMs)) {
      const u = this.users[m.userIndex];
      if (u.leftMs === Infinity || u.leftMs + 1000 > untilMs) continue;
      m.toMs = Math.max(m.fromMs + 1, u.leftMs + 1000);
      members.delete(m.userIndex);
      this.emitMembership(rng, group, 'group_member_removed', m.toMs, [u], true);
    }
  }

  private emitMembership(rng: Rng, group: SimGroup, type: string, ms: number, users: SimUser[], bySync = false): void {
    group.changes.push(ms);
    const admin = group.sourceType === 'direct' && !bySync ? this.pickAdmin(rng, ms, 0) : undefined;
    this.events.push({
      ms,
      orgIndex: 0,
      actor: admin ? this.actorFor(admin) : scimActor(rng, this.scimDirectoryId),
      type,
      fields: { group_id: group.id, member_ids: users.map((u) => u.id) },
    });
  }

  /** Rare administrative actions by admins of each org: settings, SSO, keys, exports, RBAC. */
  private buildAdminActions(rng: Rng): void {
    const { epochStartMs, timelineEndMs, activitiesPerDay } = this.shape;
    const days = (timelineEndMs - epochStartMs) / DAY;
    const count = rng.poisson(days * Math.max(0.5, activitiesPerDay * 0.0005));
    for (let k = 0; k < count; k++) {
      const ms = epochStartMs + Math.floor(rng.next() * (timelineEndMs - epochStartMs));
      const orgIndex = this.orgFor(rng);
      const admin = this.pickAdmin(rng, ms, orgIndex);
      if (!admin) continue;
      const type = rng.pick(ADMIN_ACTION_TYPES);
      this.events.push({ ms, orgIndex, actor: this.actorFor(admin), type, fields: this.adminFields(rng, type, orgIndex, ms) });
    }
    this.applyRbacChanges();
  }

  /**
   * RBAC events change the directory at their time: an assignment of a role the group already holds is an
   * unassignment, a permission the role already grants is removed; the groups' `roles` and the roles'
   * permissions then show the change from that moment on.
   */
  private applyRbacChanges(): void {
    const rbac = this.events.filter((e) => e.type === 'rbac_role_assigned' || e.type === 'rbac_role_permission_added').sort((a, b) => a.ms - b.ms);
    for (const e of rbac) {
      if (e.type === 'rbac_role_assigned') {
        const group = this.groupById.get(String(e.fields.principal_id))!;
        const roleId = String(e.fields.role_id);
        const held = group.roleGrants.find((g) => g.value === roleId && holds(g, e.ms));
        if (held) {
          held.toMs = e.ms;
          e.type = 'rbac_role_unassigned';
        } else {
          group.roleGrants.push({ value: roleId, fromMs: e.ms, toMs: Infinity });
        }
        group.changes.push(e.ms);
      } else {
        const role = this.roles.find((r) => r.id === e.fields.role_id)!;
        const permission: RolePermission = { action: String(e.fields.action), resource_id: String(e.fields.resource_id), resource_type: String(e.fields.resource_type) };
        const held = role.permissionGrants.find((g) => samePermission(g.value, permission) && holds(g, e.ms));
        if (held) {
          held.toMs = e.ms;
          e.type = 'rbac_role_permission_removed';
        } else {
          role.permissionGrants.push({ value: permission, fromMs: e.ms, toMs: Infinity });
        }
      }
    }
  }

  private adminFields(rng: Rng, type: string, orgIndex: number, ms: number): Record<string, unknown> {
    const role = () => rng.pick(this.roles.filter((r) => r.orgIndex === orgIndex));
    switch (type) {
      case 'claude_organization_settings_updated':
        return { updates: [{ type: 'WebSearchEnabled', previous_value: false, current_value: true }] };
      case 'org_sso_toggled':
        return { enabled: rng.chance(0.8) };
      case 'org_sso_provisioning_mode_changed':
        return { previous_mode: 'jit_permissive', new_mode: 'scim_advanced' };
      case 'api_key_created':
        return { api_key_id: entityId('apikey', rng), scopes: ['read:compliance_activities'], restricted_to_organization: false };
      case 'admin_api_key_created':
        return { admin_api_key_id: entityId('admin_api_key', rng), scopes: ['read:compliance_activities'] };
      case 'audit_log_export_started':
        return { from_date: null, to_date: null };
      case 'rbac_role_assigned': {
        // to a group that exists then (one draw either way, so the rest of the tenant stays as it was)
        const existing = this.groups.filter((g) => g.createdMs <= ms);
        return { role_id: role().id, principal_type: 'group', principal_id: rng.pick(existing.length ? existing : this.groups).id };
      }
      case 'rbac_role_permission_added':
        return { role_id: role().id, resource_type: 'organization', resource_id: this.orgs[orgIndex].uuid, action: TOGGLED_ACTIONS[hash32(ms, 17) % TOGGLED_ACTIONS.length] };
      case 'org_compliance_api_settings_updated':
        return { compliance_api_enabled: true, compliance_api_logging_enabled: true };
      case 'org_domain_verified':
        return { domain: 'acme.example' };
      case 'org_ip_restriction_created':
        return { ip_ranges: ['203.0.113.0/24'] };
      case 'group_updated':
        return { group_id: rng.pick(this.groups).id };
      default:
        return {};
    }
  }
}

/**
 * An account's creation time: half are created minutes before joining (accepting an invite creates it), half
 * days to four years before (people who used Claude elsewhere first). Drawn from its own generator so the
 * rest of the tenant stays as it was.
 */
function accountCreatedAt(seed: number, index: number, joinedMs: number): number {
  const rng = new Rng(hash32(seed, 8, index));
  return rng.chance(0.5) ? joinedMs - Math.round(rng.between(1, 30) * MINUTE) : joinedMs - Math.round(rng.between(1, 4 * 365) * DAY) - rng.int(DAY);
}

/** Adapter: the model's Directory interface over the timeline. */
export function directoryView(t: DirectoryTimeline, clamp: (nowMs: number) => number): Omit<Directory, 'organizationSettings'> {
  return {
    parentOrganizationUuid: t.parentOrganizationUuid,
    organizations: (now) => t.organizations(clamp(now)),
    users: (org, now) => t.usersOf(org, clamp(now)),
    roles: (org, now) => t.roles_(org, clamp(now)),
    rolePermissions: (org, role, now) => t.rolePermissions(org, role, clamp(now)),
    groups: (now) => t.groups_(clamp(now)),
    groupMembers: (g, now) => t.groupMembers(g, clamp(now)),
    membershipHistory: (now) => t.membershipHistory(clamp(now)),
  };
}
