// Attack scenarios (detections.md §6): each one writes the activities and directory changes of a known attack
// at a known time, in an organization of its own ("Acme Red Team") whose people the everyday generators never
// use, and says which rules must fire on it, for which entity, with exactly which evidence.
import type { Activity, Actor, OrganizationRole } from '../../api/types.js';
import type { ActivityFeed } from '../model.js';
import type { DirectoryTimeline, SimGroup, SimOrg, SimUser } from './directory.js';
import type { TenantShape } from './options.js';
import { scimActor } from './people.js';
import { Rng, activityId, entityId, hash32, randomBase58, uuid } from './random.js';
import { DAY, HOUR, MINUTE, isoMicros } from './time.js';

/** One alert a played scenario must raise (GET /_sim/truth/alerts). */
export interface ExpectedAlert {
  rule_id: string;
  entity_id: string;
  /** Sorted, distinct. */
  evidence_ids: string[];
}

export interface PlayedScenario {
  scenario: string;
  /** The scenario's anchor: its first attack step happens here (earlier steps set the stage). */
  at: string;
  alerts: ExpectedAlert[];
  /** Every activity the scenario wrote, staging included (sorted). */
  activity_ids: string[];
}

/** The groups whose members count as privileged (the default of the rules' `privileged_groups`). */
export const PRIVILEGED_GROUP = 'Security Admins';
/** Time between the anchors of two scenarios played at fixed times: longer than any rule's window (24 h). */
export const SCENARIO_SPACING_MS = 2 * DAY;

type Who = SimUser | Actor;

/** What a scenario script gets: its people, its clock and the way to record activities and expectations. */
class Play {
  readonly ids: string[] = [];
  readonly alerts: ExpectedAlert[] = [];
  private people = 0;

  constructor(
    private readonly world: ScenarioWorld,
    readonly name: string,
    readonly anchorMs: number,
    private readonly rng: Rng,
    private readonly visibleAt: (createdMs: number) => number,
  ) {}

  get org(): SimOrg {
    return this.world.org;
  }

  get orgUuid(): string {
    return this.world.org.uuid;
  }

  /**
   * A member of the scenario organization. `joinedBeforeMs` undefined: a member since before the feed's history
   * (no join activity); else joined that long before the anchor through SCIM (a `scim_user_created` activity).
   */
  member(role: OrganizationRole = 'user', joinedBeforeMs?: number): SimUser {
    const dir = this.world.dir;
    const index = dir.users.length;
    const n = ++this.people;
    const joinedMs = joinedBeforeMs === undefined ? this.world.shape.epochStartMs - 200 * DAY : this.anchorMs - joinedBeforeMs;
    const user: SimUser = {
      index,
      id: entityId('user', this.rng),
      email: `${this.name.replace(/_/g, '-')}.${n}@redteam.acme.example`,
      fullName: `Red Team ${this.name} ${n}`,
      orgIndex: this.world.orgIndex,
      accountCreatedMs: joinedMs - HOUR,
      joinedMs,
      leftMs: Infinity,
      roles: [{ fromMs: joinedMs, role }],
      scripted: true,
    };
    dir.addScriptedUser(user);
    if (joinedBeforeMs !== undefined) this.act(-joinedBeforeMs, scimActor(this.rng, dir.scimDirectoryId), 'scim_user_created', { user_id: user.id });
    return user;
  }

  /** Records one activity `offsetMs` after the anchor; returns its id. `org` false: not tied to an organization. */
  act(offsetMs: number, who: Who, type: string, fields: Record<string, unknown> = {}, org = true, exact = false): string {
    // sub-millisecond digits like the feed's own, except where the directory's millisecond times must match
    const jitter = this.rng.int(1000);
    const us = (this.anchorMs + offsetMs) * 1000 + (exact ? 0 : jitter);
    const id = activityId(us, this.rng);
    const actor = isUser(who) ? this.world.dir.actorFor(who) : who;
    const record: Activity = {
      id,
      created_at: isoMicros(us),
      organization_id: org ? this.org.tagged : null,
      organization_uuid: org ? this.org.uuid : null,
      actor,
      type,
      ...fields,
    };
    this.world.feed.inject([record], this.visibleAt(Math.floor(us / 1000)));
    this.ids.push(id);
    return id;
  }

