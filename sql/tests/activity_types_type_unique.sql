-- every activity type appears once in marts.activity_types, with an accepted category
select type, count(*) as copies, min(category) as category
from marts.activity_types
group by type
having count(*) > 1
    or bool_or(category is null or category not in ('admin', 'authentication', 'content', 'api_access', 'code', 'integration', 'other'))
