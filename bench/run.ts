// Runs the benchmarks (all, or those named on the command line) and writes each result as JSON under
// bench/results/ (git-ignored); BENCHMARKS.md quotes them. Usage: npm run bench [-- simulator-page client-throughput]
// (also sync-throughput, sync-memory, sync-rate-budget, lake-bytes; and, by name only, lake-generate, graphql-query,
// models-refresh, graphql-memory, baselines, full-sync-large, detections, alert-latency, graphql-alerts, iceberg-refresh, siem-events, siem-forward,
// publish, freshness, console-overview; see BENCHMARKS.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchAlertLatency } from './alert-latency.js';
import { benchBaselines } from './baselines.js';
import { benchClientThroughput } from './client-throughput.js';
import { benchConsoleOverview } from './console-overview.js';
import { benchDetections } from './detections.js';
import { benchFreshness } from './freshness.js';
import { benchFullSyncLarge } from './full-sync-large.js';
import { benchLakeBytes } from './lake-bytes.js';
import { benchLakeGenerate } from './lake-generate.js';
import { benchGraphqlMemory } from './graphql-memory.js';
import { benchGraphqlAlerts } from './graphql-alerts.js';
import { benchGraphqlQuery } from './graphql-query.js';
import { benchIcebergRefresh } from './iceberg-refresh.js';
import { benchModelsRefresh } from './models-refresh.js';
import { benchPublish } from './publish.js';
import { benchSimulatorPage } from './simulator-page.js';
import { benchSyncMemory } from './sync-memory.js';
import { benchSyncRateBudget } from './sync-rate-budget.js';
import { benchSyncThroughput } from './sync-throughput.js';
import { benchSiemEvents, benchSiemForward } from './siem.js';

const BENCHES: Record<string, () => Promise<unknown>> = {
  'simulator-page': () => benchSimulatorPage(),
  'client-throughput': () => benchClientThroughput(),
  'sync-throughput': () => benchSyncThroughput(),
  'sync-memory': () => benchSyncMemory(),
  'sync-rate-budget': () => benchSyncRateBudget(),
  'lake-bytes': () => benchLakeBytes(),
  'lake-generate': () => benchLakeGenerate(),
  'graphql-query': () => benchGraphqlQuery(),
  'models-refresh': () => benchModelsRefresh(Number(process.env.CL_BENCH_REFRESH_RUNS ?? 3)),
  'graphql-memory': () => benchGraphqlMemory(),
  baselines: () => benchBaselines(),
  'full-sync-large': () => benchFullSyncLarge(),
  detections: () => benchDetections(),
  'alert-latency': () => benchAlertLatency(),
  'graphql-alerts': () => benchGraphqlAlerts(),
  'siem-events': () => benchSiemEvents(),
  'siem-forward': () => benchSiemForward(),
  'iceberg-refresh': () => benchIcebergRefresh(),
  publish: () => benchPublish(),
  freshness: () => benchFreshness(),
  'console-overview': () => benchConsoleOverview(),
};

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};

const names = process.argv.slice(2);
for (const name of names) {
  if (!(name in BENCHES)) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
}
const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
// The issue-4 benchmarks work on a large generated lake (tens of minutes): they run only when named.
const BY_NAME_ONLY = new Set(['freshness', 'console-overview', 'siem-events', 'siem-forward', 'iceberg-refresh', 'graphql-alerts', 'alert-latency', 'detections', 'full-sync-large', 'lake-generate', 'graphql-query', 'models-refresh', 'graphql-memory', 'baselines', 'publish']);
for (const name of names.length ? names : Object.keys(BENCHES).filter((n) => !BY_NAME_ONLY.has(n))) {
  process.stdout.write(`== ${name}\n`);
  const result = await BENCHES[name]();
  const record = { bench: name, at: new Date().toISOString(), machine, result };
  writeFileSync(`${resultsDir}${name}.json`, JSON.stringify(record, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
