-- every project appears once in marts.projects, with an id and a creation time
select project_id, count(*) as copies
from marts.projects
group by project_id
having count(*) > 1 or project_id is null or bool_or(created_at is null)
