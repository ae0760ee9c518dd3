-- one row per group membership per group_members snapshot
with source as (
    select * from {{ lake('group_members') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, group_id, user_id order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    group_id,
    user_id,
    email,
    created_at,
    updated_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
