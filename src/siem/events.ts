// Activities out of the lake, oldest first, one UTC day at a time and one DuckDB chunk at a time (ocsf.md §4-5):
// the committed files only (the manifest), each id once (its first arrival: the earliest `_extracted_at`, the
// row compaction keeps), with the actor's user record as of the event from the user history mart when the
// warehouse has one. Memory stays flat at any lake size: nothing is held beyond one chunk.
import { existsSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { reassembleActivity } from '../extract/activities.js';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { Lake } from '../lake/lake.js';
import { warehousePath } from '../models/warehouse.js';
import type { UserAsOf } from './ocsf.js';

const ISO_US = "'%Y-%m-%dT%H:%M:%S.%fZ'";
const DAY_MS = 86_400_000;

export interface ActivityQuery {
  /** created_at >= sinceMs */
  sinceMs?: number;
  /** created_at < untilMs */
  untilMs?: number;
  types?: readonly string[];
  /** First arrival in the lake (`_extracted_at` of the id's earliest row) in (from, to]: forward's pass. */
  arrival?: { fromUs: bigint; toUs: bigint };
  /** Resume after this position of the (created_at, id) order. */
  after?: { createdAt: string; id: string };
}

export interface LakeActivity {
  id: string;
  /** RFC 3339 UTC with six fractional digits: the order key, with id. */
  createdAt: string;
  activity: Record<string, unknown>;
  user: UserAsOf | null;
}

export interface ReaderOptions {
  memoryLimit?: string;
  threads?: number;
  /** Skip the user history even when a warehouse exists. */
  noHistory?: boolean;
  onWarning?: (message: string) => void;
}

/** One DuckDB instance reading the lake's activities. */
export class ActivityReader {
  private constructor(
    readonly lake: Lake,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Whether `actor_users` (the user history) was loaded. */
    readonly history: boolean,
  ) {}

  static async open(dataDir: string, options: ReaderOptions = {}): Promise<ActivityReader> {
    const lake = Lake.open(dataDir);
    // bounded: DuckDB keeps what it read up to its limit, so the limit is the reader's ceiling (a day's dedup needs far less)
    const instance = await createDuck({ memoryLimit: options.memoryLimit ?? '256MB', threads: options.threads ?? 2 });
    const connection = await connectUtc(instance);
    let history = false;
    const wh = warehousePath(dataDir);
    if (!options.noHistory && existsSync(wh)) {
      try {
        await connection.run(`attach ${sqlString(wh)} as wh (read_only)`);
        // small (one row per user version): loaded once, so each day's join is a hash join in memory
        await connection.run(
          'create temp table actor_users as select user_id, organization_uuid, email, full_name, organization_role, valid_from, valid_to, ' +
            "user_id || '|' || organization_uuid as k, coalesce(valid_from, '-infinity'::timestamptz) as vf from wh.marts.users",
        );
        await connection.run('detach wh');
        history = true;
      } catch (err) {
        options.onWarning?.(`the warehouse ${wh} has no readable marts.users (${(err as Error).message.split('\n')[0]}); events carry no user history. Run \`compliance-lake models build\` to add it.`);
      }
    } else if (!options.noHistory) {
      options.onWarning?.(`no warehouse at ${wh}: events carry no user history. Run \`compliance-lake models build\` to add it.`);
    }
    return new ActivityReader(lake, instance, connection, history);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** The partition days to read, oldest first. */
  days(q: ActivityQuery): string[] {
    const byDay = new Set(this.lake.files('activities').map((f) => f.date));
    let days = [...byDay];
    if (q.sinceMs !== undefined) days = days.filter((d) => Date.parse(d) + DAY_MS > q.sinceMs!);
    if (q.untilMs !== undefined) days = days.filter((d) => Date.parse(d) < q.untilMs!);
    if (q.after) days = days.filter((d) => d >= q.after!.createdAt.slice(0, 10));
    if (q.arrival) {
      // A row that arrived after `from` was committed after it: the days such entries touched (their files may
      // since have been compacted into others of the same day, which the day's read includes).
      const fromMs = Number(q.arrival.fromUs / 1000n);
      const touched = new Set<string>();
      for (const e of this.lake.entries) {
        if (e.stream !== 'activities' || e.kind !== 'append' || Date.parse(e.committed_at) < fromMs) continue;
        for (const f of e.added) touched.add(f.date);
      }
      days = days.filter((d) => touched.has(d));
    }
    return days.sort();
  }

  /** Chunks of activities of one day, in (created_at, id) order. */
  async *day(date: string, q: ActivityQuery): AsyncGenerator<LakeActivity[]> {
    const files = this.lake.files('activities').filter((f) => f.date === date).map((f) => sqlString(this.lake.absolute(f)));
    if (files.length === 0) return;
    const where: string[] = [];
    if (q.sinceMs !== undefined) where.push(`a.created_at >= ${tsLiteral(q.sinceMs)}`);
    if (q.untilMs !== undefined) where.push(`a.created_at < ${tsLiteral(q.untilMs)}`);
    if (q.types) where.push(q.types.length ? `a.type in (${q.types.map(sqlString).join(', ')})` : 'false');
    if (q.arrival) where.push(`epoch_us(a._extracted_at) > ${q.arrival.fromUs} and epoch_us(a._extracted_at) <= ${q.arrival.toUs}`);
    if (q.after) where.push(`(a.created_at, a.id) > (${sqlString(q.after.createdAt)}::timestamptz, ${sqlString(q.after.id)})`);
    // The version valid at the event: the latest that began at or before it (an ASOF join: a range join on
    // user and time would compare every activity with every version), kept only if it had not ended.
    const history = this.history ? `asof left join actor_users u on u.k = a.actor_user_id || '|' || a.organization_uuid and a.created_at >= u.vf` : '';
    const userCols = this.history
      ? `, u.user_id as h_user_id, u.email as h_email, u.full_name as h_full_name, u.organization_role as h_role, ` +
        `strftime(u.valid_from, ${ISO_US}) as h_valid_from, strftime(u.valid_to, ${ISO_US}) as h_valid_to, (u.valid_to is null or a.created_at < u.valid_to) as h_current`
      : '';
    const sql =
      `with firsts as (select * from read_parquet([${files.join(', ')}], union_by_name = true, hive_partitioning = false, filename = true, file_row_number = true) ` +
      `qualify row_number() over (partition by id order by _extracted_at, filename, file_row_number) = 1) ` +
      `select a.id, strftime(a.created_at, ${ISO_US}) as created_at, a.created_at_digits, a.type, a.organization_id, a.organization_uuid, a.actor_type, ` +
      `a.actor_user_id, a.actor_email, a.actor_ip, a.actor_user_agent, a.actor_api_key_id, a.actor_rest::varchar as actor_rest, a.rest::varchar as rest${userCols} ` +
      `from firsts a ${history} ${where.length ? `where ${where.join(' and ')}` : ''} ` +
      `order by a.created_at, a.id`;
    const result = await this.connection.stream(sql);
    const names = result.columnNames();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const out: LakeActivity[] = [];
      for (const row of chunk.getRowObjects(names) as Record<string, unknown>[]) {
        out.push({
          id: row.id as string,
          createdAt: row.created_at as string,
          activity: reassembleActivity(row),
          user:
            row.h_user_id == null || row.h_current === false
              ? null
              : {
                  user_id: row.h_user_id as string,
                  email: (row.h_email as string | null) ?? null,
                  full_name: (row.h_full_name as string | null) ?? null,
                  organization_role: (row.h_role as string | null) ?? null,
                  valid_from: (row.h_valid_from as string | null) ?? null,
                  valid_to: (row.h_valid_to as string | null) ?? null,
                },
        });
      }
      yield out;
    }
  }

  /** Every matching activity, day after day. */
  async *all(q: ActivityQuery): AsyncGenerator<LakeActivity[]> {
    for (const d of this.days(q)) yield* this.day(d, q);
  }
}

function tsLiteral(ms: number): string {
  return `${sqlString(new Date(ms).toISOString())}::timestamptz`;
}
