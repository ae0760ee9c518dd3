-- a permission of a role has one interval per valid_from, its intervals do not overlap, and its action, resource and sources are known
with intervals as (
    select
        *,
        count(*) over (partition by role_id, action, resource_type, resource_id, valid_from) as copies,
        lead(valid_from) over (partition by role_id, action, resource_type, resource_id order by valid_from nulls first) as next_valid_from
    from marts.role_permissions
)

select role_id, action, resource_type, resource_id, valid_from, valid_to, copies, next_valid_from
from intervals
where copies > 1
    or role_id is null
    or action is null
    or valid_from_source not in ('event', 'snapshot', 'unknown')
    or (valid_from is null) <> (valid_from_source = 'unknown')
    or (valid_to is null) <> (valid_to_source is null)
    or (next_valid_from is not null and (valid_to is null or valid_to > next_valid_from))
