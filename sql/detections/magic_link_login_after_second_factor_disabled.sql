-- id: magic_link_login_after_second_factor_disabled
-- title: Magic-link sign-in soon after its second factor was turned off
-- level: high
-- mitre: T1556.006, T1078.004
-- entity: organization
-- kind: sequence
-- window: {{window}}
-- types: 'org_magic_link_second_factor_toggled', 'magic_link_login_succeeded'
-- description: The magic-link second factor was turned off in an organization and, within the window, a member of it
-- description: (as of the sign-in, from the directory history) signed in with a magic link alone. Sign-ins carry no
-- description: organization, so membership comes from marts.users.
-- param: window interval INTERVAL '4 hours' -- how long after the switch-off a sign-in counts
with switched_off as (
    select a.id, a.created_at, a.organization_uuid
    from marts.activities as a
    where a.type = 'org_magic_link_second_factor_toggled'
        and (a.details ->> 'enabled') = 'false'
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
),

logins as (
    select a.id, a.created_at, a.actor_user_id, a.organization_uuid
    from marts.activities as a
    where a.type = 'magic_link_login_succeeded'
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
),

member_logins as (
    select s.id as switch_id, s.created_at as switch_at, s.organization_uuid, l.id, l.created_at
    from switched_off as s
    inner join logins as l
        on l.created_at > s.created_at
        and l.created_at <= s.created_at + {{window}}
        and (
            l.organization_uuid = s.organization_uuid
            or exists (
                select 1
                from marts.users as u
                where u.user_id = l.actor_user_id
                    and u.organization_uuid = s.organization_uuid
                    and coalesce(u.valid_from, '-infinity'::timestamptz) <= l.created_at
                    and l.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
            )
        )
)

select
    organization_uuid as entity_id,
    switch_at as window_start,
    max(created_at) as window_end,
    list_sort(list_distinct(list(id) || [switch_id])) as evidence_ids,
    format('{} magic-link sign-ins in {} within {} of its second factor being turned off', count(*), organization_uuid, {{window}}::varchar) as summary
from member_logins
group by switch_id, switch_at, organization_uuid
having max(created_at) >= {{eval_start}}
