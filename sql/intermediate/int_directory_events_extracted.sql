-- one row per subject of the directory a feed event says began, ended, changed or was updated (see int_directory_snapshots_collapsed for the subjects)
-- materialized: monthly(event_at, activity_id, subject_id) fold(activity_id)
-- change: 'joined' (the subject began), 'removed' (it ended), 'changed' (a role change of a member: the
-- member was there before), 'updated' (scim_user_updated: something changed, it does not say what).
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
        'org_user_left',
        'group_member_added',
        'group_member_removed',
        'rbac_role_created',
        'rbac_role_deleted',
        'rbac_role_permission_added',
        'rbac_role_permission_removed',
        'rbac_role_assigned',
        'rbac_role_unassigned'
    )
),

users as (
    select
        id as activity_id,
        created_at as event_at,
        type,
        'user' as subject_kind,
        organization_uuid as scope_id,
        case type
            when 'org_user_invite_accepted' then actor_user_id
            when 'org_user_left' then actor_user_id
            when 'org_user_deleted' then rest ->> 'deleted_user_id'
            else rest ->> 'user_id'
        end as subject_id,
        case type
            when 'scim_user_created' then 'joined'
            when 'org_user_invite_accepted' then 'joined'
            when 'claude_user_role_updated' then 'changed'
            when 'scim_user_updated' then 'updated'
            else 'removed'
        end as change,
        case type
            when 'org_user_invite_accepted' then actor_email
            when 'org_user_deleted' then rest ->> 'deleted_user_email'
            when 'claude_user_role_updated' then rest ->> 'user_email'
        end as email,
        cast(null as varchar) as name,
        case when type = 'claude_user_role_updated' then rest ->> 'current_role' end as role,
        case when type = 'claude_user_role_updated' then rest ->> 'previous_role' end as previous_role
    from activities
    where type in ('scim_user_created', 'org_user_invite_accepted', 'claude_user_role_updated', 'scim_user_updated', 'org_user_deleted', 'scim_user_deleted', 'org_user_left')
),

memberships as (
    select
        id as activity_id,
        created_at as event_at,
        type,
        'membership' as subject_kind,
        rest ->> 'group_id' as scope_id,
        unnest(from_json(rest -> 'member_ids', '["VARCHAR"]')) as subject_id,
        case type when 'group_member_added' then 'joined' else 'removed' end as change,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as previous_role
    from activities
    where type in ('group_member_added', 'group_member_removed')
),

rbac as (
    select
        id as activity_id,
        created_at as event_at,
        type,
        case
            when type in ('rbac_role_created', 'rbac_role_deleted') then 'role'
            when type in ('rbac_role_permission_added', 'rbac_role_permission_removed') then 'role_permission'
            else 'role_grant'
        end as subject_kind,
        case
            when type in ('rbac_role_created', 'rbac_role_deleted') then organization_uuid
            when type in ('rbac_role_permission_added', 'rbac_role_permission_removed') then rest ->> 'role_id'
            else rest ->> 'principal_id'
        end as scope_id,
        case
            when type in ('rbac_role_permission_added', 'rbac_role_permission_removed')
                then to_json([rest ->> 'action', rest ->> 'resource_type', rest ->> 'resource_id'])::varchar
            else rest ->> 'role_id'
        end as subject_id,
        case when type in ('rbac_role_created', 'rbac_role_permission_added', 'rbac_role_assigned') then 'joined' else 'removed' end as change,
        cast(null as varchar) as email,
        case when type = 'rbac_role_created' then rest ->> 'role_name' end as name,
        cast(null as varchar) as role,
        cast(null as varchar) as previous_role
    from activities
    where type like 'rbac_role_%'
),

events as (
    select * from users
    union all
    select * from memberships
    union all
    select * from rbac
)

select *
from events
where scope_id is not null and subject_id is not null
