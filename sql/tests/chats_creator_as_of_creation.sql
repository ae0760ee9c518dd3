-- a chat's creator record is the marts.users version of its creator in force at the chat's creation
select c.chat_id, c.user_id, c.created_at, c.creator_user_valid_from
from marts.chats as c
left join marts.users as u
    on u.user_id = c.user_id
    and u.organization_uuid = c.organization_uuid
    and u.valid_from is not distinct from c.creator_user_valid_from
where c.creator_email_at_creation is not null
    and (
        u.user_id is null
        or c.created_at < coalesce(u.valid_from, '-infinity'::timestamptz)
        or c.created_at >= coalesce(u.valid_to, 'infinity'::timestamptz)
    )
