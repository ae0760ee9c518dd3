-- one row per interval in which an RBAC role granted a permission (action on a resource; valid_from inclusive, valid_to exclusive)
with intervals as (
    select * from intermediate.int_directory_versioned
    where subject_kind = 'role_permission'
),

role_organizations as (
    select subject_id as role_id, min(scope_id) as organization_uuid
    from intermediate.int_directory_versioned
    where subject_kind = 'role'
    group by 1
)

select
    i.scope_id as role_id,
    o.organization_uuid,
    json_extract_string(i.subject_id, '$[0]') as action,
    json_extract_string(i.subject_id, '$[1]') as resource_type,
    json_extract_string(i.subject_id, '$[2]') as resource_id,
    i.valid_from,
    i.valid_to,
    i.valid_from_source,
    i.valid_from_earliest,
    i.valid_to_source,
    i.valid_to_earliest,
    i.valid_to_latest,
    i.valid_to is null as is_current
from intervals as i
left join role_organizations as o on o.role_id = i.scope_id
order by role_id, action, resource_type, resource_id, valid_from nulls first
