-- id: compliance_logging_disabled
-- title: Compliance API logging or the Compliance API turned off
-- level: high
-- mitre: T1562.008
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'org_compliance_api_settings_updated'
-- description: The audit trail this lake reads is being switched off: every later action goes unrecorded.
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('Compliance API logging turned off in {} by {}', a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_compliance_api_settings_updated'
    and ((a.details ->> 'compliance_api_logging_enabled') = 'false' or (a.details ->> 'compliance_api_enabled') = 'false')
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
