-- id: privilege_grant_by_non_admin
-- title: Role granted by someone who was not an admin at the time
-- level: high
-- mitre: T1098.003, T1078
-- entity: user
-- kind: history
-- window: 0h
-- types: 'role_assignment_granted', 'claude_user_role_updated', 'rbac_role_assigned'
-- description: A role assignment, an organization role change or an RBAC role assignment was made by a person whose own
-- description: organization role at that moment (marts.users as of the event) was not an administrative one: a privilege
-- description: path that should not exist, or a directory that does not say what it should. The alert is about the grantor.
-- param: admin_roles varchar[] ['primary_owner','owner','admin'] -- organization roles allowed to grant roles
with grants as (
    select a.id, a.created_at, a.type, a.actor_user_id, a.actor_email, a.organization_uuid,
        coalesce(a.details ->> 'user_email', a.details ->> 'user_id', a.details ->> 'target_id', a.details ->> 'principal_id') as target
    from marts.activities as a
    where a.type in ('role_assignment_granted', 'claude_user_role_updated', 'rbac_role_assigned')
        and a.actor_user_id is not null
        and a.created_at >= {{eval_start}}
        and a.created_at < {{eval_end}}
)

select
    g.actor_user_id as entity_id,
    g.created_at as window_start,
    g.created_at as window_end,
    [g.id] as evidence_ids,
    format('{} on {} by {}, whose role then was {}', g.type, g.target, coalesce(g.actor_email, g.actor_user_id), v.organization_role) as summary
from grants as g
inner join lateral (
    select u.organization_role
    from marts.users as u
    where u.user_id = g.actor_user_id
        and u.organization_uuid = g.organization_uuid
        and coalesce(u.valid_from, '-infinity'::timestamptz) <= g.created_at
        and g.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
    limit 1
) as v on true
where v.organization_role is not null
    and not list_contains({{admin_roles}}, v.organization_role)
