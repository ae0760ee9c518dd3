-- every bound of a setting version says where it came from
select organization_uuid, setting_name, valid_from, valid_from_source, valid_to, valid_to_source
from marts.organization_settings
where valid_from_source not in ('event', 'snapshot')
    or valid_from_source is null
    or (valid_to is null) <> (valid_to_source is null)
    or valid_to_source not in ('event', 'snapshot')
