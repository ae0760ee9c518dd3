-- every chat appears once in marts.chats, with an id and a creation time
select chat_id, count(*) as copies
from marts.chats
group by chat_id
having count(*) > 1 or chat_id is null or bool_or(created_at is null)
