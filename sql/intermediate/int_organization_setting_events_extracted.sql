-- one row per setting a feed event says was set to a value (org_sso_toggled, claude_organization_settings_updated)
-- materialized: monthly(event_at, activity_id, setting_name) fold(activity_id)
with activities as (
    select *
    from staging.stg_compliance__activities
    where type in ('org_sso_toggled', 'claude_organization_settings_updated') and organization_uuid is not null
),

sso as (
    select
        id as activity_id,
        created_at as event_at,
        organization_uuid,
        'sso_enabled' as setting_name,
        (rest -> 'enabled')::varchar as value_text
    from activities
    where type = 'org_sso_toggled' and json_type(rest -> 'enabled') = 'BOOLEAN'
),

updates as (
    select
        id as activity_id,
        created_at as event_at,
        organization_uuid,
        unnest(cast(rest -> 'updates' as json[])) as item
    from activities
    where type = 'claude_organization_settings_updated' and json_type(rest -> 'updates') = 'ARRAY'
),

-- an update names its setting in PascalCase (`WebSearchEnabled`); the settings endpoint in snake_case
-- (`web_search_enabled`). Only that spelling rule is assumed: an update type that maps to no setting the
-- endpoint lists simply never matches.
named_updates as (
    select
        activity_id,
        event_at,
        organization_uuid,
        lower(regexp_replace(item ->> 'type', '([a-z0-9])([A-Z])', '\1_\2', 'g')) as setting_name,
        (item -> 'current_value')::varchar as value_text
    from updates
    where (item ->> 'type') is not null and (item -> 'current_value') is not null
)

select activity_id, event_at, organization_uuid, setting_name, value_text from sso
union all
select activity_id, event_at, organization_uuid, setting_name, value_text from named_updates
