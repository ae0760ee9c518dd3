-- id: failed_signin_burst
-- title: Burst of failed sign-ins for one account or address
-- level: medium
-- mitre: T1110, T1110.003
-- entity: user
-- kind: threshold
-- window: {{window}}
-- types: 'sso_login_failed', 'magic_link_login_failed'
-- description: At least `threshold` failed SSO or magic-link sign-ins for the same user (by user id, else email,
-- description: else IP address) within one fixed window: password spraying or a brute-force attempt.
-- param: threshold integer 5 -- failed sign-ins in one window that raise an alert
-- param: window interval '10 minutes' -- the fixed window (time_bucket) the failures are counted in
-- one occurrence per actor and window bucket
with failures as (
    select
        id,
        created_at,
        -- failed sign-ins come from unauthenticated_user_actor: the address tried is in actor_details (compliance-api.md §3.2)
        coalesce(actor_user_id, lower(coalesce(actor_email, actor_details ->> 'unauthenticated_email_address')), actor_ip) as actor,
        coalesce(actor_email, actor_details ->> 'unauthenticated_email_address') as actor_email,
        actor_ip
    from marts.activities
    where created_at >= {{eval_start}} - {{window}}
        and created_at < {{eval_end}}
        and type in ('sso_login_failed', 'magic_link_login_failed')
),

buckets as (
    select
        actor,
        time_bucket({{window}}, created_at::TIMESTAMP)::TIMESTAMPTZ as window_start,
        max(created_at) as window_end,
        list(id order by id) as evidence_ids,
        count(*) as failures,
        count(distinct actor_ip) as addresses,
        any_value(actor_email) as email
    from failures
    where actor is not null
    group by actor, time_bucket({{window}}, created_at::TIMESTAMP)::TIMESTAMPTZ
)

select
    actor as entity_id,
    window_start,
    window_end,
    evidence_ids,
    failures || ' failed sign-ins for ' || coalesce(email, actor) || ' from ' || addresses || ' address(es)' as summary
from buckets
where failures >= {{threshold}}
    and window_end >= {{eval_start}}
