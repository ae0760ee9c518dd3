-- one row per manifest entry: a commit of files to the lake (or a compaction that swapped files)
with source as (
    select * from {{ lake_manifest() }}
)

select
    seq,
    kind,
    stream,
    run_id,
    committed_at,
    hash,
    prev
from source
