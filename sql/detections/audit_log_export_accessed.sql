-- id: audit_log_export_accessed
-- title: Audit-log export downloaded
-- level: medium
-- mitre: T1530
-- entity: user
-- kind: event
-- window: 0h
-- types: 'audit_log_export_accessed'
-- description: An audit-log export was downloaded.
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id, a.actor_type) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('audit-log export downloaded by {}', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'audit_log_export_accessed'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
