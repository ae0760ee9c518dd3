-- one row per project with its latest known state (deleted projects kept, with deleted_at)
with versions as (
    select * from staging.stg_compliance__projects
),

latest as (
    select
        project_id,
        arg_max(name, updated_at) as name,
        arg_max(is_private, updated_at) as is_private,
        arg_max(organization_uuid, updated_at) as organization_uuid,
        arg_max(organization_id, updated_at) as organization_id,
        -- null once the creator's account is gone (compliance-api.md §2.4): keep the last creator known
        arg_max(user_id, updated_at) filter (where user_id is not null) as user_id,
        arg_max(user_email, updated_at) filter (where user_id is not null) as user_email,
        min(created_at) as created_at,
        max(updated_at) as updated_at,
        max(deleted_at) as deleted_at,
        count(*) as versions_seen
    from versions
    group by project_id
),

chat_counts as (
    select project_id, count(*) as chat_count, count(*) filter (where not is_deleted) as live_chat_count
    from marts.chats
    where project_id is not null
    group by project_id
),

attachment_counts as (
    select project_id, count(*) filter (where is_current) as attachment_count
    from marts.project_attachments
    group by project_id
),

collaborator_counts as (
    select project_id, count(*) filter (where is_current) as collaborator_count
    from marts.project_collaborators
    group by project_id
),

creators as (
    select
        p.project_id,
        u.email,
        u.full_name,
        u.organization_role
    from latest as p
    inner join marts.users as u
        on u.user_id = p.user_id
        and u.organization_uuid = p.organization_uuid
        and coalesce(u.valid_from, '-infinity'::timestamptz) <= p.created_at
        and p.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
    qualify row_number() over (partition by p.project_id order by u.valid_from desc nulls last) = 1
)

select
    p.project_id,
    p.name,
    p.is_private,
    p.organization_uuid,
    p.organization_id,
    p.user_id,
    p.user_email,
    p.created_at,
    p.updated_at,
    p.deleted_at,
    p.deleted_at is not null as is_deleted,
    p.versions_seen,
    coalesce(c.chat_count, 0) as chat_count,
    coalesce(c.live_chat_count, 0) as live_chat_count,
    coalesce(a.attachment_count, 0) as attachment_count,
    coalesce(k.collaborator_count, 0) as collaborator_count,
    u.email as creator_email_at_creation,
    u.full_name as creator_full_name_at_creation,
    u.organization_role as creator_role_at_creation
from latest as p
left join chat_counts as c on c.project_id = p.project_id
left join attachment_counts as a on a.project_id = p.project_id
left join collaborator_counts as k on k.project_id = p.project_id
left join creators as u on u.project_id = p.project_id
order by p.created_at, p.project_id
