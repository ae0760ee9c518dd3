-- one row per member named by a group_member_added or group_member_removed event
-- materialized: monthly(event_at, activity_id, user_id)
with activities as (
    select *
    from staging.stg_compliance__activities
    where type in ('group_member_added', 'group_member_removed')
),

members as (
    select
        id as activity_id,
        created_at as event_at,
        type,
        rest ->> 'group_id' as group_id,
        unnest(from_json(rest -> 'member_ids', '["VARCHAR"]')) as user_id
    from activities
)

select
    activity_id,
    event_at,
    type,
    group_id,
    user_id,
    type = 'group_member_added' as is_member
from members
where group_id is not null and user_id is not null
