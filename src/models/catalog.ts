// The activity-type catalog (schema/activity-types.json): every known activity type with its family,
// category, allowed actors and fields, built from schema/activity-types.md by the rules below.
//
// Regenerate after the reference changes (compile first):
//   node dist/src/models/catalog.js --write [--reference schema/activity-types.md]
// The committed JSON is self-sufficient: nothing at run time or in CI needs the reference.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_ACTOR_TYPES } from '../api/types.js';

export const CATEGORIES = ['admin', 'authentication', 'content', 'api_access', 'code', 'integration', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Where a type is documented: section A, B or C of the reference. */
export const SOURCES = ['reference-2026-08-14', 'sdk-2026-09-04', 'access-transparency'] as const;
export type Source = (typeof SOURCES)[number];

export interface CatalogEntry {
  type: string;
  family: string;
  category: Category;
  description: string;
  /** Allowed `actor.type` values; the reference's `any` is expanded to all eleven. */
  actors: string[];
  /** Type-specific top-level fields besides the common envelope; [] when none or not documented. */
  fields: string[];
  source: Source;
}

export const CATALOG_PATH = 'schema/activity-types.json';
/** Where the reference lives relative to the package root (it is not part of the repository). */
export const DEFAULT_REFERENCE_PATH = 'schema/activity-types.md';

// ---- categories -------------------------------------------------------------------------------
//
// Ordered rules: the first whose pattern matches a type gives its family and category. A type that
// matches no rule is family `unknown`, category `other`. Order matters where prefixes overlap:
// compliance_api_accessed before org_*, group_* before skills, invites before users, spend limits
// before workspaces, org_sso_* / org_domain_* / data exports / invites / users before the org_* catch-all.

interface Rule {
  match: RegExp;
  family: string;
  category: Category;
}

export const RULES: readonly Rule[] = [
  // the one API-access type: reads of the Compliance API itself
  { match: /^compliance_api_accessed$/, family: 'compliance_api', category: 'api_access' },
  { match: /^org_compliance_api_/, family: 'compliance_api', category: 'admin' },

  // Claude Code: remote (ccr_*) and local tooling, and the local/remote session products
  { match: /^(ccr|claude_code)_/, family: 'claude_code', category: 'code' },
  { match: /^(cowork_session|session_share)_/, family: 'claude_code', category: 'code' },

  // authentication: sign-in and sign-out, sessions, second factors, trusted devices
  { match: /^(sso_login|magic_link_login|social_login)_/, family: 'sign_in', category: 'authentication' },
  { match: /^(anonymous_mobile_login_attempted|user_logged_out|session_revoked)$/, family: 'sign_in', category: 'authentication' },
  { match: /^platform_\w+_authentication$/, family: 'sign_in', category: 'authentication' },
  { match: /^(step_up|phone_code|sso_second_factor)_/, family: 'mfa', category: 'authentication' },
  { match: /^trusted_device_/, family: 'trusted_device', category: 'authentication' },

  // admin: SSO, directory sync and domains
  { match: /^(org_sso|org_directory_sync|org_directory_resync|org_magic_link_second_factor)_/, family: 'sso', category: 'admin' },
  { match: /^claude_pubsec_identity_/, family: 'sso', category: 'admin' },
  { match: /^(org_domain|domain_claim)_/, family: 'domain', category: 'admin' },
  // admin: data exports
  { match: /^(org_data_export|audit_log_export)_/, family: 'data_export', category: 'admin' },
  { match: /^org_members_exported$/, family: 'data_export', category: 'admin' },
  // admin: roles, permissions, capability grants, groups
  { match: /^(rbac_role|role_assignment|org_capability_grant)_/, family: 'rbac', category: 'admin' },
  { match: /^group_/, family: 'group', category: 'admin' },
  // admin: invitations and join requests, then users
  { match: /^(org_user_invite|org_invite|org_member_invites|org_join|end_user_invite)_/, family: 'invite', category: 'admin' },
  { match: /^org_invites_listed$/, family: 'invite', category: 'admin' },
  { match: /^(org_user|scim_user|claude_user)_/, family: 'user', category: 'admin' },
  { match: /^(org_users_listed|account_deleted|owned_projects_access_restored)$/, family: 'user', category: 'admin' },
  // admin: keys and the identities that hold them
  { match: /^admin_api_key_/, family: 'admin_api_key', category: 'admin' },
  { match: /^(api_key|scoped_api_key|platform_api_key|service_key|service)_/, family: 'api_key', category: 'admin' },
  { match: /^org_external_key_/, family: 'external_key', category: 'admin' },
  { match: /^platform_signing_key_/, family: 'signing_key', category: 'admin' },
  { match: /^platform_service_account_/, family: 'service_account', category: 'admin' },
  { match: /^platform_federation_/, family: 'federation', category: 'admin' },
  // admin: billing, spend and usage reports (spend limits before workspaces)
  { match: /spend_limit/, family: 'billing', category: 'admin' },
  {
    match: /^(subscription|extra_usage|prepaid|seat_tiers?|billing|invoice|payment_method|platform_billing|claude_enterprise_upgrade_credit)_/,
    family: 'billing',
    category: 'admin',
  },
  { match: /^organization_address_updated$/, family: 'billing', category: 'admin' },
  { match: /^platform_(usage|cost)_report_/, family: 'billing', category: 'admin' },
  // admin: Console workspaces
  { match: /^platform_(workspace|clearance_workspace)_/, family: 'workspace', category: 'admin' },
  // admin: every other organization setting, and requests addressed to admins
  { match: /^(org|organization)_/, family: 'org_settings', category: 'admin' },
  { match: /^(claude_organization_settings_updated|managed_organization_setup_completed|primary_owner_transferred)$/, family: 'org_settings', category: 'admin' },
  { match: /^admin_request_/, family: 'admin_request', category: 'admin' },

  // content: chats, files, projects, artifacts, design projects, shares, API files, memory, agents
  { match: /^claude_chat_/, family: 'chat', category: 'content' },
  { match: /^claude_file_/, family: 'file', category: 'content' },
  { match: /^claude_project_/, family: 'project', category: 'content' },
  { match: /^claude_(artifact|published_artifact)_/, family: 'artifact', category: 'content' },
  { match: /^design_project_/, family: 'design', category: 'content' },
  { match: /^pending_share_/, family: 'sharing', category: 'content' },
  { match: /^platform_file_/, family: 'platform_file', category: 'content' },
  { match: /^platform_(memory|dream)_/, family: 'memory', category: 'content' },
  { match: /^platform_agent_/, family: 'agent', category: 'content' },
  { match: /^(anthropic_access|cmek_preserve)$/, family: 'access_transparency', category: 'content' },

  // integration: MCP and connectors, integrations, tunnels, OAuth apps, inference hooks, extensions
  { match: /^(mcp|admin_connector_request)_/, family: 'mcp', category: 'integration' },
  {
    match: /^(integration_user|claude_gdrive_integration|claude_github_integration|ghe|github_token|slack_workspace|lti)_/,
    family: 'integration',
    category: 'integration',
  },
  { match: /^tunnel_/, family: 'tunnel', category: 'integration' },
  { match: /^platform_oauth_app_/, family: 'oauth_app', category: 'integration' },
  { match: /^inference_hooks_/, family: 'inference_hooks', category: 'integration' },
  {
    match: /^(claude_plugin|plugin|cli_plugin|platform_plugin|marketplace|desktop_extension|claude_command)_/,
    family: 'plugin',
    category: 'integration',
  },
  { match: /^(claude_skill|platform_skill)_/, family: 'skill', category: 'integration' },

  // other: trust and safety, verification programs, consent
  { match: /^(abuse_decision_received|age_verified)$/, family: 'trust_safety', category: 'other' },
  { match: /^verification_/, family: 'trust_safety', category: 'other' },
  { match: /^user_consent_/, family: 'consent', category: 'other' },
];

/** Types whose rule gives the right family but the wrong category. */
export const CATEGORY_OVERRIDES: Readonly<Record<string, { category: Category; why: string }>> = {
  claude_user_settings_updated: {
    category: 'other',
    why: "a user's own profile and preferences (name, display name, feature toggles), not user management",
  },
};

export const UNKNOWN_FAMILY = 'unknown';

export interface Classification {
  family: string;
  category: Category;
  /** Index into RULES of the rule that matched, or -1 when none did. */
  rule: number;
  overridden: boolean;
}

/** Family and category of any type string, known or not. */
export function classify(type: string): Classification {
  const rule = RULES.findIndex((r) => r.match.test(type));
  const family = rule >= 0 ? RULES[rule].family : UNKNOWN_FAMILY;
  const override = Object.hasOwn(CATEGORY_OVERRIDES, type) ? CATEGORY_OVERRIDES[type] : undefined;
  const category = override?.category ?? (rule >= 0 ? RULES[rule].category : 'other');
  return { family, category, rule, overridden: override !== undefined };
}

export function categorize(type: string): Category {
  return classify(type).category;
}

// ---- descriptions -----------------------------------------------------------------------------
//
// One sentence from the type's name: the last word is the verb, the words before it the subject.
// Names that do not read that way have a written description below.

const WORDS: Readonly<Record<string, string>> = {
  acl: 'ACL',
  api: 'API',
  ccr: 'Claude Code remote',
  cli: 'CLI',
  cmek: 'CMEK',
  claude: 'Claude',
  config: 'configuration',
  cowork: 'Cowork',
  gdrive: 'Google Drive',
  ghe: 'GitHub Enterprise',
  github: 'GitHub',
  hipaa: 'HIPAA',
  ip: 'IP',
  lti: 'LTI',
  mcp: 'MCP',
  oauth: 'OAuth',
  org: 'organization',
  otlp: 'OTLP',
  rbac: 'RBAC',
  scim: 'SCIM',
  slack: 'Slack',
  sso: 'SSO',
};

/** Names of several words, matched before single words. */
const PHRASES: ReadonlyArray<readonly [tokens: string, text: string]> = [
  ['claude_code_security', 'Claude Code Security'],
  ['claude_code', 'Claude Code'],
];

const VERBS: Readonly<Record<string, string>> = {
  toggled: 'turned on or off',
};

/** Head nouns that take no article (a feature or a quantity rather than a thing one creates). */
const UNCOUNTABLE = new Set(['memory', 'mode', 'retention', 'sharing', 'discoverability', 'residency', 'visibility']);
/** Head nouns of which an organization or product has one. */
const DEFINITE = new Set(['configuration']);

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  abuse_decision_received: 'An abuse decision (blocked or unspecified) was received.',
  account_deleted: 'A user account was deleted.',
  admin_connector_request_resolved: 'An admin approved or dismissed requests to enable a connector (MCP server).',
  admin_request_created: 'A member sent a request to the organization admins.',
  age_verified: "The user's age was verified.",
  anonymous_mobile_login_attempted: 'An anonymous sign-in was attempted from the mobile app.',
  anthropic_access: 'Anthropic staff viewed covered content (Access Transparency).',
  api_key_created: 'An API key was created with the listed scopes.',
  audit_log_export_accessed: 'An audit log export was downloaded.',
  audit_log_export_started: 'An audit log export was started.',
  billing_emails_updated: 'The billing email recipients were updated.',
  ccr_agent_proxy_network_events_listed: "A Claude Code remote agent proxy's network events were listed.",
  ccr_session_created: 'A Claude Code session was created.',
  ccr_session_deleted: 'A Claude Code session was deleted.',
  ccr_session_updated: "A Claude Code session's settings were updated.",
  claude_artifact_access_failed: 'Access to a Claude artifact failed.',
  claude_artifact_commented: 'A comment on a published artifact was added, resolved or deleted.',
  claude_artifact_comments_viewed: "An artifact's comments were viewed.",
  claude_artifact_duplicated: 'A user duplicated an artifact they could view into a new artifact they own.',
  claude_artifact_sharing_updated: "A Claude artifact's sharing audience was updated.",
  claude_chat_access_failed: 'Access to a Claude chat failed.',
  claude_chat_deletion_failed: 'Deleting a Claude chat failed.',
  claude_chat_settings_updated: "A Claude chat's settings were updated.",
  claude_code_credential_revoked: 'A Claude Code credential (runner pool key, runner token or session token) was revoked.',
  claude_code_runner_pool_session_queue_updated: "A session in a Claude Code runner pool's queue was requeued, retried or dismissed.",
  claude_code_security_scan_project_member_updated: "A person's access to a Claude Code Security scan project was granted, changed or revoked.",
  claude_code_security_scan_project_visibility_updated: 'A Claude Code Security scan project was shared or unshared.',
  claude_code_security_vulnerability_fix_session_created: 'A Claude Code session to fix a Claude Code Security vulnerability was created.',
  claude_code_team_memory_acl_updated: "A group's access to Claude Code team memory was set or removed.",
  claude_code_team_onboarding_guide_updated: 'A Claude Code team onboarding guide was created, updated or deleted.',
  claude_code_user_marketplaces_updated: "A user's Claude Code plugin marketplaces were updated.",
  claude_code_user_memory_updated: "A user's Claude Code memory was updated.",
  claude_code_user_plugins_updated: "A user's Claude Code plugins were updated.",
  claude_code_user_settings_updated: "A user's Claude Code settings were updated.",
  claude_enterprise_upgrade_credit_updated: 'An admin cancelled or re-enabled the monthly Team-to-Enterprise upgrade usage credit.',
  claude_file_access_failed: 'Access to a Claude file failed.',
  claude_file_exported: 'A Claude file was exported (to Google Drive).',
  claude_gdrive_integration_created: 'A Google Drive integration was created.',
  claude_gdrive_integration_deleted: 'A Google Drive integration was deleted.',
  claude_gdrive_integration_updated: 'A Google Drive integration was updated.',
  claude_github_integration_created: 'A GitHub integration was created.',
  claude_github_integration_deleted: 'A GitHub integration was deleted.',
  claude_github_integration_updated: 'A GitHub integration was updated.',
  claude_organization_settings_updated: 'Organization settings were updated (each change with its previous and current value).',
  claude_project_document_access_failed: 'Access to a project document failed.',
  claude_project_document_bulk_deletion_audit_truncated: 'A bulk deletion of project documents audited fewer documents than were requested.',
  claude_project_document_deletion_failed: 'Deleting a project document failed.',
  claude_project_file_access_failed: 'Access to a project file failed.',
  claude_project_file_bulk_deletion_audit_truncated: 'A bulk deletion of project files audited fewer files than were requested.',
  claude_project_file_deletion_failed: 'Deleting a project file failed.',
  claude_project_sharing_updated: "A Claude project's sharing audience was updated.",
  claude_published_artifact_deleted: 'A published Claude artifact was deleted.',
  claude_pubsec_identity_configured: 'Public-sector identity (IdP SAML configuration, magic link) was configured.',
  claude_user_role_updated: "A user's organization role was changed.",
  claude_user_seat_tier_updated: "A user's seat tier was changed.",
  claude_user_settings_updated: "A user's profile or preferences were updated.",
  cli_plugin_exec_policy_updated: 'The maximum permission for a CLI operation of a plugin was updated.',
  cmek_preserve: 'Anthropic preserved covered content beyond its retention period (Access Transparency).',
  compliance_api_accessed: 'The Compliance API was called (method, URL and status code recorded).',
  cowork_session_updated: 'A Cowork session was updated.',
  design_project_artifact_published: 'An artifact of a design project was published.',
  design_project_member_added: 'A member was added to a design project.',
  design_project_member_removed: 'A member was removed from a design project.',
  design_project_member_role_updated: "A design project member's role was changed.",
  design_project_sharing_updated: "A design project's sharing settings were updated.",
  desktop_extension_removed_from_allowlist: 'A desktop extension was removed from the allowlist.',
  domain_claim_initiated: 'A domain claim was started.',
  end_user_invite_requested: 'A member requested an invitation for someone else.',
  extra_usage_billing_enabled: 'Extra usage billing was enabled.',
  extra_usage_credit_granted: 'Extra usage credit was granted.',
  extra_usage_spend_limit_increase_request_approved: 'A request to raise an extra usage spend limit was approved.',
  extra_usage_spend_limit_increase_request_denied: 'A request to raise an extra usage spend limit was denied.',
  ghe_user_connected: 'A user connected their GitHub Enterprise account.',
  ghe_user_disconnected: 'A user disconnected their GitHub Enterprise account.',
  ghe_webhook_signature_invalid: 'A GitHub Enterprise webhook arrived with an invalid signature.',
  github_token_import: 'A GitHub token import was attempted (imported, rejected or failed).',
  group_list_viewed: 'The list of groups was viewed.',
  group_member_added: 'Members were added to a group.',
  group_member_addition_failed: 'Adding members to a group failed.',
  group_member_list_viewed: "A group's member list was viewed.",
  group_member_removal_failed: 'Removing members from a group failed.',
  group_member_removed: 'Members were removed from a group.',
  group_project_shares_revoked: "A group's project shares were revoked.",
  group_skill_shares_revoked: "A group's skill shares were revoked.",
  group_visibility_updated: "A group's visibility policies were updated.",
  inference_hooks_circuit_breaker_tripped: "The inference hooks' circuit breaker tripped.",
  inference_hooks_config_deleted: 'The inference hooks configuration was deleted.',
  inference_hooks_config_updated: 'The inference hooks configuration was updated.',
  inference_hooks_request_denied: 'An inference hook denied a request.',
  inference_hooks_request_failed_open: 'An inference hook failed and the request was let through (fail open).',
  inference_hooks_signing_secret_generated: 'An inference hooks signing secret was generated or rotated.',
  integration_user_connected: 'A user connected an integration (connector).',
  integration_user_disconnected: 'A user disconnected an integration (connector).',
  invoice_collection_method_updated: 'The invoice collection method was changed.',
  lti_launch_initiated: 'An LTI launch from a learning platform was started.',
  lti_launch_success: 'An LTI launch from a learning platform succeeded.',
  magic_link_login_failed: 'A magic-link sign-in failed.',
  magic_link_login_initiated: 'A magic-link sign-in was started.',
  magic_link_login_succeeded: 'A user signed in with a magic link.',
  managed_organization_setup_completed: 'The setup of a managed organization was completed.',
  mcp_directory_server_published: 'A server was published to the MCP directory.',
  mcp_server_managed_auth_token_exchanged: 'A managed-auth token was exchanged for an MCP server.',
  mcp_server_managed_auth_updated: "An MCP server's managed authentication was updated.",
  mcp_tool_policy_updated: 'The permission policy of an MCP tool was updated.',
  org_analytics_api_capability_updated: 'The Analytics API capability was turned on or off for the organization.',
  org_bulk_delete_initiated: 'A bulk deletion of organizations was started.',
  org_capability_grant_added: 'A capability was granted to a role or workspace.',
  org_capability_grant_removed: 'A capability grant was removed from a role or workspace.',
  org_claude_code_desktop_disabled: 'Claude Code on desktop was disabled for the organization.',
  org_claude_code_desktop_enabled: 'Claude Code on desktop was enabled for the organization.',
  org_claude_code_zero_data_retention_disabled: 'Zero data retention for Claude Code was disabled for the organization.',
  org_connector_domain_guard_updated: 'The connector domain guard was turned on or off for the organization.',
  org_cowork_act_without_asking_mode_disabled: "Cowork's act-without-asking mode was disabled for the organization.",
  org_cowork_act_without_asking_mode_enabled: "Cowork's act-without-asking mode was enabled for the organization.",
  org_cowork_mcp_always_allow_disabled: 'Always allowing MCP tools in Cowork was disabled for the organization.',
  org_cowork_mcp_always_allow_enabled: 'Always allowing MCP tools in Cowork was enabled for the organization.',
  org_cowork_otlp_settings_updated: "The organization's Cowork OpenTelemetry (OTLP) export settings were updated.",
  org_cowork_remote_disabled: 'Remote Cowork (started on the web or mobile) was disabled for the organization.',
  org_cowork_remote_enabled: 'Remote Cowork (started on the web or mobile) was enabled for the organization.',
  org_creation_blocked: 'The creation of an organization was blocked.',
  org_data_export_accessed: 'A data export of the organization was downloaded.',
  org_data_export_completed: 'A data export of the organization completed.',
  org_data_export_started: 'A data export of the organization was started.',
  org_deleted_via_bulk: 'The organization was deleted by a bulk deletion.',
  org_deletion_requested: 'Deletion of the organization was requested.',
  org_directory_resync_completed: 'A directory resync completed.',
  org_directory_resync_failed: 'A directory resync failed.',
  org_directory_resync_started: 'A directory resync started.',
  org_directory_sync_activated: 'Directory sync (SCIM) was activated for the organization.',
  org_directory_sync_add_initiated: 'Adding directory sync (SCIM) was started for the organization.',
  org_directory_sync_deleted: 'Directory sync (SCIM) was removed from the organization.',
  org_domain_add_initiated: 'Adding a domain to the organization was started.',
  org_domain_removed: 'A domain was removed from the organization.',
  org_domain_verified: 'A domain of the organization was verified.',
  org_external_key_created: 'An external (customer-managed) encryption key was added.',
  org_external_key_deleted: 'An external (customer-managed) encryption key was deleted.',
  org_external_key_updated: 'An external (customer-managed) encryption key was updated.',
  org_external_key_validated: 'An external (customer-managed) encryption key was validated.',
  org_hipaa_self_serve_enabled: 'HIPAA self-serve was enabled and the BAA accepted for the organization.',
  org_invite_link_disabled: "The organization's invite link was disabled.",
  org_invite_link_generated: 'An invite link for the organization was generated.',
  org_invite_link_regenerated: "The organization's invite link was regenerated.",
  org_invite_viewed: 'An invitation was viewed.',
  org_invites_listed: 'The invitations of the organization were listed.',
  org_ip_restriction_created: 'An IP restriction was created for the organization.',
  org_ip_restriction_deleted: 'An IP restriction was deleted from the organization.',
  org_ip_restriction_updated: "The organization's IP restriction was updated.",
  org_join_proposal_decided: 'A proposal to join an organization was approved or declined.',
  org_join_request_approved: 'A request to join the organization was approved.',
  org_join_request_created: 'A request to join the organization was made.',
  org_join_request_dismissed: 'A request to join the organization was dismissed.',
  org_join_request_instant_approved: 'A request to join the organization was approved automatically.',
  org_join_requests_bulk_dismissed: 'Requests to join the organization were dismissed in bulk.',
  org_magic_link_second_factor_toggled: 'Magic link as a second factor after SSO was turned on or off for the organization.',
  org_member_invites_disabled: 'Member invitations were disabled for the organization.',
  org_member_invites_enabled: 'Member invitations were enabled for the organization.',
  org_members_exported: 'The member list of the organization was exported.',
  org_model_default_updated: 'The default model was set or cleared for the organization or a role.',
  org_parent_join_proposal_created: 'A proposal to join a parent organization was made.',
  org_parent_search_performed: 'A search for a parent organization was performed.',
  org_sso_add_initiated: 'Adding SSO was started for the organization.',
  org_sso_connection_activated: 'An SSO connection was activated.',
  org_sso_connection_deactivated: 'An SSO connection was deactivated.',
  org_sso_connection_deleted: 'An SSO connection was deleted.',
  org_sso_group_role_mappings_updated: 'The SSO group-to-role mappings were updated.',
  org_sso_provisioning_mode_changed: 'The SSO provisioning mode was changed.',
  org_sso_scim_welcome_email_toggled: 'Welcome emails for SCIM-provisioned users were turned on or off.',
  org_sso_seat_tier_assignment_toggled: 'Seat tier assignment from SSO groups was turned on or off.',
  org_sso_seat_tier_mappings_updated: 'The SSO group-to-seat-tier mappings were updated.',
  org_sso_toggled: 'SSO was turned on or off for the organization.',
  org_sync_deleting_synchronized_files_started: 'Deleting the files synchronized from external sources was started for the organization.',
  org_sync_synchronized_files_deleted: 'The files synchronized from external sources were deleted for the organization.',
  org_taint_added: 'A taint was added to the organization.',
  org_taint_removed: 'A taint was removed from the organization.',
  org_user_deleted: 'A user was removed from the organization.',
  org_user_invite_accepted: 'An invitation to the organization was accepted.',
  org_user_invite_deleted: 'An invitation to the organization was deleted.',
  org_user_invite_re_sent: 'An invitation to the organization was sent again.',
  org_user_invite_rejected: 'An invitation to the organization was declined.',
  org_user_invite_sent: 'An invitation to the organization was sent.',
  org_user_left: 'A user left the organization.',
  org_user_trusted_devices_revoked: "A user's trusted devices and sessions were revoked.",
  org_user_viewed: 'A user of the organization was viewed.',
  org_users_listed: 'The users of the organization were listed.',
  org_work_across_apps_disabled: 'Working across apps was disabled for the organization.',
  org_work_across_apps_enabled: 'Working across apps was enabled for the organization.',
  organization_address_updated: "The organization's billing or shipping address was updated.",
  organization_icon_deleted: "The organization's icon was deleted.",
  organization_icon_updated: "The organization's icon was updated.",
  owned_projects_access_restored: 'Access to the projects a user owned was restored.',
  payment_method_updated: 'The payment method was updated.',
  pending_share_created: 'A resource was shared with someone who is not yet a member (pending share).',
  pending_share_revoked: 'A pending share of a resource was revoked.',
  phone_code_sent: 'A phone verification code was sent.',
  phone_code_verified: 'A phone verification code was verified.',
  platform_app_attest_authentication: 'A mobile device authenticated with Apple App Attest.',
  platform_billing_upgraded_to_prepaid: 'Console billing was switched to prepaid.',
  platform_clearance_workspace_program_request_cleared: "A workspace's opt-in or opt-out of a program was cleared.",
  platform_clearance_workspace_program_request_set: 'A workspace was opted in to or out of a program.',
  platform_cost_report_viewed: 'The Console cost report was viewed.',
  platform_dream_archived: 'A Dream (asynchronous memory-consolidation job) was archived.',
  platform_dream_cancelled: 'A Dream (asynchronous memory-consolidation job) was cancelled before it completed.',
  platform_dream_created: 'A Dream (asynchronous memory-consolidation job) was created.',
  platform_federated_authentication: 'A workload authenticated with a federated (OIDC) identity token.',
  platform_federation_rule_workspace_added: 'A workspace was added to a federation rule.',
  platform_federation_rule_workspace_removed: 'A workspace was removed from a federation rule.',
  platform_file_content_downloaded: "A file's content was downloaded through the Files API.",
  platform_file_deleted: 'A file was deleted through the Files API.',
  platform_file_uploaded: 'A file was uploaded through the Files API.',
  platform_memory_version_redacted: 'A version of an API memory was redacted.',
  platform_plugin_directory_submission_created: 'A plugin was submitted to the plugin directory.',
  platform_plugin_directory_submission_deleted: 'A plugin directory submission was deleted.',
  platform_plugin_directory_submission_updated: "A plugin directory submission's status was updated.",
  platform_service_account_workspace_member_added: 'A service account was added to a workspace.',
  platform_service_account_workspace_member_removed: 'A service account was removed from a workspace.',
  platform_service_account_workspace_member_updated: "A service account's workspace membership was updated.",
  platform_spend_limit_alert_emails_updated: 'The alert recipients of the Console spend limit were updated.',
  platform_usage_report_claude_code_viewed: 'The Console Claude Code usage report was viewed.',
  platform_usage_report_messages_viewed: 'The Console messages usage report was viewed.',
  platform_workspace_inference_data_retention_disabled: 'Inference data retention was disabled for a workspace.',
  platform_workspace_inference_data_retention_enabled: 'Inference data retention was enabled for a workspace.',
  platform_workspace_member_added: 'A member was added to a Console workspace.',
  platform_workspace_member_removed: 'A member was removed from a Console workspace.',
  platform_workspace_member_updated: 'A member of a Console workspace was updated.',
  platform_workspace_member_viewed: 'A workspace member was viewed.',
  platform_workspace_members_listed: "A workspace's members were listed.",
  platform_workspace_rate_limit_deleted: "A workspace's rate limit was removed.",
  platform_workspace_rate_limit_updated: "A workspace's rate limit was changed.",
  plugin_installation_preference_updated: 'The installation preference of a plugin was updated for the organization or a group.',
  prepaid_auto_recharge_disabled: 'Prepaid auto-recharge was disabled.',
  prepaid_auto_recharge_updated: 'Prepaid auto-recharge settings were updated.',
  prepaid_extra_usage_auto_reload_disabled: 'Auto-reload of prepaid extra usage was disabled.',
  prepaid_extra_usage_auto_reload_enabled: 'Auto-reload of prepaid extra usage was enabled.',
  prepaid_extra_usage_auto_reload_settings_updated: 'Auto-reload settings of prepaid extra usage were updated.',
  primary_owner_transferred: "The organization's primary owner was transferred to another user.",
  rbac_role_assigned: 'An RBAC role was assigned to a user or group.',
  rbac_role_permission_added: 'A permission was added to an RBAC role.',
  rbac_role_permission_removed: 'A permission was removed from an RBAC role.',
  rbac_role_unassigned: 'An RBAC role was unassigned from a user or group.',
  role_assignment_granted: 'A role on a resource was granted.',
  role_assignment_revoked: 'A role on a resource was revoked.',
  scim_user_created: 'A user was created by SCIM provisioning.',
  scim_user_deleted: 'A user was deleted by SCIM provisioning.',
  scim_user_updated: 'A user was updated by SCIM provisioning.',
  seat_tier_changes_cancelled: 'Scheduled seat tier changes were cancelled.',
  seat_tiers_purchased: 'Seats of one or more tiers were purchased.',
  service_created: 'A service was created.',
  service_deleted: 'A service was deleted.',
  session_revoked: 'A session was revoked.',
  session_share_accessed: 'A shared session was opened.',
  session_share_created: 'A session share link was created.',
  session_share_revoked: 'A session share link was revoked.',
  slack_workspace_claim_revoked: "The organization's claim on a Slack workspace was revoked.",
  slack_workspace_claimed: 'A Slack workspace was claimed for the organization.',
  social_login_succeeded: 'A user signed in with Apple, Google or Microsoft.',
  sso_login_failed: 'An SSO sign-in failed.',
  sso_login_initiated: 'An SSO sign-in was started.',
  sso_login_succeeded: 'A user signed in with SSO.',
  sso_second_factor_magic_link: 'A magic link was used as the second factor after SSO.',
  step_up_authentication_failed: 'A step-up authentication failed.',
  step_up_authentication_succeeded: 'A step-up authentication succeeded.',
  step_up_credential_enrolled: 'A step-up credential was enrolled.',
  subscription_cancellation_scheduled: 'Cancellation of the subscription was scheduled.',
  subscription_quantity_updated: 'The number of seats in the subscription was changed.',
  subscription_renewed: 'The subscription was renewed.',
  subscription_resumed: 'The subscription was resumed.',
  subscription_started: 'A subscription was started.',
  subscription_upgraded: 'The subscription was upgraded to another plan.',
  trusted_device_credential_rotated: "A trusted device's credential was rotated.",
  tunnel_token_revealed: 'A tunnel token was revealed.',
  user_consent_recorded: 'A user gave consent.',
  user_consent_revoked: 'A user withdrew consent.',
  user_logged_out: 'A user signed out.',
  verification_evidence_submitted: 'Evidence for a verification was submitted.',
  verification_program_application_created: 'An application to a verification program was made.',
  workspace_spend_limit_alert_emails_updated: "The alert recipients of a workspace's spend limit were updated.",
};

