-- id: org_destructive_action
-- title: Organization deletion or bulk delete
-- level: critical
-- mitre: T1485, T1531
-- entity: organization
-- kind: event
-- window: 0h
-- types: 'org_deletion_requested', 'org_bulk_delete_initiated', 'org_deleted_via_bulk'
-- description: The organization (or organizations in bulk) is being deleted.
select
    a.organization_uuid as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('{} in {} by {}', a.type, a.organization_uuid, coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type in ('org_deletion_requested', 'org_bulk_delete_initiated', 'org_deleted_via_bulk')
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
