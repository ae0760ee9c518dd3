// `compliance-lake simulate`: a local Compliance API on loopback, for tests, demos and benchmarks.
import { FAULT_PROFILES, RATE_LIMIT_SHOULD_RETRY, type RateLimitShouldRetry, SimClock, createSimulator } from '../simulator/server/app.js';
import type { KeySpec } from '../simulator/server/app.js';
import { createTenant } from '../simulator/tenant/index.js';
import { parseScenarioList, scenarioHorizonDays } from '../simulator/tenant/scenarios.js';
import { ConfigError, intOption, timeOption } from './config.js';

export interface SimulateFlags {
  port?: string;
  host?: string;
  seed?: string;
  apiKey?: string;
  adminKey?: string;
  activitiesPerDay?: string;
  horizonDays?: string;
  live?: boolean;
  lateShare?: string;
  faults?: string;
  rpm?: string;
  latencyMs?: string;
  timestampStyle?: string;
  now?: string;
  users?: string;
  groups?: string;
  chats?: string;
  projects?: string;
  /** `x-should-retry` on 429s: false (as the real API), true, or none. */
  rateLimitShouldRetry?: string;
  /** Attack scenarios: all, none or a comma-separated list (scenarios.ts). */
  scenarios?: string;
}

/** Keys the simulator accepts when none are given: documented, local-only, never valid anywhere else. */
export const DEFAULT_SIM_API_KEY = 'sk-ant-api01-simulator-local-only-key';
export const DEFAULT_SIM_ADMIN_KEY = 'sk-ant-admin01-simulator-local-only-key';

export const SIM_DEFAULTS = { port: 8787, seed: 1, activitiesPerDay: 2000, horizonDays: 30, rpm: 600, lateShare: 0 };

export function simulatorFromFlags(flags: SimulateFlags) {
  const apiKey = flags.apiKey ?? DEFAULT_SIM_API_KEY;
  const adminKey = flags.adminKey ?? DEFAULT_SIM_ADMIN_KEY;
  if (!apiKey.startsWith('sk-ant-api01-')) throw new ConfigError('--api-key must start with sk-ant-api01- (a Compliance Access Key)');
  if (!adminKey.startsWith('sk-ant-admin01-')) throw new ConfigError('--admin-key must start with sk-ant-admin01- (an Admin API key)');
  const style = flags.timestampStyle ?? 'z';
  if (style !== 'z' && style !== 'reference') throw new ConfigError(`--timestamp-style must be "z" or "reference"; got "${style}"`);
  const lateShare = flags.lateShare === undefined ? (flags.live ? 0.01 : 0) : Number(flags.lateShare);
  if (!(lateShare >= 0 && lateShare <= 1)) throw new ConfigError(`--late-share must be between 0 and 1; got "${flags.lateShare}"`);
  if (flags.faults !== undefined && !(flags.faults in FAULT_PROFILES)) {
    throw new ConfigError(`--faults: unknown profile "${flags.faults}"; known: ${Object.keys(FAULT_PROFILES).join(', ')}`);
  }
  const shouldRetry = flags.rateLimitShouldRetry ?? 'false';
  if (!(RATE_LIMIT_SHOULD_RETRY as readonly string[]).includes(shouldRetry)) {
    throw new ConfigError(`--rate-limit-should-retry must be one of ${RATE_LIMIT_SHOULD_RETRY.join(', ')}; got "${shouldRetry}"`);
  }
  const startMs = timeOption('--now', flags.now) ?? Math.floor(Date.now() / 1000) * 1000;
  let scenarios: string[] | undefined;
  try {
    scenarios = flags.scenarios === undefined ? undefined : parseScenarioList(flags.scenarios);
  } catch (err) {
    throw new ConfigError(`--scenarios: ${(err as Error).message}`);
  }
  const horizonDays = intOption('--horizon-days', flags.horizonDays, SIM_DEFAULTS.horizonDays, 1);
  if (scenarios && horizonDays < scenarioHorizonDays(scenarios.length)) {
    throw new ConfigError(
      `--scenarios: ${scenarios.length} scenarios are played two days apart and need --horizon-days ${scenarioHorizonDays(scenarios.length)} or more (got ${horizonDays}); or pass --scenarios none and play them on demand with POST /_sim/scenarios`,
    );
  }
  const tenant = createTenant({
    seed: intOption('--seed', flags.seed, SIM_DEFAULTS.seed),
    startMs,
    horizonDays,
    activitiesPerDay: intOption('--activities-per-day', flags.activitiesPerDay, SIM_DEFAULTS.activitiesPerDay),
    live: Boolean(flags.live),
    lateShare,
    timestampStyle: style,
    users: flags.users === undefined ? undefined : intOption('--users', flags.users, 0, 1),
    groups: flags.groups === undefined ? undefined : intOption('--groups', flags.groups, 0, 1),
    chats: flags.chats === undefined ? undefined : intOption('--chats', flags.chats, 0, 0),
    projects: flags.projects === undefined ? undefined : intOption('--projects', flags.projects, 0, 0),
    scenarios,
  });
  const keys: KeySpec[] = [
    { key: apiKey, kind: 'compliance', name: 'simulator compliance key' },
    { key: adminKey, kind: 'admin', name: 'simulator admin key' },
  ];
  const sim = createSimulator({
    tenant,
    keys,
    rpm: intOption('--rpm', flags.rpm, SIM_DEFAULTS.rpm),
    faults: flags.faults,
    latencyMs: intOption('--latency-ms', flags.latencyMs, 0),
    rateLimitShouldRetry: shouldRetry as RateLimitShouldRetry,
    // The clock starts at the tenant's "now", so --now in the past serves that moment's history.
    clock: new SimClock(startMs),
  });
  return { sim, tenant, apiKey, adminKey, startMs };
}

export async function runSimulate(flags: SimulateFlags): Promise<void> {
  const { sim, apiKey, adminKey, tenant } = simulatorFromFlags(flags);
  const port = intOption('--port', flags.port, SIM_DEFAULTS.port);
  const host = flags.host ?? '127.0.0.1';
  const server = await listenOrExplain(sim, port, host);
  const lines = [
    `Compliance API simulator listening on ${server.url}`,
    `  feed from ${new Date(tenant.epochStartMs).toISOString()}${flags.live ? ' (live: new activities keep arriving)' : ''}`,
    `  compliance key (every read scope): ${apiKey}`,
    `  admin key (activity feed only):    ${adminKey}`,
    `  try: curl -H "x-api-key: ${apiKey}" "${server.url}/v1/compliance/activities?limit=2"`,
    `  control endpoints (loopback only): ${server.url}/_sim/health, /_sim/truth/activities, /_sim/faults, /_sim/clock${tenant.scenarios ? ', /_sim/scenarios, /_sim/truth/alerts' : ''}`,
  ];
  // these are the simulator's own local keys, printed on purpose so a developer can call it
  process.stdout.write(lines.join('\n') + '\n');
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Starts the loopback server, turning "port in use" and "not allowed" into messages that say what to do. */
export async function listenOrExplain(sim: ReturnType<typeof createSimulator>, port: number, host: string) {
  try {
    return await sim.listen(port, host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`port ${port} on ${host} is already in use; pass --port with a free port (0 picks one)`);
    if (code === 'EACCES') throw new ConfigError(`not allowed to listen on ${host}:${port}; use a port above 1024`);
    if (code === 'EADDRNOTAVAIL') throw new ConfigError(`cannot listen on ${host}: no such local address`);
    throw err;
  }
}
