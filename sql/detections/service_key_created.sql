-- id: service_key_created
-- title: Service key created
-- level: medium
-- mitre: T1098.001
-- entity: api_key
-- kind: event
-- window: 0h
-- types: 'service_key_created'
-- description: A service key was created.
select
    coalesce(a.details ->> 'service_key_id', a.id) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('service key {} ({}) created by {}', a.details ->> 'service_key_id', a.details ->> 'key_name', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'service_key_created'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
