// A manual clock for tests of the rate budget and retries: sleep() parks until the test advances time.

export class FakeClock {
  t: number;
  private seq = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now = (): number => this.t;

  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, resolve });
    });
  };

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Let promises, stream reads and callbacks run until nothing moves without time passing. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** Fire the earliest timer (advancing time to it). False when none is pending. */
  fireNext(): boolean {
    if (this.timers.length === 0) return false;
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const timer = this.timers.shift()!;
    this.t = Math.max(this.t, timer.at);
    timer.resolve();
    return true;
  }

  /** Drive timers until `promise` settles; fails instead of hanging if nothing is left to fire. */
  async run<T>(promise: Promise<T>, maxSteps = 100_000): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => {});
    for (let step = 0; step < maxSteps; step++) {
      await this.settle();
      if (done) return tracked;
      if (!this.fireNext()) throw new Error('FakeClock: promise pending with no timers left');
    }
    throw new Error('FakeClock: too many steps');
  }
}
