// createSimulator: the simulated Compliance API as one request handler, an in-process fetch and a loopback server.
import { DEFAULT_REQUESTS_PER_MINUTE } from '../../api/limits.js';
import type { Tenant } from '../model.js';
import { type CompatOptions, DEFAULT_COMPAT, KeyRegistry, type KeySpec, type RegisteredKey, requireScope } from './auth.js';
import { SimClock } from './clock.js';
import { handleControl, isLoopback } from './control.js';
import { ApiError, type ErrorType, MESSAGES, notFound } from './errors.js';
import { FaultInjector, type TransportFault } from './faults.js';
import { Vanisher } from './vanish.js';
import { requestIdFor } from './ids.js';
import { type ListeningServer, listenNode } from './node-adapter.js';
import { Query } from './params.js';
import { RateLimiter, rateLimitHeaders, retryAfterSeconds } from './rate-limit.js';
import { baseHeaders, bytesResponse, errorResponse, jsonResponse } from './responses.js';
import { type RouteContext, matchRoute } from './router.js';
import { ServerCache } from './routes/shared.js';
import { toFetch } from './in-process.js';

export { SimClock } from './clock.js';
export type { KeySpec } from './auth.js';
export type { FaultRule, FaultKind } from './faults.js';
export { FAULT_PROFILES } from './faults.js';

export interface SimRequest {
  method: string;
  /** Path and query, as on the request line. */
  url: string;
  /** Lowercased names. */
  headers: Record<string, string | undefined>;
  remoteAddress: string;
  /** Request body (control endpoints read JSON from it). */
  body?: string;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text. A response made with `bytesResponse` decodes its bytes here only when read (tests do). */
  body: string;
  /**
   * The body as UTF-8 bytes when the route wrote it so (a 5000-activity page): the transports send these as they
   * are, so the page is never a string that would be encoded again (BENCHMARKS.md, "Simulator page at 50 M").
   */
  bytes?: Buffer;
  /** What the transport must do instead of (or before) sending the response normally. */
  fault?: 'reset' | 'truncate' | { delayMs: number };
  /** A streamed body (downloads) instead of `body`; sent chunked, pulled as the client reads. */
  stream?: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface SimulatorOptions {
  tenant: Tenant;
  keys: KeySpec[];
  /** Shared budget per parent organization; default 600, 0 = unlimited (no ratelimit headers then). */
  rpm?: number;
  /** Fault profile name (faults.ts FAULT_PROFILES); default none. */
  faults?: string;
  /** Seed of the fault decisions; default 1. */
  faultSeed?: number;
  /** Default: real time. Pass `new SimClock(startMs)` so the tenant's history is visible. */
  clock?: SimClock;
  compat?: Partial<CompatOptions>;
  /** Added to every /v1/compliance response (the real API takes ~1–5 s, compliance-api.md §1.1). */
  latencyMs?: number;
  /**
   * `x-should-retry` on 429s. Default `'false'`: the real API sends it on every 4xx, its 429 included, while the
   * 429's message says to retry after `retry-after` (compliance-api.md §6.1, §6.2). `'true'` sends true,
   * `'none'` sends no header.
   */
  rateLimitShouldRetry?: RateLimitShouldRetry;
  /**
   * Delay before a call's `compliance_api_accessed` activity becomes visible. The tenant's feed sets its own
   * (default 1000 ms); when given here it overrides the feed's value.
   */
  selfEventDelayMs?: number;
  /** The remote-session endpoints' own budget per minute, on top of the shared one (compliance-api.md §6.3); default 300, 0 = none. */
  remoteSessionRpm?: number;
}

export type RateLimitShouldRetry = 'false' | 'true' | 'none';
export const RATE_LIMIT_SHOULD_RETRY: readonly RateLimitShouldRetry[] = ['false', 'true', 'none'];

export interface SimulatorStats {
  /** Requests to /v1/compliance (control requests are not counted). */
  requests_total: number;
  by_status: Record<string, number>;
  /** Keyed by route pattern (`/v1/compliance/groups/{group_id}`); unknown paths under `other`. */
  by_path_prefix: Record<string, number>;
  /** Requests refused by the shared budget (injected 429s are counted in faults_injected). */
  rate_limited: number;
  faults_injected: number;
  window: { limit: number; remaining: number; reset: string } | null;
  /** Authenticated requests in each 60-s window that saw any, oldest first (admitted or refused). */
  requests_per_minute: number[];
  windows: { start: string; requests: number; rate_limited: number }[];
}

export interface Simulator {
  handle(req: SimRequest): Promise<SimResponse>;
  /** In-process fetch: Request → SimRequest → Response, faults included. */
  fetch: typeof fetch;
  listen(port: number, host?: string): Promise<ListeningServer>;
  clock: SimClock;
  tenant: Tenant;
  stats(): SimulatorStats;
  /** Registers (or replaces) a key; returns its `apikey_…` id. */
  addKey(spec: KeySpec): string;
  faults: FaultInjector;
  setRateLimit(rpm: number): void;
}

const REMOTE_SESSIONS = '/v1/compliance/apps/sessions/remote';
const DEFAULT_REMOTE_SESSION_RPM = 300;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Internals the control endpoints reach. */
export interface SimulatorInternals {
  tenant: Tenant;
  clock: SimClock;
  keys: KeyRegistry;
  limiter: RateLimiter;
  faults: FaultInjector;
  vanish: Vanisher;
  stats(): SimulatorStats;
}

class SimulatorImpl implements Simulator {
  readonly clock: SimClock;
  readonly tenant: Tenant;
  readonly faults: FaultInjector;
  /** Entities deleted between a list and its child call (vanish.ts). */
  readonly vanish = new Vanisher();
  readonly fetch: typeof fetch;
  private readonly keys: KeyRegistry;
  private readonly limiter: RateLimiter;
  private readonly remoteLimiter: RateLimiter;
  private readonly compat: CompatOptions;
  private readonly cache = new ServerCache();
  private readonly seed: number;
  private counter = 0;
  private readonly counts = { total: 0, rateLimited: 0, byStatus: new Map<number, number>(), byPath: new Map<string, number>() };

