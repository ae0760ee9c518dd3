-- one row per run of consecutive users snapshots in which a member's record stayed the same
with observations as (
    select
        u.organization_uuid,
        u.user_id,
        u.email,
        u.full_name,
        u.organization_role,
        u.created_at,
        u.snapshot_at,
        s.snapshot_number
    from staging.stg_compliance__users as u
    inner join intermediate.int_directory_snapshots_numbered as s
        on s.stream = 'users' and s.snapshot_at = u.snapshot_at
),

islands as (
    -- consecutive snapshot numbers with the same record share one island number
    select
        *,
        snapshot_number - row_number() over (
            partition by organization_uuid, user_id, email, full_name, organization_role, created_at
            order by snapshot_number
        ) as island
    from observations
)

select
    organization_uuid,
    user_id,
    email,
    full_name,
    organization_role,
    created_at,
    min(snapshot_at) as first_seen_at,
    max(snapshot_at) as last_seen_at,
    min(snapshot_number) as first_snapshot_number,
    max(snapshot_number) as last_snapshot_number
from islands
group by organization_uuid, user_id, email, full_name, organization_role, created_at, island
