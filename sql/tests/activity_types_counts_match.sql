-- marts.activity_types counts every activity once, under its type, and lists every type the lake has
-- scope: all
with counted as (
    select type, count(*) as n from marts.activities group by type
)

select coalesce(c.type, t.type) as type, c.n as activities, t.activity_count as listed
from counted as c
full outer join marts.activity_types as t on t.type = c.type
where coalesce(c.n, 0) <> coalesce(t.activity_count, -1)
