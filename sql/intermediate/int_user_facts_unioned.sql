-- one row per piece of evidence of a member's state at a moment: a run of snapshots, a feed event, or an absence from a snapshot
-- Columns: fact_at (null: before the lake's history), is_present, the attributes the evidence states (null:
-- not stated), role_before (the role just before fact_at, where the evidence says it), source ('snapshot',
-- 'event', 'unknown'), observed_until (the last moment this evidence saw the member present), latest_at (the
-- latest moment the change this evidence shows can have happened: a snapshot that missed the member had
-- completed by then), earliest_at (the earliest moment a start this evidence shows can have happened).
-- A user's created_at is when the account was created, not when it joined the organization
-- (compliance-api.md §2.2), often years before: it is no evidence of membership, only a lower bound on the
-- join (earliest_at).
with runs as (
    select * from intermediate.int_user_snapshots_collapsed
),

snapshots as (
    select * from intermediate.int_directory_snapshots_numbered
    where stream = 'users'
),

events as (
    select * from intermediate.int_user_events_extracted
    where change <> 'updated'
),

run_starts as (
    select
        r.organization_uuid,
        r.user_id,
        r.first_seen_at as fact_at,
        true as is_present,
        r.email,
        r.full_name,
        r.organization_role,
        r.organization_role as role_before,
        'snapshot' as source,
        r.last_seen_at as observed_until,
        r.first_seen_at as latest_at,
        -- a first listing: joined after the account was created and after the snapshot before, which missed them
        greatest(r.created_at, s.previous_snapshot_at) as earliest_at,
        'listed by users snapshots' as evidence,
        cast(null as varchar) as activity_id
    from runs as r
    inner join snapshots as s on s.snapshot_number = r.first_snapshot_number
),

run_ends as (
    -- listed in one snapshot and missing from the next: gone at some moment in between
    select
        r.organization_uuid,
        r.user_id,
        s.snapshot_at as fact_at,
        false as is_present,
        cast(null as varchar) as email,
        cast(null as varchar) as full_name,
        cast(null as varchar) as organization_role,
        cast(null as varchar) as role_before,
        'snapshot' as source,
        cast(null as timestamptz) as observed_until,
        s.snapshot_completed_at as latest_at,
        cast(null as timestamptz) as earliest_at,
        'missing from a users snapshot' as evidence,
        cast(null as varchar) as activity_id
    from runs as r
    inner join snapshots as s on s.snapshot_number = r.last_snapshot_number + 1
    where not exists (
        select 1
        from runs as n
        where n.organization_uuid = r.organization_uuid
            and n.user_id = r.user_id
            and n.first_snapshot_number = r.last_snapshot_number + 1
    )
),

event_facts as (
    select
        organization_uuid,
        user_id,
        event_at as fact_at,
        change <> 'removed' as is_present,
        email,
        cast(null as varchar) as full_name,
        organization_role,
        previous_role as role_before,
        'event' as source,
        case when change <> 'removed' then event_at end as observed_until,
        event_at as latest_at,
        event_at as earliest_at,
        type as evidence,
        activity_id
    from events
),

after_events as (
    -- the first snapshot at or after an event: what it listed confirms or corrects the event
    select
        e.organization_uuid,
        e.user_id,
        s.snapshot_at,
        s.snapshot_completed_at,
        s.snapshot_number
    from events as e
    asof join snapshots as s on e.event_at <= s.snapshot_at
),

after_event_facts as (
    select distinct
        a.organization_uuid,
        a.user_id,
        a.snapshot_at as fact_at,
        r.user_id is not null as is_present,
        r.email,
        r.full_name,
        r.organization_role,
        r.organization_role as role_before,
        'snapshot' as source,
        case when r.user_id is not null then a.snapshot_at end as observed_until,
        case when r.user_id is not null then a.snapshot_at else a.snapshot_completed_at end as latest_at,
        cast(null as timestamptz) as earliest_at,
        case when r.user_id is not null then 'listed by a users snapshot' else 'missing from a users snapshot' end as evidence,
        cast(null as varchar) as activity_id
    from after_events as a
    left join runs as r
        on r.organization_uuid = a.organization_uuid
        and r.user_id = a.user_id
        and a.snapshot_number between r.first_snapshot_number and r.last_snapshot_number
),

known as (
    select * from run_starts
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
        partition by organization_uuid, user_id
        order by fact_at, is_present, case source when 'event' then 2 else 3 end, activity_id
    ) = 1
),

unknown_starts as (
    -- the earliest evidence is a role change or a removal, or a listing by the very first users snapshot with no
    -- join event before it: the member was there before the lake's history (joined after the account's
    -- created_at, the lower bound kept in earliest_at)
    select
        organization_uuid,
        user_id,
        cast(null as timestamptz) as fact_at,
        true as is_present,
        cast(null as varchar) as email,
        cast(null as varchar) as full_name,
        cast(null as varchar) as organization_role,
        cast(null as varchar) as role_before,
        'unknown' as source,
        cast(null as timestamptz) as observed_until,
        cast(null as timestamptz) as latest_at,
        case when source = 'snapshot' then earliest_at end as earliest_at,
        'member before the first evidence' as evidence,
        cast(null as varchar) as activity_id
    from first_facts
    where (source = 'event' and (not is_present or evidence = 'claude_user_role_updated'))
        or (source = 'snapshot' and is_present and fact_at = (select min(snapshot_at) from snapshots))
)

select * from known
union all
select * from unknown_starts
