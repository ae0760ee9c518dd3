-- one row per group, with its attributes from the latest snapshot that listed it
with snapshots as (
    select * from staging.stg_compliance__groups
),

latest_snapshot as (
    select max(snapshot_at) as snapshot_at from snapshots
),

listed as (
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
    from snapshots
    group by group_id
),

group_events as (
    select
        group_id,
        arg_max(group_name, event_at) filter (where type = 'group_created') as name,
        min(event_at) filter (where type = 'group_created') as created_at,
        max(event_at) filter (where type = 'group_deleted') as deleted_at
    from intermediate.int_group_events_extracted
    group by 1
),

-- groups that only the feed knows (created and deleted between snapshots, or created since the last one)
only_in_events as (
    select
        e.group_id,
        e.name,
        cast(null as varchar) as description,
        cast(null as varchar) as source_type,
        cast(null as json) as roles,
        e.created_at,
        cast(null as timestamptz) as updated_at,
        cast(null as timestamptz) as first_seen,
        cast(null as timestamptz) as last_seen
    from group_events as e
    where not exists (select 1 from listed as l where l.group_id = e.group_id)
)

select
    g.group_id,
    g.name,
    g.description,
    g.source_type,
    g.roles,
    g.first_seen,
    g.last_seen,
    case
        when g.last_seen is not null
            then g.last_seen = (select snapshot_at from latest_snapshot) and (e.deleted_at is null or e.deleted_at <= g.last_seen)
        else e.deleted_at is null
    end as is_current,
    g.created_at,
    g.updated_at,
    e.deleted_at
from (select * from listed union all select * from only_in_events) as g
left join group_events as e on e.group_id = g.group_id
order by g.group_id
