-- id: artifact_shared_publicly
-- title: Artifact made public
-- level: medium
-- mitre: T1567
-- entity: user
-- kind: event
-- window: 0h
-- types: 'claude_artifact_sharing_updated'
-- description: An artifact was shared with anyone holding the link (content leaves the organization).
select
    coalesce(a.actor_user_id, a.actor_email) as entity_id,
    a.created_at as window_start,
    a.created_at as window_end,
    [a.id] as evidence_ids,
    format('artifact {} made public by {}', a.details ->> 'claude_artifact_id', coalesce(a.actor_email, a.actor_user_id, a.actor_api_key_id, a.actor_type)) as summary
from marts.activities as a
where a.type = 'claude_artifact_sharing_updated'
    and (list_has_any(from_json(a.details -> '$.audience[*].type', '["VARCHAR"]'), ['public', 'anyone_with_link'])
        or (a.details ->> 'new_mode') = 'public' or (a.details ->> 'access_level') = 'public')
    and a.created_at >= {{eval_start}}
    and a.created_at < {{eval_end}}
