-- one row per run of consecutive group_members snapshots that listed a membership with the same created_at
with observations as (
    select
        m.group_id,
        m.user_id,
        m.created_at,
        m.snapshot_at,
        s.snapshot_number
    from staging.stg_compliance__group_members as m
    inner join intermediate.int_directory_snapshots_numbered as s
        on s.stream = 'group_members' and s.snapshot_at = m.snapshot_at
),

islands as (
    select
        *,
        snapshot_number - row_number() over (partition by group_id, user_id, created_at order by snapshot_number) as island
    from observations
)

select
    group_id,
    user_id,
    created_at,
    min(snapshot_at) as first_seen_at,
    max(snapshot_at) as last_seen_at,
    min(snapshot_number) as first_snapshot_number,
    max(snapshot_number) as last_snapshot_number
from islands
group by group_id, user_id, created_at, island
