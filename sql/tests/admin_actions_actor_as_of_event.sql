-- every admin action's actor record is the actor's user version in force at created_at, and is set whenever one is
with actions as (
    select * from marts.admin_actions
    where actor_user_id is not null
),

in_force as (
    select a.id, count(*) as versions
    from actions as a
    inner join marts.users as u
        on u.user_id = a.actor_user_id
        and (u.organization_uuid = a.organization_uuid or a.organization_uuid is null)
        and coalesce(u.valid_from, '-infinity'::timestamptz) <= a.created_at
        and a.created_at < coalesce(u.valid_to, 'infinity'::timestamptz)
    group by a.id
)

select a.id, a.created_at, a.actor_user_id, a.actor_user_valid_from, u.valid_from, u.valid_to, f.versions
from actions as a
left join marts.users as u
    on u.user_id = a.actor_user_id
    and u.organization_uuid = a.actor_user_organization_uuid
    and u.valid_from is not distinct from a.actor_user_valid_from
left join in_force as f on f.id = a.id
where (f.versions is not null and a.actor_user_organization_uuid is null)
    or (a.actor_user_organization_uuid is not null and (
        u.user_id is null
        or not (coalesce(u.valid_from, '-infinity'::timestamptz) <= a.created_at and a.created_at < coalesce(u.valid_to, 'infinity'::timestamptz))
        or a.actor_email_at_event is distinct from u.email
        or a.actor_full_name_at_event is distinct from u.full_name
        or a.actor_role_at_event is distinct from u.organization_role
    ))
