-- id: mcp_server_deleted
-- title: MCP server removed
-- level: low
-- mitre: T1562
-- entity: user
-- kind: event
-- window: 0h
-- types: 'mcp_server_deleted'
-- description: An MCP server was removed.
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id, a.actor_type) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('MCP server {} removed by {}', a.details ->> 'mcp_server_name', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'mcp_server_deleted'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
