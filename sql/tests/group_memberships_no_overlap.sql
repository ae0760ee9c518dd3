-- a user's membership intervals in one group do not overlap, and only the last is open
with intervals as (
    select
        *,
        lead(valid_from) over (partition by group_id, user_id order by valid_from nulls first) as next_valid_from
    from marts.group_memberships
)

select group_id, user_id, valid_from, valid_to, next_valid_from
from intervals
where next_valid_from is not null and (valid_to is null or valid_to > next_valid_from)
