-- one row per RBAC role per organization per roles snapshot
with source as (
    select * from {{ lake('roles') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, organization_uuid, id order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    organization_uuid,
    id as role_id,
    name,
    description,
    created_at,
    updated_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
