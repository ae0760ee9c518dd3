-- one row per run of consecutive users snapshots in which a member's record stayed the same
-- materialized: incremental
-- previous: organization_uuid varchar, user_id varchar, email varchar, full_name varchar, organization_role varchar, created_at timestamptz, first_seen_at timestamptz, last_seen_at timestamptz, first_snapshot_number bigint, last_snapshot_number bigint
-- Incremental: the runs of the last build are kept, and only the snapshots taken since (numbered on from its
-- last one, see int_directory_snapshots_numbered) are read and collapsed; a kept run that reached the last
-- build's latest snapshot and a new run of the same record from the next snapshot on are one run.
with kept as (
    select * from previous.int_user_snapshots_collapsed
),

observations as (
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
    where u.snapshot_at > coalesce(
        {{ literal(select max(last_seen_at) from previous.int_user_snapshots_collapsed) }},
        '-infinity'::timestamptz
    )
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
),

new_runs as (
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
),

runs as (
    select * from kept
    union all
    select * from new_runs
),

joined as (
    -- runs of one record are apart, except a kept run that reached the last build's latest snapshot and a new
    -- run from the next one on: those touch, and are one run
    select
        *,
        case
            when first_snapshot_number = lag(last_snapshot_number) over ordered + 1 then 0 else 1
        end as starts_run
    from runs
    window ordered as (partition by organization_uuid, user_id, email, full_name, organization_role, created_at order by first_snapshot_number)
),

numbered as (
    select
        *,
        sum(starts_run) over (
            partition by organization_uuid, user_id, email, full_name, organization_role, created_at
            order by first_snapshot_number
            rows between unbounded preceding and current row
        ) as run_number
    from joined
)

select
    organization_uuid,
    user_id,
    email,
    full_name,
    organization_role,
    created_at,
    min(first_seen_at) as first_seen_at,
    max(last_seen_at) as last_seen_at,
    min(first_snapshot_number) as first_snapshot_number,
    max(last_snapshot_number) as last_snapshot_number
from numbered
group by organization_uuid, user_id, email, full_name, organization_role, created_at, run_number
