// The /_sim/ control endpoints: clock, ground truth, keys, injected activities, stats, rate limit and faults.
import type { Activity } from '../../api/types.js';
import type { SimRequest, SimResponse, SimulatorInternals } from './app.js';
import type { KeySpec } from './auth.js';
import { ApiError, invalidRequest, notFound } from './errors.js';
import { FAULT_PROFILES, type FaultRule, validateRule } from './faults.js';
import { Query, parseTimestamp } from './params.js';
import { VANISH_KINDS, type VanishKind } from './vanish.js';
import { baseHeaders, errorResponse, jsonResponse } from './responses.js';

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

type Handler = (sim: SimulatorInternals, req: SimRequest, query: Query, body: Record<string, unknown>) => unknown;

const TRUTH_PARAMS: ReadonlySet<string> = new Set(['created_at.gte', 'created_at.gt', 'created_at.lte', 'created_at.lt']);

function parseInstant(value: unknown, field: string): number {
  const t = typeof value === 'string' ? parseTimestamp(value) : undefined;
  if (!t) throw invalidRequest(`\`${field}\` must be an RFC 3339 timestamp.`);
  return Math.floor(t.us / 1000);
}

function scenariosOf(sim: SimulatorInternals): NonNullable<SimulatorInternals['tenant']['scenarios']> {
  const scenarios = sim.tenant.scenarios;
  if (!scenarios) throw invalidRequest('This simulator has no attack scenarios: start it with --scenarios (a list, all, or none to play them on demand).');
  return scenarios;
}

const clockBody = (sim: SimulatorInternals) => {
  const now = sim.clock.now();
  return { now: new Date(now).toISOString(), now_ms: now };
};

