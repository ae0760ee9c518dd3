-- one row per run of consecutive users snapshots in which a member's record stayed the same
-- materialized: incremental
-- previous: organization_uuid varchar, user_id varchar, email varchar, full_name varchar, organization_role varchar, created_at timestamptz, first_seen_at timestamptz, last_seen_at timestamptz, first_snapshot_number bigint, last_snapshot_number bigint
-- Incremental: the runs of the last build are kept, and only the snapshots taken since (numbered on from its
-- last one, see int_directory_snapshots_numbered) are read and collapsed; a kept run that reached the last
-- build's latest snapshot and a new run of the same record from the next snapshot on are one run.
with kept as (
    select * from previous.int_user_snapshots_collapsed
),

folded as (
    -- the latest snapshot the last build collapsed (0: none)
    select coalesce(max(last_snapshot_number), 0) as snapshot_number from kept
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

continued as (
    -- a kept run that goes on in the first new snapshot, paired with its continuation
    select
        p.organization_uuid,
        p.user_id,
        p.email,
        p.full_name,
        p.organization_role,
        p.created_at,
        p.last_snapshot_number,
        n.last_seen_at as continued_to_at,
        n.last_snapshot_number as continued_to_number
    from kept as p
    inner join new_runs as n
        on n.organization_uuid = p.organization_uuid
        and n.user_id = p.user_id
        and n.email is not distinct from p.email
        and n.full_name is not distinct from p.full_name
        and n.organization_role is not distinct from p.organization_role
        and n.created_at is not distinct from p.created_at
        and p.last_snapshot_number = (select snapshot_number from folded)
        and n.first_snapshot_number = p.last_snapshot_number + 1
)

select
    p.organization_uuid,
    p.user_id,
    p.email,
    p.full_name,
    p.organization_role,
    p.created_at,
    p.first_seen_at,
    coalesce(c.continued_to_at, p.last_seen_at) as last_seen_at,
    p.first_snapshot_number,
    coalesce(c.continued_to_number, p.last_snapshot_number) as last_snapshot_number
from kept as p
left join continued as c
    on c.organization_uuid = p.organization_uuid
    and c.user_id = p.user_id
    and c.email is not distinct from p.email
    and c.full_name is not distinct from p.full_name
    and c.organization_role is not distinct from p.organization_role
    and c.created_at is not distinct from p.created_at
    and c.last_snapshot_number = p.last_snapshot_number

union all

select n.*
from new_runs as n
where not exists (
    select 1
    from continued as c
    where c.organization_uuid = n.organization_uuid
        and c.user_id = n.user_id
        and c.email is not distinct from n.email
        and c.full_name is not distinct from n.full_name
        and c.organization_role is not distinct from n.organization_role
        and c.created_at is not distinct from n.created_at
        and n.first_snapshot_number = (select snapshot_number from folded) + 1
)
