-- one row per activity
-- materialized: monthly(created_at) fold(id)
-- Deduplicated on id, with its category from the activity-type catalog (types the catalog does not know are
-- 'other'); `details` holds the type-specific fields, `actor_details` the actor's fields without a column.
with activities as (
    select * from staging.stg_compliance__activities
),

catalog as (
    select type, category from seeds.activity_types
)

select
    a.id,
    a.created_at,
    a.type,
    coalesce(c.category, 'other') as category,
    a.organization_id,
    a.organization_uuid,
    a.actor_type,
    a.actor_user_id,
    a.actor_email,
    a.actor_ip,
    a.actor_user_agent,
    a.actor_api_key_id,
    a.is_own_request,
    a.rest as details,
    a.actor_rest as actor_details
from activities as a
left join catalog as c on c.type = a.type
