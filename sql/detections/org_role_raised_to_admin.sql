-- id: org_role_raised_to_admin
-- title: Organization role raised to a privileged role
-- level: high
-- mitre: T1098.003
-- entity: user
-- kind: event
-- window: 0h
-- types: 'claude_user_role_updated'
-- description: A member's organization role was raised to a privileged one by a person or key (changes by the directory sync are
-- description: audited in the identity provider).
-- param: privileged_roles varchar[] ['admin','owner','primary_owner','membership_admin'] -- organization roles that count as privileged
select
    a.details ->> 'user_id' as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('{} raised from {} to {} by {}', coalesce(a.details ->> 'user_email', a.details ->> 'user_id'), a.details ->> 'previous_role', a.details ->> 'current_role', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'claude_user_role_updated'
    and list_contains({{privileged_roles}}, a.details ->> 'current_role')
    and not list_contains({{privileged_roles}}, coalesce(a.details ->> 'previous_role', ''))
    and a.actor_type <> 'scim_directory_sync_actor'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
