-- one row per UTC day and actor (the user id; without it the API key; without both the lowercased email): the number of activities and the actor's latest email and type that day
-- materialized: monthly(day, user_id, api_key_id, email_key) merge(marts.activities)
-- merge: select day, user_id, api_key_id, email_key,
-- merge:     arg_max(email, email_at) as email, max(email_at) as email_at,
-- merge:     arg_max(actor_type, actor_type_at) as actor_type, max(actor_type_at) as actor_type_at,
-- merge:     cast(sum(activity_count) as bigint) as activity_count
-- merge: from month_rows group by day, user_id, api_key_id, email_key
-- topActors over whole days reads this instead of every activity (src/graphql/daily-counts.ts). Like
-- marts.activity_counts_daily, a month reads that month's files of marts.activities, and a month the build
-- folded new activities into adds up only those (the `-- merge:` query). `email_at` and `actor_type_at` are
-- the times of the day's latest activity with a non-null email (type): arg_max skips null values, so the
-- latest over several days (or over the month's rows and the new ones) is arg_max(email, email_at), as
-- arg_max(actor_email, created_at) over the activities.
select
    to_timestamp(epoch_us(created_at) // 86400000000 * 86400) as day,
    actor_user_id as user_id,
    case when actor_user_id is null then actor_api_key_id end as api_key_id,
    case when actor_user_id is null and actor_api_key_id is null then lower(actor_email) end as email_key,
    arg_max(actor_email, created_at) as email,
    max(created_at) filter (where actor_email is not null) as email_at,
    arg_max(actor_type, created_at) as actor_type,
    max(created_at) filter (where actor_type is not null) as actor_type_at,
    count(*) as activity_count
from marts.activities
group by 1, 2, 3, 4
