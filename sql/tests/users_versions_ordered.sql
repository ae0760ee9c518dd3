-- a member's versions do not overlap, each starts before it ends, and a removal ends the last version before it
with versions as (
    select
        *,
        lead(valid_from) over (partition by organization_uuid, user_id order by valid_from nulls first) as next_valid_from
    from marts.users
)

select organization_uuid, user_id, valid_from, valid_to, next_valid_from, removed_at
from versions
where valid_from >= valid_to
    or valid_to > next_valid_from
    or (valid_to is null and next_valid_from is not null)
    or removed_at < valid_to
    or removed_at_earliest > removed_at
    or removed_at > removed_at_latest
    or valid_from_earliest > valid_from
    or is_current <> (valid_to is null)
