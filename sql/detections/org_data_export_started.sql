-- id: org_data_export_started
-- title: Organization data export started
-- level: medium
-- mitre: T1530
-- entity: user
-- kind: event
-- window: 0h
-- types: 'org_data_export_started'
-- description: An export of the organization's data (every conversation) was started.
select
    coalesce(a.actor_user_id, a.actor_email, a.actor_api_key_id, a.actor_type) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('organization data export ({}) started by {}', a.details ->> 'export_type', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_data_export_started'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
