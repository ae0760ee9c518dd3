-- id: primary_owner_transferred
-- title: Primary owner transferred
-- level: high
-- mitre: T1098.003
-- entity: user
-- kind: event
-- window: 0h
-- types: 'primary_owner_transferred'
-- description: The organization's primary owner changed; the alert is about the new owner.
select
    coalesce(a.details ->> 'new_owner_id', a.actor_user_id) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('primary owner transferred from {} to {} by {}', a.details ->> 'previous_owner_id', a.details ->> 'new_owner_id', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'primary_owner_transferred'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
