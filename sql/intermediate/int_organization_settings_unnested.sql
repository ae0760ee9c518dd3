-- one row per setting of a linked organization per organization_settings snapshot
-- settings[] is kept as sent (src/lake/tables.ts); a snapshot whose list is empty or not an array has no rows
with settings as (
    select
        snapshot_at,
        organization_uuid,
        unnest(cast(settings as json[])) as setting
    from staging.stg_compliance__organization_settings
    where json_type(settings) = 'ARRAY'
)

select
    snapshot_at,
    organization_uuid,
    setting ->> 'name' as setting_name,
    setting ->> 'type' as setting_type,
    setting -> 'value' as value
from settings
where (setting ->> 'name') is not null
