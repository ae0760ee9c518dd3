-- user history bounds come from events, snapshots, or are unknown (before the lake's history); never from a user's created_at, which is the account's creation
select user_id, organization_uuid, valid_from, valid_from_source, valid_to_source, removed_at_source
from marts.users
where valid_from_source not in ('event', 'snapshot', 'unknown')
    or valid_to_source not in ('event', 'snapshot')
    or valid_from < valid_from_earliest
    or removed_at_source not in ('event', 'snapshot')
    or (valid_to is null) <> (valid_to_source is null)
    or (removed_at is null) <> (removed_at_source is null)