function words(tokens: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const phrase = PHRASES.find(([p]) => tokens.slice(i, i + p.split('_').length).join('_') === p);
    if (phrase) {
      out.push(phrase[1]);
      i += phrase[0].split('_').length;
    } else {
      out.push(WORDS[tokens[i]] ?? tokens[i]);
      i++;
    }
  }
  return out.join(' ');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One sentence saying what happened, for any type: a written one when the name does not read as
 * `<subject>_<verb>`, otherwise the subject's words (org_ → "for the organization", platform_ → Console)
 * and the verb.
 */
export function describe(type: string): string {
  if (Object.hasOwn(DESCRIPTIONS, type)) return DESCRIPTIONS[type];
  const tokens = type.split('_');
  const verb = tokens.pop() ?? type;
  if (tokens.length === 0) return `An activity of type ${type} happened.`;
  let where = '';
  if (tokens[0] === 'org' && tokens.length > 1) {
    tokens.shift();
    where = ' for the organization';
  }
  if (tokens[0] === 'platform' && tokens.length > 1) tokens[0] = 'Console';
  const subject = words(tokens);
  const head = subject.split(' ').pop() ?? subject;
  const plural = /[^su]s$/.test(head);
  const feature = where !== '' && (verb === 'enabled' || verb === 'disabled');
  let article = '';
  if (DEFINITE.has(head)) article = 'the ';
  else if (!plural && !feature && !UNCOUNTABLE.has(head)) article = /^([aeiou]|SSO|MCP|API|RBAC|LTI|HIPAA)/i.test(subject) ? 'an ' : 'a ';
  return capitalize(`${article}${subject} ${plural ? 'were' : 'was'} ${VERBS[verb] ?? verb}${where}.`);
}

