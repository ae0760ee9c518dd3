-- one row per activity type: every type of the catalog, and every type the lake holds that the catalog does not know
with catalog as (
    select * from seeds.activity_types
),

seen as (
    -- the daily counts added up (a few hundred thousand rows, where the activities are a hundred million)
    select
        type,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen,
        cast(sum(activity_count) as bigint) as activity_count
    from marts.activity_counts_daily
    group by type
)

select
    coalesce(c.type, s.type) as type,
    coalesce(c.family, 'unknown') as family,
    coalesce(c.category, 'other') as category,
    c.description,
    c.type is not null as known,
    s.first_seen,
    s.last_seen,
    coalesce(s.activity_count, 0) as activity_count,
    c.actors,
    c.fields,
    c.source
from catalog as c
full outer join seen as s on s.type = c.type
order by 1
