-- every admin action lists exactly the groups its actor was a member of at created_at
with actions as (
    select * from marts.admin_actions
    where actor_user_id is not null
),

expected as (
    select a.id, list(distinct m.group_id order by m.group_id) as group_ids
    from actions as a
    inner join marts.group_memberships as m
        on m.user_id = a.actor_user_id
        and coalesce(m.valid_from, '-infinity'::timestamptz) <= a.created_at
        and a.created_at < coalesce(m.valid_to, 'infinity'::timestamptz)
    group by a.id
)

select a.id, a.created_at, a.actor_user_id, a.actor_group_ids_at_event, e.group_ids as expected_group_ids
from actions as a
left join expected as e on e.id = a.id
where a.actor_group_ids_at_event is distinct from coalesce(e.group_ids, []::varchar[])
