-- one row per project version (a project seen again with a newer updated_at)
with source as (
    select * from {{ lake('projects') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by id, updated_at order by _extracted_at, _run_id) = 1
)

select
    id as project_id,
    updated_at,
    created_at,
    deleted_at,
    name,
    is_private,
    organization_uuid,
    organization_id,
    user_id,
    user_email,
    raw,
    _run_id,
    _extracted_at
from deduplicated
