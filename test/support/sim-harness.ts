// Harness for running the real ComplianceClient against the real simulator: a small frozen-clock tenant,
// a sleep that moves the simulator's clock instead of waiting, both transports (in-process fetch and
// loopback HTTP), ground truth from /_sim/, and a logger that keeps every line for the secret checks.
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { ComplianceClient, type ComplianceClientOptions, type RequestInfo } from '../../src/api/index.js';
import { type Simulator, type SimulatorOptions, SimClock, createSimulator } from '../../src/simulator/server/app.js';
import { type SyntheticTenant, type TenantOptions, createTenant } from '../../src/simulator/tenant/index.js';

export const MINUTE = 60_000;
/** The tenant's start: its generated history ends here. */
export const START = Date.parse('2026-11-01T00:00:00Z');
/** The simulator's frozen clock: five minutes after START, so every generated activity (indexed within a minute) is visible. */
export const NOW = START + 5 * MINUTE;
/** Upper bound that keeps our own `compliance_api_accessed` activities (created at NOW or later) out of a walk. */
export const BEFORE_NOW = new Date(NOW).toISOString();

/** Distinctive keys: each carries a marker that must never surface in an error or a log line. */
export const KEYS = {
  full: 'sk-ant-api01-CLSIM-full-Zq9vX2LkP07wR4tY-do-not-leak',
  admin: 'sk-ant-admin01-CLSIM-admin-Hh3Jk8Mn2Bq5Vc6X-do-not-leak',
  neighbour: 'sk-ant-api01-CLSIM-neighbour-Ww7Ee1Rr6Tt0Pp4L-do-not-leak',
  unknown: 'sk-ant-api01-CLSIM-unknown-Yy4Uu9Ii3Oo2Aa8S-do-not-leak',
  /** No Anthropic prefix: only exact-secret redaction, not the `sk-ant-` pattern, can hide this one. */
  unprefixed: 'clsim-plain-secret-Gg5Ff2Dd9Ss1Kk7J',
} as const;

/** The keys and their distinctive middles (a partial leak would show these). */
export const SECRET_MARKERS: string[] = [
  ...Object.values(KEYS),
  'Zq9vX2LkP07wR4tY',
  'Hh3Jk8Mn2Bq5Vc6X',
  'Ww7Ee1Rr6Tt0Pp4L',
  'Yy4Uu9Ii3Oo2Aa8S',
  'Gg5Ff2Dd9Ss1Kk7J',
];

export interface SimSetup {
  tenant?: Partial<TenantOptions>;
  /**
   * Reuse a tenant (its generated feed stays warm). Safe for walks bounded by `created_at.lt` = BEFORE_NOW:
   * the only thing simulators add to a tenant is their own `compliance_api_accessed` activities, created at NOW or later.
   */
  shared?: SyntheticTenant;
  sim?: Partial<Omit<SimulatorOptions, 'tenant' | 'clock' | 'keys'>>;
}

/** A small tenant: 3 days × 2000 activities/day, about 6 000 activities. */
export function makeTenant(options: Partial<TenantOptions> = {}): SyntheticTenant {
  return createTenant({
    seed: 7,
    startMs: START,
    horizonDays: 3,
    activitiesPerDay: 2000,
    live: false,
    lateShare: 0,
    timestampStyle: 'z',
    ...options,
  });
}

/** A simulator on a frozen clock at NOW, with the keys of KEYS (except `unknown`). */
export function makeSim(setup: SimSetup = {}): Simulator {
  const tenant = setup.shared ?? makeTenant(setup.tenant);
  return createSimulator({
    tenant,
    clock: new SimClock(NOW, { frozen: true }),
    keys: [
      { key: KEYS.full, kind: 'compliance' },
      { key: KEYS.admin, kind: 'admin' },
      { key: KEYS.neighbour, kind: 'compliance' },
      { key: KEYS.unprefixed, kind: 'compliance' },
    ],
    ...setup.sim,
  });
}

/**
 * `now`/`sleep` for the client that read and move the simulator's frozen clock: sleeping jumps the clock to
 * the wake-up time, so rate windows, retry-after and backoff all pass without real waiting. Concurrent
 * sleepers to the same instant move the clock once.
 */
export function simTime(sim: Simulator): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    now: () => sim.clock.now(),
    sleep: async (ms: number) => {
      slept.push(ms);
      const target = sim.clock.now() + Math.max(0, ms);
      await Promise.resolve();
      if (target > sim.clock.now()) sim.clock.set(target);
    },
  };
}

export type TransportKind = 'in-process' | 'loopback';
export const TRANSPORTS: TransportKind[] = ['in-process', 'loopback'];

export interface Transport {
  kind: TransportKind;
  baseUrl: string;
  fetch: typeof fetch;
  close(): Promise<void>;
}

