-- user history bounds come from events, created_at, snapshots, or are unknown (before the lake's history)
select user_id, organization_uuid, valid_from, valid_from_source, valid_to_source, removed_at_source
from marts.users
where valid_from_source not in ('event', 'created_at', 'snapshot', 'unknown')
    or valid_to_source not in ('event', 'created_at', 'snapshot')
    or removed_at_source not in ('event', 'snapshot')
    or (valid_to is null) <> (valid_to_source is null)
    or (removed_at is null) <> (removed_at_source is null)
