-- id: file_upload_burst
-- title: High file-upload volume
-- level: medium
-- mitre: T1567
-- entity: user
-- kind: threshold
-- window: {{window}}
-- types: 'claude_file_uploaded'
-- description: One person (from one address) uploaded many files in a day: staging data through the assistant.
-- param: threshold integer 100 -- activities in one window that raise an alert
-- param: window interval INTERVAL '1 day' -- the fixed window (time_bucket) counted in
with hits as (
    select
        a.actor_user_id as entity_id,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket,
        a.actor_ip as part
    from marts.activities as a
    where a.type in ('claude_file_uploaded')
        and a.actor_user_id is not null
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
)

select
    entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} file uploads by {} within {}', count(*), entity_id, {{window}}::varchar) as summary
from hits
group by entity_id, bucket, part
having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}
