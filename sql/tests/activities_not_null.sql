-- every activity has an id, a created_at, a type and a category
-- scope: added
select id, created_at, type, category
from marts.activities
where id is null or created_at is null or type is null or category is null
