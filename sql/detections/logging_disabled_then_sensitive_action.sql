-- id: logging_disabled_then_sensitive_action
-- title: Audit logging or SSO turned off, then keys or exports
-- level: critical
-- mitre: T1562.008, T1098.001, T1530
-- entity: organization
-- kind: sequence
-- window: {{window}}
-- types: 'org_compliance_api_settings_updated', 'org_sso_toggled', 'org_sso_connection_deactivated', 'org_sso_connection_deleted', {{follow_types}}
-- description: Compliance API logging (or SSO) was turned off in an organization and, within the window, someone in it
-- description: created a key or started or downloaded an export: blinding the audit trail before acting. The actors may differ.
-- param: window interval INTERVAL '24 hours' -- how long after the switch-off a follow-on action counts
-- param: follow_types varchar[] ['admin_api_key_created','api_key_created','platform_api_key_created','service_key_created','org_data_export_started','org_data_export_accessed','audit_log_export_started','audit_log_export_accessed'] -- the follow-on actions
with switched_off as (
    select a.id, a.created_at, a.organization_uuid, a.type
    from marts.activities as a
    where (
            (a.type = 'org_compliance_api_settings_updated'
                and ((a.details ->> 'compliance_api_logging_enabled') = 'false' or (a.details ->> 'compliance_api_enabled') = 'false'))
            or (a.type = 'org_sso_toggled' and (a.details ->> 'enabled') = 'false')
            or a.type in ('org_sso_connection_deactivated', 'org_sso_connection_deleted')
        )
        and a.organization_uuid is not null
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
),

follow_on as (
    select a.id, a.created_at, a.organization_uuid, a.type
    from marts.activities as a
    where list_contains({{follow_types}}, a.type)
        and a.organization_uuid is not null
        and a.created_at >= {{eval_start}} - {{window}}
        and a.created_at < {{eval_end}}
)

select
    s.organization_uuid as entity_id,
    s.created_at as window_start,
    max(f.created_at) as window_end,
    list_sort(list_distinct(list(f.id) || [s.id])) as evidence_ids,
    format('{} in {}, then {} within {}', s.type, s.organization_uuid, string_agg(distinct f.type, ', ' order by f.type), {{window}}::varchar) as summary
from switched_off as s
inner join follow_on as f
    on f.organization_uuid = s.organization_uuid
    and f.created_at > s.created_at
    and f.created_at <= s.created_at + {{window}}
group by s.id, s.organization_uuid, s.created_at, s.type
having max(f.created_at) >= {{eval_start}}
