// The shared request budget of the parent organization: fixed 60-s windows counted across every key (compliance-api.md §6.3).
import { RATE_WINDOW_MS } from '../../api/limits.js';

export interface WindowState {
  limit: number;
  remaining: number;
  resetMs: number;
}

export interface Admission extends WindowState {
  allowed: boolean;
}

/** Windows kept for `requests_per_minute` in the stats (one day). */
const HISTORY_WINDOWS = 1440;

/**
 * The reference documents "a per minute window with reset timestamp" (§6.3); the exact algorithm is unknown
 * (§11.13), so windows are fixed and aligned to the minute of the simulator clock.
 */
export class RateLimiter {
  private windowStart = -1;
  private used = 0;
  /** Authenticated requests per window, admitted or not: what tests compare with the budget. */
  private readonly history: { start: number; requests: number; rateLimited: number }[] = [];

  constructor(private rpm: number) {}

  /** 0 = unlimited: requests are counted but never refused, and no ratelimit headers are sent. */
  get unlimited(): boolean {
    return this.rpm <= 0;
  }

  get limit(): number {
    return this.rpm;
  }

  setRpm(rpm: number): void {
    if (!(rpm >= 0) || !Number.isInteger(rpm)) throw new RangeError(`rpm must be a non-negative integer; got ${rpm}`);
    this.rpm = rpm;
  }

  /** Counts one authenticated request and consumes a unit unless the window is spent. */
  admit(nowMs: number): Admission {
    this.roll(nowMs);
    const entry = this.history[this.history.length - 1];
    entry.requests++;
    if (!this.unlimited && this.used >= this.rpm) {
      entry.rateLimited++;
      return { allowed: false, ...this.state(nowMs) };
    }
    this.used++;
    return { allowed: true, ...this.state(nowMs) };
  }

  state(nowMs: number): WindowState {
    this.roll(nowMs);
    return {
      limit: this.rpm,
      remaining: this.unlimited ? Number.MAX_SAFE_INTEGER : Math.max(0, this.rpm - this.used),
      resetMs: this.windowStart + RATE_WINDOW_MS,
    };
  }

  perMinute(): { start: number; requests: number; rateLimited: number }[] {
    return this.history.map((h) => ({ ...h }));
  }

  private roll(nowMs: number): void {
    const start = Math.floor(nowMs / RATE_WINDOW_MS) * RATE_WINDOW_MS;
    if (start === this.windowStart) return;
    // never roll back: a request racing a clock jump stays in the newest window
    if (start < this.windowStart) return;
    this.windowStart = start;
    this.used = 0;
    this.history.push({ start, requests: 0, rateLimited: 0 });
    if (this.history.length > HISTORY_WINDOWS) this.history.shift();
  }
}

/** RFC 3339 without fractional seconds, as the reset header shows it. */
export function rfc3339Seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function rateLimitHeaders(w: WindowState): Record<string, string> {
  return {
    'anthropic-ratelimit-requests-limit': String(w.limit),
    'anthropic-ratelimit-requests-remaining': String(w.remaining),
    'anthropic-ratelimit-requests-reset': rfc3339Seconds(w.resetMs),
  };
}

/** Seconds until the window resets, rounded up, plus one second of safety margin (compliance-api.md §6.3). */
export function retryAfterSeconds(w: WindowState, nowMs: number): number {
  return Math.max(1, Math.ceil((w.resetMs - nowMs) / 1000) + 1);
}
