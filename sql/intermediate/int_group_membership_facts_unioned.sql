-- one row per piece of evidence of a group membership at a moment: a run of snapshots, the membership's created_at, a feed event, or an absence from a snapshot
-- Columns: fact_at (null: before the lake's history), is_present, source ('snapshot', 'created_at', 'event',
-- 'unknown'), observed_until (the last moment this evidence saw the membership), latest_at (the latest moment
-- the change this evidence shows can have happened: a snapshot that missed it had completed by then).
with runs as (
    select * from intermediate.int_group_member_snapshots_collapsed
),

snapshots as (
    select * from intermediate.int_directory_snapshots_numbered
    where stream = 'group_members'
),

events as (
    select * from intermediate.int_group_member_events_unnested
),

run_starts as (
    select
        group_id,
        user_id,
        first_seen_at as fact_at,
        true as is_present,
        'snapshot' as source,
        last_seen_at as observed_until,
        first_seen_at as latest_at,
        'listed by group_members snapshots' as evidence,
        cast(null as varchar) as activity_id
    from runs
),

created as (
    select distinct
        group_id,
        user_id,
        created_at as fact_at,
        true as is_present,
        'created_at' as source,
        created_at as observed_until,
        created_at as latest_at,
        'created_at of the membership' as evidence,
        cast(null as varchar) as activity_id
    from runs
    where created_at is not null
),

run_ends as (
    -- listed in one snapshot and missing from the next, or listed again with another created_at (a new
    -- membership, which bounds the end of the old one by its start)
    select
        r.group_id,
        r.user_id,
        case
            when n.created_at > r.last_seen_at then least(s.snapshot_at, n.created_at)
            else s.snapshot_at
        end as fact_at,
        false as is_present,
        'snapshot' as source,
        cast(null as timestamptz) as observed_until,
        case
            when n.created_at > r.last_seen_at then least(s.snapshot_completed_at, n.created_at)
            else s.snapshot_completed_at
        end as latest_at,
        'missing from a group_members snapshot' as evidence,
        cast(null as varchar) as activity_id
    from runs as r
    inner join snapshots as s on s.snapshot_number = r.last_snapshot_number + 1
    left join runs as n
        on n.group_id = r.group_id
        and n.user_id = r.user_id
        and n.first_snapshot_number = r.last_snapshot_number + 1
),

event_facts as (
    select
        group_id,
        user_id,
        event_at as fact_at,
        is_member as is_present,
        'event' as source,
        case when is_member then event_at end as observed_until,
        event_at as latest_at,
        type as evidence,
        activity_id
    from events
),

after_events as (
    -- the first snapshot at or after an event: what it listed confirms or corrects the event
    select
        e.group_id,
        e.user_id,
        s.snapshot_at,
        s.snapshot_completed_at,
        s.snapshot_number
    from events as e
    asof join snapshots as s on e.event_at <= s.snapshot_at
),

after_event_facts as (
    select distinct
        a.group_id,
        a.user_id,
        a.snapshot_at as fact_at,
        r.user_id is not null as is_present,
        'snapshot' as source,
        case when r.user_id is not null then a.snapshot_at end as observed_until,
        case when r.user_id is not null then a.snapshot_at else a.snapshot_completed_at end as latest_at,
        case when r.user_id is not null then 'listed by a group_members snapshot' else 'missing from a group_members snapshot' end as evidence,
        cast(null as varchar) as activity_id
    from after_events as a
    left join runs as r
        on r.group_id = a.group_id
        and r.user_id = a.user_id
        and a.snapshot_number between r.first_snapshot_number and r.last_snapshot_number
),

known as (
    select * from run_starts
    union all
    select * from created
    union all
    select * from run_ends
    union all
    select * from event_facts
    union all
    select * from after_event_facts
),

first_facts as (
    select *
    from known
    qualify row_number() over (
        partition by group_id, user_id
        order by fact_at, is_present, case source when 'created_at' then 1 when 'event' then 2 else 3 end, activity_id
    ) = 1
),

unknown_starts as (
    -- the earliest evidence is a removal: the membership began before the lake's history
    select
        group_id,
        user_id,
        cast(null as timestamptz) as fact_at,
        true as is_present,
        'unknown' as source,
        cast(null as timestamptz) as observed_until,
        cast(null as timestamptz) as latest_at,
        'member before the first evidence' as evidence,
        cast(null as varchar) as activity_id
    from first_facts
    where source = 'event' and not is_present
)

select * from known
union all
select * from unknown_starts