  /** `count` activities spread evenly over `spanMs` from `offsetMs`; returns their ids. */
  burst(count: number, offsetMs: number, spanMs: number, who: Who, type: string, fields: (i: number) => Record<string, unknown>, org = true): string[] {
    return Array.from({ length: count }, (_, i) => this.act(offsetMs + Math.floor((spanMs * i) / count), who, type, fields(i), org));
  }

  /** `by` changes `user`'s organization role (the directory shows it from then on). */
  setRole(offsetMs: number, user: SimUser, role: OrganizationRole, by: SimUser): string {
    const ms = this.anchorMs + offsetMs;
    const previous = this.world.dir.roleAt(user, ms);
    user.roles.push({ fromMs: ms, role });
    return this.act(offsetMs, by, 'claude_user_role_updated', { user_id: user.id, user_email: user.email, previous_role: previous, current_role: role });
  }

  /** `by` adds `user` to `group` (its member list shows them from then on). */
  addToGroup(offsetMs: number, user: SimUser, group: SimGroup, by: SimUser): string {
    const ms = this.anchorMs + offsetMs;
    this.world.dir.addScriptedMembership({ groupId: group.id, userIndex: user.index, fromMs: ms, toMs: Infinity });
    return this.act(offsetMs, by, 'group_member_added', { group_id: group.id, member_ids: [user.id] }, true, true);
  }

  /** The identity provider deprovisions `user` (scim_user_deleted); they are no longer listed from then on. */
  deprovision(offsetMs: number, user: SimUser): string {
    user.leftMs = this.anchorMs + offsetMs;
    return this.act(offsetMs, scimActor(this.rng, this.world.dir.scimDirectoryId), 'scim_user_deleted', { user_id: user.id });
  }

  /** An admin removes `user` from the organization (org_user_deleted). */
  removeMember(offsetMs: number, user: SimUser, by: SimUser): string {
    user.leftMs = this.anchorMs + offsetMs;
    return this.act(offsetMs, by, 'org_user_deleted', { deleted_user_id: user.id, deleted_user_email: user.email });
  }

  actorOf(user: SimUser): Actor {
    return this.world.dir.actorFor(user);
  }

  id(prefix: string): string {
    return entityId(prefix, this.rng);
  }

  token(width: number): string {
    return randomBase58(this.rng, width);
  }

  /** `rule` must fire for `entity` with exactly `evidence`. */
  fire(rule: string, entity: string, evidence: string[]): void {
    this.alerts.push({ rule_id: rule, entity_id: entity, evidence_ids: [...new Set(evidence)].sort() });
  }

  /** The tenant's privileged group as of the anchor; one is created two days earlier when the tenant has none then. */
  privilegedGroup(creator: SimUser): SimGroup {
    const existing = this.world.dir.groups.find((g) => g.name === PRIVILEGED_GROUP && g.createdMs <= this.anchorMs - DAY);
    if (existing) return existing;
    const group: SimGroup = {
      id: this.id('rbac_group'),
      name: PRIVILEGED_GROUP,
      description: `${PRIVILEGED_GROUP} team (managed in Claude)`,
      sourceType: 'direct',
      createdMs: this.anchorMs - 2 * DAY,
      roleIds: [],
      roleGrants: [],
      changes: [],
    };
    this.world.dir.addScriptedGroup(group);
    this.act(-2 * DAY, creator, 'group_created', { group_id: group.id, group_name: group.name }, true, true);
    return group;
  }
}

const isUser = (who: Who): who is SimUser => typeof (who as SimUser).index === 'number';

/** A user-agent of a scripting library (the `suspicious_user_agent` rule's list). */
const SCRIPT_AGENT = 'python-requests/2.32.3';

