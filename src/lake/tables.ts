// The lake's tables: one per stream, typed columns for the documented fields, the record as JSON, and the
// provenance columns every row carries. schema/lake-tables.md documents them (a test keeps it in step).

export interface TableSpec {
  stream: string;
  /** Column name → DuckDB type, in file order (provenance columns are appended). */
  columns: Record<string, string>;
  /** The column whose UTC day is the partition (`date=YYYY-MM-DD`). */
  timeColumn: string;
  /** The column recorded as first/last id in the manifest. */
  idColumn: string;
  /** What makes a row unique: deduplication (compaction, staging) keeps one row per key. */
  key: string[];
}

/** On every row of every table. */
export const PROVENANCE_COLUMNS: Record<string, string> = {
  _run_id: 'VARCHAR',
  _extracted_at: 'TIMESTAMPTZ',
  _endpoint: 'VARCHAR',
  _request_id: 'VARCHAR',
};

const TS = 'TIMESTAMPTZ';
const S = 'VARCHAR';

export const TABLES: Record<string, TableSpec> = {
  // Activities keep their envelope and actor in typed columns and everything else in `rest`/`actor_rest`
  // (see src/extract/activities.ts): the record is reassembled losslessly, at a fraction of the bytes.
  activities: {
    stream: 'activities',
    columns: {
      id: S,
      created_at: TS,
      created_at_digits: 'UTINYINT',
      type: S,
      organization_id: S,
      organization_uuid: S,
      actor_type: S,
      actor_user_id: S,
      actor_email: S,
      actor_ip: S,
      actor_user_agent: S,
      actor_api_key_id: S,
      actor_rest: 'JSON',
      rest: 'JSON',
      is_own_request: 'BOOLEAN',
    },
    timeColumn: 'created_at',
    idColumn: 'id',
    key: ['id'],
  },
  organizations: {
    stream: 'organizations',
    columns: { snapshot_at: TS, uuid: S, name: S, created_at: TS, raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'uuid',
    key: ['snapshot_at', 'uuid'],
  },
  users: {
    stream: 'users',
    columns: { snapshot_at: TS, organization_uuid: S, id: S, email: S, full_name: S, organization_role: S, created_at: TS, raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'id',
    key: ['snapshot_at', 'organization_uuid', 'id'],
  },
  // One row per linked organization per snapshot: the settings rows and the key list stay as sent, so the
  // models unnest them and a setting the API adds later is kept without a schema change.
  organization_settings: {
    stream: 'organization_settings',
    columns: { snapshot_at: TS, organization_uuid: S, settings: 'JSON', api_keys: 'JSON', raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'organization_uuid',
    key: ['snapshot_at', 'organization_uuid'],
  },
  roles: {
    stream: 'roles',
    columns: { snapshot_at: TS, organization_uuid: S, id: S, name: S, description: S, created_at: TS, updated_at: TS, raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'id',
    key: ['snapshot_at', 'organization_uuid', 'id'],
  },
  role_permissions: {
    stream: 'role_permissions',
    columns: { snapshot_at: TS, organization_uuid: S, role_id: S, action: S, resource_type: S, resource_id: S, raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'role_id',
    key: ['snapshot_at', 'organization_uuid', 'role_id', 'action', 'resource_type', 'resource_id'],
  },
  groups: {
    stream: 'groups',
    columns: { snapshot_at: TS, id: S, name: S, description: S, source_type: S, roles: 'JSON', created_at: TS, updated_at: TS, raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'id',
    key: ['snapshot_at', 'id'],
  },
  group_members: {
    stream: 'group_members',
    columns: { snapshot_at: TS, group_id: S, user_id: S, email: S, created_at: TS, updated_at: TS, raw: 'JSON' },
    timeColumn: 'snapshot_at',
    idColumn: 'user_id',
    key: ['snapshot_at', 'group_id', 'user_id'],
  },
  chats: {
    stream: 'chats',
    columns: {
      id: S,
      updated_at: TS,
      created_at: TS,
      deleted_at: TS,
      name: S,
      model: S,
      organization_uuid: S,
      organization_id: S,
      project_id: S,
      user_id: S,
      user_email: S,
      raw: 'JSON',
    },
    timeColumn: 'updated_at',
    idColumn: 'id',
    key: ['id', 'updated_at'],
  },
  projects: {
    stream: 'projects',
    columns: {
      id: S,
      updated_at: TS,
      created_at: TS,
      deleted_at: TS,
      name: S,
      is_private: 'BOOLEAN',
      organization_uuid: S,
      organization_id: S,
      user_id: S,
      user_email: S,
      raw: 'JSON',
    },
    timeColumn: 'updated_at',
    idColumn: 'id',
    key: ['id', 'updated_at'],
  },
  project_attachments: {
    stream: 'project_attachments',
    columns: {
      snapshot_at: TS,
      project_id: S,
      id: S,
      type: S,
      filename: S,
      mime_type: S,
      md5: S,
      size_bytes: 'BIGINT',
      created_at: TS,
      updated_at: TS,
      raw: 'JSON',
    },
    timeColumn: 'snapshot_at',
    idColumn: 'id',
    key: ['snapshot_at', 'project_id', 'id'],
  },
  // One row per grant listed by a project's collaborators endpoint: who (a user, a group, the whole organization
  // or an organization role, by `principal_type`) holds which project role since when (compliance-api.md §2.4 #25).
  project_collaborators: {
    stream: 'project_collaborators',
    columns: {
      snapshot_at: TS,
      project_id: S,
      principal_type: S,
      principal_id: S,
      role: S,
      granted_at: TS,
      raw: 'JSON',
    },
    timeColumn: 'snapshot_at',
    idColumn: 'project_id',
    key: ['snapshot_at', 'project_id', 'principal_type', 'principal_id', 'role', 'granted_at'],
  },
};

export const STREAMS = Object.keys(TABLES);

export function allColumns(spec: TableSpec): Record<string, string> {
  return { ...spec.columns, ...PROVENANCE_COLUMNS };
}
