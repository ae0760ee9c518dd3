// The one request budget every call shares (design.md invariant 4): a client-side sliding window plus
// what the server says (`anthropic-ratelimit-*`, `retry-after`). Pass one instance to several clients
// to make them share it, as the API's 600 requests per minute are per parent organization (§6.3).

import { DEFAULT_REQUESTS_PER_MINUTE, RATE_WINDOW_MS } from './limits.js';
import { parseTimestampMs } from './timestamps.js';

export interface RateBudgetOptions {
  /** Requests allowed in any rolling window; 0 disables client-side pacing (server signals still apply). */
  requestsPerMinute?: number;
  windowMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the budget knows, for metrics and status output. Times are RFC 3339 UTC. */
export interface RateBudgetSnapshot {
  /** Server's `anthropic-ratelimit-requests-limit`, last seen. */
  limit: number | null;
  /** Server's `anthropic-ratelimit-requests-remaining`, last seen. */
  remaining: number | null;
  /** Server's `anthropic-ratelimit-requests-reset`, last seen. */
  resetAt: string | null;
  /** When the server headers above were read. */
  observedAt: string | null;
  /** Until when every caller waits (a 429, or the server reporting nothing left), if in the future. */
  pausedUntil: string | null;
  /** The client-side window: allowed per window (0 = off) and used in the current window. */
  requestsPerMinute: number;
  inWindow: number;
}

export interface HeaderSource {
  get(name: string): string | null;
}

// A reset far in the future is more likely a bad header than a real quota; never stall longer.
const MAX_SERVER_WAIT_MS = 2 * RATE_WINDOW_MS;

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RateBudget {
  readonly requestsPerMinute: number;
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Start times of the last `requestsPerMinute` requests, as a ring; `next` is the oldest. */
  private readonly ring: number[];
  private next = 0;
  private pausedUntilMs = 0;
  private serverBlockedUntilMs = 0;
  private serverResetMs = 0;
  private limit: number | null = null;
  private remaining: number | null = null;
  private resetAt: string | null = null;
  private observedAtMs: number | null = null;

  constructor(options: RateBudgetOptions = {}) {
    const rpm = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    if (!Number.isInteger(rpm) || rpm < 0) throw new RangeError('requestsPerMinute must be an integer >= 0');
    this.requestsPerMinute = rpm;
    this.windowMs = options.windowMs ?? RATE_WINDOW_MS;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.ring = new Array<number>(rpm).fill(Number.NEGATIVE_INFINITY);
  }

  /** Wait until a request may start, then count it. */
  async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      const readyAt = this.readyAt();
      if (readyAt <= now) {
        if (this.requestsPerMinute > 0) {
          this.ring[this.next] = now;
          this.next = (this.next + 1) % this.requestsPerMinute;
        }
        return;
      }
      // Re-check after waking: another caller may have taken the slot or a 429 may have extended a pause.
      await this.sleep(readyAt - now);
    }
  }

  /** Stop every caller until `untilMs` (epoch ms); a later pause wins over an earlier one. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntilMs) this.pausedUntilMs = untilMs;
  }

  /** Stop every caller for `ms` from now: a 429 for one request is a 429 for all of them. */
  pauseFor(ms: number): void {
    this.pauseUntil(this.now() + Math.max(0, ms));
  }

  /** Read `anthropic-ratelimit-requests-*` from a response; absent headers change nothing. */
  observe(headers: HeaderSource): void {
    const limit = intHeader(headers.get('anthropic-ratelimit-requests-limit'));
    const remaining = intHeader(headers.get('anthropic-ratelimit-requests-remaining'));
    const resetText = headers.get('anthropic-ratelimit-requests-reset');
    if (limit === null && remaining === null && resetText === null) return;
    const now = this.now();
    this.observedAtMs = now;
    if (limit !== null) this.limit = limit;
    if (remaining !== null) this.remaining = remaining;
    const resetMs = resetText === null ? null : this.resetToLocal(resetText, headers.get('date'), now);
    if (resetText !== null) this.resetAt = resetMs === null ? null : new Date(resetMs).toISOString();
    if (remaining === 0 && resetMs !== null) {
      this.serverBlockedUntilMs = Math.max(this.serverBlockedUntilMs, resetMs);
      this.serverResetMs = Math.max(this.serverResetMs, resetMs);
    } else if (remaining !== null && remaining > 0 && (resetMs === null || resetMs > this.serverResetMs)) {
      // Quota left in a newer window lifts the block; a late response from the old window does not.
      this.serverBlockedUntilMs = 0;
      if (resetMs !== null) this.serverResetMs = resetMs;
    }
  }

  snapshot(): RateBudgetSnapshot {
    const now = this.now();
    const paused = Math.max(this.pausedUntilMs, this.serverBlockedUntilMs);
    let inWindow = 0;
    for (const t of this.ring) if (t > now - this.windowMs) inWindow++;
    return {
      limit: this.limit,
      remaining: this.remaining,
      resetAt: this.resetAt,
      observedAt: this.observedAtMs === null ? null : new Date(this.observedAtMs).toISOString(),
      pausedUntil: paused > now ? new Date(paused).toISOString() : null,
      requestsPerMinute: this.requestsPerMinute,
      inWindow,
    };
  }

  private readyAt(): number {
    let at = Math.max(this.pausedUntilMs, this.serverBlockedUntilMs);
    if (this.requestsPerMinute > 0) at = Math.max(at, this.ring[this.next] + this.windowMs);
    return at;
  }

  // The reset is the server's clock; measured against its `date` header it becomes a local instant,
  // so clock skew between us and the API neither shortens nor stretches the wait.
  private resetToLocal(resetText: string, dateText: string | null, now: number): number | null {
    const trimmed = resetText.trim();
    let waitMs: number | null;
    if (/^\d+(\.\d+)?$/.test(trimmed)) {
      waitMs = Number(trimmed) * 1000;
    } else {
      const resetMs = parseTimestampMs(trimmed) ?? (Number.isNaN(Date.parse(trimmed)) ? null : Date.parse(trimmed));
      if (resetMs === null) return null;
      const serverNow = dateText ? Date.parse(dateText) : Number.NaN;
      waitMs = resetMs - (Number.isNaN(serverNow) ? now : serverNow);
    }
    return now + Math.min(Math.max(0, waitMs), MAX_SERVER_WAIT_MS);
  }
}

function intHeader(value: string | null): number | null {
  if (value === null) return null;
  const n = Number(value.trim());
  return Number.isFinite(n) && value.trim() !== '' ? Math.floor(n) : null;
}
