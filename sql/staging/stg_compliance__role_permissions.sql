-- one row per permission of an RBAC role per role_permissions snapshot
with source as (
    select * from {{ lake('role_permissions') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (
        partition by snapshot_at, organization_uuid, role_id, action, resource_type, resource_id
        order by _extracted_at, _run_id
    ) = 1
)

select
    snapshot_at,
    organization_uuid,
    role_id,
    action,
    resource_type,
    resource_id,
    raw,
    _run_id,
    _extracted_at
from deduplicated
