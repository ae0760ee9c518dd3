-- id: domain_boundary_changed
-- title: Verified-domain set changed
-- level: high
-- mitre: T1098
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'org_domain_verified', 'org_domain_removed', 'org_domain_add_initiated', 'domain_claim_initiated'
-- description: The organization's verified domains changed (which addresses may join or sign in by SSO).
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('{} ({}) in {} by {}', a.type, coalesce(a.details ->> 'domain', '-'), a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type in ('org_domain_verified', 'org_domain_removed', 'org_domain_add_initiated', 'domain_claim_initiated')
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
