// Request parameters and response records of the Compliance API, spelled as the API spells them
// (compliance-api.md §2–§4). Records are open: unknown fields are kept, so every record type allows extras.

export type Extra = { [field: string]: unknown };

// ---- activities -------------------------------------------------------------------------------

export type KnownActorType =
  | 'user_actor'
  | 'api_actor'
  | 'admin_api_key_actor'
  | 'unauthenticated_user_actor'
  | 'anthropic_actor'
  | 'scim_directory_sync_actor'
  | 'system_actor'
  | 'service_account_actor'
  | 'federated_identity_actor'
  | 'federated_actor'
  | 'attested_device_actor';

export const KNOWN_ACTOR_TYPES: readonly KnownActorType[] = [
  'user_actor',
  'api_actor',
  'admin_api_key_actor',
  'unauthenticated_user_actor',
  'anthropic_actor',
  'scim_directory_sync_actor',
  'system_actor',
  'service_account_actor',
  'federated_identity_actor',
  'federated_actor',
  'attested_device_actor',
];

/** The actor union (compliance-api.md §3.2); `type` stays a plain string so new actor kinds pass through. */
export interface Actor extends Extra {
  type: KnownActorType | (string & {});
  user_id?: string;
  email_address?: string | null;
  ip_address?: string | null;
  user_agent?: string | null;
  api_key_id?: string;
  admin_api_key_id?: string;
  unauthenticated_email_address?: string | null;
  workos_event_id?: string;
  directory_id?: string;
  idp_connection_type?: string | null;
  service?: string | null;
  service_account_id?: string;
}

/** One activity (compliance-api.md §3.1). Type-specific fields sit flat next to `type`. */
export interface Activity extends Extra {
  id: string;
  /** Normalised by the client to RFC 3339 UTC with `Z`. */
  created_at: string;
  organization_id: string | null;
  organization_uuid: string | null;
  actor: Actor;
  type: string;
}

export type ActivityOrder = 'asc' | 'desc';

export interface ActivityQuery extends CreatedAtRange {
  activity_types?: string[];
  exclude_activity_types?: string[];
  actor_ids?: string[];
  user_ids?: string[];
  organization_ids?: string[];
  after_id?: string;
  before_id?: string;
  limit?: number;
  order?: ActivityOrder;
}

// ---- pages ------------------------------------------------------------------------------------

