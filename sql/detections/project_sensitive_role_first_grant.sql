-- id: project_sensitive_role_first_grant
-- title: First owner or editor grant on a Claude project
-- level: medium
-- mitre: T1098.003
-- entity: user
-- kind: history
-- window: {{window}}
-- types: 'role_assignment_granted'
-- description: Someone was granted owner or editor on a Claude project that had no such grant in the look-back window:
-- description: a new person able to change (and read) a project's knowledge. The alert is about the grantee.
-- param: roles varchar[] ['chat_project:owner','chat_project:editor'] -- the project roles that count
-- param: window interval INTERVAL '14 days' -- history a grant must be new against
with grants as (
    select a.id, a.created_at, a.organization_uuid, a.details ->> 'resource_id' as project_id,
        a.details ->> 'target_id' as target_id, a.details ->> 'role' as role,
        coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type) as actor
    from marts.activities as a
    where a.type = 'role_assignment_granted'
        and list_contains({{roles}}, a.details ->> 'role')
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
)

select
    g.target_id as entity_id,
    g.created_at as window_start,
    g.created_at as window_end,
    [g.id] as evidence_ids,
    format('{} granted on project {} to {} by {}', g.role, g.project_id, g.target_id, g.actor) as summary
from grants as g
where g.created_at >= {{eval_start}}
    and not exists (
        select 1
        from grants as earlier
        where earlier.project_id = g.project_id
            and earlier.organization_uuid is not distinct from g.organization_uuid
            and earlier.created_at < g.created_at
            and earlier.created_at >= g.created_at - {{window}}
    )
