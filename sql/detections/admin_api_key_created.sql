-- id: admin_api_key_created
-- title: Admin API key created
-- level: medium
-- mitre: T1098.001
-- entity: api_key
-- kind: event
-- window: 0h
-- types: 'admin_api_key_created'
-- description: An Admin API key was created: a long-lived credential with organization-wide power.
select
    coalesce(a.details ->> 'admin_api_key_id', a.id) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('Admin API key {} created by {}', a.details ->> 'admin_api_key_id', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'admin_api_key_created'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