/** Cursor pagination: activities, chats, messages (compliance-api.md §2). */
export interface CursorPage<T> {
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** Page-token pagination: directory, projects, attachments (compliance-api.md §2). */
export interface TokenPage<T> {
  data: T[];
  has_more: boolean;
  next_page: string | null;
}

// ---- directory --------------------------------------------------------------------------------

export interface Organization extends Extra {
  uuid: string;
  name: string;
  created_at: string;
}

/** One typed row of an organization's effective settings (compliance-api.md §2.2 item 7). */
export type OrganizationSetting = Extra &
  (
    | { name: string; type: 'boolean'; value: boolean }
    | { name: string; type: 'integer'; value: number | null }
    | { name: string; type: 'string'; value: string | null }
    | { name: string; type: 'string_list'; value: string[] }
    | { name: 'sso_provisioning_mode'; type: 'provisioning_mode'; value: string }
    | { name: 'data_retention_periods'; type: 'data_retention'; value: Record<string, DataRetentionPeriod> }
  );

export type DataRetentionPeriod = { type: 'fixed'; duration: number; timescale: 'day' | 'month' } | { type: 'indefinite' };

/** A Compliance Access Key of the parent organization as the settings endpoint lists it (never the secret). */
export interface ComplianceApiKeyInfo extends Extra {
  type: 'compliance_api_key';
  id: string;
  name: string;
  scopes: string[];
  is_active: boolean;
  created_at: string;
  created_by_id: string | null;
  expires_at: string | null;
}

/** GET /v1/compliance/organizations/{organization_id}/settings. */
export interface OrganizationSettings extends Extra {
  type: 'effective_organization_settings';
  organization_id: string;
  settings: OrganizationSetting[];
  api_keys: ComplianceApiKeyInfo[];
}

export type OrganizationRole =
  | 'admin'
  | 'billing'
  | 'claude_code_user'
  | 'developer'
  | 'managed'
  | 'membership_admin'
  | 'owner'
  | 'primary_owner'
  | 'user';

export interface OrganizationUser extends Extra {
  id: string;
  created_at: string;
  email: string;
  full_name: string;
  organization_role: OrganizationRole | (string & {});
}

export interface Role extends Extra {
  id: string;
  name: string;
  description: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface RolePermission extends Extra {
  action: string;
  resource_id: string;
  resource_type: string;
}

export interface Group extends Extra {
  id: string;
  name: string;
  description: string;
  roles: string[] | null;
  source_type: 'direct' | 'scim' | (string & {});
  created_at: string | null;
  updated_at: string | null;
}

export interface GroupMember extends Extra {
  user_id: string;
  email: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface PageQuery {
  limit?: number;
  page?: string;
}

/** The time-range filters of the listing endpoints: each bound optional, RFC 3339. */
export interface CreatedAtRange {
  'created_at.gte'?: string;
  'created_at.gt'?: string;
  'created_at.lte'?: string;
  'created_at.lt'?: string;
}

export interface UpdatedAtRange {
  'updated_at.gte'?: string;
  'updated_at.gt'?: string;
  'updated_at.lte'?: string;
  'updated_at.lt'?: string;
}

export interface GroupQuery extends PageQuery {
  name_prefix?: string;
}

// ---- content ----------------------------------------------------------------------------------

export type * from './app-types.js';

export interface ContentUser extends Extra {
  id: string;
  email_address: string;
}

export interface Chat extends Extra {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  href: string;
  model: string | null;
  organization_uuid: string;
  organization_id?: string;
  project_id: string | null;
  user: ContentUser | null;
}

export interface ChatQuery extends CreatedAtRange, UpdatedAtRange {
  user_ids?: string[];
  organization_ids?: string[];
  project_ids?: string[];
  order_by?: 'created_at' | 'updated_at';
  after_id?: string;
  before_id?: string;
  limit?: number;
}

export interface TextBlock extends Extra {
  type: 'text';
  text: string;
  thinking_redacted?: boolean;
  truncated?: boolean;
}

export interface ToolUseBlock extends Extra {
  type: 'tool_use';
  id: string | null;
  name: string;
  input: string;
  integration_name: string | null;
  mcp_server_url: string | null;
  truncated?: boolean;
}

export interface ToolResultBlock extends Extra {
  type: 'tool_result';
  tool_use_id: string | null;
  name: string;
  is_error: boolean;
  content: { type: 'text'; text: string }[];
  integration_name: string | null;
  mcp_server_url: string | null;
  truncated?: boolean;
}

export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock | (Extra & { type: string });

export interface MessageFile extends Extra {
  id: string;
  created_at?: string;
  filename: string | null;
  md5: string | null;
  mime_type: string | null;
  size_bytes: number | null;
}

export interface MessageArtifact extends Extra {
  id: string;
  version_id: string;
  title: string | null;
  artifact_type: string | null;
}

export interface ChatMessage extends Extra {
  id: string;
  role: 'user' | 'assistant' | (string & {});
  created_at: string;
  content: ContentBlock[];
  files: MessageFile[] | null;
  generated_files: MessageFile[] | null;
  artifacts: MessageArtifact[] | null;
}

/** GET .../chats/{id}/messages: the chat's metadata plus one page of messages. */
export interface ChatMessagesPage extends Chat {
  chat_messages: ChatMessage[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

export interface MessageQuery extends CreatedAtRange, UpdatedAtRange {
  limit?: number;
  after_id?: string;
  before_id?: string;
  order?: 'asc' | 'desc';
  tool_use_input_max_chars?: number;
  tool_result_max_chars?: number;
}

export interface FileMetadata extends Extra {
  id: string;
  claude_chat_ids: string[];
  message_ids: string[];
  created_at: string;
  filename: string | null;
  md5: string | null;
  mime_type: string | null;
  size_bytes: number | null;
}

export interface Project extends Extra {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  is_private: boolean;
  organization_uuid: string;
  organization_id?: string;
  user: ContentUser | null;
}

export interface ProjectDetail extends Project {
  description: string;
  instructions: string;
  chats_count: number;
  attachments_count: number;
}

export interface ProjectQuery extends PageQuery, CreatedAtRange, UpdatedAtRange {
  organization_ids?: string[];
  user_ids?: string[];
}

export interface ProjectFileAttachment extends Extra {
  type: 'project_file';
  id: string;
  created_at: string;
  filename: string;
  mime_type: string;
  md5: string | null;
  size_bytes: number | null;
}

export interface ProjectDocAttachment extends Extra {
  type: 'project_doc';
  id: string;
  created_at: string;
  filename: string;
  mime_type: string;
  updated_at: null;
}

export type ProjectAttachment = ProjectFileAttachment | ProjectDocAttachment | (Extra & { type: string; id: string });

// ---- errors -----------------------------------------------------------------------------------

/** The error envelope (compliance-api.md §6.1): `{"type":"error","error":{type,message},"request_id"}`. */
export interface ErrorEnvelope {
  type: 'error';
  error: { type: string; message: string; details?: unknown };
  request_id: string | null;
}
