-- every activity's category is one of the catalog's categories
-- scope: added
select id, type, category
from marts.activities
where category not in ('admin', 'authentication', 'content', 'api_access', 'code', 'integration', 'other')
