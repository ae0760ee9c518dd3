// Fault injection: named profiles and precise rules, decided deterministically from a seed and the request counter.
import { hash32 } from '../tenant/random.js';

export const TRANSPORT_FAULT_KINDS = [
  '429',
  '500',
  '502',
  '503',
  '504',
  '529',
  '500-deterministic',
  'reset',
  'slow',
  'truncate',
  'invalid-json',
] as const;
/**
 * Page faults (compliance-api.md §7.2, §2.7): `duplicate-boundary` repeats the cursor's item; `phantom-has-more`
 * makes a terminal page claim more; `empty-has-more` serves an empty page claiming more in place of a real one;
 * `full-no-more` makes a full page claim the end while more follow; `corrupt-bytes` flips one byte of a download's
 * body while its headers describe the true bytes.
 */
export const PAGE_FAULT_KINDS = ['duplicate-boundary', 'phantom-has-more', 'empty-has-more', 'full-no-more', 'corrupt-bytes'] as const;

export type TransportFaultKind = (typeof TRANSPORT_FAULT_KINDS)[number];
export type PageFaultKind = (typeof PAGE_FAULT_KINDS)[number];
export type FaultKind = TransportFaultKind | PageFaultKind;

export interface FaultRule {
  kind: FaultKind;
  /** Fire on at most this many matching requests (alone: the next N matching requests). */
  count?: number;
  /** Fire on every Nth matching request (with `burst`: the last `burst` of every N). */
  every?: number;
  burst?: number;
  /** Fire with this probability; never twice in a row for the same request, so one retry succeeds. */
  probability?: number;
  /** Only requests whose path starts with this. */
  path?: string;
  /** `slow`: the delay; default a seeded 1–3 s. */
  delayMs?: number;
  /** `retry-after` value for 429/5xx (seconds or an HTTP date); 429 default "1". */
  retryAfter?: string;
}

export interface FaultConfig {
  profile: string | null;
  seed: number;
  rules: (FaultRule & { fired: number; remaining: number | null })[];
}

/** What the app must do to one response. */
export type TransportFault =
  | { kind: '429' | '500' | '502' | '503' | '504' | '529' | '500-deterministic'; retryAfter?: string }
  | { kind: 'reset' | 'truncate' | 'invalid-json' }
  | { kind: 'slow'; delayMs: number };

const p = (kind: FaultKind, probability: number): FaultRule => ({ kind, probability });

/** Profiles name a mix of rules; probabilities are per request to /v1/compliance. */
export const FAULT_PROFILES: Record<string, FaultRule[]> = {
  none: [],
  // Bursts of three consecutive 429s with `retry-after: 1`, every 20 requests.
  'rate-limit-burst': [{ kind: '429', every: 20, burst: 3, retryAfter: '1' }],
  'server-errors': [p('500', 0.025), p('502', 0.025), p('503', 0.025), p('529', 0.025)],
  resets: [p('reset', 0.1)],
  slow: [p('slow', 0.1)],
  truncated: [p('truncate', 0.1)],
  'invalid-json': [p('invalid-json', 0.1)],
  'duplicate-boundary': [p('duplicate-boundary', 0.5)],
  'phantom-has-more': [p('phantom-has-more', 0.5)],
  // never twice in a row, so the client's one confirming request meets the truth (a full page that has more
  // behind it is rarer than a page, hence every 2nd of those)
  'empty-has-more': [{ kind: 'empty-has-more', every: 4 }],
  'full-no-more': [{ kind: 'full-no-more', every: 2 }],
  chaos: [
    { kind: '429', every: 50, burst: 2, retryAfter: '1' },
    p('500', 0.01),
    p('502', 0.01),
    p('503', 0.01),
    p('504', 0.005),
    p('529', 0.01),
    p('reset', 0.02),
    p('slow', 0.01),
    p('truncate', 0.02),
    p('invalid-json', 0.02),
    p('duplicate-boundary', 0.15),
    p('phantom-has-more', 0.15),
  ],
};

const ALL_KINDS: ReadonlySet<string> = new Set([...TRANSPORT_FAULT_KINDS, ...PAGE_FAULT_KINDS]);
const isPageKind = (k: FaultKind): k is PageFaultKind => (PAGE_FAULT_KINDS as readonly string[]).includes(k);

/** Checks a rule from the control endpoint; returns an error message or undefined. */
export function validateRule(rule: unknown): string | undefined {
  if (!rule || typeof rule !== 'object') return 'each rule must be an object';
  const r = rule as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !ALL_KINDS.has(r.kind)) return `unknown fault kind ${JSON.stringify(r.kind)}`;
  for (const f of ['count', 'every', 'burst', 'delayMs'] as const) {
    if (r[f] !== undefined && !(Number.isInteger(r[f]) && (r[f] as number) >= 0)) return `${f} must be a non-negative integer`;
  }
  if (r.every !== undefined && (r.every as number) < 1) return 'every must be at least 1';
  if (r.probability !== undefined && !(typeof r.probability === 'number' && r.probability >= 0 && r.probability <= 1)) {
    return 'probability must be between 0 and 1';
  }
  if (r.path !== undefined && typeof r.path !== 'string') return 'path must be a string';
  if (r.retryAfter !== undefined && typeof r.retryAfter !== 'string') return 'retryAfter must be a string';
  return undefined;
}

