-- one row per attachment ever listed for a project, with its attributes from the latest snapshot that listed it
-- A project's attachments are snapshotted when the project changes (src/extract/project-attachments.ts); an
-- attachment missing from the project's latest snapshot was removed after the last one that listed it.
with snapshots as (
    select * from staging.stg_compliance__project_attachments
),

latest_per_project as (
    select project_id, max(snapshot_at) as snapshot_at
    from snapshots
    group by project_id
),

listed as (
    select
        project_id,
        attachment_id,
        arg_max(attachment_type, snapshot_at) as attachment_type,
        arg_max(filename, snapshot_at) as filename,
        arg_max(mime_type, snapshot_at) as mime_type,
        arg_max(md5, snapshot_at) as md5,
        arg_max(size_bytes, snapshot_at) as size_bytes,
        arg_max(created_at, snapshot_at) as created_at,
        arg_max(updated_at, snapshot_at) as updated_at,
        min(snapshot_at) as first_seen,
        max(snapshot_at) as last_seen
    from snapshots
    group by project_id, attachment_id
)

select
    a.project_id,
    a.attachment_id,
    a.attachment_type,
    a.filename,
    a.mime_type,
    a.md5,
    a.size_bytes,
    a.created_at,
    a.updated_at,
    a.first_seen,
    a.last_seen,
    a.last_seen = l.snapshot_at as is_current
from listed as a
inner join latest_per_project as l on l.project_id = a.project_id
order by a.project_id, a.created_at, a.attachment_id
