-- id: key_created_by_newcomer
-- title: Key created by someone who joined the organization days ago
-- level: high
-- mitre: T1098.001, T1136.003
-- entity: user
-- kind: history
-- window: {{window}}
-- types: 'scim_user_created', 'org_user_invite_accepted', 'org_join_request_approved', 'org_join_request_instant_approved', {{key_types}}
-- description: An API, Admin API, platform or service key was created by a person whose membership of the organization
-- description: began less than the window earlier (from the directory history, marts.users): a freshly planted account
-- description: minting a credential that outlives it. Evidence: the key's creation and, when the feed has it, the join.
-- param: window interval INTERVAL '7 days' -- how recent a join counts as new
-- param: key_types varchar[] ['admin_api_key_created','api_key_created','platform_api_key_created','service_key_created'] -- the key creations
with keys as (
    select a.id, a.created_at, a.type, a.actor_user_id, a.actor_email, a.organization_uuid
    from marts.activities as a
    where list_contains({{key_types}}, a.type)
        and a.actor_user_id is not null
        and a.created_at >= {{eval_start}}
        and a.created_at < {{eval_end}}
),

-- the start of the actor's membership in force at the key's creation: the earliest version of theirs in that
-- organization that began at or before it (null valid_from = a member since before the lake's history)
member_since as (
    select
        k.*,
        (
            select min(coalesce(u.valid_from, '-infinity'::timestamptz))
            from marts.users as u
            where u.user_id = k.actor_user_id
                and u.organization_uuid = k.organization_uuid
                and coalesce(u.valid_from, '-infinity'::timestamptz) <= k.created_at
        ) as joined_at
    from keys as k
),

newcomers as (
    select * from member_since
    where joined_at > created_at - {{window}} and joined_at <= created_at
),

-- the feed's record of a join: only one at a newcomer's joined_at can be evidence, and joined_at lies in
-- (eval_start - window, eval_end), so only that range is read (not six years of activities)
joins as (
    select j.id, j.created_at, coalesce(j.details ->> 'user_id', j.actor_user_id) as user_id
    from marts.activities as j
    where j.type in ('scim_user_created', 'org_user_invite_accepted', 'org_join_request_approved', 'org_join_request_instant_approved')
        and j.created_at >= {{eval_start}} - {{window}}
        and j.created_at < {{eval_end}}
)

select
    n.actor_user_id as entity_id,
    n.joined_at as window_start,
    n.created_at as window_end,
    list_sort(list_distinct(list_filter([n.id, j.id], x -> x is not null))) as evidence_ids,
    format('{} by {} who joined {} on {}', n.type, coalesce(n.actor_email, n.actor_user_id), n.organization_uuid, strftime(n.joined_at, '%Y-%m-%d %H:%M UTC')) as summary
from newcomers as n
left join joins as j
    on j.created_at = n.joined_at
    and j.user_id = n.actor_user_id