  constructor(private readonly opts: SimulatorOptions) {
    this.tenant = opts.tenant;
    this.clock = opts.clock ?? new SimClock();
    this.keys = new KeyRegistry(opts.keys);
    this.limiter = new RateLimiter(opts.rpm ?? DEFAULT_REQUESTS_PER_MINUTE);
    this.remoteLimiter = new RateLimiter(opts.remoteSessionRpm ?? DEFAULT_REMOTE_SESSION_RPM);
    this.compat = { ...DEFAULT_COMPAT, ...opts.compat };
    this.seed = opts.faultSeed ?? 1;
    this.faults = new FaultInjector(this.seed, opts.faults);
    this.fetch = toFetch((req) => this.handle(req));
  }

  addKey(spec: KeySpec): string {
    return this.keys.register(spec).id;
  }

  setRateLimit(rpm: number): void {
    this.limiter.setRpm(rpm);
  }

  listen(port: number, host = '127.0.0.1'): Promise<ListeningServer> {
    return listenNode((req) => this.handle(req), port, host);
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const n = ++this.counter;
    const requestId = requestIdFor(this.seed, n);
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const search = q < 0 ? '' : req.url.slice(q + 1);
    const nowMs = this.clock.now();

    if (path === '/_sim' || path.startsWith('/_sim/')) {
      // control endpoints carry no key, so they are bound to loopback instead
      if (!isLoopback(req.remoteAddress)) {
        return errorResponse(403, 'permission_error', 'Control endpoints are only served to loopback clients.', requestId, nowMs, {
          shouldRetry: false,
        });
      }
      return handleControl(this.internals(), req, path, search, requestId);
    }
    if (path !== '/v1/compliance' && !path.startsWith('/v1/compliance/')) {
      return errorResponse(404, 'not_found_error', MESSAGES.notFound, requestId, nowMs, { shouldRetry: false });
    }
    const res = this.handleApi(req, path, search, requestId, n, nowMs);
    if (this.opts.latencyMs) await sleep(this.opts.latencyMs);
    return res;
  }

  private handleApi(req: SimRequest, path: string, search: string, requestId: string, n: number, nowMs: number): SimResponse {
    const match = matchRoute(path);
    const pattern = match?.route.pattern ?? 'other';
    this.counts.total++;
    this.counts.byPath.set(pattern, (this.counts.byPath.get(pattern) ?? 0) + 1);
    const res = this.respondApi(req, path, search, requestId, n, nowMs, match);
    this.counts.byStatus.set(res.status, (this.counts.byStatus.get(res.status) ?? 0) + 1);
    return res;
  }

