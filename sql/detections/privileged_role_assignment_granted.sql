-- id: privileged_role_assignment_granted
-- title: Privileged role granted through a role assignment
-- level: high
-- mitre: T1098.003
-- entity: user
-- kind: event
-- window: 0h
-- types: 'role_assignment_granted'
-- description: A role assignment granted an administrative role (bare or resource-prefixed, e.g. platform:admin); project roles are
-- description: the project rule's.
-- param: privileged_roles varchar[] ['admin','owner','primary_owner','membership_admin'] -- roles (after any resource prefix) that count as privileged
select
    a.details ->> 'target_id' as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('role {} granted to {} on {} {} by {}', a.details ->> 'role', a.details ->> 'target_id', a.details ->> 'resource_type', a.details ->> 'resource_id', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'role_assignment_granted'
    and list_contains({{privileged_roles}}, regexp_replace(a.details ->> 'role', '^.*:', ''))
    and not starts_with(a.details ->> 'role', 'chat_project:')
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
