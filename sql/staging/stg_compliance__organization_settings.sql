-- one row per linked organization per organization_settings snapshot (its settings and the parent's keys as sent)
with source as (
    select * from {{ lake('organization_settings') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, organization_uuid order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    organization_uuid,
    settings,
    api_keys,
    raw,
    _run_id,
    _extracted_at
from deduplicated
