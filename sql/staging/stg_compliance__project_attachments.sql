-- one row per attachment of a project per snapshot of that project's attachments
with source as (
    select * from {{ lake('project_attachments') }}
),

deduplicated as (
    select *
    from source
    qualify row_number() over (partition by snapshot_at, project_id, id order by _extracted_at, _run_id) = 1
)

select
    snapshot_at,
    project_id,
    id as attachment_id,
    type as attachment_type,
    filename,
    mime_type,
    md5,
    size_bytes,
    created_at,
    updated_at,
    raw,
    _run_id,
    _extracted_at
from deduplicated
