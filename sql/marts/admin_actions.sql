-- one row per administrative activity (category 'admin'), with its actor's user record and groups as of the event
-- materialized: monthly(created_at, id) since(marts.activities)
-- since(marts.activities): a refresh keeps a month's rows before the earliest new activity of the month and
-- the earliest moment the users' or memberships' history changed (src/models/horizon.ts), and recomputes the
-- rest: a row depends only on its activity and on the history as of its created_at.
-- The actor's version is the one with valid_from <= created_at < valid_to in the activity's organization
-- (any organization when the activity names none); a bound before the lake's history (null valid_from)
-- counts as minus infinity. Group memberships are taken the same way; an end that only snapshots bound
-- counts at its latest possible time (valid_to). Both are lateral joins, so a build of one month joins only
-- that month's activities (the month's filter reaches them; a join of every admin action to the history,
-- filtered afterwards, took 6 s per month over six years).
with admin_activities as (
    select * from marts.activities
    where category = 'admin'
)

select
    a.id,
    a.created_at,
    a.type,
    a.category,
    a.organization_id,
    a.organization_uuid,
    a.actor_type,
    a.actor_user_id,
    a.actor_email,
    a.actor_ip,
    a.actor_user_agent,
    a.actor_api_key_id,
    a.is_own_request,
    a.details,
    a.actor_details,
    v.email as actor_email_at_event,
    v.full_name as actor_full_name_at_event,
    v.organization_role as actor_role_at_event,
    v.organization_uuid as actor_user_organization_uuid,
    v.valid_from as actor_user_valid_from,
    case when a.actor_user_id is not null then coalesce(g.group_ids, []::varchar[]) end as actor_group_ids_at_event
from admin_activities as a
left join lateral (
    -- the actor's version in force at the event, preferring the activity's organization
    select u.email, u.full_name, u.organization_role, u.organization_uuid, u.valid_from
    from marts.users as u
    where u.user_id = a.actor_user_id
        and (u.organization_uuid = a.organization_uuid or a.organization_uuid is null)
        and coalesce(u.valid_from, '-infinity'::timestamptz) <= a.created_at
        and a.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
    order by u.organization_uuid is not distinct from a.organization_uuid desc, u.organization_uuid
    limit 1
) as v on true
left join lateral (
    -- the groups the actor was a member of at the event
    select list(distinct m.group_id order by m.group_id) as group_ids
    from marts.group_memberships as m
    where m.user_id = a.actor_user_id
        and coalesce(m.valid_from, '-infinity'::timestamptz) <= a.created_at
        and a.created_at < coalesce(m.valid_to, 'infinity'::timestamptz)
) as g on true
