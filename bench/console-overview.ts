// Benchmark (issue 13 §4): the console's overview page on the bench lake (CL_BENCH_LAKE_DIR, default
// /tmp/cl-bench-100m-full). Targets: every GraphQL operation the overview sends ≤ 300 ms, first data shown
// ≤ 1 s.
//
// Two `compliance-lake serve` processes on the same lake: one as shipped, one with
// COMPLIANCE_LAKE_QUERY_CACHE=off (every statement run by DuckDB, none answered from the warehouse
// generation's kept answers: the cost of the SQL itself).
//
// 1. The page: Debian's Chromium (playwright-core, as test/console/browser.ts drives it; only 127.0.0.1 is
//    reachable) signs in with the form, then loads /#/overview for the lake's last 30 days from a blank page
//    (a full load: scripts, styles, the four queries). Time to first data: from page.goto to the first of
//    the overview's sections in state "ready" (widgets.js sets data-state when its query answered and the
//    rows are drawn); time to all data: all four sections ready. The GraphQL bodies the page POSTs are
//    recorded: they are what step 2 sends.
// 2. Over loopback: each recorded operation POSTed with the bench token, timed until its body is parsed;
//    rounds alternate the two servers and rotate the order of the operations; medians per operation.
//
// Knobs: CL_BENCH_LAKE_DIR, CL_BENCH_OVERVIEW_RUNS (rounds, default 7), CL_CHROMIUM (default /usr/bin/chromium).
import { existsSync } from 'node:fs';
import os from 'node:os';
import { chromium, type Browser } from 'playwright-core';
import { requireLake, lakeSummary, type Timing } from './graphql-query.js';
import { lakeDir } from './lake-generate.js';
import { BENCH_GRAPHQL_TOKEN, median, percentile, startServe, type ServeProcess } from './sim-process.js';

const DAY_MS = 86_400_000;
const TARGET_OPERATION_MS = 300;
const TARGET_FIRST_DATA_MS = 1_000;
const SECTIONS = ['activity-by-category', 'sync-status', 'open-alerts', 'top'];
const CHROMIUM = process.env.CL_CHROMIUM || '/usr/bin/chromium';
const log = (s: string) => process.stderr.write(`[console-overview ${new Date().toISOString()}] ${s}\n`);

type ServerName = 'shipped' | 'noResultCache';

interface Operation {
  name: string;
  body: string;
}

export interface PageLoad {
  firstDataMs: number;
  firstSection: string;
  /** Until every section showed its data or its error. */
  allDataMs: number;
  /** Sections that showed an error (a query stopped by the server's timeout, say) instead of data. */
  failed: string[];
}

export interface ConsoleOverviewResult {
  dataDir: string;
  lake: ReturnType<typeof lakeSummary>;
  window: { from: string; to: string };
  operations: { name: string; variables: unknown; timings: Record<ServerName, Timing>; targetMet: Record<ServerName, boolean> }[];
  page: Record<ServerName, { loads: PageLoad[]; firstData: Timing; allData: Timing; targetMet: boolean }>;
  targets: { operationMsAtMost: number; firstDataMsAtMost: number };
  loadAverage: { start: number[]; end: number[] };
  /** Error answers (each also timed): none when every operation answered. */
  errors: string[];
}

function timing(xs: number[]): Timing {
  return { runs: xs.length, medianMs: median(xs), p95Ms: percentile(xs, 95), minMs: Math.min(...xs), maxMs: Math.max(...xs) };
}

const errors: string[] = [];

/** The time to the parsed answer; an error answer is recorded (and timed: a query stopped at the timeout). */
async function post(url: string, body: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_GRAPHQL_TOKEN}` }, body });
  const parsed = (await res.json()) as { errors?: { message: string }[] };
  const ms = performance.now() - t;
  if (res.status !== 200 || parsed.errors?.length) {
    const e = `HTTP ${res.status}: ${JSON.stringify(parsed.errors ?? parsed).slice(0, 300)}`;
    errors.push(e);
    log(`error answer after ${Math.round(ms)} ms: ${e}`);
  }
  return ms;
}

/** Signs in through the console's form and loads the overview `rounds` times; records the GraphQL bodies. */
async function loadPage(browser: Browser, server: ServeProcess, hash: string, rounds: number): Promise<{ loads: PageLoad[]; operations: Operation[] }> {
  const origin = new URL(server.url).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  context.setDefaultTimeout(120_000);
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (/^(data|blob|about):/.test(url) || new URL(url).hostname === '127.0.0.1') return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  const bodies = new Map<string, string>();
  page.on('request', (r) => {
    if (new URL(r.url()).pathname !== '/graphql' || r.method() !== 'POST') return;
    const body = r.postData() ?? '';
    const name = /query\s+(\w+)/.exec((JSON.parse(body) as { query: string }).query)?.[1] ?? 'anonymous';
    bodies.set(name, body);
  });
  try {
    await page.goto(`${origin}/`);
    await page.locator('form[action="/login"] input[name="token"]').fill(BENCH_GRAPHQL_TOKEN);
    await Promise.all([page.waitForURL((u) => u.pathname === '/' && !u.searchParams.has('login')), page.locator('form[action="/login"] [type="submit"]').click()]);
    const loads: PageLoad[] = [];
    for (let i = 0; i < rounds; i++) {
      await page.goto('about:blank');
      const t = performance.now();
      await page.goto(`${origin}/${hash}`);
      const first = await page.waitForSelector(SECTIONS.map((s) => `section#${s}[data-state="ready"]`).join(', '));
      const firstDataMs = performance.now() - t;
      const firstSection = (await first.getAttribute('id')) ?? '?';
      for (const s of SECTIONS) await page.waitForSelector(`section#${s}[data-state="ready"], section#${s}[data-state="error"]`);
      const failed = await page.$$eval('section[data-state="error"]', (els) => els.map((e) => e.id));
      loads.push({ firstDataMs, firstSection, allDataMs: performance.now() - t, failed });
    }
    if (outside.length) throw new Error(`the page asked for addresses outside 127.0.0.1: ${outside.join(', ')}`);
    return { loads, operations: [...bodies.entries()].map(([name, body]) => ({ name, body })) };
  } finally {
    await context.close();
  }
}

