// The simulator's clock: real time shifted by an offset (or frozen), moved only forwards.

export class SimClock {
  private offsetMs: number;
  private frozenAt: number | undefined;

  /**
   * @param startMs the clock's reading now; omitted = real time.
   * @param opts.frozen the clock stands still between `advance`/`set` calls (deterministic tests).
   */
  constructor(startMs?: number, opts: { frozen?: boolean } = {}) {
    const real = Date.now();
    this.offsetMs = startMs === undefined ? 0 : startMs - real;
    this.frozenAt = opts.frozen ? (startMs ?? real) : undefined;
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`the clock only moves forwards; got advance(${ms})`);
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Jumps to `ms`; never backwards, because windows, cursors and self-events assume a monotonic clock. */
  set(ms: number): void {
    const now = this.now();
    if (!Number.isFinite(ms) || ms < now) {
      throw new RangeError(`the clock only moves forwards; now ${new Date(now).toISOString()}, asked for ${ms}`);
    }
    this.advance(ms - now);
  }
}
