// The compliance-lake command line: every command (src/cli/main.ts loads this module for all but `sync`); parses
// flags, runs one command, and turns every failure into a message that says what went wrong and what to do (never
// a secret, never a bare stack trace: src/cli/fail.ts).
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_GRAPHQL_PORT, type TlsFiles } from '../graphql/server.js';
import { type Command, Option } from 'commander';
import { stderrLogger } from './log.js';
import { ComplianceClient, type Logger } from '../api/index.js';
import { DEFAULTS, intOption, loadConnection, loadTlsFiles, timeOption, type TlsFlags } from './config.js';
import { SIM_DEFAULTS, listenOrExplain, runSimulate, simulatorFromFlags, type SimulateFlags } from './simulate.js';
import { formatSummary, requestTracker, smokeWalk } from './smoke.js';
import { newProgram, registerSyncCommand } from './sync-command.js';
import { clearProgress, fail } from './fail.js';
import { registerLakeCommands } from './lake-commands.js';
import { registerModelsCommands } from './models-commands.js';
import { registerServeCommands, tlsOptions } from './serve-commands.js';
import { DEMO_SCHEDULES, startDaemon } from '../scheduler/daemon.js';
import { loadDetections } from '../detections/config.js';
import { parseDestinations } from '../delivery/config.js';
import { join, resolve } from 'node:path';
import { type Stoppable, playAttacks, watchAlerts } from './demo-alerts.js';
import { registerRunCommands } from './run-commands.js';
import { registerDetectionsCommands } from './detections-commands.js';
import { registerSiemCommands } from './siem-commands.js';
import { registerEngineCommands } from './engine-commands.js';
import { registerPublishCommands } from './publish-commands.js';
import { acquireLock } from '../lake/lock.js';
import { rebuildState } from '../state/index.js';

const program = newProgram();

function simulatorOptions(cmd: Command, defaultPort: number): Command {
  return cmd
    .option('--port <n>', `port on 127.0.0.1 (0 picks a free one)`, String(defaultPort))
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'tenant seed: same seed, same data', String(SIM_DEFAULTS.seed))
    .option('--api-key <key>', 'Compliance Access Key to accept (every read scope); default a fixed local-only key')
    .option('--admin-key <key>', 'Admin API key to accept (activity feed only); default a fixed local-only key')
    .option('--activities-per-day <n>', 'average feed volume', String(SIM_DEFAULTS.activitiesPerDay))
    .option('--horizon-days <n>', 'history length in days (up to 2192, six years)', String(SIM_DEFAULTS.horizonDays))
    .option('--users <n>', 'organization size (default scales with volume)')
    .option('--groups <n>', 'number of groups (default scales with users, at most 500)')
    .option('--chats <n>', 'number of chats (default scales with volume, at most 50 000)')
    .option('--projects <n>', 'number of projects (default scales with users, at most 2 000)')
    .option('--live', 'the clock follows real time and new activities keep arriving')
    .option('--late-share <fraction>', 'share of activities indexed late (default 0.01 live, 0 otherwise)')
    .option('--faults <profile>', 'fault profile: none, rate-limit-burst, server-errors, resets, slow, truncated, invalid-json, duplicate-boundary, phantom-has-more, empty-has-more, full-no-more, chaos')
    .option('--rpm <n>', 'shared rate limit per parent organization (0 = unlimited)', String(SIM_DEFAULTS.rpm))
    .option('--latency-ms <n>', 'added to every API response', '0')
    .addOption(
      new Option('--rate-limit-should-retry <value>', 'x-should-retry header on 429s: false as the real API sends, true, or none (no header)')
        .choices(['false', 'true', 'none'])
        .default('false'),
    )
    .addOption(new Option('--timestamp-style <style>', 'z: 2026-01-01T00:00:00Z; reference: +00:00 with microseconds').choices(['z', 'reference']))
    .option('--now <time>', "the tenant's present (RFC 3339); default the real time")
    .option('--scenarios <ids>', 'attack scenarios to play (detections.md §6): all, none (on demand only) or a comma-separated list');
}

