-- one row per snapshot of the users, group_members, groups, roles and role_permissions streams, numbered in time order per stream
-- materialized: incremental
-- previous: stream varchar, snapshot_at timestamptz, snapshot_completed_at timestamptz, snapshot_number bigint, previous_snapshot_at timestamptz, next_snapshot_at timestamptz
-- new lake files: staging.stg_compliance__users, staging.stg_compliance__group_members, staging.stg_compliance__groups, staging.stg_compliance__roles, staging.stg_compliance__role_permissions
-- snapshot_at is the server's clock when the snapshot began; listing every organization or group takes a
-- while, so a record was read at some moment between snapshot_at and snapshot_completed_at (snapshot_at
-- plus the time from the run's start of the stream to its commit, both on this machine's clock).
-- A snapshot that listed nothing commits no file, so it is not seen here: the bounds that snapshots put on
-- a change are then wider, never wrong.
-- Incremental: a snapshot is committed whole, and each one is stamped later than every earlier one of its
-- stream (src/extract/snapshot.ts), so the snapshots since the last build are those after its latest, and
-- they number on from it. Only their lake files are read (the literal bound reaches the Parquet scan).
with previous as (
    select * from previous.int_directory_snapshots_numbered
),

new_snapshots as (
    select
        'users' as stream,
        snapshot_at,
        min(_run_id) as run_id,
        min(_extracted_at) as extracted_at
    from staging.stg_compliance__users
    where snapshot_at > coalesce(
        {{ literal(select max(snapshot_at) from previous.int_directory_snapshots_numbered where stream = 'users') }},
        '-infinity'::timestamptz
    )
    group by snapshot_at

    union all

    select
        'group_members' as stream,
        snapshot_at,
        min(_run_id) as run_id,
        min(_extracted_at) as extracted_at
    from staging.stg_compliance__group_members
    where snapshot_at > coalesce(
        {{ literal(select max(snapshot_at) from previous.int_directory_snapshots_numbered where stream = 'group_members') }},
        '-infinity'::timestamptz
    )
    group by snapshot_at

    union all

    select
        'groups' as stream,
        snapshot_at,
        min(_run_id) as run_id,
        min(_extracted_at) as extracted_at
    from staging.stg_compliance__groups
    where snapshot_at > coalesce(
        {{ literal(select max(snapshot_at) from previous.int_directory_snapshots_numbered where stream = 'groups') }},
        '-infinity'::timestamptz
    )
    group by snapshot_at

    union all

    select
        'roles' as stream,
        snapshot_at,
        min(_run_id) as run_id,
        min(_extracted_at) as extracted_at
    from staging.stg_compliance__roles
    where snapshot_at > coalesce(
        {{ literal(select max(snapshot_at) from previous.int_directory_snapshots_numbered where stream = 'roles') }},
        '-infinity'::timestamptz
    )
    group by snapshot_at

    union all

    select
        'role_permissions' as stream,
        snapshot_at,
        min(_run_id) as run_id,
        min(_extracted_at) as extracted_at
    from staging.stg_compliance__role_permissions
    where snapshot_at > coalesce(
        {{ literal(select max(snapshot_at) from previous.int_directory_snapshots_numbered where stream = 'role_permissions') }},
        '-infinity'::timestamptz
    )
    group by snapshot_at
),

commits as (
    select stream, run_id, max(committed_at) as committed_at
    from staging.stg_lake__manifest_entries
    where kind = 'append'
    group by stream, run_id
),

snapshots as (
    select stream, snapshot_at, snapshot_completed_at
    from previous

    union all

    select
        s.stream,
        s.snapshot_at,
        s.snapshot_at + greatest(coalesce(c.committed_at - s.extracted_at, interval 0 second), interval 0 second) as snapshot_completed_at
    from new_snapshots as s
    left join commits as c on c.stream = s.stream and c.run_id = s.run_id
)

select
    stream,
    snapshot_at,
    snapshot_completed_at,
    row_number() over (partition by stream order by snapshot_at) as snapshot_number,
    lag(snapshot_at) over (partition by stream order by snapshot_at) as previous_snapshot_at,
    lead(snapshot_at) over (partition by stream order by snapshot_at) as next_snapshot_at
from snapshots
