// A signal that aborts when `outer` does or after `timeoutMs`, whichever comes first, that cannot lose its
// deadline to the garbage collector. Node's AbortSignal.timeout() is held only weakly by its timer, and
// AbortSignal.any() holds its sources weakly too: a timeout signal whose only follower is an any() composite
// (nothing listens to it directly) is collected at the next GC and never fires. A fetch to a server that
// accepts and never answers then waits forever; the daemon's delivery to a hanging webhook did exactly that
// (test/delivery-crash.test.ts, and test/deadline.test.ts reproduces it with gc()). The timeout signal is
// therefore kept in HELD until it fires: at most one entry per attempt in flight, each gone within timeoutMs.
const HELD = new Set<AbortSignal>();

/** Keeps `signal` reachable until it aborts (for a timeout signal: until its deadline); only for signals that do abort. */
export function holdUntilAborted(signal: AbortSignal): void {
  if (signal.aborted || HELD.has(signal)) return;
  HELD.add(signal);
  signal.addEventListener('abort', () => HELD.delete(signal), { once: true });
}

/** `outer`, cut after `timeoutMs` (the reason is then a TimeoutError DOMException, as AbortSignal.timeout's). */
export function deadlineSignal(outer: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  holdUntilAborted(timeout);
  return outer ? AbortSignal.any([outer, timeout]) : timeout;
}