/** In-process: the simulator's own fetch. Loopback: a node:http server on 127.0.0.1 and the global fetch. */
export async function connect(sim: Simulator, kind: TransportKind): Promise<Transport> {
  if (kind === 'in-process') return { kind, baseUrl: 'http://sim.test', fetch: sim.fetch, close: async () => {} };
  const server = await sim.listen(0, '127.0.0.1');
  return { kind, baseUrl: server.url, fetch: globalThis.fetch, close: () => server.close() };
}

/** A /_sim/ control request through the same transport the client uses. */
export async function control(t: Transport, method: string, path: string, body?: unknown): Promise<any> {
  const res = await t.fetch(`${t.baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: any = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

/** Ground truth: the ids of every visible activity in (created_at, id) ascending order, optionally bounded. */
export async function truthIds(t: Transport, query = ''): Promise<string[]> {
  const json = await control(t, 'GET', `/_sim/truth/activities${query ? `?${query}` : ''}`);
  expect(json.count).toBe(json.ids.length);
  return json.ids as string[];
}

export interface CapturedLogs {
  logger: NonNullable<ComplianceClientOptions['logger']>;
  lines: string[];
}

/** A logger that renders every call (object and message, errors included) into `lines`. */
export function captureLogger(): CapturedLogs {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push(`${level} ${msg ?? ''} ${inspect(obj, { depth: 8, breakLength: Infinity })}`);
    };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

export interface ClientHarness {
  client: ComplianceClient;
  logs: CapturedLogs;
  /** Every attempt as the client reported it. */
  requests: RequestInfo[];
  time: ReturnType<typeof simTime>;
}

/** A client on `t` with the full key, simulated time, deterministic jitter, captured logs and attempts. */
export function makeClient(sim: Simulator, t: Transport, options: Partial<ComplianceClientOptions> = {}): ClientHarness {
  const logs = captureLogger();
  const requests: RequestInfo[] = [];
  const time = simTime(sim);
  const client = new ComplianceClient({
    apiKey: KEYS.full,
    baseUrl: t.baseUrl,
    fetch: t.fetch,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    logger: logs.logger,
    onRequest: (info) => requests.push(info),
    ...options,
  });
  return { client, logs, requests, time };
}

/** Every page of a walk. */
export async function allPages<P>(walk: AsyncIterable<P>): Promise<P[]> {
  const pages: P[] = [];
  for await (const page of walk) pages.push(page);
  return pages;
}

/** The ids of every record of every page, in walk order (duplicates kept). */
export function idsOf(pages: { data: readonly { id: string }[] }[]): string[] {
  return pages.flatMap((p) => p.data.map((r) => r.id));
}

/** Runs `fn` and returns what it threw; fails the test if it did not throw. */
export async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure, but the call succeeded');
}

/** Every surface an error exposes to a caller, a log pipeline or a crash report. */
export function errorSurfaces(err: unknown): string[] {
  const e = err as Error & { cause?: unknown };
  const cause = e.cause as (Error & { stack?: string }) | undefined;
  return [
    String(e.message),
    String(e.stack),
    JSON.stringify(err),
    String(e.cause),
    String(cause?.stack ?? ''),
    inspect(err, { depth: 8 }),
  ];
}

/** No key (nor its distinctive middle) in any of `texts`. */
export function expectNoSecrets(texts: readonly string[], what: string): void {
  for (const text of texts) {
    for (const secret of SECRET_MARKERS) {
      if (text.includes(secret)) throw new Error(`${what} leaks a secret (${secret.slice(0, 18)}…): ${text.slice(0, 400)}`);
    }
  }
}

/** One request as seen on the wire, next to the client: what the server answered and when (simulator clock). */
export interface Exchange {
  at: number;
  url: string;
  status: number | null;
  requestId: string | null;
  retryAfter: string | null;
  reset: string | null;
  remaining: string | null;
  shouldRetry: string | null;
  /** Set when no response arrived. */
  error?: string;
}

/** Wraps a fetch to record every exchange (it never alters a request or a response). */
export function recordingFetch(inner: typeof fetch, now: () => number): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const at = now();
    const url = input instanceof Request ? input.url : String(input);
    try {
      const res = await inner(input, init);
      const h = (name: string) => res.headers.get(name);
      exchanges.push({
        at,
        url,
        status: res.status,
        requestId: h('request-id'),
        retryAfter: h('retry-after'),
        reset: h('anthropic-ratelimit-requests-reset'),
        remaining: h('anthropic-ratelimit-requests-remaining'),
        shouldRetry: h('x-should-retry'),
      });
      return res;
    } catch (err) {
      exchanges.push({ at, url, status: null, requestId: null, retryAfter: null, reset: null, remaining: null, shouldRetry: null, error: String(err) });
      throw err;
    }
  };
  return { fetch: fn as typeof fetch, exchanges };
}
