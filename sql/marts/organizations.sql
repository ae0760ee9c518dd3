-- one row per organization: its current (latest) name, every name it had in time order, and when snapshots first and last listed it
with snapshots as (
    select * from staging.stg_compliance__organizations
),

latest_snapshot as (
    select max(snapshot_at) as snapshot_at from snapshots
),

named as (
    -- each name once, at the first snapshot that showed it
    select organization_uuid, name, min(snapshot_at) as first_seen
    from snapshots
    group by organization_uuid, name
)

select
    s.organization_uuid,
    arg_max(s.name, s.snapshot_at) as name,
    (select list(n.name order by n.first_seen) from named as n where n.organization_uuid = s.organization_uuid) as names,
    arg_max(s.created_at, s.snapshot_at) as created_at,
    min(s.snapshot_at) as first_seen,
    max(s.snapshot_at) as last_seen,
    max(s.snapshot_at) = (select snapshot_at from latest_snapshot) as is_current
from snapshots as s
group by s.organization_uuid
order by s.organization_uuid