/** The scenarios, by id: each returns nothing and records through `p`. Order matters only for fixed-time play. */
export const SCENARIOS: Record<string, (p: Play) => void> = {
  sso_disabled(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_sso_toggled', { enabled: false });
    p.fire('sso_disabled', p.orgUuid, [e]);
  },
  password_spray(p) {
    const member = p.member('user');
    const actor: Actor = { type: 'unauthenticated_user_actor', ip_address: '192.0.2.66', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', unauthenticated_email_address: member.email };
    const ids = p.burst(7, MINUTE, 6 * MINUTE, actor, 'sso_login_failed', () => ({}), false);
    p.fire('failed_signin_burst', member.email, ids);
  },
  privileged_group_join_then_admin_action(p) {
    const admin = p.member('admin');
    const member = p.member('user');
    const join = p.addToGroup(0, member, p.privilegedGroup(admin), admin);
    const action = p.act(2 * HOUR, member, 'org_members_exported', {});
    p.fire('admin_action_after_privileged_group_join', member.id, [join, action]);
  },
  compliance_logging_disabled(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_compliance_api_settings_updated', { compliance_api_enabled: true, compliance_api_logging_enabled: false });
    p.fire('compliance_logging_disabled', p.orgUuid, [e]);
  },
  logging_disabled_then_export(p) {
    const admin = p.member('admin');
    const accomplice = p.member('admin');
    const off = p.act(0, admin, 'org_compliance_api_settings_updated', { compliance_api_enabled: true, compliance_api_logging_enabled: false });
    const exp = p.act(3 * HOUR, accomplice, 'org_data_export_started', { export_type: 'full' });
    const key = p.act(5 * HOUR, accomplice, 'api_key_created', { api_key_id: p.id('apikey'), scopes: ['read:usage'], restricted_to_organization: false });
    p.fire('compliance_logging_disabled', p.orgUuid, [off]);
    p.fire('org_data_export_started', accomplice.id, [exp]);
    p.fire('logging_disabled_then_sensitive_action', p.orgUuid, [off, exp, key]);
  },
  audit_log_export(p) {
    const admin = p.member('admin');
    const started = p.act(0, admin, 'audit_log_export_started', { from_date: null, to_date: null });
    const accessed = p.act(20 * MINUTE, admin, 'audit_log_export_accessed', {});
    p.fire('audit_log_export_started', admin.id, [started]);
    p.fire('audit_log_export_accessed', admin.id, [accessed]);
  },
  magic_link_second_factor_off_then_login(p) {
    const admin = p.member('admin');
    const member = p.member('user');
    const off = p.act(0, admin, 'org_magic_link_second_factor_toggled', { enabled: false });
    const login = p.act(90 * MINUTE, member, 'magic_link_login_succeeded', { auth_method: 'magic_link', mfa_method: null }, false);
    p.fire('magic_link_second_factor_disabled', p.orgUuid, [off]);
    p.fire('magic_link_login_after_second_factor_disabled', p.orgUuid, [off, login]);
  },
  ip_restriction_deleted(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_ip_restriction_deleted', {});
    p.fire('ip_restriction_deleted', p.orgUuid, [e]);
  },
  domain_removed(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_domain_removed', { domain: 'acme-legacy.example' });
    p.fire('domain_boundary_changed', p.orgUuid, [e]);
  },
  org_settings_changed(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'claude_organization_settings_updated', { updates: [{ type: 'ContentRedactionEnabled', previous_value: true, current_value: false }] });
    p.fire('org_settings_changed', p.orgUuid, [e]);
  },
  primary_owner_transferred(p) {
    const owner = p.member('primary_owner');
    const heir = p.member('admin');
    const e = p.act(0, owner, 'primary_owner_transferred', { new_owner_id: heir.id, previous_owner_id: owner.id });
    p.fire('primary_owner_transferred', heir.id, [e]);
  },
  admin_role_assignment_granted(p) {
    const admin = p.member('admin');
    const member = p.member('user');
    const e = p.act(0, admin, 'role_assignment_granted', { role: 'admin', resource_type: 'organization', resource_id: p.orgUuid, target_type: 'user', target_id: member.id });
    p.fire('privileged_role_assignment_granted', member.id, [e]);
  },
  project_owner_granted(p) {
    const admin = p.member('admin');
    const member = p.member('user');
    const project = p.id('claude_proj');
    const e = p.act(0, admin, 'role_assignment_granted', { role: 'chat_project:owner', resource_type: 'chat_project', resource_id: project, target_type: 'user', target_id: member.id });
    p.fire('project_sensitive_role_first_grant', member.id, [e]);
  },
  admin_invite_sent(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_user_invite_sent', {
      invited_email: 'new.admin@outside.example',
      invited_role: 'admin',
      invited_seat_tier: 'standard',
      invited_rbac_group_ids: [],
    });
    p.fire('admin_invite_sent', admin.id, [e]);
    p.fire('any_invite_sent', admin.id, [e]);
  },
  member_removed(p) {
    const admin = p.member('admin');
    const member = p.member('user');
    const e = p.removeMember(0, member, admin);
    p.fire('org_user_removed', member.id, [e]);
  },
  admin_api_key_lifecycle(p) {
    const admin = p.member('admin');
    const key = p.id('admin_api_key');
    const created = p.act(0, admin, 'admin_api_key_created', { admin_api_key_id: key, scopes: ['read:compliance_activities'] });
    const deleted = p.act(2 * HOUR, admin, 'admin_api_key_deleted', { admin_api_key_id: key });
    p.fire('admin_api_key_created', key, [created]);
    p.fire('admin_api_key_deleted', key, [deleted]);
  },
  compliance_api_key_created(p) {
    const admin = p.member('admin');
    const key = p.id('apikey');
    const e = p.act(0, admin, 'api_key_created', { api_key_id: key, scopes: ['read:compliance_activities', 'read:compliance_org_data'], restricted_to_organization: false });
    p.fire('compliance_api_key_created', key, [e]);
  },
  service_key_lifecycle(p) {
    const admin = p.member('admin');
    const key = p.id('svckey');
    const created = p.act(0, admin, 'service_key_created', { is_service_created: false, key_name: 'ci-export', service_name: 'claude_code', scopes: ['user:inference'], service_key_id: key });
    const revoked = p.act(HOUR, admin, 'service_key_revoked', { service_key_id: key, service_name: 'claude_code' });
    p.fire('service_key_created', key, [created]);
    p.fire('service_key_revoked', key, [revoked]);
  },
  artifact_shared_publicly(p) {
    const member = p.member('user');
    const e = p.act(0, member, 'claude_artifact_sharing_updated', {
      audience: [{ type: 'anyone_with_link' }],
      claude_artifact_id: p.id('claude_artifact'),
      claude_artifact_version_id: p.id('claude_artifact_version'),
      previous_mode: 'private',
      new_mode: 'public',
      previous_user_count: 0,
      new_user_count: 0,
    });
    p.fire('artifact_shared_publicly', member.id, [e]);
  },
  org_data_export_accessed(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_data_export_accessed', { export_type: 'full' });
    p.fire('org_data_export_accessed', admin.id, [e]);
  },
  mcp_server_lifecycle(p) {
    const member = p.member('user');
    const server = p.id('mcpsrv');
    const created = p.act(0, member, 'mcp_server_created', { mcp_server_id: server, mcp_server_name: 'pastebin-sync' });
    const deleted = p.act(4 * HOUR, member, 'mcp_server_deleted', { mcp_server_id: server, mcp_server_name: 'pastebin-sync' });
    p.fire('mcp_server_created', member.id, [created]);
    p.fire('mcp_server_deleted', member.id, [deleted]);
  },
  integration_connected(p) {
    const member = p.member('user');
    const e = p.act(0, member, 'integration_user_connected', { integration_type: 'mcp', mcp_server_id: p.id('mcpsrv'), mcp_server_name: 'drive-mirror' });
    p.fire('integration_connected', member.id, [e]);
  },
  ghe_webhook_signature_invalid(p) {
    const e = p.act(0, { type: 'system_actor', service: 'ghe_webhook_receiver' } as Actor, 'ghe_webhook_signature_invalid', { ghe_configuration_id: p.id('ghe_config') });
    p.fire('ghe_webhook_signature_invalid', p.orgUuid, [e]);
  },
  bulk_delete_initiated(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'org_bulk_delete_initiated', {});
    p.fire('org_destructive_action', p.orgUuid, [e]);
  },
  spend_limit_deleted(p) {
    const admin = p.member('admin');
    const e = p.act(0, admin, 'extra_usage_spend_limit_deleted', { spend_limit_id: p.id('spend_limit'), user_id: null });
    p.fire('spend_limit_deleted', p.orgUuid, [e]);
  },
  scripted_client(p) {
    const member = p.member('user');
    const actor = { ...p.actorOf(member), user_agent: SCRIPT_AGENT, ip_address: '192.0.2.77' };
    const e = p.act(0, actor, 'claude_chat_viewed', { claude_chat_id: p.id('claude_chat'), claude_project_id: null });
    p.fire('suspicious_user_agent', member.id, [e]);
  },
  compliance_api_denied_burst(p) {
    const key = p.id('apikey');
    const actor: Actor = { type: 'api_actor', api_key_id: key, ip_address: '192.0.2.91', user_agent: 'curl/8.5.0' };
    const ids = p.burst(8, 5 * MINUTE, 4 * MINUTE, actor, 'compliance_api_accessed', (i) => ({
      request_id: `req_${p.token(24)}`,
      url: '/v1/compliance/activities?limit=1000',
      request_method: 'GET',
      status_code: i % 2 ? 401 : 403,
      request_body: null,
    }), false);
    p.fire('compliance_api_denied_burst', key, ids);
  },
  chat_access_failures(p) {
    const member = p.member('user');
    const ids = p.burst(55, 2 * MINUTE, 6 * MINUTE, member, 'claude_chat_access_failed', () => ({ claude_chat_id: p.id('claude_chat') }));
    p.fire('chat_access_failure_burst', member.id, ids);
  },
  member_enumeration(p) {
    const member = p.member('membership_admin');
    const a = p.act(MINUTE, member, 'org_members_exported', {});
    const b = p.act(3 * MINUTE, member, 'group_list_viewed', {});
    const c = p.act(4 * MINUTE, member, 'org_users_listed', {});
    p.fire('member_group_enumeration', member.id, [a, b, c]);
  },
  file_upload_burst(p) {
    const member = p.member('user');
    const chat = p.id('claude_chat');
    const ids = p.burst(110, 0, 3 * HOUR, member, 'claude_file_uploaded', (i) => ({ claude_file_id: p.id('claude_file'), filename: `dump-${i}.csv`, claude_chat_id: chat, claude_project_id: null }));
    p.fire('file_upload_burst', member.id, ids);
  },
  chat_snapshot_burst(p) {
    const member = p.member('user');
    const ids = p.burst(12, 0, HOUR, member, 'claude_chat_snapshot_created', () => ({ claude_chat_id: p.id('claude_chat'), claude_chat_snapshot_id: p.id('claude_chat_snapshot') }));
    p.fire('chat_snapshot_burst', member.id, ids);
  },
  chat_mass_deletion(p) {
    const member = p.member('user');
    const ids = p.burst(34, 0, 2 * HOUR, member, 'claude_chat_deleted', () => ({ claude_chat_id: p.id('claude_chat'), claude_project_id: null }));
    p.fire('chat_mass_deletion', member.id, ids);
  },
  chat_creation_burst(p) {
    const member = p.member('user');
    const ids = p.burst(24, 0, 2 * HOUR, member, 'claude_chat_created', () => ({ claude_chat_id: p.id('claude_chat'), claude_project_id: null }));
    p.fire('chat_creation_burst', member.id, ids);
  },
  newcomer_creates_key(p) {
    const newcomer = p.member('admin', 3 * DAY);
    const join = p.ids[p.ids.length - 1];
    const key = p.act(0, newcomer, 'api_key_created', { api_key_id: p.id('apikey'), scopes: ['read:usage'], restricted_to_organization: false });
    p.fire('key_created_by_newcomer', newcomer.id, [join, key]);
  },
  activity_after_offboarding(p) {
    const leaver = p.member('user');
    const removed = p.deprovision(0, leaver);
    const a = p.act(2 * HOUR, leaver, 'claude_chat_viewed', { claude_chat_id: p.id('claude_chat'), claude_project_id: null });
    const b = p.act(3 * HOUR, leaver, 'claude_project_viewed', { claude_project_id: p.id('claude_proj'), preview_only: false });
    p.fire('activity_after_offboarding', leaver.id, [removed, a, b]);
  },
  grant_by_non_admin(p) {
    const insider = p.member('user');
    const friend = p.member('user');
    const e = p.setRole(0, friend, 'admin', insider);
    p.fire('privilege_grant_by_non_admin', insider.id, [e]);
    p.fire('org_role_raised_to_admin', friend.id, [e]);
  },
  invite_burst_by_non_admin(p) {
    const member = p.member('user');
    const ids = p.burst(7, 0, 40 * MINUTE, member, 'org_user_invite_sent', (i) => ({
      invited_email: `contractor${i}@outside.example`,
      invited_role: 'user',
      invited_seat_tier: 'standard',
      invited_rbac_group_ids: [],
    }));
    p.fire('invite_burst_by_non_admin', member.id, ids);
    for (const id of ids) p.fire('any_invite_sent', member.id, [id]);
  },
  admin_grant_then_admin_actions(p) {
    const admin = p.member('admin');
    const promoted = p.member('user');
    const up = p.setRole(0, promoted, 'admin', admin);
    const a = p.act(HOUR, promoted, 'org_sso_provisioning_mode_changed', { previous_mode: 'jit_permissive', new_mode: 'jit_advanced' });
    const b = p.act(2 * HOUR, promoted, 'org_invite_link_generated', {});
    p.fire('org_role_raised_to_admin', promoted.id, [up]);
    p.fire('admin_actions_after_admin_grant', promoted.id, [up, a, b]);
  },
  temporary_elevation(p) {
    const admin = p.member('admin');
    const member = p.member('user');
    const up = p.setRole(0, member, 'admin', admin);
    const action = p.act(HOUR, member, 'org_invite_link_generated', {});
    const down = p.setRole(3 * HOUR, member, 'user', admin);
    p.fire('org_role_raised_to_admin', member.id, [up]);
    p.fire('admin_actions_after_admin_grant', member.id, [up, action]);
    p.fire('temporary_elevation', member.id, [up, action, down]);
  },
};

