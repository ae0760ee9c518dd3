-- every attachment appears once per project in marts.project_attachments
select project_id, attachment_id, count(*) as copies
from marts.project_attachments
group by project_id, attachment_id
having count(*) > 1 or project_id is null or attachment_id is null
