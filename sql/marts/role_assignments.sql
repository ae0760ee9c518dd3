-- one row per interval in which a principal held a role: a group (or user) an RBAC role, or a user their built-in organization role (valid_from inclusive, valid_to exclusive)
-- RBAC roles come from the groups' `roles` in groups snapshots and rbac_role_assigned / rbac_role_unassigned;
-- built-in roles (organization_role: primary_owner, owner, admin, user, ...) from marts.users, whose
-- consecutive versions with the same role are one interval here.
with grants as (
    select * from intermediate.int_directory_versioned
    where subject_kind = 'role_grant'
),

role_organizations as (
    select subject_id as role_id, min(scope_id) as organization_uuid
    from intermediate.int_directory_versioned
    where subject_kind = 'role'
    group by 1
),

rbac as (
    select
        case
            when g.scope_id like 'rbac_group_%' then 'group'
            when g.scope_id like 'user_%' then 'user'
            else 'other'
        end as principal_type,
        g.scope_id as principal_id,
        g.subject_id as role_id,
        'rbac' as role_kind,
        o.organization_uuid,
        g.valid_from,
        g.valid_to,
        g.valid_from_source,
        g.valid_from_earliest,
        g.valid_to_source,
        g.valid_to_earliest,
        g.valid_to_latest
    from grants as g
    left join role_organizations as o on o.role_id = g.subject_id
),

user_versions as (
    select
        *,
        lead(valid_from_earliest) over ordered as next_earliest,
        case
            when lag(organization_role) over ordered is not distinct from organization_role
                and lag(valid_to) over ordered is not distinct from valid_from
                and valid_from is not null
            then 0 else 1
        end as starts_island
    from marts.users
    where organization_role is not null
    window ordered as (partition by organization_uuid, user_id order by valid_from asc nulls first)
),

islands as (
    select
        *,
        sum(starts_island) over (
            partition by organization_uuid, user_id
            order by valid_from asc nulls first
            rows between unbounded preceding and current row
        ) as island
    from user_versions
),

builtin as (
    select
        'user' as principal_type,
        user_id as principal_id,
        any_value(organization_role) as role_id,
        'builtin' as role_kind,
        organization_uuid,
        arg_min(valid_from, coalesce(valid_from, '-infinity'::timestamptz)) as valid_from,
        arg_max(valid_to, coalesce(valid_from, '-infinity'::timestamptz)) as valid_to,
        arg_min(valid_from_source, coalesce(valid_from, '-infinity'::timestamptz)) as valid_from_source,
        arg_min(valid_from_earliest, coalesce(valid_from, '-infinity'::timestamptz)) as valid_from_earliest,
        arg_max(valid_to_source, coalesce(valid_from, '-infinity'::timestamptz)) as valid_to_source,
        arg_max(
            case when valid_to = removed_at then removed_at_earliest else coalesce(next_earliest, valid_to) end,
            coalesce(valid_from, '-infinity'::timestamptz)
        ) as valid_to_earliest,
        arg_max(
            case when valid_to = removed_at then removed_at_latest else valid_to end,
            coalesce(valid_from, '-infinity'::timestamptz)
        ) as valid_to_latest
    from islands
    group by organization_uuid, user_id, island
)

select *, valid_to is null as is_current
from (
    select * from rbac
    union all
    select * from builtin
)
order by role_kind, role_id, principal_type, principal_id, valid_from nulls first
