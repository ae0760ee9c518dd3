-- one row per version of a directory subject: an interval in which it was present with the same attributes (a user's email, name and role; a role's name and description; memberships, permissions and role grants have none)
-- The evidence (int_directory_facts_unioned) is replayed in time order, per (subject_kind, scope_id,
-- subject_id). A change seen by an event or a record's created_at is exact; one seen only by a snapshot is
-- placed at that snapshot's snapshot_at (source 'snapshot'), and happened after the last evidence of the
-- state before it (valid_from_earliest) and before the snapshot completed; a scim_user_updated event in that
-- interval gives the exact moment. An end seen only by a snapshot lies in [valid_to_earliest, valid_to_latest].
-- materialized: incremental
-- previous: subject_kind varchar, scope_id varchar, subject_id varchar, email varchar, name varchar, role varchar, description varchar, valid_from timestamptz, valid_from_source varchar, valid_from_earliest timestamptz, valid_to timestamptz, valid_to_source varchar, valid_to_earliest timestamptz, valid_to_latest timestamptz, removed_at timestamptz, removed_at_source varchar, removed_at_earliest timestamptz, removed_at_latest timestamptz, valid_from_evidence varchar
-- Incremental: the subjects in int_directory_subjects_touched are replayed, every other subject keeps the last
-- build's versions (its evidence did not change, but for a run's observed_until, which moves no version: see
-- int_directory_subjects_touched); without a last output, every subject is replayed.
with replay_all as (
    select {{ literal(select count(*) = 0 from previous.int_directory_versioned) }} as yes
),

subject_facts as (
    -- joins, not `exists`: DuckDB plans a correlated subquery here as a slow delim join
    select f.*
    from intermediate.int_directory_facts_unioned as f
    left join intermediate.int_directory_subjects_touched as t
        on t.subject_kind = f.subject_kind and t.scope_id = f.scope_id and t.subject_id = f.subject_id
    where (select yes from replay_all) or t.subject_id is not null
),

facts as (
    select
        *,
        case source when 'unknown' then 0 when 'created_at' then 1 when 'event' then 2 else 3 end as source_rank
    from subject_facts
    where evidence <> 'scim_user_updated'
),

filled as (
    -- evidence that does not state an attribute keeps the value known before it, else the first one known after it
    select
        *,
        coalesce(last_value(email ignore nulls) over past, first_value(email ignore nulls) over future) as email_known,
        coalesce(last_value(name ignore nulls) over past, first_value(name ignore nulls) over future) as name_known,
        coalesce(last_value(role ignore nulls) over past, first_value(role_before ignore nulls) over future) as role_known,
        coalesce(last_value(description ignore nulls) over past, first_value(description ignore nulls) over future) as description_known,
        max(observed_until) over earlier as evidence_until
    from facts
    window
        ordered as (
            partition by subject_kind, scope_id, subject_id
            order by fact_at asc nulls first, is_present, source_rank, activity_id
        ),
        past as (ordered rows between unbounded preceding and current row),
        future as (ordered rows between current row and unbounded following),
        earlier as (ordered rows between unbounded preceding and 1 preceding)
),

compared as (
    select
        *,
        lag(is_present) over ordered as was_present,
        lag(email_known) over ordered as was_email,
        lag(name_known) over ordered as was_name,
        lag(role_known) over ordered as was_role,
        lag(description_known) over ordered as was_description
    from filled
    window ordered as (
        partition by subject_kind, scope_id, subject_id
        order by fact_at asc nulls first, is_present, source_rank, activity_id
    )
),

change_points as (
    select *
    from compared
    where was_present is null
        or is_present <> was_present
        or (
            is_present
            and (
                email_known is distinct from was_email
                or name_known is distinct from was_name
                or role_known is distinct from was_role
                or description_known is distinct from was_description
            )
        )
),

updates as (
    select subject_kind, scope_id, subject_id, fact_at as event_at
    from subject_facts
    where evidence = 'scim_user_updated'
),

refined as (
    select
        c.*,
        (
            select max(u.event_at)
            from updates as u
            where u.subject_kind = c.subject_kind
                and u.scope_id = c.scope_id
                and u.subject_id = c.subject_id
                and u.event_at > coalesce(c.evidence_until, '-infinity'::timestamptz)
                and u.event_at <= c.fact_at
        ) as updated_event_at
    from change_points as c
),

timed as (
    select
        *,
        case when source = 'snapshot' and was_present and is_present and updated_event_at is not null
            then updated_event_at else fact_at end as change_at,
        case when source = 'snapshot' and was_present and is_present and updated_event_at is not null
            then 'event' else source end as change_source
    from refined
),

bounded as (
    select
        *,
        -- earliest_at: a first listing cannot precede the account's creation or the snapshot that missed it
        case
            when change_source = 'unknown' then earliest_at
            when change_source <> 'snapshot' then change_at
            when evidence_until is not null then greatest(least(evidence_until, change_at), earliest_at)
            else earliest_at
        end as change_earliest
    from timed
),

versions as (
    select
        *,
        lead(change_at) over ordered as next_change_at,
        lead(change_source) over ordered as next_change_source,
        lead(change_earliest) over ordered as next_change_earliest,
        lead(latest_at) over ordered as next_latest_at,
        first_value(
            case when not is_present then {'at': change_at, 'source': change_source, 'earliest': change_earliest, 'latest': latest_at} end
            ignore nulls
        ) over later as removal
    from bounded
    window
        ordered as (
            partition by subject_kind, scope_id, subject_id
            order by fact_at asc nulls first, is_present, source_rank, activity_id
        ),
        later as (ordered rows between 1 following and unbounded following)
)

select
    subject_kind,
    scope_id,
    subject_id,
    email_known as email,
    name_known as name,
    role_known as role,
    description_known as description,
    change_at as valid_from,
    change_source as valid_from_source,
    change_earliest as valid_from_earliest,
    next_change_at as valid_to,
    next_change_source as valid_to_source,
    next_change_earliest as valid_to_earliest,
    next_latest_at as valid_to_latest,
    removal.at as removed_at,
    removal.source as removed_at_source,
    removal.earliest as removed_at_earliest,
    removal.latest as removed_at_latest,
    evidence as valid_from_evidence
from versions
where is_present

union all

select p.*
from previous.int_directory_versioned as p
left join intermediate.int_directory_subjects_touched as t
    on t.subject_kind = p.subject_kind and t.scope_id = p.scope_id and t.subject_id = p.subject_id
where not (select yes from replay_all) and t.subject_id is null
