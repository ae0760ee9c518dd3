-- id: ip_restriction_deleted
-- title: IP allow-list entry deleted
-- level: high
-- mitre: T1562.007
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'org_ip_restriction_deleted'
-- description: An entry of the organization's IP allow-list was deleted, widening where sign-ins are accepted from.
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('IP restriction deleted in {} by {}', a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_ip_restriction_deleted'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
