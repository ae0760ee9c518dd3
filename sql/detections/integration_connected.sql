-- id: integration_connected
-- title: User connected an integration
-- level: info
-- mitre: T1530
-- entity: user
-- kind: event
-- window: 0h
-- types: 'integration_user_connected'
-- description: A user connected an integration to their account; informational.
select
    coalesce(a.actor_user_id, a.actor_email) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('integration {} {} connected by {}', a.details ->> 'integration_type', coalesce(a.details ->> 'mcp_server_name', ''), coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'integration_user_connected'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
