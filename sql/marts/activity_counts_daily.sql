-- one row per UTC day, type and category: the number of activities and the first and last of them, what the overview's counts and top types and marts.activity_types read instead of every activity
-- materialized: monthly(day, type) merge(marts.activities)
-- merge: select day, type, category, cast(sum(activity_count) as bigint) as activity_count,
-- merge:     min(first_seen) as first_seen, max(last_seen) as last_seen
-- merge: from month_rows group by day, type, category
-- The rows of marts.activities counted per day (sql/tests/activity_counts_daily_match.sql). A month is
-- counted from that month's files of marts.activities only; when the build folded new activities into a
-- month, only those are counted and added to the month's counts (the `-- merge:` query, schema/models.md).
-- The day is computed from the microseconds (date_trunc on TIMESTAMPTZ goes through ICU: 20 times slower).
-- The GraphQL counts answer whole days from here and only the part-days at a window's edges from
-- marts.activities (src/graphql/daily-counts.ts).
select
    to_timestamp(epoch_us(created_at) // 86400000000 * 86400) as day,
    type,
    category,
    count(*) as activity_count,
    min(created_at) as first_seen,
    max(created_at) as last_seen
from marts.activities
group by all
