-- id: chat_creation_burst
-- title: Chat-creation burst
-- level: medium
-- mitre: T1496
-- entity: user
-- kind: threshold
-- window: {{window}}
-- types: 'claude_chat_created'
-- description: One person created many chats in a day: automation or a shared account driving the assistant.
-- param: threshold integer 20 -- activities in one window that raise an alert
-- param: window interval INTERVAL '1 day' -- the fixed window (time_bucket) counted in
with hits as (
    select
        a.actor_user_id as entity_id,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket
    from marts.activities as a
    where a.type in ('claude_chat_created')
        and a.actor_user_id is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
)

select
    entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} chats created by {} within {}', count(*), entity_id, {{window}}::varchar) as summary
from hits
group by entity_id, bucket
having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}
