-- marts.actor_counts_daily counts every activity once, under its UTC day (the actor keys are the grouping itself)
with counted as (
    select to_timestamp(epoch_us(created_at) // 86400000000 * 86400) as day, count(*) as n
    from marts.activities
    group by 1
),

summed as (
    select day, sum(activity_count) as n from marts.actor_counts_daily group by day
)

select coalesce(c.day, s.day) as day, c.n as activities, s.n as counted
from counted as c
full outer join summed as s on s.day = c.day
where coalesce(c.n, 0) <> coalesce(s.n, -1)
