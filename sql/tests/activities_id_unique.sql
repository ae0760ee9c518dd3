-- every activity id appears once in marts.activities
select id, count(*) as copies
from marts.activities
group by id
having count(*) > 1
