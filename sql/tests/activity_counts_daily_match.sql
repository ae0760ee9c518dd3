-- marts.activity_counts_daily counts every activity once, under its UTC day, type and category
with counted as (
    select to_timestamp(epoch_us(created_at) // 86400000000 * 86400) as day, type, category, count(*) as n from marts.activities group by all
)

select coalesce(c.day, d.day) as day, coalesce(c.type, d.type) as type, c.n as activities, d.activity_count as counted
from counted as c
full outer join marts.activity_counts_daily as d on d.day = c.day and d.type is not distinct from c.type and d.category = c.category
where coalesce(c.n, 0) <> coalesce(d.activity_count, -1)
