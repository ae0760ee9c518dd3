-- one row per UTC day, type and category: the number of activities, what the overview's counts and top types read instead of every activity
-- materialized: monthly(day, type)
-- The same rows as marts.activities counted per day (sql/tests/activity_counts_daily_match.sql): the month's
-- deduplicated staging rows, categorised by the catalog. It reads staging, not marts.activities, because a
-- month's build narrows staging to the month's lake files; a filter on the computed day would not reach the
-- Parquet scan of marts.activities, and a build read all six years for each month. The day is computed from
-- the microseconds (date_trunc on TIMESTAMPTZ goes through ICU: 20 times slower). The GraphQL counts answer
-- whole days from here and only the part-days at a window's edges from marts.activities
-- (src/graphql/daily-counts.ts).
with activities as (
    select * from staging.stg_compliance__activities
),

catalog as (
    select type, category from seeds.activity_types
)

select
    to_timestamp(epoch_us(a.created_at) // 86400000000 * 86400) as day,
    a.type,
    coalesce(c.category, 'other') as category,
    count(*) as activity_count
from activities as a
left join catalog as c on c.type = a.type
group by all