/** Uniform [0, 1) from integers: the same seed and counter always draw the same. */
function draw(...parts: number[]): number {
  return hash32(...parts) / 4294967296;
}

interface RuleState {
  rule: FaultRule;
  matched: number;
  fired: number;
}

/** The request being decided: its place in the counter, its path, and what identifies a retry of it. */
export interface FaultRequest {
  n: number;
  path: string;
  fingerprint: string;
}

/** Up to this many recently faulted requests are remembered to keep probabilistic faults transient. */
const RECENT_LIMIT = 4096;

export class FaultInjector {
  private profile: string | null = null;
  private states: RuleState[] = [];
  /** Requests whose previous attempt got a probabilistic fault: their next attempt goes through. */
  private readonly recentlyFaulted = new Set<string>();
  injected = 0;

  constructor(
    private readonly seed: number,
    profile?: string,
  ) {
    if (profile) this.setProfile(profile);
  }

  setProfile(name: string): void {
    const rules = FAULT_PROFILES[name];
    if (!rules) throw new Error(`unknown fault profile "${name}"; known: ${Object.keys(FAULT_PROFILES).join(', ')}`);
    this.profile = name;
    this.states = rules.map((rule) => ({ rule: { ...rule }, matched: 0, fired: 0 }));
  }

  setRules(rules: FaultRule[]): void {
    for (const r of rules) {
      const problem = validateRule(r);
      if (problem) throw new Error(problem);
    }
    this.profile = null;
    this.states = rules.map((rule) => ({ rule: { ...rule }, matched: 0, fired: 0 }));
  }

  clear(): void {
    this.profile = null;
    this.states = [];
    this.recentlyFaulted.clear();
  }

  config(): FaultConfig {
    return {
      profile: this.profile,
      seed: this.seed,
      rules: this.states.map((s) => ({
        ...s.rule,
        fired: s.fired,
        remaining: s.rule.count === undefined ? null : Math.max(0, s.rule.count - s.fired),
      })),
    };
  }

  /** At most one transport fault per request: the first rule that fires wins. */
  decide(req: FaultRequest): TransportFault | undefined {
    let fault: TransportFault | undefined;
    let probabilistic = false;
    this.states.forEach((s, index) => {
      if (isPageKind(s.rule.kind) || !this.matches(s, req)) return;
      if (fault) return;
      const fires = this.fires(s, req, index);
      if (!fires) return;
      s.fired++;
      probabilistic = s.rule.probability !== undefined;
      fault = this.toFault(s.rule, req, index);
    });
    if (fault && probabilistic) this.remember(req.fingerprint);
    else if (!fault) this.recentlyFaulted.delete(req.fingerprint);
    if (fault) this.injected++;
    return fault;
  }

  /** Asked by a route when a page fault could apply to this response (a cursor page, a terminal page). */
  pageFault(kind: PageFaultKind, req: FaultRequest): boolean {
    let fired = false;
    this.states.forEach((s, index) => {
      if (fired || s.rule.kind !== kind || !this.matches(s, req)) return;
      if (!this.fires(s, req, index)) return;
      s.fired++;
      fired = true;
    });
    if (fired) this.injected++;
    return fired;
  }

  private matches(s: RuleState, req: FaultRequest): boolean {
    if (s.rule.path !== undefined && !req.path.startsWith(s.rule.path)) return false;
    s.matched++;
    return true;
  }

  private fires(s: RuleState, req: FaultRequest, index: number): boolean {
    const { rule } = s;
    if (rule.count !== undefined && s.fired >= rule.count) return false;
    if (rule.every !== undefined) {
      const burst = Math.min(rule.burst ?? 1, rule.every);
      return (s.matched - 1) % rule.every >= rule.every - burst;
    }
    if (rule.probability !== undefined) {
      if (this.recentlyFaulted.has(req.fingerprint)) return false;
      return draw(this.seed, req.n, index, 1) < rule.probability;
    }
    return true;
  }

  private toFault(rule: FaultRule, req: FaultRequest, index: number): TransportFault {
    switch (rule.kind) {
      case 'slow':
        return { kind: 'slow', delayMs: rule.delayMs ?? 1000 + Math.floor(draw(this.seed, req.n, index, 2) * 2000) };
      case 'reset':
      case 'truncate':
      case 'invalid-json':
        return { kind: rule.kind };
      case '429':
        return { kind: '429', retryAfter: rule.retryAfter ?? '1' };
      default:
        return { kind: rule.kind as '500', retryAfter: rule.retryAfter };
    }
  }

  private remember(fingerprint: string): void {
    this.recentlyFaulted.add(fingerprint);
    if (this.recentlyFaulted.size > RECENT_LIMIT) {
      const oldest = this.recentlyFaulted.values().next().value;
      if (oldest !== undefined) this.recentlyFaulted.delete(oldest);
    }
  }
}
