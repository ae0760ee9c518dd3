-- id: admin_action_after_privileged_group_join
-- title: Admin action soon after joining a privileged group
-- level: high
-- mitre: T1098, T1078
-- entity: user
-- kind: history
-- window: {{within}}
-- lookback: 2 * {{within}}
-- types: 'group_member_added'
-- categories: 'admin'
-- description: A user performed administrative actions less than `within` after becoming a member of a privileged
-- description: group (by name or id). Judged against the group memberships as they were at that moment
-- description: (marts.group_memberships), which no rule over the raw feed can do.
-- param: privileged_groups varchar[] ['Security Admins', 'Admins', 'IT Operations'] -- names or ids of the groups whose members count as privileged
-- param: within interval '24 hours' -- how soon after the join an admin action raises an alert
-- one occurrence per join of a privileged group followed by admin actions
with joins as (
    select m.user_id, m.group_id, coalesce(g.name, m.group_id) as group_name, m.valid_from as joined_at, m.valid_to as left_at
    from marts.group_memberships as m
    left join marts.groups as g on g.group_id = m.group_id
    where (list_contains({{privileged_groups}}, g.name) or list_contains({{privileged_groups}}, m.group_id))
        and m.valid_from is not null
        and m.valid_from >= {{eval_start}} - 2 * {{within}}
        and m.valid_from < {{eval_end}}
),

admin_actions as (
    select id, created_at, type, actor_user_id
    from marts.activities
    where category = 'admin'
        and actor_user_id is not null
        and created_at >= {{eval_start}} - {{within}}
        and created_at < {{eval_end}}
),

join_events as (
    -- the feed's record of the join, when the membership's start came from it
    select a.id, a.created_at, a.details ->> 'group_id' as group_id, a.details -> 'member_ids' as member_ids
    from marts.activities as a
    where a.type = 'group_member_added'
        and a.created_at >= {{eval_start}} - 2 * {{within}}
        and a.created_at < {{eval_end}}
),

occurrences as (
    select
        j.user_id,
        j.group_id,
        j.group_name,
        j.joined_at,
        max(a.created_at) as last_action_at,
        list(distinct a.id) as action_ids,
        count(distinct a.id) as actions
    from joins as j
    join admin_actions as a
        on a.actor_user_id = j.user_id
        and a.created_at >= j.joined_at
        and a.created_at < j.joined_at + {{within}}
        and a.created_at < coalesce(j.left_at, 'infinity'::timestamptz)
    group by j.user_id, j.group_id, j.group_name, j.joined_at
)

select
    o.user_id as entity_id,
    o.joined_at as window_start,
    o.last_action_at as window_end,
    list_sort(list_distinct(o.action_ids || coalesce(list(e.id) filter (where e.id is not null), []))) as evidence_ids,
    o.actions || ' admin action(s) by ' || o.user_id || ' within ' || {{within}} || ' of joining ' || o.group_name as summary
from occurrences as o
left join join_events as e
    on e.created_at = o.joined_at
    and e.group_id = o.group_id
    and list_contains(from_json(e.member_ids, '["VARCHAR"]'), o.user_id)
where o.last_action_at >= {{eval_start}}
group by o.user_id, o.group_id, o.group_name, o.joined_at, o.last_action_at, o.action_ids, o.actions
