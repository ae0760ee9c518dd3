// Benchmark (issue 4 §6): the headline query through GraphQL against the same SQL run directly on DuckDB,
// on the bench lake (bench/lake-generate.ts; its marker says how big it is).
//
// 1. `buildModels(dir, { full: true })`, timed (CL_BENCH_SKIP_BUILD=1 reuses an existing warehouse).
// 2. `compliance-lake serve` as a child process (the bench token in its environment); requests over loopback
//    with the global fetch, each timed until its body has arrived and been parsed.
// 3. The direct side: the SQL the server runs for the same arguments, captured by calling the service
//    (src/graphql/admin-action.service.ts, activity.service.ts) with a recording Db, then run in this process
//    on data/warehouse.duckdb opened the way the server opens it (READ_ONLY, memory_limit 1GB, default
//    threads, TimeZone UTC), rows materialised as JS objects, statements in the order the server runs them.
//    GraphQL and direct runs alternate, so machine noise hits both alike; ratio = GraphQL median ÷ direct median.
//
// Questions: adminActionsByRecentGroupMembers (addedWithinDays 30, first 50, with totalCount) over the last
// 30 days of the lake, cycling over the six groups with the most memberships started in the window (so the
// answers are not empty); the same over the whole lake (no since/until); activityCounts(by: MONTH) over the
// whole lake, plain and restricted to members of a group as of the event time. Slow statements get an
// EXPLAIN ANALYZE, written to bench/results/graphql-query-explain.txt.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { connectUtc, createDuck } from '../src/lake/duck.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recentGroupMemberActions } from '../src/graphql/admin-action.service.js';
import { countActivitiesBy } from '../src/graphql/activity.service.js';
import { TimeBucket } from '../src/graphql/activity.type.js';
import type { Db } from '../src/graphql/context.js';
import { buildModels } from '../src/models/build.js';
import { lakeDir, readMarker, type LakeMarker } from './lake-generate.js';
import { graphqlRequest, median, percentile, startServe } from './sim-process.js';

const DAY_MS = 86_400_000;

export const HEADLINE_QUERY = `query Headline($groupId: ID!, $days: Int!, $since: DateTime, $until: DateTime, $first: Int!) {
  adminActionsByRecentGroupMembers(groupId: $groupId, addedWithinDays: $days, since: $since, until: $until, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      daysSinceAdded
      node { id createdAt type category organizationUuid actor { type userId email ip userAgent } details }
      actor { id email fullName organizationRole validFrom validTo isCurrent }
      membership { groupId userId validFrom validFromSource validTo validToSource }
    }
  }
}`;

export const COUNTS_QUERY = `query Counts($filter: ActivityFilter) {
  activityCounts(by: MONTH, filter: $filter) { bucket count }
}`;

interface Captured {
  sql: string;
  params: Record<string, DuckDBValue>;
}

/** A Db that records the statements a service runs (and returns no rows). */
function recorder(): { db: Db; statements: Captured[] } {
  const statements: Captured[] = [];
  return { statements, db: { query: async (sql, params) => (statements.push({ sql, params: { ...(params ?? {}) } }), []) } };
}

export interface HeadlineArgs {
  groupId: string;
  days: number;
  since: string | null;
  until: string | null;
  first: number;
}

/** The statements the server runs for the headline query with totalCount (page, then count). */
export async function headlineSql(a: HeadlineArgs): Promise<Captured[]> {
  const r = recorder();
  const conn = await recentGroupMemberActions(
    r.db,
    { groupId: a.groupId, addedWithinDays: a.days, since: a.since ? new Date(a.since) : null, until: a.until ? new Date(a.until) : null, types: null, first: a.first, after: null },
    { first: a.first, after: null },
  );
  await conn.countAll();
  return r.statements;
}

export async function countsSql(filter: Record<string, unknown> | null): Promise<Captured[]> {
  const r = recorder();
  const f = filter
    ? { ...filter, since: filter.since ? new Date(filter.since as string) : null, until: filter.until ? new Date(filter.until as string) : null }
    : null;
  await countActivitiesBy(r.db, TimeBucket.MONTH, f as never);
  return r.statements;
}

/** The warehouse opened as the server opens it. */
export async function openWarehouseDirect(dataDir: string): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await createDuck({ path: join(dataDir, 'warehouse.duckdb'), readOnly: true, memoryLimit: '1GB' });
  const connection = await connectUtc(instance);
  // as src/graphql/warehouse.ts sets it on every connection
  await connection.run('SET parquet_metadata_cache = true');
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export async function runDirect(connection: DuckDBConnection, statements: Captured[]): Promise<number> {
  let rows = 0;
  for (const s of statements) {
    const reader = await connection.runAndReadAll(s.sql, s.params);
    rows += reader.getRowObjectsJS().length;
  }
  return rows;
}

