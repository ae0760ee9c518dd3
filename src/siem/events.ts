// Activities out of the lake, oldest first, one UTC day at a time and a slice of one DuckDB chunk at a time (ocsf.md §4-5):
// the committed files only (the manifest), each id once (its first arrival: the earliest `_extracted_at`, the
// row compaction keeps), with the actor's user record as of the event from the user history mart when the
// warehouse has one. Memory stays flat at any lake size: nothing is held beyond one chunk.
import { existsSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance, DuckDBResult, DuckDBVector } from '@duckdb/node-api';
import { reassembleActivity } from '../extract/activities.js';
import { connectUtc, createDuck, sqlString } from '../lake/duck.js';
import { Lake } from '../lake/lake.js';
import { warehousePath } from '../models/warehouse.js';
import type { ServedRecord, UserAsOf } from './ocsf.js';
import { servedRecord } from './served.js';

const NON_ASCII = /[^\x00-\x7f]/;
const ISO_US = "'%Y-%m-%dT%H:%M:%S.%fZ'";
const DAY_MS = 86_400_000;
/** Rows decoded and handed over at once (a DuckDB chunk has up to 2 048). */
const SLICE_ROWS = 256;

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

/** A reader row's text as a LakeActivity (whether it is ASCII only, checked once here). */
export function lakeActivity(text: string): LakeActivity {
  return new LakeActivity(text, !NON_ASCII.test(text));
}

/**
 * One activity of the lake as the reader found it: its row's JSON text (ROW_COLUMNS, then USER_COLUMNS). The
 * getters parse it once and keep what they built; the writers of events (src/siem/output.ts, forward) parse it
 * with `values()` and keep nothing, so that a chunk's objects die young (garbage collection was the largest
 * cost while a chunk's records lived until it was written: BENCHMARKS.md, issue 14 §1).
 */
export class LakeActivity {
  #row: unknown[] | undefined;
  #activity: Record<string, unknown> | undefined;
  #served: ServedRecord | null | undefined;

  constructor(
    readonly text: string,
    /** Whether the row's text is ASCII only (then so is the served record's text). */
    readonly ascii = false,
  ) {}

  /** The row's values, parsed anew. */
  values(): unknown[] {
    return JSON.parse(this.text) as unknown[];
  }

  get #values(): unknown[] {
    return (this.#row ??= this.values());
  }

  get id(): string {
    return this.#values[0] as string;
  }

  /** RFC 3339 UTC with six fractional digits: the order key, with id. */
  get createdAt(): string {
    return this.#values[1] as string;
  }

