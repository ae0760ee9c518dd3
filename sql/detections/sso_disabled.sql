-- id: sso_disabled
-- title: SSO turned off or an SSO connection deactivated or removed
-- level: high
-- mitre: T1562.001, T1556
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'org_sso_toggled', 'org_sso_connection_deactivated', 'org_sso_connection_deleted'
-- description: Single sign-on was switched off for the organization (org_sso_toggled with enabled false), or an
-- description: SSO connection was deactivated or deleted: people may then sign in without the identity provider's controls.
-- one occurrence per activity
select
    coalesce(organization_uuid, organization_id, 'unknown organization') as entity_id,
    created_at as window_start,
    created_at as window_end,
    [id] as evidence_ids,
    type || ' by ' || coalesce(actor_email, actor_user_id, actor_api_key_id, 'an unknown actor') as summary
from marts.activities
where created_at >= {{eval_start}}
    and created_at < {{eval_end}}
    and (
        (type = 'org_sso_toggled' and (details ->> 'enabled') = 'false')
        or type in ('org_sso_connection_deactivated', 'org_sso_connection_deleted')
    )
