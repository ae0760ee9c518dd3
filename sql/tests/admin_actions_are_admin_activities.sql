-- marts.admin_actions holds exactly the activities whose category is 'admin', each once
with expected as (
    select id from marts.activities where category = 'admin'
),

actual as (
    select id, count(*) as copies from marts.admin_actions group by id
)

select coalesce(e.id, a.id) as id, a.copies
from expected as e
full outer join actual as a on a.id = e.id
where e.id is null or a.id is null or a.copies > 1
