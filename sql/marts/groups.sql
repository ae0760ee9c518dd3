-- one row per group, with its attributes from the latest snapshot that listed it
with listed as (
    select * from intermediate.int_groups_listed
),

latest_snapshot as (
    -- the latest groups snapshot: the latest any group was listed by
    select max(last_seen) as snapshot_at from listed
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