// ---- the reference parser ---------------------------------------------------------------------

const SECTION_SOURCES: Readonly<Record<string, Source>> = {
  A: 'reference-2026-08-14',
  B: 'sdk-2026-09-04',
  C: 'access-transparency',
};

/** Fields every activity carries; section C names two of them only to say they are non-null. */
const ENVELOPE_FIELDS = new Set(['id', 'created_at', 'organization_id', 'organization_uuid', 'actor', 'type']);

/** Cells of a markdown table row; `\|` inside a cell is a literal bar. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Split at `sep` where no bracket is open. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '(' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Section A: `name: type; name?: type or null; …` (`—` when none). */
function fieldsOfSchema(cell: string, type: string): string[] {
  if (cell === '—' || cell === '') return [];
  return splitTopLevel(cell, '; ').map((part) => {
    const m = /^([a-z][a-z0-9_]*)\??:\s/.exec(part);
    if (!m) throw new Error(`activity-types: cannot read a field name of ${type} from "${part}"`);
    return m[1];
  });
}

/** Section C: "`accessed_at` (…), `resource_details` {…}, …; `organization_id`/… are non-null". */
function fieldsOfProse(cell: string): string[] {
  const names: string[] = [];
  for (const part of splitTopLevel(cell.replace(/;/g, ','), ', ')) {
    const m = /^`([a-z][a-z0-9_]*)`/.exec(part);
    if (m && !ENVELOPE_FIELDS.has(m[1])) names.push(m[1]);
  }
  return names;
}

