-- every membership interval has a group, a user, accepted sources, and a valid_from unless its source is 'unknown'
select group_id, user_id, valid_from, valid_from_source, valid_to_source
from marts.group_memberships
where group_id is null
    or user_id is null
    or valid_from_source not in ('event', 'created_at', 'snapshot', 'unknown')
    or (valid_from is null) <> (valid_from_source = 'unknown')
    or valid_to_source not in ('event', 'snapshot')
    or (valid_to is null) <> (valid_to_source is null)
    or is_current <> (valid_to is null)
