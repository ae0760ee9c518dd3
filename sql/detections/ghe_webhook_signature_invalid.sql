-- id: ghe_webhook_signature_invalid
-- title: GitHub Enterprise webhook signature rejected
-- level: medium
-- mitre: T1195
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'ghe_webhook_signature_invalid'
-- description: A webhook claiming to come from the GitHub Enterprise integration failed its signature check (forged or misconfigured).
select
    coalesce(a.organization_uuid, a.organization_id, 'none') as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('GitHub Enterprise webhook signature rejected for configuration {}', a.details ->> 'ghe_configuration_id') as summary
from marts.activities as a
where a.type = 'ghe_webhook_signature_invalid'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