/** `any`, `user,anthropic`, or prose naming `…_actor` values, as actor type names in canonical order. */
function actorsOf(cell: string, type: string): string[] {
  const known: readonly string[] = KNOWN_ACTOR_TYPES;
  if (cell === 'any') return [...known];
  const fromProse = cell.match(/\b[a-z_]+_actor\b/g);
  const names = fromProse ?? cell.split(',').map((s) => `${s.trim()}_actor`);
  for (const name of names) {
    if (!known.includes(name)) throw new Error(`activity-types: unknown actor "${name}" for ${type}`);
  }
  return known.filter((k) => names.includes(k));
}

function byType(a: CatalogEntry, b: CatalogEntry): number {
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/**
 * The catalog from the text of reference/activity-types.md: section A rows carry actors and fields,
 * section B rows only a gist (actors unrestricted, fields unknown), section C rows describe actors and
 * fields in prose ("same as above" / "same fields as `x`" refer to earlier rows).
 */
export function buildCatalog(referenceMarkdown: string): CatalogEntry[] {
  const entries = new Map<string, CatalogEntry>();
  let section: string | undefined;
  let previous: CatalogEntry | undefined;
  for (const line of referenceMarkdown.split(/\r?\n/)) {
    const heading = /^## ([A-Z])\. /.exec(line);
    if (heading) {
      section = heading[1];
      continue;
    }
    if (/^## /.test(line)) section = undefined;
    const source = section === undefined ? undefined : SECTION_SOURCES[section];
    if (source === undefined || !/^\| `[a-z]/.test(line)) continue;

    const row = cells(line);
    const type = /^`([a-z][a-z0-9_]*)`$/.exec(row[0])?.[1];
    if (!type) throw new Error(`activity-types: cannot read the type of row "${line.slice(0, 80)}"`);
    if (entries.has(type)) throw new Error(`activity-types: ${type} is listed twice`);

    let actors: string[];
    let fields: string[];
    if (section === 'A') {
      actors = actorsOf(row[1], type);
      fields = fieldsOfSchema(row[2], type);
    } else if (section === 'B') {
      // the 2026-09-04 list names types only; the reference does not restrict their actors
      actors = [...KNOWN_ACTOR_TYPES];
      fields = [];
    } else {
      actors = /^same as above$/i.test(row[1]) && previous ? [...previous.actors] : actorsOf(row[1], type);
      const same = /^same fields as `([a-z0-9_]+)`$/.exec(row[2]);
      const base = same ? entries.get(same[1]) : undefined;
      if (same && !base) throw new Error(`activity-types: ${type} refers to unknown type ${same[1]}`);
      fields = base ? [...base.fields] : fieldsOfProse(row[2]);
    }
    const { family, category } = classify(type);
    const entry: CatalogEntry = { type, family, category, description: describe(type), actors, fields, source };
    entries.set(type, entry);
    previous = entry;
  }
  return [...entries.values()].sort(byType);
}

// ---- the committed file -----------------------------------------------------------------------

/** One entry per line, so a diff shows exactly the types that changed. */
export function serializeCatalog(entries: readonly CatalogEntry[]): string {
  return `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;
}

/** The directory holding this package's package.json: two levels above src/models, three above dist/src/models. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'compliance-lake') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`activity-types: no compliance-lake package.json above ${from}`);
    dir = parent;
  }
}

export function catalogPath(): string {
  return join(packageRoot(), CATALOG_PATH);
}

export function loadCatalog(path: string = catalogPath()): CatalogEntry[] {
  return JSON.parse(readFileSync(path, 'utf8')) as CatalogEntry[];
}

// ---- schema/activity-categories.md: the part between the markers is rendered from the catalog ----

export const CATEGORIES_DOC_PATH = 'schema/activity-categories.md';
export const GENERATED_BEGIN = '<!-- BEGIN GENERATED: node dist/src/models/catalog.js --write -->';
export const GENERATED_END = '<!-- END GENERATED -->';

/** Counts per category, families per category, and every admin type, as markdown. */
export function renderCategoryTables(entries: readonly CatalogEntry[]): string {
  const lines: string[] = ['### Types per category', '', '| category | types |', '|---|---|'];
  for (const c of CATEGORIES) lines.push(`| \`${c}\` | ${entries.filter((e) => e.category === c).length} |`);
  lines.push(`| total | ${entries.length} |`, '', '### Families', '', '| category | family | types |', '|---|---|---|');
  for (const c of CATEGORIES) {
    const families = [...new Set(entries.filter((e) => e.category === c).map((e) => e.family))].sort();
    for (const f of families) {
      lines.push(`| \`${c}\` | \`${f}\` | ${entries.filter((e) => e.category === c && e.family === f).length} |`);
    }
  }
  const admin = entries.filter((e) => e.category === 'admin');
  lines.push('', `### The ${admin.length} admin types, by family`, '');
  for (const f of [...new Set(admin.map((e) => e.family))].sort()) {
    const types = admin.filter((e) => e.family === f).map((e) => `\`${e.type}\``);
    lines.push(`- **${f}** (${types.length}): ${types.join(', ')}`);
  }
  return lines.join('\n');
}

/** The document with its generated part replaced. */
export function withCategoryTables(doc: string, entries: readonly CatalogEntry[]): string {
  const begin = doc.indexOf(GENERATED_BEGIN);
  const end = doc.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) throw new Error(`${CATEGORIES_DOC_PATH}: the generated markers are missing`);
  return `${doc.slice(0, begin + GENERATED_BEGIN.length)}\n\n${renderCategoryTables(entries)}\n\n${doc.slice(end)}`;
}

/** `node dist/src/models/catalog.js [--write] [--reference <path>]`: prints counts; --write rewrites the JSON and the doc's tables. */
function main(argv: string[]): void {
  const at = argv.indexOf('--reference');
  const reference = at >= 0 && argv[at + 1] ? resolve(argv[at + 1]) : resolve(packageRoot(), DEFAULT_REFERENCE_PATH);
  const entries = buildCatalog(readFileSync(reference, 'utf8'));
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, entries.filter((e) => e.category === c).length]));
  const unmatched = entries.filter((e) => e.family === UNKNOWN_FAMILY).map((e) => e.type);
  process.stdout.write(`${entries.length} types from ${reference}\n${JSON.stringify(counts)}\n`);
  if (unmatched.length > 0) process.stdout.write(`matched by no rule: ${unmatched.join(', ')}\n`);
  if (argv.includes('--write')) {
    writeFileSync(catalogPath(), serializeCatalog(entries));
    const doc = join(packageRoot(), CATEGORIES_DOC_PATH);
    writeFileSync(doc, withCategoryTables(readFileSync(doc, 'utf8'), entries));
    process.stdout.write(`wrote ${catalogPath()} and ${doc}\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