export interface Timing {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

function timing(xs: number[]): Timing {
  return { runs: xs.length, medianMs: median(xs), p95Ms: percentile(xs, 95), minMs: Math.min(...xs), maxMs: Math.max(...xs) };
}

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  statements: Captured[];
}

export interface QueryComparison {
  name: string;
  graphql: Timing;
  direct: Timing;
  /** GraphQL median ÷ direct median. */
  ratio: number;
  /** Response size of the last GraphQL run, bytes. */
  responseBytes: number;
  /** Rows the direct statements returned (last run). */
  directRows: number;
}

export interface GraphqlQueryResult {
  dataDir: string;
  lake: { activities: number; days: number; firstDay: string; endDay: string; targetScaleReached: boolean; note: string };
  build: { mode: string; ms: number; relations: { relation: string; rows: number | null; ms: number }[] } | null;
  window30: { since: string; until: string; groups: string[]; addedWithinDays: number };
  headline30Days: QueryComparison;
  headlineAllYears: QueryComparison;
  countsByMonthAllYears: QueryComparison;
  countsByMonthAllYearsInGroup: QueryComparison | { name: string; error: string };
  targets: { headline30MedianMsAtMost: 300; ratioAtMost: 1.15; sixYearsMsAtMost: 2000 };
  met: { headline30Median: boolean; headline30Ratio: boolean; headlineAllYears: boolean; countsByMonthAllYears: boolean };
  explainFile: string;
  /** Rewrites of the slow statements, timed directly (same answers checked): evidence for suggested fixes. */
  variants: VariantTiming[];
}

export interface VariantTiming {
  question: string;
  variant: string;
  medianMs: number;
  baselineMedianMs: number;
  sameAnswer: boolean;
}

/** Times `statements` against `rewrite(statements)` directly, alternating, and checks they answer the same. */
async function timeVariant(connection: DuckDBConnection, question: string, variant: string, statements: Captured[], rewrite: (sql: string) => string, runs = 5): Promise<VariantTiming> {
  const rewritten = statements.map((s) => ({ sql: rewrite(s.sql), params: s.params }));
  const answer = async (ss: Captured[]) => {
    const out: unknown[] = [];
    for (const s of ss) out.push((await connection.runAndReadAll(s.sql, s.params)).getRowObjectsJS());
    return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  };
  const sameAnswer = (await answer(statements)) === (await answer(rewritten));
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await runDirect(connection, statements);
    a.push(performance.now() - t);
    t = performance.now();
    await runDirect(connection, rewritten);
    b.push(performance.now() - t);
  }
  return { question, variant, medianMs: median(b), baselineMedianMs: median(a), sameAnswer };
}

/**
 * `warm` warm-up pairs, then `runs` timed pairs (GraphQL and direct, alternating which goes first), cycling
 * over the cases; stops early once `budgetMs` has passed and at least `minRuns` pairs are timed (so a slow
 * question does not eat the session: the result says how many runs it got).
 */
export async function compare(url: string, connection: DuckDBConnection, cases: Case[], runs: number, warm = 2, budgetMs = Infinity, minRuns = 5): Promise<QueryComparison> {
  const g: number[] = [];
  const d: number[] = [];
  let bytes = 0;
  let rows = 0;
  for (let i = 0; i < warm; i++) {
    const c = cases[i % cases.length];
    await graphqlRequest(url, c.query, c.variables);
    await runDirect(connection, c.statements);
  }
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    if (i >= minRuns && performance.now() - started > budgetMs) break;
    const c = cases[i % cases.length];
    for (const which of i % 2 === 0 ? ['graphql', 'direct'] : ['direct', 'graphql']) {
      const t = performance.now();
      if (which === 'graphql') {
        bytes = (await graphqlRequest(url, c.query, c.variables)).bytes;
        g.push(performance.now() - t);
      } else {
        rows = await runDirect(connection, c.statements);
        d.push(performance.now() - t);
      }
    }
  }
  const graphql = timing(g);
  const direct = timing(d);
  return { name: cases[0].name, graphql, direct, ratio: graphql.medianMs / direct.medianMs, responseBytes: bytes, directRows: rows };
}