export const SCENARIO_IDS = Object.keys(SCENARIOS);

/** The scenario organization and what a play needs to write into the tenant. */
interface ScenarioWorld {
  shape: TenantShape;
  dir: DirectoryTimeline;
  feed: ActivityFeed;
  org: SimOrg;
  orgIndex: number;
}

/**
 * Adds the scenario organization to the directory. Called before the settings timeline and the feed exist, so
 * the organization gets settings like the others; the everyday generators have drawn their people by then.
 */
export function addScenarioOrganization(shape: TenantShape, dir: DirectoryTimeline): number {
  const rng = new Rng(hash32(shape.seed, 900));
  const id = uuid(rng);
  dir.orgs.push({
    uuid: id,
    tagged: `org_01${id.replace(/-/g, '').slice(0, 22)}`,
    name: 'Acme Red Team',
    createdMs: shape.epochStartMs - 300 * DAY,
    kind: 'claude_ai',
    scripted: true,
  });
  dir.addOrganizationSlot();
  return dir.orgs.length - 1;
}

export class ScenarioPlayer {
  readonly played: PlayedScenario[] = [];
  private readonly world: ScenarioWorld;

  constructor(shape: TenantShape, dir: DirectoryTimeline, feed: ActivityFeed, orgIndex: number) {
    this.world = { shape, dir, feed, org: dir.orgs[orgIndex], orgIndex };
  }

