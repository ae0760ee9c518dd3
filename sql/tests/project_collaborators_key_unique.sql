-- every grant (grantee, role, granted_at) appears once per project in marts.project_collaborators
select project_id, principal_type, principal_id, role, granted_at, count(*) as copies
from marts.project_collaborators
group by project_id, principal_type, principal_id, role, granted_at
having count(*) > 1 or project_id is null or principal_type is null or role is null
