-- one row per version of an RBAC role: an interval in which it existed with the same name and description (valid_from inclusive, valid_to exclusive)
with versions as (
    select * from intermediate.int_directory_versioned
    where subject_kind = 'role'
)

select
    subject_id as role_id,
    scope_id as organization_uuid,
    name,
    description,
    valid_from,
    valid_to,
    valid_from_source,
    valid_from_earliest,
    valid_to_source,
    valid_to_earliest,
    valid_to_latest,
    valid_to is null as is_current
from versions
order by organization_uuid, role_id, valid_from nulls first
