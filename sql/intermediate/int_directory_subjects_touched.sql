-- one row per directory subject whose evidence changed since the last build (every subject on a first build)
-- Subjects as in int_directory_snapshots_collapsed. A subject's evidence (int_directory_facts_unioned) depends
-- only on its own runs and feed events and on its stream's snapshots, so int_directory_facts_unioned and
-- int_directory_versioned recompute these subjects from all their evidence and keep the last build's rows of
-- every other one. A subject changed when
--   a feed event names it that the last build's evidence does not hold (new, or indexed late; a
--   scim_user_updated too, which int_directory_facts_unioned keeps for int_directory_versioned), or
--   its stream has snapshots since the last build, and it has an event after the latest snapshot the last build
--   saw (a later snapshot now confirms or corrects it), or one of its runs is new, ended, or ended at that
--   snapshot.
-- A run that went on from that snapshot to the latest one is no change: only its observed_until grows, which
-- int_directory_facts_unioned carries over, and no version moves (int_directory_versioned bounds a change by
-- the evidence before it, and nothing after such a run's start but later events, which count above).
with streams as (
    select *
    from (values ('user', 'users'), ('membership', 'group_members'), ('role', 'roles'), ('role_permission', 'role_permissions'), ('role_grant', 'groups')) as t(subject_kind, stream)
),

last_build as (
    -- per subject kind: the latest snapshot that listed any of its subjects when the last build ran (-infinity: none)
    select k.subject_kind, k.stream, coalesce(p.seen_until, '-infinity'::timestamptz) as seen_until
    from streams as k
    left join (
        select subject_kind, max(observed_until) as seen_until
        from previous.int_directory_facts_unioned
        where source = 'snapshot' and activity_id is null and evidence like 'listed by % snapshots'
        group by subject_kind
    ) as p on p.subject_kind = k.subject_kind
),

latest as (
    select k.subject_kind, max(s.snapshot_at) as snapshot_at
    from intermediate.int_directory_snapshots_numbered as s
    inner join streams as k on k.stream = s.stream
    group by k.subject_kind
),

new_snapshots as (
    select b.subject_kind, b.stream, b.seen_until, l.snapshot_at as latest_at
    from last_build as b
    inner join latest as l on l.subject_kind = b.subject_kind
    where l.snapshot_at > b.seen_until
),

changed_runs as (
    select r.subject_kind, r.scope_id, r.subject_id
    from intermediate.int_directory_snapshots_collapsed as r
    inner join new_snapshots as n on n.subject_kind = r.subject_kind and n.stream = r.stream
    where r.last_seen_at >= n.seen_until
        and not (r.first_seen_at <= n.seen_until and r.last_seen_at = n.latest_at)
),

events_after as (
    select e.subject_kind, e.scope_id, e.subject_id
    from intermediate.int_directory_events_extracted as e
    inner join new_snapshots as n on n.subject_kind = e.subject_kind
    where e.event_at > n.seen_until
),

seen_events as (
    select distinct activity_id, subject_kind, scope_id, subject_id
    from previous.int_directory_facts_unioned
    where activity_id is not null
),

new_events as (
    -- a join, not `not exists`: DuckDB plans that correlated subquery as a slow delim join
    select e.subject_kind, e.scope_id, e.subject_id
    from intermediate.int_directory_events_extracted as e
    left join seen_events as p
        on p.activity_id = e.activity_id
        and p.subject_kind = e.subject_kind
        and p.scope_id = e.scope_id
        and p.subject_id = e.subject_id
    where p.activity_id is null
)

select distinct subject_kind, scope_id, subject_id
from (
    select * from changed_runs
    union all
    select * from events_after
    union all
    select * from new_events
) as changed
