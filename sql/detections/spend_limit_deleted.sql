-- id: spend_limit_deleted
-- title: Spend limit removed
-- level: medium
-- mitre: T1496
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'extra_usage_spend_limit_deleted', 'platform_spend_limit_deleted'
-- description: A spend limit was removed: usage (and cost) is no longer capped.
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('{} {} in {} by {}', a.type, a.details ->> 'spend_limit_id', a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type in ('extra_usage_spend_limit_deleted', 'platform_spend_limit_deleted')
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
