-- id: org_user_removed
-- title: Member removed from the organization
-- level: info
-- mitre: T1531
-- entity: user
-- kind: event
-- window: 0h
-- types: 'org_user_deleted'
-- description: A member was removed by an admin (account access removal); informational.
select
    a.details ->> 'deleted_user_id' as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('{} removed by {}', coalesce(a.details ->> 'deleted_user_email', a.details ->> 'deleted_user_id'), coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_user_deleted'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
