-- one row per organization per organizations snapshot
with source as (
    select * from {{ lake('organizations') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, uuid order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    uuid as organization_uuid,
    name,
    created_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
