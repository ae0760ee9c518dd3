-- a user has one membership interval per group and valid_from
select group_id, user_id, valid_from, count(*) as copies
from marts.group_memberships
group by group_id, user_id, valid_from
having count(*) > 1
