-- one row per piece of evidence of a directory subject's state at a moment: a run of snapshots, the record's own created_at, a feed event, or an absence from a snapshot
-- Subjects as in int_directory_snapshots_collapsed, keyed by (subject_kind, scope_id, subject_id). Columns:
-- fact_at (null: before the lake's history), is_present, the attributes the evidence states (null: not
-- stated), role_before (the role just before fact_at, where the evidence says it), source ('snapshot',
-- 'created_at', 'event', 'unknown'), observed_until (the last moment this evidence saw the subject present),
-- latest_at (the latest moment the change this evidence shows can have happened: a snapshot that missed it
-- had completed by then), earliest_at (the earliest moment a start this evidence shows can have happened).
-- A user's created_at is the account's creation, not the join (compliance-api.md §2.2): no evidence of
-- membership, only a lower bound on the join (earliest_at). A scim_user_updated event is kept as evidence
-- 'scim_user_updated' (present, no attribute): it says the user changed, not how, and int_directory_versioned
-- uses it only to time a change a snapshot shows.
-- materialized: incremental
-- previous: subject_kind varchar, scope_id varchar, subject_id varchar, fact_at timestamptz, is_present boolean, email varchar, name varchar, role varchar, description varchar, role_before varchar, source varchar, observed_until timestamptz, latest_at timestamptz, earliest_at timestamptz, evidence varchar, activity_id varchar
-- Incremental: a subject's evidence depends only on its own runs and events and on its stream's snapshots;
-- the subjects in int_directory_subjects_touched are recomputed from all of theirs, every other subject keeps
-- the last build's rows, with the observed_until of a run that went on to the latest snapshot brought forward.
-- Without a last output every subject is computed.
with replay_all as (
    -- no last output (a full build): every subject, whatever int_directory_subjects_touched says
    select {{ literal(select count(*) = 0 from previous.int_directory_facts_unioned) }} as yes
),

touched as (
    select * from intermediate.int_directory_subjects_touched
),

runs as (
    -- joins, not `exists`: DuckDB plans a correlated subquery here as a slow delim join
    select r.*
    from intermediate.int_directory_snapshots_collapsed as r
    left join touched as t on t.subject_kind = r.subject_kind and t.scope_id = r.scope_id and t.subject_id = r.subject_id
    where (select yes from replay_all) or t.subject_id is not null
),

snapshots as (
    select * from intermediate.int_directory_snapshots_numbered
),

touched_events as (
    select e.*
    from intermediate.int_directory_events_extracted as e
    left join touched as t on t.subject_kind = e.subject_kind and t.scope_id = e.scope_id and t.subject_id = e.subject_id
    where (select yes from replay_all) or t.subject_id is not null
),

events as (
    select * from touched_events
    where change <> 'updated'
),

run_starts as (
    select
        r.subject_kind,
        r.scope_id,
        r.subject_id,
        r.first_seen_at as fact_at,
        true as is_present,
        r.email,
        r.name,
        r.role,
        r.description,
        r.role as role_before,
        'snapshot' as source,
        r.last_seen_at as observed_until,
        r.first_seen_at as latest_at,
        -- a first listing: after the account was created and after the snapshot before, which missed it
        greatest(r.lower_bound_at, s.previous_snapshot_at) as earliest_at,
        'listed by ' || r.stream || ' snapshots' as evidence,
        cast(null as varchar) as activity_id
    from runs as r
    inner join snapshots as s on s.stream = r.stream and s.snapshot_number = r.first_snapshot_number
),

created as (
    select distinct
        subject_kind,
        scope_id,
        subject_id,
        created_at as fact_at,
        true as is_present,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        cast(null as varchar) as role_before,
        'created_at' as source,
        created_at as observed_until,
        created_at as latest_at,
        created_at as earliest_at,
        'created_at of the record' as evidence,
        cast(null as varchar) as activity_id
    from runs
    where created_at is not null
),

run_ends as (
    -- listed in one snapshot and missing from the next, or listed again with another created_at (a new
    -- membership, which bounds the end of the old one by its start); a run of other attributes from the next
    -- snapshot on is a change, not an end
    select
        r.subject_kind,
        r.scope_id,
        r.subject_id,
        case when n.created_at > r.last_seen_at then least(s.snapshot_at, n.created_at) else s.snapshot_at end as fact_at,
        false as is_present,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        cast(null as varchar) as role_before,
        'snapshot' as source,
        cast(null as timestamptz) as observed_until,
        case when n.created_at > r.last_seen_at then least(s.snapshot_completed_at, n.created_at) else s.snapshot_completed_at end as latest_at,
        cast(null as timestamptz) as earliest_at,
        'missing from a ' || r.stream || ' snapshot' as evidence,
        cast(null as varchar) as activity_id
    from runs as r
    inner join snapshots as s on s.stream = r.stream and s.snapshot_number = r.last_snapshot_number + 1
    left join runs as n
        on n.stream = r.stream
        and n.subject_kind = r.subject_kind
        and n.scope_id = r.scope_id
        and n.subject_id = r.subject_id
        and n.first_snapshot_number = r.last_snapshot_number + 1
    where n.subject_id is null or n.created_at is distinct from r.created_at
),

