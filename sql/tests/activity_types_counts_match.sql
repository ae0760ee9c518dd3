-- marts.activity_types counts every activity once, under its type, and lists every type the lake has
-- scope: all
-- Against the daily counts, which sql/tests/activity_counts_daily_match.sql holds to marts.activities month
-- by month (each month when it is written; every month in a full build): counting the hundred million
-- activities again here took a second of every refresh.
with counted as (
    select type, cast(sum(activity_count) as bigint) as n from marts.activity_counts_daily group by type
)

select coalesce(c.type, t.type) as type, c.n as activities, t.activity_count as listed
from counted as c
full outer join marts.activity_types as t on t.type is not distinct from c.type
where coalesce(c.n, 0) <> coalesce(t.activity_count, -1)