simulatorOptions(program.command('simulate'), SIM_DEFAULTS.port)
  .description('run a local Compliance API (a seeded synthetic tenant) until interrupted')
  .action(async (flags: SimulateFlags) => {
    await runSimulate(flags);
  });

tlsOptions(simulatorOptions(program.command('demo'), 0))
  .description('the whole thing on the embedded default: a live simulator, the daemon syncing it, models, and the GraphQL API')
  .option('--data-dir <dir>', 'where the demo lake goes (a later demo continues it)', './data/demo')
  .option('--graphql-port <n>', 'GraphQL port on 127.0.0.1 (0 picks a free one)', String(DEFAULT_GRAPHQL_PORT))
  .option('--metrics-port <n>', '/healthz, /readyz and /metrics port (0 picks a free one)', '0')
  .option('--once', 'exit after the first answer (for scripts and tests)')
  .option('--attack-every <seconds>', 'play an attack in the simulator this often, and print its alert when it fires (0 = never)', '120')
  .action(async (flags: SimulateFlags & TlsFlags & { dataDir: string; graphqlPort: string; metricsPort: string; once?: boolean; attackEvery: string }) => {
    flags.live = flags.live ?? true;
    const tls = loadTlsFiles(flags);
    // the scenario organization exists so that attacks can be played "now" (detections.md §6)
    flags.scenarios = flags.scenarios ?? 'none';
    const attackEveryMs = intOption('--attack-every', flags.attackEvery, 120) * 1000;
    const detections = loadDetections({ dataDir: flags.dataDir });
    const baseDir = resolve(flags.dataDir);
    const destinations = parseDestinations(detections.file.destinations ?? [{ name: 'demo-file', type: 'ndjson', path: 'alerts.ndjson' }], {
      knownRules: detections.rules.map((r) => r.id),
      baseDir,
    });
    const { sim, apiKey, tenant } = simulatorFromFlags(flags);
    const demoLog = stderrLogger('warn').logger;
    const server = await listenOrExplain(sim, intOption('--port', flags.port, 0), flags.host ?? '127.0.0.1');
    out(`Compliance API simulator (live) on ${server.url} (seed ${flags.seed}, history from ${iso(tenant.epochStartMs)})`);
    const token = process.env.COMPLIANCE_LAKE_GRAPHQL_TOKEN ?? randomBytes(18).toString('hex');
    const writeToken = process.env.COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN ?? randomBytes(18).toString('hex');
    out(`Starting the daemon: sync every stream into ${flags.dataDir}, build the models, serve GraphQL ...`);
    const daemon = await startDaemon({
      dataDir: flags.dataDir,
      apiKey,
      baseUrl: server.url,
      requestsPerMinute: intOption('--rpm', flags.rpm, SIM_DEFAULTS.rpm),
      // the demo's schedules are short so that new activity shows up within half a minute
      schedules: DEMO_SCHEDULES,
      graphql: { port: intOption('--graphql-port', flags.graphqlPort, DEFAULT_GRAPHQL_PORT), host: '127.0.0.1', token, writeToken, tls, secureCookie: flags.secureCookie === true },
      health: { port: intOption('--metrics-port', flags.metricsPort, 0), host: '127.0.0.1' },
      detections: { config: detections.config, rules: detections.rules },
      destinations,
      logger: demoLog,
    });
    const watchers: Stoppable[] = [];
    const stop = async () => {
      for (const w of watchers) w.stop();
      await daemon.close();
      await server.close();
    };
    try {
      const started = Date.now();
      while (!daemon.status().ready) {
        if (Date.now() - started > 5 * 60_000) throw new Error(`the daemon did not become ready: ${daemon.status().readyReason ?? 'unknown'}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      out(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
      out(`GraphQL:  ${daemon.url}`);
      out(`Console:  ${new URL('/', daemon.url).href}   (sign in with the token below; GraphiQL at /explorer)`);
      out(`Token:    ${token}   (demo only; set COMPLIANCE_LAKE_GRAPHQL_TOKEN to choose one)`);
      out(`Write:    ${writeToken}   (for acknowledgeAlert / resolveAlert; set COMPLIANCE_LAKE_GRAPHQL_WRITE_TOKEN to choose one)`);
      out(`Health:   ${daemon.healthUrl}/readyz   Metrics: ${daemon.healthUrl}/metrics\n`);
      out(await demoAnswer(daemon.url, token, tls));
      out(`\nTry it:\n  curl -s ${daemon.url}${tls ? ` --cacert ${flags.tlsCert}` : ''} -H 'authorization: Bearer ${token}' -H 'content-type: application/json' \\\n    -d '${JSON.stringify({ query: DEMO_QUERY.replace(/\s+/g, ' ').trim() })}'`);
      out(`\nThe simulator keeps producing activity and the daemon syncs it every 10 s; run the query again to see it.`);
      out(`Analysts: npx compliance-lake sql "select category, count(*) from marts.activities group by all" --data-dir ${flags.dataDir}`);
      out(
        `\nDetections: ${detections.config.enabled.length} rules evaluated after each model refresh; alerts go to ${destinations.map((d) => d.name).join(', ')}` +
          `${detections.file.destinations === undefined ? ` (${join(baseDir, 'alerts.ndjson')})` : ''}.`,
      );
      if (flags.once) return;
      if (attackEveryMs > 0) {
        out(`The simulator plays an attack every ${attackEveryMs / 1000} s (the first in a few seconds); each alert is printed here when it fires.`);
        watchers.push(playAttacks(server.url, attackEveryMs, out, demoLog));
      }
      watchers.push(watchAlerts(daemon.url, token, out, demoLog));
      out(`Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    } finally {
      await stop();
    }
  });

const DEMO_QUERY = `{
  syncStatus { streams { stream cursorTime lagSeconds records } }
  activities(first: 3) { totalCount edges { node { createdAt type actor { email } } } }
  activityCounts(by: DAY, filter: { categories: ["admin"] }) { bucket count }
}`;

/** Asks the demo's GraphQL API what a new user would ask first, and prints the answer briefly. */
async function demoAnswer(url: string, token: string, tls: TlsFiles | null): Promise<string> {
  const { status, text } = await postOwnServer(url, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ query: DEMO_QUERY }), tls);
  const body = JSON.parse(text) as { data?: any; errors?: { message: string }[] };
  if (status !== 200 || body.errors?.length) throw new Error(`the example query failed: ${body.errors?.map((e) => e.message).join('; ') ?? status}`);
  const d = body.data;
  const activityStream = d.syncStatus.streams.find((s: any) => s.stream === 'activities');
  const admin = (d.activityCounts as { bucket: string; count: number }[]).reduce((n, b) => n + b.count, 0);
  return [
    `Example query (syncStatus, the newest activities, admin actions per day):`,
    `  ${d.activities.totalCount} activities; synced up to ${activityStream?.cursorTime ?? '-'} (lag ${Math.round(activityStream?.lagSeconds ?? 0)} s)`,
    ...d.activities.edges.map((e: any) => `  ${e.node.createdAt}  ${e.node.type}  ${e.node.actor?.email ?? ''}`),
    `  ${admin} admin actions over ${d.activityCounts.length} days`,
  ].join('\n');
}

