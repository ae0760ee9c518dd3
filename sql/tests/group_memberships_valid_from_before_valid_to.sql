-- every membership interval has valid_from <= valid_to, and valid_to_earliest <= valid_to <= valid_to_latest (equal when an event bounds the end)
select group_id, user_id, valid_from, valid_to, valid_to_earliest, valid_to_latest, valid_to_source
from marts.group_memberships
where valid_from > valid_to
    or valid_to_earliest > valid_to
    or valid_to > valid_to_latest
    or (valid_to is null) <> (valid_to_earliest is null)
    or (valid_to is null) <> (valid_to_latest is null)
    or (valid_to_source = 'event' and (valid_to_earliest <> valid_to or valid_to_latest <> valid_to))
    or valid_from > valid_to_earliest
