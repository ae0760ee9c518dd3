-- one row per membership interval of a user in a group, each bound with its source
-- The evidence is replayed in time order. A start or end seen by an event or by the membership's created_at
-- is exact; an end seen only as an absence from a snapshot is placed at that snapshot's snapshot_at (valid_to)
-- and lies after the last evidence of the membership (valid_to_earliest) and before the snapshot completed
-- (valid_to_latest).
with facts as (
    select
        *,
        case source when 'unknown' then 0 when 'created_at' then 1 when 'event' then 2 else 3 end as source_rank
    from intermediate.int_group_membership_facts_unioned
),

compared as (
    select
        *,
        lag(is_present) over ordered as was_present,
        max(observed_until) over (ordered rows between unbounded preceding and 1 preceding) as evidence_until
    from facts
    window ordered as (
        partition by group_id, user_id
        order by fact_at asc nulls first, is_present, source_rank, activity_id
    )
),

change_points as (
    select
        *,
        case
            when source <> 'snapshot' then fact_at
            when evidence_until is not null then least(evidence_until, fact_at)
        end as change_earliest
    from compared
    where was_present is null or is_present <> was_present
),

intervals as (
    select
        *,
        lead(fact_at) over ordered as next_at,
        lead(source) over ordered as next_source,
        lead(change_earliest) over ordered as next_earliest,
        lead(latest_at) over ordered as next_latest
    from change_points
    window ordered as (
        partition by group_id, user_id
        order by fact_at asc nulls first, is_present, source_rank, activity_id
    )
)

select
    group_id,
    user_id,
    fact_at as valid_from,
    source as valid_from_source,
    evidence as valid_from_evidence,
    next_at as valid_to,
    next_source as valid_to_source,
    next_earliest as valid_to_earliest,
    next_latest as valid_to_latest
from intervals
where is_present
