-- a principal holds a role in one interval at a time (per organization for built-in roles), only the last is open, and every interval starts before it ends
with intervals as (
    select
        *,
        count(*) over (partition by role_kind, role_id, principal_type, principal_id, organization_uuid, valid_from) as copies,
        lead(valid_from) over (
            partition by role_kind, role_id, principal_type, principal_id, organization_uuid
            order by valid_from nulls first
        ) as next_valid_from
    from marts.role_assignments
)

select role_kind, role_id, principal_type, principal_id, organization_uuid, valid_from, valid_to, copies, next_valid_from
from intervals
where copies > 1
    or role_id is null
    or principal_id is null
    or role_kind not in ('rbac', 'builtin')
    or valid_from >= valid_to
    or (next_valid_from is not null and (valid_to is null or valid_to > next_valid_from))
