-- one row per organization and name any organizations snapshot listed it with: when snapshots first and last showed that name, and the latest created_at they gave
-- materialized: incremental
-- previous: organization_uuid varchar, name varchar, first_seen timestamptz, last_seen timestamptz, created_at timestamptz, created_at_seen timestamptz
-- new lake files: staging.stg_compliance__organizations
-- created_at is the latest non-null created_at of those snapshots (what `arg_max` gives: it skips nulls) and
-- created_at_seen the snapshot it came from, so marts.organizations can take the latest over all the names.
-- Incremental: each organizations snapshot is committed whole and stamped later than every earlier one
-- (src/extract/snapshot.ts), so the snapshots since the last build are those after its latest (the greatest
-- last_seen), and they are in the lake files committed since (the header above). Their rows are reduced per
-- organization and name and combined with the last build's row: first_seen is the least, last_seen the
-- greatest, created_at the one seen latest.
with new_snapshots as (
    select
        organization_uuid,
        name,
        min(snapshot_at) as first_seen,
        max(snapshot_at) as last_seen,
        arg_max(created_at, snapshot_at) as created_at,
        max(snapshot_at) filter (where created_at is not null) as created_at_seen
    from staging.stg_compliance__organizations
    where snapshot_at > coalesce(
        {{ literal(select max(last_seen) from previous.int_organization_names_listed) }},
        '-infinity'::timestamptz
    )
    group by organization_uuid, name
),

both_builds as (
    select * from previous.int_organization_names_listed
    union all
    select * from new_snapshots
)

select
    organization_uuid,
    name,
    min(first_seen) as first_seen,
    max(last_seen) as last_seen,
    arg_max(created_at, created_at_seen) as created_at,
    max(created_at_seen) as created_at_seen
from both_builds
group by organization_uuid, name
order by organization_uuid, name
