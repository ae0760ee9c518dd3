-- id: admin_actions_after_admin_grant
-- title: Administrative actions right after being granted an administrative role
-- level: high
-- mitre: T1098.003, T1078
-- entity: user
-- kind: history
-- window: {{window}}
-- types: 'claude_user_role_updated', 'role_assignment_granted', {{admin_action_types}}
-- description: A person's organization role was raised to an administrative one (or an administrative role assignment was
-- description: granted to them) and within the window they used it for administrative actions. Group joins are the
-- description: admin_action_after_privileged_group_join rule's. Evidence: the grant and the actions.
-- param: window interval INTERVAL '24 hours' -- how long after the grant an action counts
-- param: privileged_roles varchar[] ['admin','owner','primary_owner'] -- roles whose grant counts
-- param: admin_action_types varchar[] ['org_compliance_api_settings_updated','org_sso_toggled','org_sso_provisioning_mode_changed','org_sso_connection_deactivated','org_sso_connection_deleted','org_magic_link_second_factor_toggled','org_ip_restriction_created','org_ip_restriction_deleted','org_domain_verified','org_domain_removed','admin_api_key_created','api_key_created','platform_api_key_created','service_key_created','org_data_export_started','org_data_export_accessed','audit_log_export_started','audit_log_export_accessed','org_members_exported','primary_owner_transferred','rbac_role_assigned','rbac_role_permission_added','role_assignment_granted','claude_user_role_updated','claude_organization_settings_updated','org_invite_link_generated','org_user_deleted','group_updated','org_bulk_delete_initiated','org_deletion_requested'] -- the administrative actions
with grants as (
    select a.id, a.created_at, a.organization_uuid,
        case a.type when 'claude_user_role_updated' then a.details ->> 'user_id' else a.details ->> 'target_id' end as user_id
    from marts.activities as a
    where (
            (a.type = 'claude_user_role_updated'
                and list_contains({{privileged_roles}}, a.details ->> 'current_role')
                and not list_contains({{privileged_roles}}, coalesce(a.details ->> 'previous_role', '')))
            or (a.type = 'role_assignment_granted'
                and list_contains({{privileged_roles}}, regexp_replace(a.details ->> 'role', '^.*:', ''))
                and not starts_with(a.details ->> 'role', 'chat_project:'))
        )
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
),

actions as (
    select g.id as grant_id, g.created_at as granted_at, g.user_id, a.id, a.created_at, a.type
    from grants as g
    inner join marts.activities as a
        on a.actor_user_id = g.user_id
        and a.created_at > g.created_at
        and a.created_at <= g.created_at + {{window}}
        and list_contains({{admin_action_types}}, a.type)
    where a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
)

select
    user_id as entity_id,
    granted_at as window_start,
    max(created_at) as window_end,
    list_sort(list_distinct(list(id) || [grant_id])) as evidence_ids,
    format('{} granted an admin role, then {} within {}', user_id, string_agg(distinct type, ', ' order by type), {{window}}::varchar) as summary
from actions
group by grant_id, granted_at, user_id
having max(created_at) >= {{eval_start}}