const ENDPOINTS: Record<string, Partial<Record<string, Handler>>> = {
  '/_sim/health': {
    GET: (sim) => ({ status: 'ok', now: new Date(sim.clock.now()).toISOString() }),
  },
  '/_sim/clock': {
    GET: (sim) => clockBody(sim),
    POST: (sim, _req, _q, body) => {
      try {
        if (body.advance_ms !== undefined) {
          if (typeof body.advance_ms !== 'number') throw invalidRequest('`advance_ms` must be a number.');
          sim.clock.advance(body.advance_ms);
        }
        if (body.set !== undefined) sim.clock.set(parseInstant(body.set, 'set'));
      } catch (err) {
        if (err instanceof RangeError) throw invalidRequest(err.message);
        throw err;
      }
      return clockBody(sim);
    },
  },
  '/_sim/truth/activities': {
    // every activity visible now within the window: what a complete sync must have collected
    GET: (sim, _req, query) => {
      query.allowOnly(TRUTH_PARAMS);
      const range = query.timeRange('created_at');
      const found = sim.tenant.feed.scan({
        direction: 'forward',
        nowMs: sim.clock.now(),
        minUs: range.minUs,
        maxUs: range.maxUs,
        limit: Number.MAX_SAFE_INTEGER,
      });
      return { count: found.length, ids: found.map((a) => a.id) };
    },
  },
  '/_sim/truth/memberships': {
    GET: (sim) => ({ data: sim.tenant.directory.membershipHistory(sim.clock.now()) }),
  },
  // attack scenarios (detections.md §6): what each played scenario must raise, and playing one on demand
  '/_sim/truth/alerts': {
    GET: (sim) => ({ data: scenariosOf(sim).played }),
  },
  '/_sim/scenarios': {
    GET: (sim) => ({ ids: scenariosOf(sim).ids, played: scenariosOf(sim).played.map((p) => ({ scenario: p.scenario, at: p.at })) }),
    POST: (sim, _req, _q, body) => {
      const scenarios = scenariosOf(sim);
      if (typeof body.id !== 'string' || !scenarios.ids.includes(body.id)) {
        throw invalidRequest(`\`id\` must be one of ${scenarios.ids.join(', ')}.`);
      }
      const now = sim.clock.now();
      const at = body.at === undefined ? now : parseInstant(body.at, 'at');
      return scenarios.play(body.id, at, now);
    },
  },
  '/_sim/keys': {
    POST: (sim, _req, _q, body) => {
      if (typeof body.key !== 'string' || (body.kind !== 'compliance' && body.kind !== 'admin')) {
        throw invalidRequest('`key` (string) and `kind` ("compliance" | "admin") are required.');
      }
      if (body.scopes !== undefined && !(Array.isArray(body.scopes) && body.scopes.every((s) => typeof s === 'string'))) {
        throw invalidRequest('`scopes` must be an array of strings.');
      }
      const spec: KeySpec = {
        key: body.key,
        kind: body.kind,
        scopes: body.scopes as string[] | undefined,
        isActive: body.is_active === undefined ? true : Boolean(body.is_active),
        expiresAt: typeof body.expires_at === 'string' ? body.expires_at : null,
        name: typeof body.name === 'string' ? body.name : undefined,
      };
      try {
        const key = sim.keys.register(spec);
        return {
          id: key.id,
          kind: key.kind,
          scopes: key.scopes,
          is_active: key.isActive,
          expires_at: key.expiresAtMs === null ? null : new Date(key.expiresAtMs).toISOString(),
        };
      } catch (err) {
        throw invalidRequest((err as Error).message);
      }
    },
  },
  '/_sim/activities': {
    POST: (sim, _req, _q, body) => {
      if (!Array.isArray(body.records)) throw invalidRequest('`records` must be an array of activities.');
      const visibleAt = body.visible_at === undefined ? sim.clock.now() : parseInstant(body.visible_at, 'visible_at');
      try {
        const added = sim.tenant.feed.inject(body.records as Activity[], visibleAt);
        return { count: added.length, ids: added.map((a) => a.id) };
      } catch (err) {
        throw invalidRequest((err as Error).message);
      }
    },
  },
  '/_sim/stats': {
    GET: (sim) => sim.stats(),
  },
  '/_sim/rate-limit': {
    GET: (sim) => ({ rpm: sim.limiter.limit }),
    POST: (sim, _req, _q, body) => {
      if (typeof body.rpm !== 'number' || !Number.isInteger(body.rpm) || body.rpm < 0) {
        throw invalidRequest('`rpm` must be a non-negative integer (0 = unlimited).');
      }
      sim.limiter.setRpm(body.rpm);
      return { rpm: sim.limiter.limit };
    },
  },
  // {"kind": "group" | "role" | "project", "count"?: n}: the next n lists of that kind each give up their first
  // entity as they are served, so the child call that follows answers 404 (src/simulator/server/vanish.ts)
  '/_sim/vanish': {
    GET: (sim) => sim.vanish.config(),
    POST: (sim, _req, _q, body) => {
      if (!VANISH_KINDS.includes(body.kind as VanishKind)) throw invalidRequest(`\`kind\` must be one of ${VANISH_KINDS.join(', ')}.`);
      if (body.count !== undefined && !(typeof body.count === 'number' && Number.isInteger(body.count) && body.count > 0)) {
        throw invalidRequest('`count` must be a positive integer.');
      }
      sim.vanish.arm(body.kind as VanishKind, (body.count as number | undefined) ?? 1);
      return sim.vanish.config();
    },
    DELETE: (sim) => {
      sim.vanish.clear();
      return sim.vanish.config();
    },
  },
  '/_sim/faults': {
    GET: (sim) => ({ ...sim.faults.config(), profiles: Object.keys(FAULT_PROFILES) }),
    POST: (sim, _req, _q, body) => {
      if (body.rules !== undefined) {
        if (!Array.isArray(body.rules)) throw invalidRequest('`rules` must be an array.');
        for (const rule of body.rules) {
          const problem = validateRule(rule);
          if (problem) throw invalidRequest(problem);
        }
        sim.faults.setRules(body.rules as FaultRule[]);
      } else if (typeof body.profile === 'string') {
        if (!FAULT_PROFILES[body.profile]) {
          throw invalidRequest(`Unknown fault profile "${body.profile}". Known: ${Object.keys(FAULT_PROFILES).join(', ')}.`);
        }
        sim.faults.setProfile(body.profile);
      } else {
        throw invalidRequest('Send `{"profile": name}` or `{"rules": [...]}`.');
      }
      return sim.faults.config();
    },
    DELETE: (sim) => {
      sim.faults.clear();
      return sim.faults.config();
    },
  },
};

export function handleControl(sim: SimulatorInternals, req: SimRequest, path: string, search: string, requestId: string): SimResponse {
  const nowMs = sim.clock.now();
  try {
    const endpoint = ENDPOINTS[path];
    if (!endpoint) throw notFound(`No control endpoint ${path}.`);
    const handler = endpoint[req.method];
    if (!handler) throw new ApiError(405, 'invalid_request_error', `Method ${req.method} is not allowed on ${path}.`);
    let body: Record<string, unknown> = {};
    if (req.body && req.body.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.body);
      } catch {
        throw invalidRequest('The request body is not valid JSON.');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidRequest('The request body must be a JSON object.');
      body = parsed as Record<string, unknown>;
    }
    const result = handler(sim, req, new Query(search), body);
    return jsonResponse(200, JSON.stringify(result), baseHeaders(requestId, sim.clock.now()));
  } catch (err) {
    if (err instanceof ApiError) {
      const extra: Record<string, string> = err.status === 405 ? { allow: Object.keys(ENDPOINTS[path] ?? {}).join(', ') } : {};
      return errorResponse(err.status, err.type, err.message, requestId, nowMs, { shouldRetry: false, details: err.details, extraHeaders: extra });
    }
    return errorResponse(500, 'api_error', `Internal server error: ${(err as Error).message}`, requestId, nowMs, { shouldRetry: false });
  }
}
