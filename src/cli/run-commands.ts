// `run`: the daemon. Syncs on cron schedules (UTC), refreshes the models after each sync that committed data,
// serves GraphQL, and /healthz, /readyz, /metrics on a second port, until SIGTERM or SIGINT; then it stops
// gracefully (see src/scheduler/daemon.ts) and exits 0. Settings are validated before anything starts.
import { stderrLogger } from './log.js';
import type { Command } from 'commander';
import { DEFAULT_GRAPHQL_HOST, DEFAULT_GRAPHQL_PORT, GraphqlServerConfigError, TOKEN_ENV, WRITE_TOKEN_ENV } from '../graphql/server.js';
import { DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, HealthServerListenError } from '../scheduler/health-server.js';
import { DEFAULT_SCHEDULES, DEFAULT_SHUTDOWN_TIMEOUT_MS, DaemonConfigError, type ScheduledJobName, startDaemon } from '../scheduler/daemon.js';
import { cronProblem } from '../scheduler/scheduler.js';
import { ConfigError, DEFAULTS, intOption, loadTlsFiles, type TlsFlags } from './config.js';
import { loadGraphqlToken, loadGraphqlWriteToken, tlsOptions } from './serve-commands.js';
import { loadDetections } from '../detections/config.js';
import { parseDestinations } from '../delivery/config.js';
import { parseForwardConfig } from '../siem/forward-config.js';
import { dirname, join, resolve } from 'node:path';
import { daemonPublish } from '../publish/config.js';
import { CONFIG_FILE, durationOption, resolveSyncConfig, type SyncFlags } from './sync.js';

interface RunFlags extends Omit<SyncFlags, 'until' | 'quiet'>, TlsFlags {
  port?: string;
  host?: string;
  tokenFile?: string;
  writeTokenFile?: string;
  metricsPort?: string;
  metricsHost?: string;
  activitiesEvery?: string;
  directoryEvery?: string;
  chatsEvery?: string;
  reconcileAt?: string;
  shutdownTimeout?: string;
  quiet?: boolean;
}

/** Each schedule flag and the job it drives. */
const SCHEDULE_FLAGS: readonly { flag: string; key: keyof RunFlags; job: ScheduledJobName; what: string }[] = [
  { flag: '--activities-every', key: 'activitiesEvery', job: 'activities', what: 'sync the activity feed' },
  { flag: '--directory-every', key: 'directoryEvery', job: 'directory', what: 'snapshot organizations, organization_settings, users, roles, role_permissions, groups, group_members' },
  { flag: '--chats-every', key: 'chatsEvery', job: 'content', what: 'sync chats, projects and project_attachments' },
  { flag: '--reconcile-at', key: 'reconcileAt', job: 'reconcile', what: 're-read the last --reconcile-days closed days (once per UTC day)' },
];

export function registerRunCommands(program: Command): Command {
  const cmd = program
    .command('run')
    .description('the daemon: sync on schedules, refresh the models after each sync, serve GraphQL and /healthz, /readyz, /metrics; stops gracefully on SIGTERM')
    .option('--data-dir <dir>', 'where the lake, manifests, state and warehouse live (default ./data)')
    .option('--config <file>', 'settings file (default <data-dir>/compliance-lake.config.json when present)')
    .option('--base-url <url>', 'API origin (env COMPLIANCE_API_BASE_URL; default https://api.anthropic.com)')
    .option('--api-key-file <file>', 'file holding the key (default env ANTHROPIC_COMPLIANCE_API_KEY)')
    .option('--streams <list>', 'comma-separated streams to keep in sync (default every one the key can read); jobs with none of them are not scheduled')
    .option('--since <time>', 'first run: backfill from this RFC 3339 time (default: as far back as the feed goes)')
    .option('--overlap <duration>', `re-read window behind the cursor each run, e.g. 10m (default ${DEFAULTS.overlapMs / 60_000}m)`)
    .option('--reconcile-days <n>', `closed days the daily reconciliation re-reads, 0 = none (default ${DEFAULTS.reconcileDays})`)
    .option('--rpm <n>', `client-side budget shared by every job, requests per minute, 0 = no pacing (default ${DEFAULTS.requestsPerMinute})`)
    .option('--max-retries <n>', `retries per request after the first attempt (default ${DEFAULTS.maxRetries})`)
    .option('--compact-max-files <n>', `compact a partition once it holds more files than this, 0 = never (default ${DEFAULTS.compactMaxFiles})`)
    .option('--port <n>', 'GraphQL port (0 picks a free one)', String(DEFAULT_GRAPHQL_PORT))
    .option('--host <addr>', 'GraphQL address; anything but loopback needs a token', DEFAULT_GRAPHQL_HOST)
    .option('--token-file <file>', `file holding the GraphQL bearer token (default env ${TOKEN_ENV})`)
    .option('--write-token-file <file>', `file holding the separate token acknowledgeAlert, resolveAlert and reopenAlert need (default env ${WRITE_TOKEN_ENV}; none: no changes)`);
  tlsOptions(cmd)
    .option('--metrics-port <n>', '/healthz, /readyz and /metrics port (0 picks a free one)', String(DEFAULT_METRICS_PORT))
    .option('--metrics-host <addr>', '/healthz, /readyz and /metrics address', DEFAULT_METRICS_HOST);
  for (const s of SCHEDULE_FLAGS) cmd.option(`${s.flag} <cron>`, `when to ${s.what} (UTC cron, 5 fields or 6 with seconds)`, DEFAULT_SCHEDULES[s.job]);
  cmd
    .option('--shutdown-timeout <duration>', 'on SIGTERM, how long the running job may take to finish before it is abandoned', `${DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000}s`)
    .option('--quiet', 'log warnings and errors only')
    .action(async (flags: RunFlags) => {
      await runDaemon(flags);
    });
  return program;
}

