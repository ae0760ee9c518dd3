-- id: audit_log_export_started
-- title: Audit-log export started
-- level: medium
-- mitre: T1530, T1562.008
-- entity: user
-- kind: event
-- window: 0h
-- types: 'audit_log_export_started'
-- description: Someone started an export of the organization's audit log (reconnaissance of what is recorded, or collection).
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id, a.actor_type) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('audit-log export started by {}', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'audit_log_export_started'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
