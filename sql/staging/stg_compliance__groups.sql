-- one row per group per groups snapshot
with source as (
    select * from {{ lake('groups') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, id order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    id as group_id,
    name,
    description,
    source_type,
    roles,
    created_at,
    updated_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
