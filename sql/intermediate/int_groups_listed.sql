-- one row per group any groups snapshot listed, with its attributes from the latest snapshot that listed it
-- materialized: incremental
-- previous: group_id varchar, name varchar, description varchar, source_type varchar, roles json, created_at timestamptz, updated_at timestamptz, first_seen timestamptz, last_seen timestamptz
-- new lake files: staging.stg_compliance__groups
-- Incremental: each groups snapshot is committed whole and stamped later than every earlier one
-- (src/extract/snapshot.ts), so the snapshots since the last build are those after its latest (the greatest
-- last_seen), and they are in the lake files committed since (the header above). Their rows are reduced per
-- group and combined with the group's last row: the attributes of the latest snapshot win (`arg_max` by
-- last_seen, which is what `arg_max` by snapshot_at over every snapshot gives), first_seen is the least and
-- last_seen the greatest.
with new_snapshots as (
    select
        group_id,
        arg_max(name, snapshot_at) as name,
        arg_max(description, snapshot_at) as description,
        arg_max(source_type, snapshot_at) as source_type,
        arg_max(roles, snapshot_at) as roles,
        arg_max(created_at, snapshot_at) as created_at,
        arg_max(updated_at, snapshot_at) as updated_at,
        min(snapshot_at) as first_seen,
        max(snapshot_at) as last_seen
    from staging.stg_compliance__groups
    where snapshot_at > coalesce(
        {{ literal(select max(last_seen) from previous.int_groups_listed) }},
        '-infinity'::timestamptz
    )
    group by group_id
),

both_builds as (
    select * from previous.int_groups_listed
    union all
    select * from new_snapshots
)

select
    group_id,
    arg_max(name, last_seen) as name,
    arg_max(description, last_seen) as description,
    arg_max(source_type, last_seen) as source_type,
    arg_max(roles, last_seen) as roles,
    arg_max(created_at, last_seen) as created_at,
    arg_max(updated_at, last_seen) as updated_at,
    min(first_seen) as first_seen,
    max(last_seen) as last_seen
from both_builds
group by group_id
order by group_id
