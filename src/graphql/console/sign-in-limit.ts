// Failed sign-ins are counted per client address (console.md §2): past the limit, that address is refused
// without a token comparison until its oldest failure leaves the window. Guessing a long random token is hopeless
// anyway; this keeps a script from trying millions and keeps the log readable. Memory is bounded.

/** Failed sign-ins an address may make within the window. */
export const SIGN_IN_FAILURES_ALLOWED = 10;
/** The window failed sign-ins are counted in. */
export const SIGN_IN_WINDOW_MS = 10 * 60_000;
/** Addresses tracked at once; past it the address seen least recently is forgotten. */
const MAX_ADDRESSES = 10_000;

export class SignInLimit {
  /** address -> times of its failures within the window, oldest first (a Map keeps insertion order: LRU). */
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds until this address may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const times = this.live(address);
    if (times.length < SIGN_IN_FAILURES_ALLOWED) return 0;
    return Math.max(1, times[times.length - SIGN_IN_FAILURES_ALLOWED]! + SIGN_IN_WINDOW_MS - this.now());
  }

  /** Counts a failed sign-in; returns true when this failure reached the limit (worth one log line). */
  fail(address: string): boolean {
    const times = this.live(address);
    times.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, times);
    while (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    return times.length === SIGN_IN_FAILURES_ALLOWED;
  }

  /** A successful sign-in clears the address's failures. */
  succeed(address: string): void {
    this.failures.delete(address);
  }

  private live(address: string): number[] {
    const since = this.now() - SIGN_IN_WINDOW_MS;
    const times = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}
