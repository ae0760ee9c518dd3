-- one row per run of consecutive snapshots of a directory stream in which a subject's record stayed the same
-- materialized: incremental
-- previous: stream varchar, subject_kind varchar, scope_id varchar, subject_id varchar, email varchar, name varchar, role varchar, description varchar, created_at timestamptz, lower_bound_at timestamptz, first_seen_at timestamptz, last_seen_at timestamptz, first_snapshot_number bigint, last_snapshot_number bigint
-- new lake files: staging.stg_compliance__users, staging.stg_compliance__group_members, staging.stg_compliance__roles, staging.stg_compliance__role_permissions, staging.stg_compliance__groups
-- The directory's subjects, each keyed by (subject_kind, scope_id, subject_id), with the attributes its
-- history versions on:
--   user             organization_uuid, user_id                     email, name (full_name), role (organization_role)
--   membership       group_id, user_id                              (none)
--   role             organization_uuid, role_id                     name, description
--   role_permission  role_id, ["action","resource_type","resource_id"] as JSON   (none)
--   role_grant       group_id, role_id (a role in the group's `roles`) (none)
-- created_at is the record's own start when the API gives one (a membership's, a role's); a user's created_at
-- is the account's creation, not the join (compliance-api.md §2.2), so it is only a lower bound (lower_bound_at),
-- as a group's created_at is for the roles it holds.
-- Incremental: the runs of the last build are kept, and only the snapshots taken since (numbered on from its
-- last one, see int_directory_snapshots_numbered) are read and collapsed; a kept run that reached the last
-- build's latest snapshot and a new run of the same record from the next snapshot on are one run. Only those
-- kept runs are paired with the new ones (the others are copied), which keeps a refresh's cost near the
-- size of one snapshot rather than of the whole history.
with kept as (
    select * from previous.int_directory_snapshots_collapsed
),

last_numbers as (
    select stream, max(last_snapshot_number) as last_snapshot_number
    from kept
    group by stream
),

kept_closed as (
    -- a run that ended before the last build's latest snapshot cannot be extended: kept as it is, not regrouped
    select k.*
    from kept as k
    inner join last_numbers as l on l.stream = k.stream
    where k.last_snapshot_number < l.last_snapshot_number
),

kept_open as (
    select k.*
    from kept as k
    inner join last_numbers as l on l.stream = k.stream
    where k.last_snapshot_number = l.last_snapshot_number
),

records as (
    select
        'users' as stream,
        'user' as subject_kind,
        organization_uuid as scope_id,
        user_id as subject_id,
        email,
        full_name as name,
        organization_role as role,
        cast(null as varchar) as description,
        cast(null as timestamptz) as created_at,
        created_at as lower_bound_at,
        snapshot_at
    from staging.stg_compliance__users
    where snapshot_at > coalesce(
        {{ literal(select max(last_seen_at) from previous.int_directory_snapshots_collapsed where stream = 'users') }},
        '-infinity'::timestamptz
    )

    union all

    select
        'group_members' as stream,
        'membership' as subject_kind,
        group_id as scope_id,
        user_id as subject_id,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        created_at,
        cast(null as timestamptz) as lower_bound_at,
        snapshot_at
    from staging.stg_compliance__group_members
    where snapshot_at > coalesce(
        {{ literal(select max(last_seen_at) from previous.int_directory_snapshots_collapsed where stream = 'group_members') }},
        '-infinity'::timestamptz
    )

    union all

    select
        'roles' as stream,
        'role' as subject_kind,
        organization_uuid as scope_id,
        role_id as subject_id,
        cast(null as varchar) as email,
        name,
        cast(null as varchar) as role,
        description,
        created_at,
        cast(null as timestamptz) as lower_bound_at,
        snapshot_at
    from staging.stg_compliance__roles
    where snapshot_at > coalesce(
        {{ literal(select max(last_seen_at) from previous.int_directory_snapshots_collapsed where stream = 'roles') }},
        '-infinity'::timestamptz
    )

    union all

    select
        'role_permissions' as stream,
        'role_permission' as subject_kind,
        role_id as scope_id,
        to_json([action, resource_type, resource_id])::varchar as subject_id,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        cast(null as timestamptz) as created_at,
        cast(null as timestamptz) as lower_bound_at,
        snapshot_at
    from staging.stg_compliance__role_permissions
    where snapshot_at > coalesce(
        {{ literal(select max(last_seen_at) from previous.int_directory_snapshots_collapsed where stream = 'role_permissions') }},
        '-infinity'::timestamptz
    )

    union all

    select
        'groups' as stream,
        'role_grant' as subject_kind,
        group_id as scope_id,
        unnest(from_json(roles, '["VARCHAR"]')) as subject_id,
        cast(null as varchar) as email,
        cast(null as varchar) as name,
        cast(null as varchar) as role,
        cast(null as varchar) as description,
        cast(null as timestamptz) as created_at,
        -- a group holds a role no earlier than it exists
        created_at as lower_bound_at,
        snapshot_at
    from staging.stg_compliance__groups
    where roles is not null
        and snapshot_at > coalesce(
            {{ literal(select max(last_seen_at) from previous.int_directory_snapshots_collapsed where stream = 'groups') }},
            '-infinity'::timestamptz
        )
),

observations as (
    select r.*, s.snapshot_number
    from records as r
    inner join intermediate.int_directory_snapshots_numbered as s
        on s.stream = r.stream and s.snapshot_at = r.snapshot_at
    where r.subject_id is not null
),

islands as (
    -- consecutive snapshot numbers with the same record share one island number
    select
        *,
        snapshot_number - row_number() over (
            partition by stream, subject_kind, scope_id, subject_id, email, name, role, description, created_at, lower_bound_at
            order by snapshot_number
        ) as island
    from observations
),

new_runs as (
    select
        stream,
        subject_kind,
        scope_id,
        subject_id,
        email,
        name,
        role,
        description,
        created_at,
        lower_bound_at,
        min(snapshot_at) as first_seen_at,
        max(snapshot_at) as last_seen_at,
        min(snapshot_number) as first_snapshot_number,
        max(snapshot_number) as last_snapshot_number
    from islands
    group by stream, subject_kind, scope_id, subject_id, email, name, role, description, created_at, lower_bound_at, island
),

joined as (
    -- runs of one record are apart, except a kept run that reached the last build's latest snapshot and a new
    -- run from the next one on: those touch, and are one run. Each side has at most one such run per record
    -- (runs are maximal), so a join pairs them, where a window over both sides sorted ~96 000 runs on ten
    -- columns, about 40 % longer (BENCHMARKS.md, issue 13, refresh18)
    select
        k.stream is not null as is_kept,
        n.stream is not null as is_added,
        k.*,
        n.last_seen_at as added_last_seen_at,
        n.last_snapshot_number as added_last_snapshot_number,
        n.stream as added_stream,
        n.subject_kind as added_subject_kind,
        n.scope_id as added_scope_id,
        n.subject_id as added_subject_id,
        n.email as added_email,
        n.name as added_name,
        n.role as added_role,
        n.description as added_description,
        n.created_at as added_created_at,
        n.lower_bound_at as added_lower_bound_at,
        n.first_seen_at as added_first_seen_at,
        n.first_snapshot_number as added_first_snapshot_number
    from kept_open as k
    full outer join new_runs as n
        on n.stream = k.stream
        and n.subject_kind = k.subject_kind
        and n.scope_id is not distinct from k.scope_id
        and n.subject_id = k.subject_id
        and n.email is not distinct from k.email
        and n.name is not distinct from k.name
        and n.role is not distinct from k.role
        and n.description is not distinct from k.description
        and n.created_at is not distinct from k.created_at
        and n.lower_bound_at is not distinct from k.lower_bound_at
        and n.first_snapshot_number = k.last_snapshot_number + 1
)

select * from kept_closed

union all

select
    stream,
    subject_kind,
    scope_id,
    subject_id,
    email,
    name,
    role,
    description,
    created_at,
    lower_bound_at,
    first_seen_at,
    case when is_added then added_last_seen_at else last_seen_at end as last_seen_at,
    first_snapshot_number,
    case when is_added then added_last_snapshot_number else last_snapshot_number end as last_snapshot_number
from joined
where is_kept

union all

select
    added_stream,
    added_subject_kind,
    added_scope_id,
    added_subject_id,
    added_email,
    added_name,
    added_role,
    added_description,
    added_created_at,
    added_lower_bound_at,
    added_first_seen_at,
    added_last_seen_at,
    added_first_snapshot_number,
    added_last_snapshot_number
from joined
where is_added and not is_kept

