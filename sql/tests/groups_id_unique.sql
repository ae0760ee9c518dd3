-- every group appears once in marts.groups
select group_id, count(*) as copies
from marts.groups
group by group_id
having count(*) > 1 or group_id is null
