-- id: any_invite_sent
-- title: Organization invitation sent
-- level: info
-- mitre: T1136.003
-- entity: user
-- kind: event
-- window: 0h
-- types: 'org_user_invite_sent'
-- description: Any invitation to the organization (an account is about to be created); informational.
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('{} invited as {} by {}', a.details ->> 'invited_email', a.details ->> 'invited_role', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_user_invite_sent'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
