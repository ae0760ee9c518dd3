-- one row per organization member per users snapshot
with source as (
    select * from {{ lake('users') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, organization_uuid, id order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    organization_uuid,
    id as user_id,
    email,
    full_name,
    organization_role,
    created_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
