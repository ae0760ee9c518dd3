-- id: mcp_server_created
-- title: MCP server added
-- level: medium
-- mitre: T1176, T1567
-- entity: user
-- kind: event
-- window: 0h
-- types: 'mcp_server_created'
-- description: An MCP server was added: a new place conversation data can flow to.
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id, a.actor_type) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('MCP server {} added by {}', a.details ->> 'mcp_server_name', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'mcp_server_created'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
