-- id: temporary_elevation
-- title: Administrative role granted and taken back within hours
-- level: medium
-- mitre: T1098.003, T1070
-- entity: user
-- kind: history
-- window: {{window}}
-- types: 'claude_user_role_updated', {{admin_action_types}}
-- description: A person's organization role was raised to an administrative one and lowered again within the window: a
-- description: temporary elevation that leaves no standing privilege to review. Evidence: the raise, the lowering and the
-- description: administrative actions the person took in between.
-- param: window interval INTERVAL '24 hours' -- longest elevation that counts as temporary
-- param: privileged_roles varchar[] ['admin','owner','primary_owner'] -- roles whose grant counts
-- param: admin_action_types varchar[] ['org_compliance_api_settings_updated','org_sso_toggled','org_sso_provisioning_mode_changed','org_sso_connection_deactivated','org_sso_connection_deleted','org_magic_link_second_factor_toggled','org_ip_restriction_created','org_ip_restriction_deleted','org_domain_verified','org_domain_removed','admin_api_key_created','api_key_created','platform_api_key_created','service_key_created','org_data_export_started','org_data_export_accessed','audit_log_export_started','audit_log_export_accessed','org_members_exported','primary_owner_transferred','rbac_role_assigned','rbac_role_permission_added','role_assignment_granted','claude_user_role_updated','claude_organization_settings_updated','org_invite_link_generated','org_user_deleted','group_updated','org_bulk_delete_initiated','org_deletion_requested'] -- the administrative actions taken in between
with changes as (
    select a.id, a.created_at, a.organization_uuid, a.details ->> 'user_id' as user_id,
        list_contains({{privileged_roles}}, a.details ->> 'current_role') as now_privileged,
        list_contains({{privileged_roles}}, coalesce(a.details ->> 'previous_role', '')) as was_privileged,
        -- the end of the window once per change (an interval added to a TIMESTAMPTZ goes through ICU's calendar)
        a.created_at + {{window}} as window_until
    from marts.activities as a
    where a.type = 'claude_user_role_updated'
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
),

elevations as (
    select r.id as raise_id, r.created_at as raised_at, r.user_id, r.organization_uuid, l.id as lower_id, l.created_at as lowered_at
    from changes as r
    inner join lateral (
        select c.id, c.created_at
        from changes as c
        where c.user_id = r.user_id
            and c.organization_uuid = r.organization_uuid
            and c.was_privileged and not c.now_privileged
            and c.created_at > r.created_at
            and c.created_at <= r.window_until
        order by c.created_at
        limit 1
    ) as l on true
    where r.now_privileged and not r.was_privileged
        and l.created_at >= {{eval_start}}
),

between_actions as (
    select e.raise_id, list(a.id) as ids
    from elevations as e
    inner join marts.activities as a
        on a.actor_user_id = e.user_id
        and a.created_at > e.raised_at
        and a.created_at < e.lowered_at
        and list_contains({{admin_action_types}}, a.type)
    where a.created_at >= {{eval_start}} - {{window}}
    group by e.raise_id
)

select
    e.user_id as entity_id,
    e.raised_at as window_start,
    e.lowered_at as window_end,
    list_sort(list_distinct([e.raise_id, e.lower_id] || coalesce(b.ids, []::varchar[]))) as evidence_ids,
    format('{} held an admin role for {} ({} administrative actions)', e.user_id, (e.lowered_at - e.raised_at)::varchar, len(coalesce(b.ids, []::varchar[]))) as summary
from elevations as e
left join between_actions as b on b.raise_id = e.raise_id
