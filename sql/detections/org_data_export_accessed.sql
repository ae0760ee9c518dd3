-- id: org_data_export_accessed
-- title: Organization data export downloaded
-- level: high
-- mitre: T1530, T1567
-- entity: user
-- kind: event
-- window: 0h
-- types: 'org_data_export_accessed'
-- description: An export of the organization's data was downloaded.
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id, a.actor_type) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('organization data export ({}) downloaded by {}', a.details ->> 'export_type', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_data_export_accessed'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
