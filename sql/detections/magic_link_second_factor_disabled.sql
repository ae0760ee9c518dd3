-- id: magic_link_second_factor_disabled
-- title: Magic-link second factor turned off
-- level: high
-- mitre: T1556.006
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'org_magic_link_second_factor_toggled'
-- description: The second factor of magic-link sign-in was turned off: an emailed link alone now signs in.
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('magic-link second factor turned off in {} by {}', a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'org_magic_link_second_factor_toggled'
    and (a.details ->> 'enabled') = 'false'
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
