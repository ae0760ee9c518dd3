-- one row per grant on a project per snapshot of that project's collaborators (a grantee may hold one role
-- twice, by two assignments granted at different times: the API lists both)
with source as (
    select * from {{ lake('project_collaborators') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (
        partition by snapshot_at, project_id, principal_type, principal_id, role, granted_at
        order by _extracted_at, _run_id
    ) = 1
)

select
    snapshot_at,
    project_id,
    principal_type,
    principal_id,
    role,
    granted_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
