-- one row per activity (the lake is delivered at least once; the earliest delivery of each id is kept)
with source as (
    select * from {{ lake('activities') }}
),

deduplicated as (
    -- Every delivery of an activity carries the same created_at and type, so partitioning on them as well
    -- as on id keeps the same rows, and lets a filter on created_at or type reach the Parquet scan.
    select *
    from source
    qualify row_number() over (partition by created_at, id, type order by _extracted_at, _run_id, _request_id) = 1
)

select
    id,
    created_at,
    type,
    organization_id,
    organization_uuid,
    actor_type,
    actor_user_id,
    actor_email,
    actor_ip,
    actor_user_agent,
    actor_api_key_id,
    actor_rest,
    rest,
    coalesce(is_own_request, false) as is_own_request,
    _run_id,
    _extracted_at,
    _endpoint,
    _request_id
from deduplicated
