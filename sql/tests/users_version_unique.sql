-- a member has one version per organization and valid_from
select organization_uuid, user_id, valid_from, count(*) as copies
from marts.users
group by organization_uuid, user_id, valid_from
having count(*) > 1
