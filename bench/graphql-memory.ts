// Benchmark (issue 4 §6): peak RSS of the GraphQL server with 8 concurrent clients. Target: <= 1.5 GB.
//
// `compliance-lake serve --data-dir D --port 0` runs as a child process (the bench token in
// COMPLIANCE_LAKE_GRAPHQL_TOKEN) on the bench lake's warehouse (graphql-query builds it). Eight client
// loops in this process each send, back to back for `seconds`, the headline query over a 30-day window
// (cycling over the groups with the most recent memberships), the headline query over all years (every
// fourth request) and activityCounts(by: MONTH) over all years, alternately. The server's VmHWM (peak RSS)
// and VmRSS are read from /proc every 200 ms; the result is the VmHWM at the end.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COUNTS_QUERY, HEADLINE_QUERY, lakeSummary, openWarehouseDirect, requireLake } from './graphql-query.js';
import { lakeDir } from './lake-generate.js';
import { currentRssOf, graphqlRequest, median, percentile, startServe } from './sim-process.js';

const DAY_MS = 86_400_000;
const MB = 2 ** 20;

export interface GraphqlMemoryResult {
  dataDir: string;
  lake: ReturnType<typeof lakeSummary>;
  clients: number;
  seconds: number;
  requests: number;
  errors: number;
  firstError: string | null;
  latency: { headline30: { medianMs: number; p95Ms: number; n: number }; headlineAll: { medianMs: number; p95Ms: number; n: number }; counts: { medianMs: number; p95Ms: number; n: number } };
  rss: { idleMB: number; maxSampledMB: number; peakMB: number; endMB: number };
  target: { peakMBAtMost: number };
  met: boolean;
}

export async function benchGraphqlMemory(clients = 8, seconds = 30): Promise<GraphqlMemoryResult> {
  const dataDir = lakeDir();
  const marker = requireLake(dataDir);
  if (!existsSync(join(dataDir, 'warehouse.duckdb'))) throw new Error(`no warehouse in ${dataDir}: run \`npm run bench -- graphql-query\` first`);
  const untilMs = marker.endDayMs;
  const since = new Date(untilMs - 30 * DAY_MS).toISOString();
  const until = new Date(untilMs).toISOString();
  const lakeSince = new Date(marker.firstDayMs).toISOString();

  const direct = await openWarehouseDirect(dataDir);
  let groups: string[];
  try {
    const rows = (
      await direct.connection.runAndReadAll(
        `select group_id, count(*) as n from marts.group_memberships where valid_from >= $lo and valid_from < $hi group by 1 order by 2 desc, 1 limit 8`,
        { lo: new Date(untilMs - 60 * DAY_MS).toISOString(), hi: until },
      )
    ).getRowObjectsJS();
    groups = rows.map((r) => String(r.group_id));
  } finally {
    direct.close();
  }

  const server = await startServe(dataDir);
  const lat = { headline30: [] as number[], headlineAll: [] as number[], counts: [] as number[] };
  let errors = 0;
  let firstError: string | null = null;
  let maxSampled = 0;
  const sampler = setInterval(() => {
    const v = currentRssOf(server.child.pid!);
    if (v > maxSampled) maxSampled = v;
  }, 200);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const idle = currentRssOf(server.child.pid!);
    const deadline = performance.now() + seconds * 1000;
    const loop = async (c: number) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const g = groups[(c + i) % groups.length];
        let kind: keyof typeof lat;
        let query: string;
        let variables: Record<string, unknown>;
        if (i % 2 === 1) {
          kind = 'counts';
          query = COUNTS_QUERY;
          variables = { filter: { since: lakeSince, until } };
        } else if (i % 4 === 2) {
          kind = 'headlineAll';
          query = HEADLINE_QUERY;
          variables = { groupId: g, days: 30, since: null, until: null, first: 50 };
        } else {
          kind = 'headline30';
          query = HEADLINE_QUERY;
          variables = { groupId: g, days: 30, since, until, first: 50 };
        }
        const t = performance.now();
        try {
          await graphqlRequest(server.url, query, variables);
          lat[kind].push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message.slice(0, 500);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
    const peak = server.peakRss();
    const end = currentRssOf(server.child.pid!);
    const t = (xs: number[]) => ({ medianMs: xs.length ? median(xs) : NaN, p95Ms: xs.length ? percentile(xs, 95) : NaN, n: xs.length });
    return {
      dataDir,
      lake: lakeSummary(marker),
      clients,
      seconds,
      requests: lat.headline30.length + lat.headlineAll.length + lat.counts.length,
      errors,
      firstError,
      latency: { headline30: t(lat.headline30), headlineAll: t(lat.headlineAll), counts: t(lat.counts) },
      rss: { idleMB: idle / MB, maxSampledMB: maxSampled / MB, peakMB: peak / MB, endMB: end / MB },
      target: { peakMBAtMost: 1536 },
      met: peak <= 1.5 * 2 ** 30,
    };
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}
