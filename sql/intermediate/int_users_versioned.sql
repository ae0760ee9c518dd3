-- one row per version of an organization member: an interval in which they were a member with the same email, name and role
-- The evidence is replayed in time order. A change seen by an event is exact (source 'event'); one seen only
-- by a snapshot is placed at that snapshot's snapshot_at (source 'snapshot'), and happened after the last
-- evidence of the state before it (valid_from_earliest) and before the snapshot completed; a
-- scim_user_updated event in that interval gives the exact moment. A removal seen only by a snapshot lies in
-- [removed_at_earliest, removed_at_latest].
with facts as (
    select
        *,
        case source when 'unknown' then 0 when 'event' then 2 else 3 end as source_rank
    from intermediate.int_user_facts_unioned
),

filled as (
    -- evidence that does not state an attribute keeps the value known before it, else the first one known after it
    select
        *,
        coalesce(last_value(email ignore nulls) over past, first_value(email ignore nulls) over future) as email_known,
        coalesce(last_value(full_name ignore nulls) over past, first_value(full_name ignore nulls) over future) as full_name_known,
        coalesce(last_value(organization_role ignore nulls) over past, first_value(role_before ignore nulls) over future) as role_known,
        max(observed_until) over earlier as evidence_until
    from facts
    window
        ordered as (
            partition by organization_uuid, user_id
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
        lag(full_name_known) over ordered as was_full_name,
        lag(role_known) over ordered as was_role
    from filled
    window ordered as (
        partition by organization_uuid, user_id
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
                or full_name_known is distinct from was_full_name
                or role_known is distinct from was_role
            )
        )
),

updates as (
    select organization_uuid, user_id, event_at
    from intermediate.int_user_events_extracted
    where change = 'updated'
),

refined as (
    select
        c.*,
        (
            select max(u.event_at)
            from updates as u
            where u.organization_uuid = c.organization_uuid
                and u.user_id = c.user_id
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
        -- earliest_at: a first listing cannot precede the account's creation or the snapshot that missed them
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
        first_value(
            case when not is_present then {'at': change_at, 'source': change_source, 'earliest': change_earliest, 'latest': latest_at} end
            ignore nulls
        ) over later as removal
    from bounded
    window
        ordered as (
            partition by organization_uuid, user_id
            order by fact_at asc nulls first, is_present, source_rank, activity_id
        ),
        later as (ordered rows between 1 following and unbounded following)
)

select
    user_id,
    organization_uuid,
    email_known as email,
    full_name_known as full_name,
    role_known as organization_role,
    change_at as valid_from,
    change_source as valid_from_source,
    change_earliest as valid_from_earliest,
    next_change_at as valid_to,
    next_change_source as valid_to_source,
    removal.at as removed_at,
    removal.source as removed_at_source,
    removal.earliest as removed_at_earliest,
    removal.latest as removed_at_latest,
    evidence as valid_from_evidence
from versions
where is_present
