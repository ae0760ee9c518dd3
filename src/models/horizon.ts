// Which months of a monthly model that joins directory history "as of the event time" a new build must
// redo: directory history is rebuilt in full, and a change in it (a new version, an end that became known,
// a bound refined by an event) alters the join for every event from the earliest changed moment on.
// Comparing the new history with the previous build's gives that moment exactly.
import { sqlString } from '../lake/duck.js';
import type { DuckDBConnection } from '@duckdb/node-api';

/** History relations joined as of an event: their key, the columns a join reads, and the interval columns. */
export const AS_OF_SOURCES: Readonly<Record<string, { key: string[]; values: string[] }>> = {
  'marts.users': { key: ['organization_uuid', 'user_id', 'valid_from'], values: ['email', 'full_name', 'organization_role'] },
  'marts.group_memberships': { key: ['group_id', 'user_id', 'valid_from'], values: [] },
};

/** The earliest moment from which `relation` (as built now) answers an as-of join differently than `previousFile`. */
export type Horizon = { kind: 'none' } | { kind: 'all' } | { kind: 'from'; month: string; /** the moment, UTC, `YYYY-MM-DD HH:MM:SS.ffffff` */ at: string };

export async function asOfHorizon(connection: DuckDBConnection, relation: string, previousFile: string | null): Promise<Horizon> {
  const source = AS_OF_SOURCES[relation];
  if (!source || previousFile === null) return { kind: 'all' };
  const on = source.key.map((k) => `o.${k} is not distinct from n.${k}`).join(' and ');
  const valuesDiffer = source.values.length ? source.values.map((v) => `o.${v} is distinct from n.${v}`).join(' or ') : 'false';
  // A row only one side has changes the join from its start; a changed value from the row's start; a
  // changed end between the old and the new end (an open end counts as infinity).
  const sql = `
    with old as (select *, true as _side from read_parquet(${sqlString(previousFile)})),
    new as (select *, true as _side from ${relation}),
    changes as (
        select case
            when o._side is null then coalesce(n.valid_from, '-infinity'::timestamptz)
            when n._side is null then coalesce(o.valid_from, '-infinity'::timestamptz)
            when ${valuesDiffer} then coalesce(o.valid_from, '-infinity'::timestamptz)
            when o.valid_to is distinct from n.valid_to
                then least(coalesce(o.valid_to, 'infinity'::timestamptz), coalesce(n.valid_to, 'infinity'::timestamptz))
        end as changed_from
        from old as o
        full outer join new as n on ${on}
    )
    select
        min(changed_from) is null as unchanged,
        isinf(min(changed_from)) as unbounded,
        strftime(min(changed_from), '%Y-%m') as month,
        strftime(min(changed_from), '%Y-%m-%d %H:%M:%S.%f') as at
    from changes`;
  const reader = await connection.runAndReadAll(sql);
  const [row] = reader.getRowObjectsJS() as { unchanged: boolean; unbounded: boolean | null; month: string | null; at: string | null }[];
  if (row.unchanged) return { kind: 'none' };
  if (row.unbounded || !row.month || !row.at) return { kind: 'all' };
  return { kind: 'from', month: row.month, at: row.at };
}
