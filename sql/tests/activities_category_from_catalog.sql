-- an activity's category is its type's category in the catalog, and 'other' for a type the catalog does not know
-- scope: added
select a.id, a.type, a.category, c.category as catalog_category
from marts.activities as a
left join seeds.activity_types as c on c.type = a.type
where a.category <> coalesce(c.category, 'other')
