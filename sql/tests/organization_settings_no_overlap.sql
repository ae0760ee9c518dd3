-- a setting's versions in one organization do not overlap, start before they end, and only the last is open
with versions as (
    select
        *,
        lead(valid_from) over (partition by organization_uuid, setting_name order by valid_from) as next_valid_from
    from marts.organization_settings
)

select organization_uuid, setting_name, valid_from, valid_to, next_valid_from
from versions
where valid_from is null
    or (valid_to is not null and valid_to <= valid_from)
    or (next_valid_from is not null and (valid_to is null or valid_to > next_valid_from))
    or next_valid_from = valid_from
