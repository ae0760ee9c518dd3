-- id: admin_api_key_deleted
-- title: Admin API key deleted
-- level: medium
-- mitre: T1098.001, T1531
-- entity: api_key
-- kind: event
-- window: 0h
-- types: 'admin_api_key_deleted'
-- description: An Admin API key was deleted (cleanup after use, or cutting off legitimate automation).
select
    coalesce(a.details ->> 'admin_api_key_id', a.id) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('Admin API key {} deleted by {}', a.details ->> 'admin_api_key_id', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'admin_api_key_deleted'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
