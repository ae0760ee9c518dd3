-- id: compliance_api_key_created
-- title: API key with compliance read scope created
-- level: high
-- mitre: T1098.001
-- entity: api_key
-- kind: event
-- window: 0h
-- types: 'api_key_created'
-- description: An API key that can read the compliance feed or the organization's content was created.
-- param: compliance_scopes varchar[] ['read:compliance_activities','read:compliance_org_data','read:compliance_user_data'] -- scopes that make a key sensitive
select
    coalesce(a.details ->> 'api_key_id', a.id) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('API key {} with {} created by {}', a.details ->> 'api_key_id', array_to_string(from_json(a.details -> 'scopes', '["VARCHAR"]'), ' '), coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'api_key_created'
    and list_has_any(from_json(a.details -> 'scopes', '["VARCHAR"]'), {{compliance_scopes}})
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
