-- id: compliance_api_denied_burst
-- title: Rejected Compliance API calls
-- level: high
-- mitre: T1110, T1530
-- entity: api_key
-- kind: threshold
-- window: {{window}}
-- types: 'compliance_api_accessed'
-- description: Many Compliance API calls rejected as unauthenticated or forbidden (401/403) for one key (or, without a key
-- description: id, one address) in a short window: a revoked key still in use, or someone probing with a stolen one.
-- param: threshold integer 6 -- activities in one window that raise an alert
-- param: window interval INTERVAL '10 minutes' -- the fixed window (time_bucket) counted in
with hits as (
    select
        coalesce(a.actor_api_key_id, a.actor_ip) as entity_id,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket
    from marts.activities as a
    where a.type in ('compliance_api_accessed')
        and (a.details ->> 'status_code') in ('401', '403')
        and a.created_at >= time_bucket({{window}}, {{eval_start}})
        and a.created_at < {{eval_end}}
)

select
    entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} rejected Compliance API calls by {} within {}', count(*), entity_id, {{window}}::varchar) as summary
from hits
group by entity_id, bucket
having count(*) >= {{threshold}} and max(created_at) >= {{eval_start}}