  /**
   * Plays `id` with its anchor at `atMs`; activities become visible `visibleDelayMs` after their created_at, or
   * at `notBeforeMs` if that is later (a scenario played "now" whose staging lies in the past).
   */
  play(id: string, atMs: number, visibleDelayMs: number, notBeforeMs = 0): PlayedScenario {
    const script = SCENARIOS[id];
    if (!script) throw new Error(`unknown scenario "${id}"; known: ${SCENARIO_IDS.join(', ')}`);
    const rng = new Rng(hash32(this.world.shape.seed, 901, SCENARIO_IDS.indexOf(id), this.played.length, Math.floor(atMs / 1000) % 1_000_000_007));
    const play = new Play(this.world, id, atMs, rng, (createdMs) => Math.max(notBeforeMs, createdMs + visibleDelayMs));
    script(play);
    const result: PlayedScenario = { scenario: id, at: new Date(atMs).toISOString(), alerts: play.alerts, activity_ids: [...play.ids].sort() };
    this.played.push(result);
    return result;
  }

  /** The fixed-time anchors of `ids` in a tenant that starts at startMs: 10:00 UTC, every SCENARIO_SPACING_MS back from three days before the start. */
  static anchors(ids: string[], startMs: number): number[] {
    const lastDay = Math.floor(startMs / DAY) * DAY - 3 * DAY;
    return ids.map((_, k) => lastDay - (ids.length - 1 - k) * SCENARIO_SPACING_MS + 10 * HOUR);
  }
}

/** Days of history `count` scenarios played at fixed times need (their anchors and a week of staging before the first). */
export function scenarioHorizonDays(count: number): number {
  return count === 0 ? 0 : Math.ceil((SCENARIO_SPACING_MS * (count - 1)) / DAY) + 10;
}

/** `all`, `none` or a comma-separated list of scenario ids; an unknown id is an error naming it. */
export function parseScenarioList(spec: string): string[] {
  const s = spec.trim();
  if (s === 'all') return [...SCENARIO_IDS];
  if (s === 'none' || s === '') return [];
  const ids = s.split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = ids.filter((x) => !SCENARIOS[x]);
  if (unknown.length) throw new Error(`unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.map((x) => `"${x}"`).join(', ')}; known: all, none, ${SCENARIO_IDS.join(', ')}`);
  return ids;
}