event_facts as (
    select
        subject_kind,
        scope_id,
        subject_id,
        event_at as fact_at,
        change <> 'removed' as is_present,
        email,
        name,
        role,
        cast(null as varchar) as description,
        previous_role as role_before,
        'event' as source,
        case when change <> 'removed' then event_at end as observed_until,
        event_at as latest_at,
        event_at as earliest_at,
        type as evidence,
        activity_id
    from events
),

streams as (
    select *
    from (values ('user', 'users'), ('membership', 'group_members'), ('role', 'roles'), ('role_permission', 'role_permissions'), ('role_grant', 'groups')) as t(subject_kind, stream)
),

after_events as (
    -- the first snapshot at or after an event: what it listed confirms or corrects the event
    select
        e.subject_kind,
        e.scope_id,
        e.subject_id,
        s.stream,
        s.snapshot_at,
        s.snapshot_completed_at,
        s.snapshot_number
    from (select e.*, k.stream from events as e inner join streams as k on k.subject_kind = e.subject_kind) as e
    asof join snapshots as s on s.stream = e.stream and e.event_at <= s.snapshot_at
),

after_event_facts as (
    select distinct
        a.subject_kind,
        a.scope_id,
        a.subject_id,
        a.snapshot_at as fact_at,
        r.subject_id is not null as is_present,
        r.email,
        r.name,
        r.role,
        r.description,
        r.role as role_before,
        'snapshot' as source,
        case when r.subject_id is not null then a.snapshot_at end as observed_until,
        case when r.subject_id is not null then a.snapshot_at else a.snapshot_completed_at end as latest_at,
        cast(null as timestamptz) as earliest_at,
        case when r.subject_id is not null then 'listed by a ' || a.stream || ' snapshot' else 'missing from a ' || a.stream || ' snapshot' end as evidence,
        cast(null as varchar) as activity_id
    from after_events as a
    left join runs as r
        on r.stream = a.stream
        and r.subject_kind = a.subject_kind
        and r.scope_id = a.scope_id
        and r.subject_id = a.subject_id
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

first_snapshots as (
    select k.subject_kind, min(s.snapshot_at) as snapshot_at
    from snapshots as s
    inner join streams as k on k.stream = s.stream
    group by k.subject_kind
),

first_facts as (
    select *
    from known
    qualify row_number() over (
        partition by subject_kind, scope_id, subject_id
        order by fact_at, is_present, case source when 'created_at' then 1 when 'event' then 2 else 3 end, activity_id
    ) = 1
),

unknown_starts as (
    -- the earliest evidence is an end or a role change, or a listing by the stream's very first snapshot with no
    -- start (event or created_at) before it: the subject was there before the lake's history (for a user: after
    -- the account was created, the lower bound kept in earliest_at)
    select
        f.subject_kind,
        f.scope_id,
        f.subject_id,
        cast(null as timestamptz) as fact_at,
        true as is_present,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        cast(null as varchar) as role_before,
        'unknown' as source,
        cast(null as timestamptz) as observed_until,
        cast(null as timestamptz) as latest_at,
        case when f.source = 'snapshot' then f.earliest_at end as earliest_at,
        'present before the first evidence' as evidence,
        cast(null as varchar) as activity_id
    from first_facts as f
    left join first_snapshots as s on s.subject_kind = f.subject_kind
    where (f.source = 'event' and (not f.is_present or f.evidence = 'claude_user_role_updated'))
        or (f.source = 'snapshot' and f.is_present and f.fact_at = s.snapshot_at)
),

update_facts as (
    select
        subject_kind,
        scope_id,
        subject_id,
        event_at as fact_at,
        true as is_present,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        cast(null as varchar) as role_before,
        'event' as source,
        cast(null as timestamptz) as observed_until,
        event_at as latest_at,
        event_at as earliest_at,
        type as evidence,
        activity_id
    from touched_events
    where change = 'updated'
),

runs_now as (
    -- the runs as they are now, each named as its run_starts evidence is
    select
        subject_kind,
        scope_id,
        subject_id,
        first_seen_at,
        'listed by ' || stream || ' snapshots' as evidence,
        max(last_seen_at) as last_seen_at
    from intermediate.int_directory_snapshots_collapsed
    group by subject_kind, scope_id, subject_id, first_seen_at, stream
),

kept as (
    -- the last build's evidence of the subjects nothing touched; a run that went on to the latest snapshot was
    -- observed until then
    select p.* replace (coalesce(r.last_seen_at, p.observed_until) as observed_until)
    from previous.int_directory_facts_unioned as p
    left join runs_now as r
        on r.subject_kind = p.subject_kind
        and r.scope_id = p.scope_id
        and r.subject_id = p.subject_id
        and r.first_seen_at = p.fact_at
        and r.evidence = p.evidence
    left join touched as t on t.subject_kind = p.subject_kind and t.scope_id = p.scope_id and t.subject_id = p.subject_id
    where not (select yes from replay_all) and t.subject_id is null
)

select * from known
union all
select * from unknown_starts
union all
select * from update_facts
union all
select * from kept
