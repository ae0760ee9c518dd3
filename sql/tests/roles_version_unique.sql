-- a role has one version per valid_from, its versions do not overlap, and each has an id, an organization and a valid_from unless its source is 'unknown'
with versions as (
    select
        *,
        count(*) over (partition by role_id, valid_from) as copies,
        lead(valid_from) over (partition by role_id order by valid_from nulls first) as next_valid_from
    from marts.roles
)

select role_id, organization_uuid, valid_from, valid_to, valid_from_source, copies, next_valid_from
from versions
where copies > 1
    or role_id is null
    or organization_uuid is null
    or (valid_from is null) <> (valid_from_source = 'unknown')
    or (next_valid_from is not null and (valid_to is null or valid_to > next_valid_from))
