-- one row per group_created or group_deleted event
-- materialized: monthly(event_at, activity_id) fold(activity_id)
select
    id as activity_id,
    created_at as event_at,
    type,
    rest ->> 'group_id' as group_id,
    rest ->> 'group_name' as group_name
from staging.stg_compliance__activities
where type in ('group_created', 'group_deleted') and (rest ->> 'group_id') is not null
