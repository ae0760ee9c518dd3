-- id: chat_access_failure_burst
-- title: Many chat access denials
-- level: medium
-- mitre: T1087, T1619
-- entity: user
-- kind: threshold
-- window: {{window}}
-- types: 'claude_chat_access_failed'
-- description: One person denied access to chats many times in a short window: walking chat ids they may not read.
-- description: Failures without a user id (unauthenticated share links) are left out.
-- param: threshold integer 50 -- activities in one window that raise an alert
-- param: window interval INTERVAL '10 minutes' -- the fixed window (time_bucket) counted in
with hits as (
    select
        a.actor_user_id as entity_id,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket,
        a.organization_uuid as part
    from marts.activities as a
    where a.type in ('claude_chat_access_failed')
        and a.actor_user_id is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
)

select
    entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} chat access denials by {} within {}', count(*), entity_id, {{window}}::varchar) as summary
from hits
group by entity_id, bucket, part
having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}
