-- every activity id appears once in marts.activities
-- scope: added key(id)
-- In a refresh this sees, of the months written, the rows whose id one of the added rows has: a duplicate needs
-- a new row, and the months' other rows passed this test when they were written (schema/models.md, Tests).
select id, count(*) as copies
from marts.activities
group by id
having count(*) > 1