/** POSTs to the demo's own server; over HTTPS it trusts exactly the certificate it was given (a self-signed one
 * names no address, so the certificate itself, not its name, is what is checked). */
function postOwnServer(url: string, headers: Record<string, string>, body: string, tls: TlsFiles | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const options = tls ? { method: 'POST', headers, ca: tls.cert, checkServerIdentity: () => undefined } : { method: 'POST', headers };
    const req = (tls ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

program
  .command('smoke')
  .description('walk the activity feed of a Compliance API (the real one, or any implementation) and print what was read')
  .option('--base-url <url>', 'API origin (env COMPLIANCE_API_BASE_URL; default https://api.anthropic.com)')
  .option('--api-key-file <file>', 'file holding the key (default env ANTHROPIC_COMPLIANCE_API_KEY)')
  .option('--rpm <n>', 'client-side budget, requests per minute (0 = no pacing)', '600')
  .option('--max-pages <n>', 'stop after this many activity pages', '5')
  .option('--limit <n>', 'activities per page (1-5000)', '1000')
  .option('--since <time>', 'only activities created at or after this RFC 3339 time')
  .option('--directory', 'also count organizations, users and groups (needs the directory scopes)')
  .option('--max-retries <n>', 'retries per request after the first attempt', '5')
  .action(async (flags: { baseUrl?: string; apiKeyFile?: string; rpm?: string; maxPages?: string; limit?: string; since?: string; directory?: boolean; maxRetries?: string }) => {
    const conn = loadConnection(flags);
    for (const w of conn.warnings) process.stderr.write(`compliance-lake: warning: ${w}\n`);
    const since = timeOption('--since', flags.since);
    const track = requestTracker();
    const client = new ComplianceClient({
      apiKey: conn.apiKey,
      baseUrl: conn.baseUrl,
      requestsPerMinute: conn.requestsPerMinute,
      maxRetries: intOption('--max-retries', flags.maxRetries, 5),
      onRequest: track.onRequest,
      logger: retryLogger,
    });
    out(`Reading ${client.baseUrl}/v1/compliance/activities ...`);
    const summary = await smokeWalk({
      client,
      limit: intOption('--limit', flags.limit, 1000, 1),
      maxPages: intOption('--max-pages', flags.maxPages, 5, 1),
      since: since === undefined ? undefined : new Date(since),
      directory: Boolean(flags.directory),
      onPage: progress,
    });
    clearProgress();
    out(formatSummary(summary, track.counts));
  });

registerSyncCommand(program);

program
  .command('state')
  .description('the state store (data/state.sqlite)')
  .command('rebuild')
  .description('rebuild the state store from the manifests (the old one is kept as a backup)')
  .option('--data-dir <dir>', 'data dir', DEFAULTS.dataDir)
  .action((flags: { dataDir: string }) => {
    const lock = acquireLock(flags.dataDir, 'state rebuild');
    try {
      const r = rebuildState(flags.dataDir);
      out(`rebuilt ${flags.dataDir}/state.sqlite from ${r.entries} manifest entries (${r.files} files)${r.backup ? `; the old store is at ${r.backup}` : ''}`);
    } finally {
      lock.release();
    }
  });

registerLakeCommands(program);
registerModelsCommands(program);
registerServeCommands(program);
registerRunCommands(program);
registerDetectionsCommands(program);
registerSiemCommands(program);
registerEngineCommands(program);
registerPublishCommands(program);

/** Says on stderr when a request is retried, so a slow failure is never silent. */
const retryLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => {
    if (msg !== 'compliance api: retrying') return;
    clearProgress();
    const status = obj.status === null ? '' : ` (HTTP ${String(obj.status)})`;
    process.stderr.write(`  retrying ${String(obj.path)}: ${String(obj.reason)}${status}; attempt ${Number(obj.attempt) + 1} in ${(Number(obj.waitMs) / 1000).toFixed(1)} s\n`);
  },
  error: () => {},
};

function out(text: string): void {
  process.stdout.write(text + '\n');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function progress(pages: number, records: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r  ${pages} pages, ${records} activities`);
}

process.on('unhandledRejection', fail);
program.parseAsync(process.argv).catch(fail);
