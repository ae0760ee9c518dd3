-- every organization appears once in marts.organizations, with a name
select organization_uuid, count(*) as copies
from marts.organizations
group by organization_uuid
having count(*) > 1 or organization_uuid is null or any_value(name) is null
