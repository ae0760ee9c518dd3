-- one row per activity type per UTC month it was seen in: its first and last moment and its count that month
-- materialized: monthly(first_seen, type)
-- Monthly, so a refresh counts only the months new data touched; marts.activity_types adds the months up
-- (it recounted every activity of six years at every build before).
select
    type,
    min(created_at) as first_seen,
    max(created_at) as last_seen,
    count(*) as activity_count
from staging.stg_compliance__activities
group by type, date_trunc('month', created_at::timestamp)
