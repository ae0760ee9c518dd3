-- id: member_group_enumeration
-- title: Member and group enumeration
-- level: medium
-- mitre: T1069.003, T1087.004
-- entity: user
-- kind: threshold
-- window: {{window}}
-- types: 'org_members_exported', 'org_users_listed', 'group_list_viewed'
-- description: One signed-in person exported the member list, listed users or viewed the group list, at least two of
-- description: these kinds within one window: mapping who to target. Directory reads by keys carry no email and are left out.
-- param: kinds integer 2 -- distinct enumeration types in one window that raise an alert
-- param: window interval INTERVAL '10 minutes' -- the fixed window (time_bucket) counted in
with hits as (
    select
        coalesce(a.actor_user_id, a.actor_email) as entity_id,
        a.organization_uuid,
        a.type,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket
    from marts.activities as a
    where a.type in ('org_members_exported', 'org_users_listed', 'group_list_viewed')
        and a.actor_email is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
)

select
    entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} enumerated the directory ({}) within {}', entity_id, string_agg(distinct type, ', ' order by type), {{window}}::varchar) as summary
from hits
group by entity_id, organization_uuid, bucket
having count(distinct type) >= {{kinds}} and max(created_at) >= {{eval_start}}
