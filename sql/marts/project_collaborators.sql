-- one row per grant ever listed on a project (who holds which project role), with the grantee's name
-- A project's collaborators are snapshotted when the project changes (src/extract/project-collaborators.ts);
-- a grant missing from the project's latest snapshot was revoked after the last one that listed it.
with snapshots as (
    select * from staging.stg_compliance__project_collaborators
),

latest_per_project as (
    select project_id, max(snapshot_at) as snapshot_at
    from snapshots
    group by project_id
),

listed as (
    select
        project_id,
        principal_type,
        principal_id,
        role,
        granted_at,
        min(snapshot_at) as first_seen,
        max(snapshot_at) as last_seen
    from snapshots
    group by project_id, principal_type, principal_id, role, granted_at
),

current_users as (
    select user_id, arg_max(email, coalesce(valid_from, '-infinity'::timestamptz)) as email
    from marts.users
    group by user_id
)

select
    c.project_id,
    c.principal_type,
    c.principal_id,
    case c.principal_type
        when 'user' then u.email
        when 'group' then g.name
        else c.principal_id
    end as principal_name,
    c.role,
    c.granted_at,
    c.first_seen,
    c.last_seen,
    c.last_seen = l.snapshot_at as is_current
from listed as c
inner join latest_per_project as l on l.project_id = c.project_id
left join current_users as u on c.principal_type = 'user' and u.user_id = c.principal_id
left join marts.groups as g on c.principal_type = 'group' and g.group_id = c.principal_id
order by c.project_id, c.granted_at, c.principal_type, c.principal_id