  private respondApi(
    req: SimRequest,
    path: string,
    search: string,
    requestId: string,
    n: number,
    nowMs: number,
    match: ReturnType<typeof matchRoute>,
  ): SimResponse {
    // 1. authentication: failures are rejected before the limiter, cost no quota and leave no activity (compliance-api.md §6.3)
    const auth = this.keys.authenticate(req.headers, nowMs, this.compat);
    if (!auth.ok) {
      if (auth.reason === 'missing' && this.compat.missingKey === 404) {
        return errorResponse(404, 'not_found_error', MESSAGES.notFound, requestId, nowMs, { shouldRetry: false });
      }
      if (auth.reason === 'expired') {
        // observed without request-id and x-should-retry headers (compliance-api.md §6.2, WIRE)
        return errorResponse(401, 'authentication_error', MESSAGES.expiredKey, null, nowMs, { bodyRequestId: null });
      }
      return errorResponse(401, 'authentication_error', MESSAGES.invalidKey, requestId, nowMs, {
        shouldRetry: false,
        bodyRequestId: null,
      });
    }
    const key = auth.key;

    // 2. the shared budget: every authenticated request counts, including ones that then fail (compliance-api.md §6.3)
    const admission = this.limiter.admit(nowMs);
    const rlHeaders = this.limiter.unlimited ? {} : rateLimitHeaders(admission);
    let res: SimResponse;
    if (!admission.allowed) {
      this.counts.rateLimited++;
      res = errorResponse(429, 'rate_limit_error', MESSAGES.rateLimited(this.limiter.limit), requestId, nowMs, {
        shouldRetry: this.rateLimitShouldRetry(),
        extraHeaders: { ...rlHeaders, 'retry-after': String(retryAfterSeconds(admission, nowMs)) },
      });
    } else if (match?.route.pattern.startsWith(REMOTE_SESSIONS) && !this.remoteLimiter.unlimited && !this.remoteLimiter.admit(nowMs).allowed) {
      // the remote-session budget: retry-after is always 1 (a floor), the ratelimit headers describe the shared budget
      this.counts.rateLimited++;
      res = errorResponse(429, 'rate_limit_error', MESSAGES.remoteSessionsRateLimited, requestId, nowMs, {
        shouldRetry: true,
        extraHeaders: { ...rlHeaders, 'retry-after': '1' },
      });
    } else {
      const fingerprint = `${req.method} ${req.url} ${key.id}`;
      const fault = this.faults.decide({ n, path, fingerprint });
      const injected = fault ? this.statusFault(fault, requestId, nowMs, rlHeaders) : undefined;
      if (injected) res = injected;
      else {
        res = this.route(req, search, requestId, nowMs, key, match, rlHeaders, { n, path, fingerprint });
        if (fault) res = applyTransportFault(res, fault);
      }
    }
    this.recordSelfEvent(req, path, search, requestId, nowMs, key, res.status);
    return res;
  }

  private route(
    req: SimRequest,
    search: string,
    requestId: string,
    nowMs: number,
    key: RegisteredKey,
    match: ReturnType<typeof matchRoute>,
    rlHeaders: Record<string, string>,
    faultRequest: { n: number; path: string; fingerprint: string },
  ): SimResponse {
    try {
      if (!match) throw notFound(MESSAGES.notFound);
      if (req.method !== 'GET') {
        // Only the read endpoints are simulated; other methods on their paths are refused (documented choice).
        throw new ApiError(405, 'invalid_request_error', `Method ${req.method} is not allowed on this endpoint; use GET.`);
      }
      requireScope(key, match.route.scope, this.compat);
      this.vanish.check(match.route.pattern, match.params);
      const ctx: RouteContext = {
        tenant: this.tenant,
        nowMs,
        query: new Query(search),
        params: match.params,
        pattern: match.route.pattern,
        pageFault: (kind) => this.faults.pageFault(kind, faultRequest),
        cache: this.cache,
        compat: this.compat,
      };
      const result = match.route.handler(ctx);
      if (result.bytes) return bytesResponse(result.status ?? 200, { ...baseHeaders(requestId, nowMs), ...rlHeaders, ...result.headers }, result.bytes);
      if (result.stream || result.text !== undefined) {
        const headers = { ...baseHeaders(requestId, nowMs), ...rlHeaders, ...result.headers };
        return { status: result.status ?? 200, headers, body: result.text ?? '', stream: result.stream };
      }
      result.body = this.vanish.afterList(match.route.pattern, result.body);
      // one stringify of the whole page: the 5000-activity page budget is ~50 ms
      const body = JSON.stringify(result.body);
      return jsonResponse(result.status ?? 200, body, { ...baseHeaders(requestId, nowMs), ...rlHeaders });
    } catch (err) {
      if (err instanceof ApiError) {
        const extra: Record<string, string> = { ...rlHeaders };
        if (err.status === 405) extra.allow = 'GET';
        return errorResponse(err.status, err.type, err.message, requestId, nowMs, {
          details: err.details,
          // a route's 503 (an upload in flight) is worth retrying; every 4xx is not
          shouldRetry: err.status >= 500,
          extraHeaders: extra,
        });
      }
      // a simulator bug: deterministic, so not worth retrying
      return errorResponse(500, 'api_error', `Internal server error: ${(err as Error).message}`, requestId, nowMs, {
        shouldRetry: false,
        extraHeaders: rlHeaders,
      });
    }
  }