export async function explainAnalyze(connection: DuckDBConnection, s: Captured): Promise<string> {
  const reader = await connection.runAndReadAll(`EXPLAIN ANALYZE ${s.sql}`, s.params);
  return reader
    .getRowObjectsJS()
    .map((r) => String(r.explain_value ?? Object.values(r).join('\n')))
    .join('\n');
}

export function requireLake(dataDir: string): LakeMarker {
  const marker = readMarker(dataDir);
  if (!marker) throw new Error(`no bench lake in ${dataDir}: run \`npm run bench -- lake-generate\` first (or set CL_BENCH_LAKE_DIR)`);
  return marker;
}

export function lakeSummary(marker: LakeMarker) {
  const days = Math.round((marker.endDayMs - marker.firstDayMs) / DAY_MS);
  const reached = marker.activities >= 100_000_000;
  return {
    activities: marker.activities,
    days,
    firstDay: new Date(marker.firstDayMs).toISOString().slice(0, 10),
    endDay: new Date(marker.endDayMs).toISOString().slice(0, 10),
    targetScaleReached: reached,
    note: reached
      ? 'the lake is at the 100 M target scale'
      : `the lake holds ${marker.activities} activities over ${days} days, NOT the 100 M target scale (activitiesPerDay ${marker.params.activitiesPerDay}${marker.complete ? '' : ', generation unfinished'})`,
  };
}

