-- id: suspicious_user_agent
-- title: Signed-in activity from a scripting library or scanner
-- level: medium
-- mitre: T1071.001
-- entity: user
-- kind: threshold
-- window: {{window}}
-- description: A signed-in person's activity came from an HTTP library, a scanner, a pentest distribution or an AI
-- description: agent framework instead of a browser or a Claude app (a stolen session cookie replayed by a script).
-- description: One alert per person, user agent and hour, with every such activity of that hour as evidence.
-- param: user_agent_prefixes varchar[] ['curl/','wget/','python-requests','python-urllib','python-httpx','aiohttp','httpx/','go-http-client','axios/','node-fetch','undici','okhttp','java/','apache-httpclient','libwww-perl','powershell','postmanruntime','insomnia','httpie','nuclei','sqlmap','nikto','masscan','zgrab','burp','kali','langchain','llama-index','crewai','autogen'] -- lowercase user-agent prefixes that count as scripted
-- param: exempt_types varchar[] ['platform_file_deleted','platform_file_uploaded','claude_file_uploaded','trusted_device_enrolled','environment_created'] -- types on which go-http and axios clients are expected
-- param: window interval INTERVAL '1 hour' -- bucket of one alert
with hits as (
    select
        a.actor_user_id as entity_id,
        a.actor_user_agent,
        a.id,
        a.created_at,
        time_bucket({{window}}, a.created_at::TIMESTAMP)::TIMESTAMPTZ as bucket
    from marts.activities as a
    -- one condition over four columns (the same as four conditions, by De Morgan, NULLs included) stays out of
    -- the Parquet scan: the scan applies only the user-agent test and decodes the other columns only for the
    -- rare rows that pass (as four filters, it decoded them for every activity: 12 months at 100 M took 0.87 s
    -- of CPU that way, 0.03 s this way)
    where not (a.actor_email is null or a.actor_user_id is null or a.actor_ip is null or a.type like '%\_failed' escape '\')
        and list_bool_or(list_transform({{user_agent_prefixes}}, p -> starts_with(lower(a.actor_user_agent), p)))
        and not (
            list_contains({{exempt_types}}, a.type)
            and (starts_with(lower(a.actor_user_agent), 'go-http-client') or starts_with(lower(a.actor_user_agent), 'axios/'))
        )
        -- the range as conditions that fold to true when unbounded (a retro hunt): a filter on created_at that keeps
        -- every row still decoded all 99 M times (2.5 s of CPU); bounded, they fold to the plain comparisons, which
        -- skip the row groups before the range (created_at is never null in marts.activities)
        and ({{eval_start}} = '-infinity'::TIMESTAMPTZ or a.created_at >= time_bucket({{window}}, {{eval_start}}))
        and ({{eval_end}} = 'infinity'::TIMESTAMPTZ or a.created_at < {{eval_end}})
)

select
    entity_id,
    bucket as window_start,
    max(created_at) as window_end,
    list(distinct id order by id) as evidence_ids,
    format('{} activities by {} from "{}"', count(*), entity_id, actor_user_agent) as summary
from hits
group by entity_id, actor_user_agent, bucket
having max(created_at) >= {{eval_start}}
