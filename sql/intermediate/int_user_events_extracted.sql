-- one row per feed event that says a member joined, left, was updated or changed role in an organization
-- materialized: monthly(event_at, activity_id)
with activities as (
    select *
    from staging.stg_compliance__activities
    where type in (
        'scim_user_created',
        'org_user_invite_accepted',
        'claude_user_role_updated',
        'scim_user_updated',
        'org_user_deleted',
        'scim_user_deleted',
        'org_user_left'
    )
),

events as (
    select
        id as activity_id,
        created_at as event_at,
        type,
        organization_uuid,
        case type
            when 'org_user_invite_accepted' then actor_user_id
            when 'org_user_left' then actor_user_id
            when 'org_user_deleted' then rest ->> 'deleted_user_id'
            else rest ->> 'user_id'
        end as user_id,
        case type
            when 'scim_user_created' then 'joined'
            when 'org_user_invite_accepted' then 'joined'
            when 'claude_user_role_updated' then 'role_changed'
            when 'scim_user_updated' then 'updated'
            else 'removed'
        end as change,
        case type
            when 'org_user_invite_accepted' then actor_email
            when 'org_user_deleted' then rest ->> 'deleted_user_email'
            when 'claude_user_role_updated' then rest ->> 'user_email'
        end as email,
        case when type = 'claude_user_role_updated' then rest ->> 'current_role' end as organization_role,
        case when type = 'claude_user_role_updated' then rest ->> 'previous_role' end as previous_role
    from activities
)

select *
from events
where user_id is not null and organization_uuid is not null
