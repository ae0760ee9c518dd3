-- one row per version of a linked organization's setting: an interval in which it was listed with the same value
-- The endpoint shows only the present (compliance-api.md §2.2 item 7), so a version starts at the first snapshot
-- that showed its value, or earlier at the feed event that set it between that snapshot and the one before.
with snapshots as (
    select
        organization_uuid,
        snapshot_at,
        row_number() over (partition by organization_uuid order by snapshot_at) as snapshot_number
    from (select distinct organization_uuid, snapshot_at from staging.stg_compliance__organization_settings)
),

observations as (
    select
        s.organization_uuid,
        s.setting_name,
        s.setting_type,
        s.value,
        s.value::varchar as value_text,
        s.snapshot_at,
        n.snapshot_number
    from intermediate.int_organization_settings_unnested as s
    inner join snapshots as n on n.organization_uuid = s.organization_uuid and n.snapshot_at = s.snapshot_at
),

islands as (
    select
        *,
        snapshot_number - row_number() over (
            partition by organization_uuid, setting_name, value_text order by snapshot_number
        ) as island
    from observations
),

runs as (
    select
        organization_uuid,
        setting_name,
        value_text,
        arg_max(setting_type, snapshot_number) as setting_type,
        arg_max(value, snapshot_number) as value,
        min(snapshot_number) as first_number,
        max(snapshot_number) as last_number,
        min(snapshot_at) as first_seen,
        max(snapshot_at) as last_seen
    from islands
    group by organization_uuid, setting_name, value_text, island
),

bounded as (
    select
        r.*,
        before.snapshot_at as previous_snapshot_at,
        after.snapshot_at as next_snapshot_at
    from runs as r
    left join snapshots as before on before.organization_uuid = r.organization_uuid and before.snapshot_number = r.first_number - 1
    left join snapshots as after on after.organization_uuid = r.organization_uuid and after.snapshot_number = r.last_number + 1
),

-- the latest event that set this value between the snapshot before and the first snapshot showing it
refined as (
    select
        b.*,
        (
            select max(e.event_at)
            from intermediate.int_organization_setting_events_extracted as e
            where e.organization_uuid = b.organization_uuid
                and e.setting_name = b.setting_name
                and e.value_text = b.value_text
                and e.event_at > b.previous_snapshot_at
                and e.event_at <= b.first_seen
        ) as event_at
    from bounded as b
),

versions as (
    select
        *,
        coalesce(event_at, first_seen) as valid_from,
        case when event_at is not null then 'event' else 'snapshot' end as valid_from_source,
        lead(first_number) over w as next_first_number,
        lead(coalesce(event_at, first_seen)) over w as next_valid_from,
        lead(case when event_at is not null then 'event' else 'snapshot' end) over w as next_valid_from_source
    from refined
    window w as (partition by organization_uuid, setting_name order by first_number)
)

select
    organization_uuid,
    setting_name,
    setting_type,
    value,
    valid_from,
    case
        when next_first_number = last_number + 1 then next_valid_from
        else next_snapshot_at
    end as valid_to,
    valid_from_source,
    previous_snapshot_at as valid_from_earliest,
    case
        when next_first_number = last_number + 1 then next_valid_from_source
        when next_snapshot_at is not null then 'snapshot'
    end as valid_to_source,
    next_snapshot_at is null as is_current,
    first_seen,
    last_seen
from versions
order by organization_uuid, setting_name, valid_from
