-- one row per chat with its latest known state (deleted chats kept, with deleted_at) and its creator as of its creation
with versions as (
    select * from staging.stg_compliance__chats
),

latest as (
    select
        chat_id,
        arg_max(name, updated_at) as latest_name,
        -- a deleted chat comes back with an empty name (src/lake/tables.ts); keep the last name it had
        arg_max(name, updated_at) filter (where deleted_at is null) as name_before_deletion,
        arg_max(model, updated_at) as model,
        arg_max(organization_uuid, updated_at) as organization_uuid,
        arg_max(organization_id, updated_at) as organization_id,
        arg_max(project_id, updated_at) as project_id,
        -- null once the creator's account is gone (compliance-api.md §2.3): keep the last creator known
        arg_max(user_id, updated_at) filter (where user_id is not null) as user_id,
        arg_max(user_email, updated_at) filter (where user_id is not null) as user_email,
        min(created_at) as created_at,
        max(updated_at) as updated_at,
        max(deleted_at) as deleted_at,
        count(*) as versions_seen
    from versions
    group by chat_id
),

-- the creator's marts.users version in force at created_at, in the chat's organization
creators as (
    select
        c.chat_id,
        u.email,
        u.full_name,
        u.organization_role,
        u.organization_uuid,
        u.valid_from
    from latest as c
    inner join marts.users as u
        on u.user_id = c.user_id
        and u.organization_uuid = c.organization_uuid
        and coalesce(u.valid_from, '-infinity'::timestamptz) <= c.created_at
        and c.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
    qualify row_number() over (partition by c.chat_id order by u.valid_from desc nulls last) = 1
)

select
    c.chat_id,
    coalesce(nullif(c.latest_name, ''), c.name_before_deletion, c.latest_name) as name,
    c.model,
    c.organization_uuid,
    c.organization_id,
    c.project_id,
    c.user_id,
    c.user_email,
    c.created_at,
    c.updated_at,
    c.deleted_at,
    c.deleted_at is not null as is_deleted,
    c.versions_seen,
    u.email as creator_email_at_creation,
    u.full_name as creator_full_name_at_creation,
    u.organization_role as creator_role_at_creation,
    u.valid_from as creator_user_valid_from
from latest as c
left join creators as u on u.chat_id = c.chat_id
order by c.created_at, c.chat_id
