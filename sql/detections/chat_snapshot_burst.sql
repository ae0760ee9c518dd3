-- id: chat_snapshot_burst
-- title: Many chat snapshots
-- level: medium
-- mitre: T1567
-- entity: user
-- kind: threshold
-- window: {{window}}
-- types: 'claude_chat_snapshot_created'
-- description: One person created many chat snapshots (shareable copies) in a day.
-- param: threshold integer 10 -- activities in one window that raise an alert
-- param: window interval INTERVAL '1 day' -- the fixed window (time_bucket) counted in
with hits as (
    select
        a.actor_user_id as entity_id,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket
    from marts.activities as a
    where a.type in ('claude_chat_snapshot_created')
        and a.actor_user_id is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
),

-- the windows that reach the threshold first, their ids after: the ids of every window (977 k snapshots over six
-- years at the 100 M scale) are listed only for the few that fire
fired as (
    select entity_id, bucket, count(*) as n, max(created_at) as window_end
    from hits
    group by entity_id, bucket
    having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}
)

select
    f.entity_id,
    f.bucket as window_start,
    f.window_end,
    list(distinct h.id order by h.id) as evidence_ids,
    format('{} chat snapshots by {} within {}', f.n, f.entity_id, {{window}}::varchar) as summary
from fired as f
inner join hits as h on h.entity_id = f.entity_id and h.bucket = f.bucket
group by f.entity_id, f.bucket, f.window_end, f.n
