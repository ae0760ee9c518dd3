-- one row per version of an organization member (valid_from inclusive, valid_to exclusive)
with versions as (
    select * from intermediate.int_directory_versioned
    where subject_kind = 'user'
)

select
    subject_id as user_id,
    scope_id as organization_uuid,
    email,
    name as full_name,
    role as organization_role,
    valid_from,
    valid_to,
    removed_at,
    removed_at_source,
    valid_to is null as is_current,
    valid_from_source,
    valid_from_earliest,
    valid_to_source,
    removed_at_earliest,
    removed_at_latest
from versions
order by organization_uuid, user_id, valid_from nulls first