async function runDaemon(flags: RunFlags): Promise<void> {
  const schedules: Partial<Record<ScheduledJobName, string>> = {};
  for (const s of SCHEDULE_FLAGS) {
    const expression = String(flags[s.key] ?? DEFAULT_SCHEDULES[s.job]);
    const problem = cronProblem(expression);
    if (problem) throw new ConfigError(`${s.flag}: "${expression}" is not a valid cron expression (${problem}); e.g. "*/5 * * * *", or "*/10 * * * * *" with seconds`);
    schedules[s.job] = expression;
  }
  const shutdownTimeoutMs = durationOption('--shutdown-timeout', flags.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT_MS);
  const port = intOption('--port', flags.port, DEFAULT_GRAPHQL_PORT);
  const metricsPort = intOption('--metrics-port', flags.metricsPort, DEFAULT_METRICS_PORT);
  for (const [name, value] of [['--port', port], ['--metrics-port', metricsPort]] as const) {
    if (value > 65_535) throw new ConfigError(`${name} must be at most 65535; got ${value}`);
  }
  const config = resolveSyncConfig(flags);
  if (config.untilMs !== undefined) throw new ConfigError('until: a daemon keeps reading up to the present; remove "until" from the config file (use `compliance-lake sync --until` for a bounded run)');
  const token = loadGraphqlToken(flags);
  const writeToken = loadGraphqlWriteToken(flags);
  const tls = loadTlsFiles(flags);
  // detections.md §2: rules, their parameters and the destinations are checked before anything starts
  const detections = loadDetections({ dataDir: config.dataDir, config: flags.config });
  const destinations = parseDestinations(detections.file.destinations, {
    knownRules: detections.rules.map((r) => r.id),
    baseDir: flags.config ? dirname(resolve(flags.config)) : config.dataDir,
  });
  // schema/ocsf.md §5: the opt-in forward job, validated here too
  const forward = parseForwardConfig(detections.file.forward, { baseDir: flags.config ? dirname(resolve(flags.config)) : config.dataDir });

  const publish = daemonPublish(config.dataDir, flags.config);
  const { log, logger } = stderrLogger(flags.quiet ? 'warn' : 'info');
  for (const w of config.warnings) log.warn({}, w);

  // Listening from here on: a signal during start-up stops the daemon as soon as it has started.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  let daemon;
  try {
    daemon = await startDaemon({
      dataDir: config.dataDir,
      apiKey: config.apiKey,
      baseUrl: config.baseUrl,
      requestsPerMinute: config.requestsPerMinute,
      maxRetries: config.maxRetries,
      streams: config.streams,
      overlapMs: config.overlapMs,
      reconcileDays: config.reconcileDays,
      sinceMs: config.sinceMs,
      compactMaxFiles: config.compactMaxFiles,
      schedules,
      graphql: { port, host: flags.host ?? DEFAULT_GRAPHQL_HOST, token, writeToken, tls, secureCookie: flags.secureCookie === true, configPath: flags.config ?? join(config.dataDir, CONFIG_FILE) },
      health: { port: metricsPort, host: flags.metricsHost ?? DEFAULT_METRICS_HOST },
      shutdownTimeoutMs,
      detections: { config: detections.config, rules: detections.rules },
      destinations,
      forward,
      publish,
      logger,
    });
  } catch (err) {
    if (err instanceof GraphqlServerConfigError || err instanceof HealthServerListenError || err instanceof DaemonConfigError) throw new ConfigError(err.message);
    throw err;
  }
  const out = (text: string) => process.stdout.write(text + '\n');
  out(`GraphQL API on ${daemon.url} (${daemon.authenticated ? 'clients send "Authorization: Bearer <token>"' : 'no token configured: loopback only, without authentication'})`);
  out(`Console on ${new URL('/', daemon.url).href}; GraphiQL on ${new URL('/explorer', daemon.url).href}`);
  out(`Health and metrics on ${daemon.healthUrl}/healthz, /readyz, /metrics`);
  out(`Detections: ${detections.config.enabled.length} rule(s) enabled, evaluated after each model refresh; alerts delivered to ${destinations.length ? destinations.map((d) => `${d.name} (${d.type})`).join(', ') : 'no destination (none configured)'}`);
  if (publish) out(`Publish: to s3://${publish.settings.target.bucket}/${publish.settings.target.prefix} on "${publish.schedule}" (UTC)`);
  out(`Schedules (UTC): ${Object.entries(daemon.status().schedules).map(([job, expr]) => `${job} "${expr}"`).join(', ')}; every stream syncs once now.`);

  const signal = await stopSignal;
  // A second signal means "now": exit at once; whatever a cut run left is quarantined by the next start.
  const force = (second: NodeJS.Signals) => {
    log.warn({ signal: second }, 'run: second signal, exiting without waiting');
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  log.info({ signal }, 'run: shutting down');
  await daemon.close();
  process.exit(0);
}
