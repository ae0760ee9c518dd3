-- id: org_settings_changed
-- title: Organization setting changed
-- level: info
-- mitre: T1562
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'claude_organization_settings_updated'
-- description: An organization setting changed; the summary lists which.
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('settings {} changed in {} by {}', coalesce(array_to_string(from_json(a.details -> '$.updates[*].type', '["VARCHAR"]'), ', '), '?'), a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'claude_organization_settings_updated'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
