-- every user version has a user id, an organization, a valid_from source, and a valid_from unless that source is 'unknown'
select user_id, organization_uuid, valid_from, valid_from_source
from marts.users
where user_id is null
    or organization_uuid is null
    or valid_from_source is null
    or (valid_from is null) <> (valid_from_source = 'unknown')