export async function benchConsoleOverview(): Promise<ConsoleOverviewResult> {
  const dataDir = lakeDir();
  const marker = requireLake(dataDir);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\` (or set CL_CHROMIUM)`);
  const rounds = Number(process.env.CL_BENCH_OVERVIEW_RUNS ?? 7);
  // the lake's last 30 whole days, as the page's window fields give them (from and to both included)
  const to = new Date(marker.endDayMs - DAY_MS).toISOString().slice(0, 10);
  const from = new Date(marker.endDayMs - 30 * DAY_MS).toISOString().slice(0, 10);
  const hash = `#/overview?from=${from}&to=${to}`;
  const loadStart = os.loadavg();
  const servers: Record<ServerName, ServeProcess> = {
    shipped: await startServe(dataDir),
    noResultCache: await startServe(dataDir, { env: { COMPLIANCE_LAKE_QUERY_CACHE: 'off' } }),
  };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-domain-reliability'],
  });
  try {
    // the page first (its first load on each server is the cold one: footers not read yet, nothing kept)
    const page = {} as ConsoleOverviewResult['page'];
    let operations: Operation[] = [];
    for (const name of ['noResultCache', 'shipped'] as ServerName[]) {
      log(`page on the ${name} server, ${rounds} loads`);
      const r = await loadPage(browser, servers[name], hash, rounds);
      operations = r.operations;
      const firstData = timing(r.loads.map((l) => l.firstDataMs));
      const complete = r.loads.every((l) => l.failed.length === 0);
      page[name] = { loads: r.loads, firstData, allData: timing(r.loads.map((l) => l.allDataMs)), targetMet: complete && firstData.medianMs <= TARGET_FIRST_DATA_MS };
      log(`${name}: first data ${r.loads.map((l) => Math.round(l.firstDataMs)).join(', ')} ms; all ${r.loads.map((l) => Math.round(l.allDataMs)).join(', ')} ms`);
    }
    // the four sections' queries, and the shell's Viewer (app.js asks who is signed in before drawing a page)
    if (operations.length < SECTIONS.length) throw new Error(`the overview sent ${operations.length} operations (${operations.map((o) => o.name).join(', ')}), expected at least ${SECTIONS.length}`);
    log(`operations: ${operations.map((o) => o.name).join(', ')}`);

    const times = new Map<string, Record<ServerName, number[]>>(operations.map((o) => [o.name, { shipped: [], noResultCache: [] }]));
    for (const o of operations) for (const name of Object.keys(servers) as ServerName[]) await post(servers[name].url, o.body); // warm-up
    for (let i = 0; i < rounds; i++) {
      const order = operations.map((_, k) => operations[(k + i) % operations.length]);
      const serverOrder: ServerName[] = i % 2 === 0 ? ['noResultCache', 'shipped'] : ['shipped', 'noResultCache'];
      for (const o of order) for (const name of serverOrder) times.get(o.name)![name].push(await post(servers[name].url, o.body));
    }
    const result: ConsoleOverviewResult = {
      dataDir,
      lake: lakeSummary(marker),
      window: { from, to },
      operations: operations.map((o) => {
        const t = times.get(o.name)!;
        const timings = { shipped: timing(t.shipped), noResultCache: timing(t.noResultCache) };
        return {
          name: o.name,
          variables: (JSON.parse(o.body) as { variables: unknown }).variables,
          timings,
          targetMet: { shipped: errors.length === 0 && timings.shipped.medianMs <= TARGET_OPERATION_MS, noResultCache: errors.length === 0 && timings.noResultCache.medianMs <= TARGET_OPERATION_MS },
        };
      }),
      page,
      targets: { operationMsAtMost: TARGET_OPERATION_MS, firstDataMsAtMost: TARGET_FIRST_DATA_MS },
      loadAverage: { start: loadStart, end: os.loadavg() },
      errors,
    };
    for (const o of result.operations) log(`${o.name}: median ${Math.round(o.timings.noResultCache.medianMs)} ms without the result cache, ${Math.round(o.timings.shipped.medianMs)} ms as shipped`);
    return result;
  } finally {
    await browser.close();
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}