  /** The actor's user record as of the event. */
  get user(): UserAsOf | null {
    return userOf(this.#values);
  }

  /** The activity as the API served it. */
  get activity(): Record<string, unknown> {
    return (this.#activity ??= activityOf(this.#values));
  }

  /** The served record in parts with its text (src/siem/served.ts), or null when only `activity` can say. */
  get served(): ServedRecord | null {
    if (this.#served === undefined) this.#served = servedRecord(this.#values);
    return this.#served;
  }

  /** JSON.stringify(activity), built from the row's text when it can be. */
  get json(): string {
    return this.served?.raw ?? JSON.stringify(this.activity);
  }
}

/** The activity as the API served it, from a row's values (reassembleActivity). */
export function activityOf(values: readonly unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < ROW_COLUMNS.length; i++) {
    const v = values[i];
    // reassembleActivity parses the JSON columns when they are text: a JSON string value stays one
    row[ROW_COLUMNS[i]] = (i === 12 || i === 13) && typeof v === 'string' ? JSON.stringify(v) : v;
  }
  return reassembleActivity(row);
}

/** The actor's user record as of the event, from a row's values (null without the history). */
export function userOf(r: readonly unknown[]): UserAsOf | null {
  const h = ROW_COLUMNS.length;
  return r[h] == null || r[h + 6] === false
    ? null
    : {
        user_id: r[h] as string,
        email: (r[h + 1] as string | null) ?? null,
        full_name: (r[h + 2] as string | null) ?? null,
        organization_role: (r[h + 3] as string | null) ?? null,
        valid_from: (r[h + 4] as string | null) ?? null,
        valid_to: (r[h + 5] as string | null) ?? null,
      };
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
    /** A second connection: the next day's query runs on it while the consumer works on this day's rows. */
    private readonly ahead: DuckDBConnection,
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
          // a table of the in-memory database, not a temp table: both connections read it
          'create table actor_users as select user_id, organization_uuid, email, full_name, organization_role, valid_from, valid_to, ' +
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
    return new ActivityReader(lake, instance, connection, await connectUtc(instance), history);
  }

  close(): void {
    this.connection.closeSync();
    this.ahead.closeSync();
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
    const result = await this.#start(date, q, this.connection);
    if (!result) return;
    for await (const texts of this.#texts(result)) {
      const out: LakeActivity[] = new Array(texts.length);
      for (let i = 0; i < texts.length; i++) out[i] = lakeActivity(texts[i]);
      yield out;
    }
  }

  /** Every matching activity, day after day; the next day is read and sorted while this one is consumed. */
  async *all(q: ActivityQuery): AsyncGenerator<LakeActivity[]> {
    for await (const texts of this.texts(q)) {
      const out: LakeActivity[] = new Array(texts.length);
      for (let i = 0; i < texts.length; i++) out[i] = lakeActivity(texts[i]);
      yield out;
    }
  }

  /** `all`'s rows as their texts only (LakeActivity's), for mapping elsewhere (src/siem/mapping.ts). */
  async *texts(q: ActivityQuery): AsyncGenerator<string[]> {
    const days = this.days(q);
    const connections = [this.connection, this.ahead];
    let pending = days.length ? this.#start(days[0], q, connections[0]) : null;
    try {
      for (let i = 0; i < days.length; i++) {
        const result = await pending!;
        pending = i + 1 < days.length ? this.#start(days[i + 1], q, connections[(i + 1) % 2]) : null;
        if (result) yield* this.#texts(result);
      }
    } finally {
      // stopped early: the query in flight is of no interest, but it ends before the reader may be closed
      await pending?.catch(() => null);
    }
  }

  /** Runs the query of one day's activities in (created_at, id) order (null: the day has no files). */
  async #start(date: string, q: ActivityQuery, connection: DuckDBConnection): Promise<DuckDBResult | null> {
    const files = this.lake.files('activities').filter((f) => f.date === date).map((f) => sqlString(this.lake.absolute(f)));
    if (files.length === 0) return null;
    const where: string[] = [];
    if (q.sinceMs !== undefined) where.push(`a.created_at >= ${tsLiteral(q.sinceMs)}`);
    if (q.untilMs !== undefined) where.push(`a.created_at < ${tsLiteral(q.untilMs)}`);
    if (q.types) where.push(q.types.length ? `a.type in (${q.types.map(sqlString).join(', ')})` : 'false');
    if (q.arrival) where.push(`epoch_us(a._extracted_at) > ${q.arrival.fromUs} and epoch_us(a._extracted_at) <= ${q.arrival.toUs}`);
    if (q.after) where.push(`(a.created_at, a.id) > (${sqlString(q.after.createdAt)}::timestamptz, ${sqlString(q.after.id)})`);
    // The version valid at the event: the latest that began at or before it (an ASOF join: a range join on
    // user and time would compare every activity with every version), kept only if it had not ended.
    const history = this.history ? `asof left join actor_users u on u.k = a.actor_user_id || '|' || a.organization_uuid and a.created_at >= u.vf` : '';
    // One JSON array per row, built by DuckDB after the sort (the sort carries the narrow columns): the
    // client decodes one string per row instead of one per column, which was most of the time spent in JS
    // (BENCHMARKS.md, issue 14 §1); `actor_rest` and `rest` go in as JSON values, so one JSON.parse reads all.
    const userCols = this.history
      ? `, u.user_id as h_user_id, u.email as h_email, u.full_name as h_full_name, u.organization_role as h_role, ` +
        `strftime(u.valid_from, ${ISO_US}) as h_valid_from, strftime(u.valid_to, ${ISO_US}) as h_valid_to, (u.valid_to is null or a.created_at < u.valid_to) as h_current`
      : '';
    const sql =
      `with firsts as (select * from read_parquet([${files.join(', ')}], union_by_name = true, hive_partitioning = false, filename = true, file_row_number = true) ` +
      `qualify row_number() over (partition by id order by _extracted_at, filename, file_row_number) = 1), ` +
      `sorted as (select a.id, strftime(a.created_at, ${ISO_US}) as created_at, a.created_at_digits, a.type, a.organization_id, a.organization_uuid, a.actor_type, ` +
      `a.actor_user_id, a.actor_email, a.actor_ip, a.actor_user_agent, a.actor_api_key_id, a.actor_rest, a.rest${userCols} ` +
      `from firsts a ${history} ${where.length ? `where ${where.join(' and ')}` : ''} ` +
      `order by a.created_at, a.id) ` +
      `select json_array(${ROW_COLUMNS.join(', ')}${this.history ? `, ${USER_COLUMNS.join(', ')}` : ''})::varchar as j from sorted`;
    return connection.stream(sql);
  }

  async *#texts(result: DuckDBResult): AsyncGenerator<string[]> {
    // the next chunk is fetched (on DuckDB's threads) while the consumer works on this one
    let next = result.fetchChunk();
    try {
      for (;;) {
        const chunk = await next;
        if (!chunk || chunk.rowCount === 0) break;
        next = result.fetchChunk();
        const column = chunk.getColumnVector(0) as DuckDBVector<string>;
        // decoded a slice at a time: a whole chunk's texts outlived several young-generation collections
        for (let from = 0; from < chunk.rowCount; from += SLICE_ROWS) {
          const out: string[] = new Array(Math.min(SLICE_ROWS, chunk.rowCount - from));
          for (let i = 0; i < out.length; i++) out[i] = column.getItem(from + i)!;
          yield out;
        }
      }
    } finally {
      // a consumer that stopped early (`events | head`) leaves a fetch in flight: it ends before the reader may close
      await next.catch(() => null);
    }
  }
}

/** The lake columns of a row, in the order of the JSON array the reader selects. */
const ROW_COLUMNS = [
  'id',
  'created_at',
  'created_at_digits',
  'type',
  'organization_id',
  'organization_uuid',
  'actor_type',
  'actor_user_id',
  'actor_email',
  'actor_ip',
  'actor_user_agent',
  'actor_api_key_id',
  'actor_rest',
  'rest',
] as const;
const USER_COLUMNS = ['h_user_id', 'h_email', 'h_full_name', 'h_role', 'h_valid_from', 'h_valid_to', 'h_current'] as const;

function tsLiteral(ms: number): string {
  return `${sqlString(new Date(ms).toISOString())}::timestamptz`;
}
