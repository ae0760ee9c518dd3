-- one row per organization: its current (latest) name, every name it had in time order, and when snapshots first and last listed it
-- From int_organization_names_listed (each name once, with the first and last snapshot that showed it), not
-- from every organizations snapshot: the same values, since a snapshot lists an organization once. The
-- latest name is the one last seen (`arg_max` skips a null name, as it did over the snapshots), the
-- created_at the latest non-null one of any name.
with named as (
    select * from intermediate.int_organization_names_listed
),

latest_snapshot as (
    select max(last_seen) as snapshot_at from named
)

select
    s.organization_uuid,
    arg_max(s.name, s.last_seen) as name,
    (select list(n.name order by n.first_seen) from named as n where n.organization_uuid = s.organization_uuid) as names,
    arg_max(s.created_at, s.created_at_seen) as created_at,
    min(s.first_seen) as first_seen,
    max(s.last_seen) as last_seen,
    max(s.last_seen) = (select snapshot_at from latest_snapshot) as is_current
from named as s
group by s.organization_uuid
order by s.organization_uuid