  /** Injected status faults; transient ones invite a retry, `500-deterministic` forbids it (compliance-api.md §6.2). */
  private statusFault(fault: TransportFault, requestId: string, nowMs: number, rlHeaders: Record<string, string>): SimResponse | undefined {
    const table: Record<string, [number, ErrorType, string, boolean]> = {
      '429': [429, 'rate_limit_error', MESSAGES.rateLimited(this.limiter.limit || DEFAULT_REQUESTS_PER_MINUTE), true],
      '500': [500, 'api_error', 'Internal server error.', true],
      '500-deterministic': [500, 'api_error', 'Internal server error.', false],
      '502': [502, 'api_error', 'Bad gateway.', true],
      '503': [503, 'overloaded_error', 'The service is temporarily unavailable. Try again shortly.', true],
      '504': [504, 'timeout_error', 'Gateway timeout.', true],
      '529': [529, 'overloaded_error', 'Overloaded', true],
    };
    const entry = table[fault.kind];
    if (!entry) return undefined;
    const [status, type, message, transient] = entry;
    const retry = status === 429 ? this.rateLimitShouldRetry() : transient;
    const extra = { ...rlHeaders };
    // like the remote-session budget's 429: retry-after is a floor and the ratelimit headers describe the
    // shared budget (compliance-api.md §2.6, §6.3), so a client is not sent to sleep until the window resets
    if ('retryAfter' in fault && fault.retryAfter !== undefined) extra['retry-after'] = fault.retryAfter;
    return errorResponse(status, type, message, requestId, nowMs, { shouldRetry: retry, extraHeaders: extra });
  }

  private rateLimitShouldRetry(): boolean | undefined {
    const mode = this.opts.rateLimitShouldRetry ?? 'false';
    return mode === 'none' ? undefined : mode === 'true';
  }

  private recordSelfEvent(req: SimRequest, path: string, search: string, requestId: string, nowMs: number, key: RegisteredKey, status: number): void {
    const host = req.headers.host ?? '127.0.0.1';
    const activity = this.tenant.feed.recordApiAccess({
      nowMs,
      apiKeyId: key.id,
      requestId,
      url: `http://${host}${path}${search ? `?${search}` : ''}`,
      method: req.method,
      statusCode: status,
      ipAddress: req.remoteAddress.replace(/^::ffff:/, ''),
      userAgent: req.headers['user-agent'] ?? '',
    });
    // the feed checks visibleAt at scan time, so overriding it here is safe
    if (this.opts.selfEventDelayMs !== undefined) activity.visibleAt = nowMs + this.opts.selfEventDelayMs;
  }

  private internals(): SimulatorInternals {
    return { tenant: this.tenant, clock: this.clock, keys: this.keys, limiter: this.limiter, faults: this.faults, vanish: this.vanish, stats: () => this.stats() };
  }

  stats(): SimulatorStats {
    const nowMs = this.clock.now();
    const w = this.limiter.state(nowMs);
    const perMinute = this.limiter.perMinute().filter((m) => m.requests > 0);
    return {
      requests_total: this.counts.total,
      by_status: Object.fromEntries([...this.counts.byStatus].map(([s, c]) => [String(s), c])),
      by_path_prefix: Object.fromEntries(this.counts.byPath),
      rate_limited: this.counts.rateLimited,
      faults_injected: this.faults.injected,
      window: this.limiter.unlimited ? null : { limit: w.limit, remaining: w.remaining, reset: new Date(w.resetMs).toISOString() },
      requests_per_minute: perMinute.map((m) => m.requests),
      windows: perMinute.map((m) => ({ start: new Date(m.start).toISOString(), requests: m.requests, rate_limited: m.rateLimited })),
    };
  }
}

/** reset/truncate/slow go to the transport; invalid-json is a 200 whose body does not parse. */
function applyTransportFault(res: SimResponse, fault: TransportFault): SimResponse {
  switch (fault.kind) {
    case 'reset':
      return { ...res, fault: 'reset' };
    case 'truncate':
      return { ...res, fault: 'truncate' };
    case 'slow':
      return { ...res, fault: { delayMs: fault.delayMs } };
    case 'invalid-json':
      // a trailing comma before the closing brace: looks complete, does not parse (error bodies stay intact)
      return res.status === 200 && !res.stream ? { ...res, bytes: undefined, body: `${res.body.slice(0, -1)},}` } : res;
    default:
      return res;
  }
}

export function createSimulator(opts: SimulatorOptions): Simulator {
  return new SimulatorImpl(opts);
}
