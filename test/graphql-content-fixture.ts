// The content and settings marts of the GraphQL fixture warehouse (marts.chats, projects, project_attachments,
// project_collaborators, organization_settings), derived in SQL from the fixture's own activities and users so they agree with them:
// every claude_chat_created activity is a chat, the first claude_file_uploaded activities are projects, and
// each organization has a few settings with a change placed by an event and one by a snapshot.
import type { DuckDBConnection } from '@duckdb/node-api';
import { ORGS, iso, us } from './graphql-fixture.js';

const ts = (day: number) => `'${iso(us(day))}'::timestamptz`;

export async function writeContentMarts(c: DuckDBConnection): Promise<void> {
  await c.run(`create table marts.projects_base as
    select 'claude_proj_' || id as project_id, 'Project ' || row_number() over (order by created_at, id) as name,
           row_number() over (order by created_at, id) % 2 = 0 as is_private, organization_uuid, organization_id,
           actor_user_id as user_id, actor_email as user_email, created_at, created_at as updated_at,
           case when row_number() over (order by created_at, id) = 5 then created_at + interval 3 days end as deleted_at
    from marts.activities where type = 'claude_file_uploaded' and actor_user_id is not null and organization_uuid is not null
    order by created_at, id limit 6`);
  await c.run(`create table marts.chats as
    with chats as (
      select 'claude_chat_' || a.id as chat_id, 'Chat ' || a.id as name, 'claude-sonnet-4-5' as model, a.organization_uuid, a.organization_id,
             a.actor_user_id as user_id, a.actor_email as user_email, a.created_at, a.created_at + interval 1 hour as updated_at,
             case when hash(a.id) % 7 = 0 then a.created_at + interval 2 days end as deleted_at,
             row_number() over (order by a.created_at, a.id) as n
      from marts.activities a where a.type = 'claude_chat_created' and a.actor_user_id is not null and a.organization_uuid is not null
    ),
    numbered_projects as (select project_id, row_number() over (order by created_at, project_id) - 1 as k from marts.projects_base)
    select c.chat_id, c.name, c.model, c.organization_uuid, c.organization_id, p.project_id, c.user_id, c.user_email, c.created_at,
           c.updated_at, c.deleted_at, c.deleted_at is not null as is_deleted, 1::bigint as versions_seen,
           u.email as creator_email_at_creation, u.full_name as creator_full_name_at_creation, u.organization_role as creator_role_at_creation,
           u.valid_from as creator_user_valid_from
    from chats c
    left join numbered_projects p on c.n % 3 = 0 and p.k = c.n % 6
    left join marts.users u on u.user_id = c.user_id and u.organization_uuid = c.organization_uuid
      and coalesce(u.valid_from, '-infinity'::timestamptz) <= c.created_at and c.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)`);
  await c.run(`create table marts.project_attachments as
    select p.project_id, 'claude_file_' || p.project_id || '_' || k as attachment_id, case when k = 2 then 'project_doc' else 'project_file' end as attachment_type,
           'notes-' || k || '.txt' as filename, 'text/plain' as mime_type, case when k = 2 then null else md5(p.project_id || k) end as md5,
           case when k = 2 then null else 1000 * k end::bigint as size_bytes, p.created_at + to_days(k::integer) as created_at,
           null::timestamptz as updated_at, p.created_at + to_days(k::integer) as first_seen, p.created_at + interval 9 days as last_seen, k < 3 as is_current
    from marts.projects_base p, range(1, 4) as r(k)`);
  // every project: its creator as owner, the organization as viewer, and (on even ones) a revoked editor grant
  await c.run(`create table marts.project_collaborators as
    select p.project_id, 'user' as principal_type, p.user_id as principal_id, p.user_email as principal_name, 'owner' as role,
           p.created_at as granted_at, p.created_at as first_seen, p.created_at + interval 9 days as last_seen, true as is_current
    from marts.projects_base p
    union all
    select p.project_id, 'organization', p.organization_uuid, p.organization_uuid, 'viewer', p.created_at + interval 1 day,
           p.created_at + interval 1 day, p.created_at + interval 9 days, true
    from marts.projects_base p
    union all
    select p.project_id, 'organization_role', 'admin', 'admin', 'editor', p.created_at + interval 2 days,
           p.created_at + interval 2 days, p.created_at + interval 4 days, false
    from marts.projects_base p where p.is_private`);
  await c.run(`create table marts.projects as
    select p.*, p.deleted_at is not null as is_deleted, 1::bigint as versions_seen,
           (select count(*) from marts.project_collaborators k where k.project_id = p.project_id and k.is_current) as collaborator_count,
           (select count(*) from marts.chats c where c.project_id = p.project_id) as chat_count,
           (select count(*) from marts.chats c where c.project_id = p.project_id and not c.is_deleted) as live_chat_count,
           (select count(*) from marts.project_attachments a where a.project_id = p.project_id and a.is_current) as attachment_count
    from marts.projects_base p`);
  await c.run('drop table marts.projects_base');
  const rows: string[] = [];
  for (const org of ORGS) {
    const o = `'${org.uuid}'`;
    rows.push(
      `(${o}, 'sso_enabled', 'boolean', 'false'::json, ${ts(0)}, ${ts(45.25)}, 'snapshot', null, 'event')`,
      `(${o}, 'sso_enabled', 'boolean', 'true'::json, ${ts(45.25)}, null, 'event', ${ts(44)}, null)`,
      `(${o}, 'web_search_enabled', 'boolean', 'true'::json, ${ts(0)}, ${ts(70)}, 'snapshot', null, 'snapshot')`,
      `(${o}, 'web_search_enabled', 'boolean', 'false'::json, ${ts(70)}, null, 'snapshot', ${ts(69)}, null)`,
      `(${o}, 'ip_allowlist_ip_ranges', 'string_list', '["203.0.113.0/24"]'::json, ${ts(0)}, null, 'snapshot', null, null)`,
      `(${o}, 'data_retention_periods', 'data_retention', '{"chat": {"type": "fixed", "duration": 6, "timescale": "month"}}'::json, ${ts(0)}, null, 'snapshot', null, null)`,
    );
  }
  await c.run(`create table marts.organization_settings as
    select organization_uuid, setting_name, setting_type, value, valid_from, valid_to, valid_from_source, valid_from_earliest, valid_to_source,
           valid_to is null as is_current, valid_from as first_seen, coalesce(valid_to, ${ts(120)}) as last_seen
    from (values ${rows.join(', ')}) as v(organization_uuid, setting_name, setting_type, value, valid_from, valid_to, valid_from_source, valid_from_earliest, valid_to_source)`);
}
