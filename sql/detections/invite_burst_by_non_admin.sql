-- id: invite_burst_by_non_admin
-- title: Burst of invitations by someone who is not an admin
-- level: medium
-- mitre: T1136.003
-- entity: user
-- kind: history
-- window: {{window}}
-- types: 'org_user_invite_sent'
-- description: A person sent many invitations within one window while their organization role (marts.users as of each
-- description: invitation) was not an administrative one: planting accounts through a permission that should be rare.
-- param: threshold integer 5 -- invitations in one window that raise an alert
-- param: window interval INTERVAL '1 hour' -- the fixed window (time_bucket) counted in
-- param: admin_roles varchar[] ['primary_owner','owner','admin'] -- organization roles for which invitations are routine
with invites as (
    select a.id, a.created_at, a.actor_user_id, a.organization_uuid, time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket
    from marts.activities as a
    where a.type = 'org_user_invite_sent'
        and a.actor_user_id is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
),

by_non_admins as (
    select i.*
    from invites as i
    inner join lateral (
        select u.organization_role
        from marts.users as u
        where u.user_id = i.actor_user_id
            and u.organization_uuid = i.organization_uuid
            and coalesce(u.valid_from, '-infinity'::timestamptz) <= i.created_at
            and i.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
        limit 1
    ) as v on true
    where v.organization_role is not null
        and not list_contains({{admin_roles}}, v.organization_role)
)

select
    actor_user_id as entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} invitations by {} (not an admin) in {} within {}', count(*), actor_user_id, organization_uuid, {{window}}::varchar) as summary
from by_non_admins
group by actor_user_id, organization_uuid, bucket
having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}
