-- id: activity_after_offboarding
-- title: Activity by a person after their removal from the organization
-- level: high
-- mitre: T1078.004, T1539
-- entity: user
-- kind: history
-- window: {{window}}
-- types: 'org_user_deleted', 'scim_user_deleted', 'org_user_left'
-- description: A person was removed from an organization (deleted, deprovisioned by SCIM, or left) and afterwards the feed
-- description: shows activity by them that no membership explains (marts.users has no version of theirs in force in that
-- description: organization then): a session or token that outlived the offboarding. Evidence: the removal and what followed.
-- param: window interval INTERVAL '30 days' -- how long after a removal activity is looked for
with removals as (
    select
        a.id,
        a.created_at,
        a.organization_uuid,
        case a.type
            when 'org_user_deleted' then a.details ->> 'deleted_user_id'
            when 'org_user_left' then a.actor_user_id
            else a.details ->> 'user_id'
        end as user_id,
        -- the end of the look, once per removal: an interval added to a TIMESTAMPTZ goes through ICU's calendar,
        -- too slow to do for every activity the join below compares
        a.created_at + {{window}} as look_until
    from marts.activities as a
    where a.type in ('org_user_deleted', 'scim_user_deleted', 'org_user_left')
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
),

-- the removed users' later activities: found on a narrow read of every activity (actor, time, organization),
-- then their ids read for just those times (the ids are the feed's widest column)
later_at as (
    select distinct r.id as removal_id, r.created_at as removed_at, r.user_id, r.organization_uuid,
        a.created_at, a.organization_uuid as activity_organization_uuid
    from removals as r
    inner join (
        select actor_user_id, created_at, organization_uuid
        from {{all_activities}}
        where created_at >= {{eval_start}} - {{window}}
            and created_at < {{eval_end}}
    ) as a
        on a.actor_user_id = r.user_id
        and a.created_at > r.created_at
        and a.created_at <= r.look_until
        and (a.organization_uuid = r.organization_uuid or a.organization_uuid is null)
    where not exists (
        select 1
        from marts.users as u
        where u.user_id = r.user_id
            and (u.organization_uuid = a.organization_uuid or a.organization_uuid is null)
            and coalesce(u.valid_from, '-infinity'::timestamptz) <= a.created_at
            and a.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
    )
),

later as (
    select l.removal_id, l.removed_at, l.user_id, l.organization_uuid, a.id, a.created_at
    from later_at as l
    inner join {{all_activities}} as a
        on a.actor_user_id = l.user_id
        and a.created_at = l.created_at
        and a.organization_uuid is not distinct from l.activity_organization_uuid
    where a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
)

select
    user_id as entity_id,
    removed_at as window_start,
    max(created_at) as window_end,
    list_sort(list_distinct(list(id) || [removal_id])) as evidence_ids,
    format('{} activities by {} after their removal from {} on {}', count(*), user_id, organization_uuid, strftime(removed_at, '%Y-%m-%d %H:%M UTC')) as summary
from later
group by removal_id, removed_at, user_id, organization_uuid
having max(created_at) >= {{eval_start}}
