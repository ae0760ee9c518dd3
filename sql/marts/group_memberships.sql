-- one row per membership interval of a user in a group (valid_from inclusive, valid_to exclusive)
with intervals as (
    select * from intermediate.int_directory_versioned
    where subject_kind = 'membership'
)

select
    scope_id as group_id,
    subject_id as user_id,
    valid_from,
    valid_to,
    valid_from_source,
    valid_to_source,
    valid_to_earliest,
    valid_to_latest,
    valid_to is null as is_current
from intervals
order by group_id, user_id, valid_from nulls first