export async function benchGraphqlQuery(runs30 = 30, runsLong = 10): Promise<GraphqlQueryResult> {
  const dataDir = lakeDir();
  const marker = requireLake(dataDir);
  const log = (s: string) => process.stderr.write(`[graphql-query ${new Date().toISOString()}] ${s}\n`);

  let build: GraphqlQueryResult['build'] = null;
  if (!(process.env.CL_BENCH_SKIP_BUILD === '1' && existsSync(join(dataDir, 'warehouse.duckdb')))) {
    log('models build --full ...');
    const t = performance.now();
    const report = await buildModels(dataDir, { full: true });
    build = { mode: report.mode, ms: performance.now() - t, relations: report.relations.map((r) => ({ relation: r.relation, rows: r.rows, ms: Math.round(r.ms) })) };
    log(`built in ${Math.round(build.ms)} ms`);
  }

  const untilMs = marker.endDayMs;
  const sinceMs = untilMs - 30 * DAY_MS;
  const since = new Date(sinceMs).toISOString();
  const until = new Date(untilMs).toISOString();
  const addedWithinDays = 30;

  const direct = await openWarehouseDirect(dataDir);
  const server = await startServe(dataDir);
  try {
    // The groups whose recently added members did the most admin actions in the window (so the answers are
    // not empty), topped up with the groups with the most memberships started shortly before or in it.
    const hitGroups = (
      await direct.connection.runAndReadAll(
        `select m.group_id, count(*) as n from marts.admin_actions a join marts.group_memberships m on m.user_id = a.actor_user_id ` +
          `and m.valid_from <= a.created_at and (m.valid_to is null or a.created_at < m.valid_to) and a.created_at <= m.valid_from + to_days($days) ` +
          `where a.created_at >= $lo and a.created_at < $hi group by 1 order by 2 desc, 1 limit 6`,
        { days: addedWithinDays, lo: since, hi: until },
      )
    ).getRowObjectsJS();
    const recent = (
      await direct.connection.runAndReadAll(
        `select group_id, count(*) as n from marts.group_memberships where valid_from >= $lo and valid_from < $hi group by 1 order by 2 desc, 1 limit 6`,
        { lo: new Date(sinceMs - addedWithinDays * DAY_MS).toISOString(), hi: until },
      )
    ).getRowObjectsJS();
    const top = [...hitGroups, ...recent.filter((r) => !hitGroups.some((h) => h.group_id === r.group_id))].slice(0, 6);
    const groups = top.map((r) => String(r.group_id));
    if (groups.length === 0) throw new Error('no group has memberships starting in the window');
    log(`groups: ${groups.join(', ')}`);

    const headline = async (name: string, g: string, s: string | null, u: string | null): Promise<Case> => {
      const args = { groupId: g, days: addedWithinDays, since: s, until: u, first: 50 };
      return { name, query: HEADLINE_QUERY, variables: args, statements: await headlineSql(args) };
    };
    const counts = async (name: string, filter: Record<string, unknown> | null): Promise<Case> => ({
      name,
      query: COUNTS_QUERY,
      variables: { filter },
      statements: await countsSql(filter),
    });
    const lakeSince = new Date(marker.firstDayMs).toISOString();

    const cases30 = await Promise.all(groups.map((g) => headline('headline, 30-day window', g, since, until)));
    log('headline 30 days ...');
    const headline30Days = await compare(server.url, direct.connection, cases30, runs30, 6, 120_000, 20);
    log(JSON.stringify(headline30Days));
    const short = process.env.CL_BENCH_QUERY_SHORT === '1';
    const skipped = (name: string): QueryComparison => ({ name: `${name} (skipped: CL_BENCH_QUERY_SHORT)`, graphql: timing([NaN]), direct: timing([NaN]), ratio: NaN, responseBytes: 0, directRows: 0 });
    const casesAll = await Promise.all(groups.slice(0, 3).map((g) => headline('headline, all years', g, null, null)));
    const headlineAllYears = short ? skipped('headline, all years') : await compare(server.url, direct.connection, casesAll, runsLong, 1, 90_000);
    log(JSON.stringify(headlineAllYears));
    const countsCase = await counts('activityCounts(by: MONTH), all years', { since: lakeSince, until });
    const countsByMonthAllYears = short ? skipped('counts') : await compare(server.url, direct.connection, [countsCase], runsLong, 1, 90_000);
    log(JSON.stringify(countsByMonthAllYears));
    const countsGroupCase = await counts('activityCounts(by: MONTH), all years, actorInGroup (as of event time)', {
      since: lakeSince,
      until,
      actorInGroup: { groupId: groups[0], asOfEventTime: true },
    });
    // This one can pass the server's 15 s query timeout: a timeout is a result, not a crash of the bench.
    let countsByMonthAllYearsInGroup: QueryComparison | { name: string; error: string };
    try {
      countsByMonthAllYearsInGroup = short ? skipped('counts in group') : await compare(server.url, direct.connection, [countsGroupCase], 5, 1, 60_000, 3);
    } catch (err) {
      countsByMonthAllYearsInGroup = { name: countsGroupCase.name, error: (err as Error).message.slice(0, 500) };
    }
    log(JSON.stringify(countsByMonthAllYearsInGroup));

    // Where the time goes: EXPLAIN ANALYZE of every statement of one case per question.
    let explain = '';
    for (const c of [cases30[0], casesAll[0], countsCase, countsGroupCase]) {
      for (const [i, s] of c.statements.entries()) {
        explain += `==== ${c.name} (${JSON.stringify(c.variables)}) statement ${i + 1}\n${s.sql}\n\n${await explainAnalyze(direct.connection, s)}\n\n`;
      }
    }
    const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    const explainFile = join(resultsDir, 'graphql-query-explain.txt');
    writeFileSync(explainFile, explain);

    log('variants ...');
    const toAdminActions = (sql: string) => sql.replaceAll('from marts.activities a ', 'from marts.admin_actions a ');
    const naiveMonth = (sql: string) => sql.replace("date_trunc('month', a.created_at)", "date_trunc('month', a.created_at::timestamp)");
    const variants = [
      await timeVariant(direct.connection, 'headline, 30-day window', 'read marts.admin_actions instead of marts.activities + category filter', cases30[0].statements, toAdminActions),
      await timeVariant(direct.connection, 'headline, all years', 'read marts.admin_actions instead of marts.activities + category filter', casesAll[0].statements, toAdminActions, short ? 2 : 3),
      await timeVariant(direct.connection, 'activityCounts(by: MONTH), all years', "date_trunc on created_at::timestamp (no ICU time-zone arithmetic)", countsCase.statements, naiveMonth, short ? 2 : 3),
      ...(short ? [] : [await timeVariant(direct.connection, 'activityCounts(by: MONTH), all years, actorInGroup', "date_trunc on created_at::timestamp (no ICU time-zone arithmetic)", countsGroupCase.statements, naiveMonth, 2)]),
    ];
    for (const v of variants) log(JSON.stringify(v));

    return {
      dataDir,
      lake: lakeSummary(marker),
      build,
      window30: { since, until, groups, addedWithinDays },
      headline30Days,
      headlineAllYears,
      countsByMonthAllYears,
      countsByMonthAllYearsInGroup,
      targets: { headline30MedianMsAtMost: 300, ratioAtMost: 1.15, sixYearsMsAtMost: 2000 },
      met: {
        headline30Median: headline30Days.graphql.medianMs <= 300,
        headline30Ratio: headline30Days.ratio <= 1.15,
        headlineAllYears: headlineAllYears.graphql.medianMs <= 2000,
        countsByMonthAllYears: countsByMonthAllYears.graphql.medianMs <= 2000,
      },
      explainFile,
      variants,
    };
  } finally {
    await server.stop();
    direct.close();
  }
}
