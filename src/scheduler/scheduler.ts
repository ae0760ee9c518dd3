// Cron ticks (node-cron, UTC) feed one job queue: at most one job runs at a time in the process, so a sync
// never runs beside another sync or a model build. A tick for the job that is running is skipped (the next
// tick comes soon enough); a tick for a job already waiting is coalesced into it; any other tick waits its
// turn, so a long job delays the others but never starves them (each job waits at most once in the queue).
import cron, { type ScheduledTask, type Logger as CronLogger } from 'node-cron';
import type { Logger } from '../api/index.js';

export interface ScheduledJob {
  name: string;
  /** Cron expression, 5 fields (minute first) or 6 (second first), evaluated in UTC. */
  cron: string;
}

/** What became of one trigger. */
export type TickOutcome = 'started' | 'queued' | 'coalesced' | 'skipped' | 'stopped';
export type TriggerReason = 'schedule' | 'start' | 'manual';

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  /** Runs one job; the scheduler never calls it while another call is still running. A rejection is logged. */
  run(job: string, reason: TriggerReason): Promise<void>;
  logger: Logger;
  /** Called for every trigger with its outcome (for metrics). */
  onTrigger?(job: string, reason: TriggerReason, outcome: TickOutcome): void;
}

export interface RunningJob {
  job: string;
  reason: TriggerReason;
  startedAt: Date;
}

/** A cron expression node-cron refuses, with the reason; null when it is valid. */
export function cronProblem(expression: string): string | null {
  let result: ReturnType<typeof cron.validateDetailed>;
  try {
    result = cron.validateDetailed(expression);
  } catch (err) {
    return (err as Error).message;
  }
  if (result.valid) return null;
  return result.errors.map((e) => e.message).join('; ') || 'not a cron expression';
}

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #tasks: ScheduledTask[] = [];
  readonly #pending: { job: string; reason: TriggerReason }[] = [];
  #running: (RunningJob & { done: Promise<void> }) | null = null;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SchedulerOptions) {
    const names = new Set<string>();
    for (const job of options.jobs) {
      if (names.has(job.name)) throw new ScheduleError(`job "${job.name}" is scheduled twice`);
      names.add(job.name);
      const problem = cronProblem(job.cron);
      if (problem) throw new ScheduleError(`the schedule of "${job.name}" is not a valid cron expression ("${job.cron}"): ${problem}`);
    }
    this.#options = options;
  }

  /** Starts the cron tasks, then triggers `initial` jobs in that order (they run one after the other). */
  start(initial: readonly string[] = []): void {
    if (this.#stopped) throw new ScheduleError('the scheduler was stopped');
    const logger = this.#options.logger;
    // node-cron's own messages (e.g. "missed execution" after the machine slept) go to our log at debug level.
    const cronLogger: CronLogger = {
      info: (m) => logger.debug({}, `node-cron: ${m}`),
      warn: (m) => logger.debug({}, `node-cron: ${m}`),
      error: (m, e) => logger.warn({ error: e?.message ?? (m instanceof Error ? m.message : undefined) }, `node-cron: ${m instanceof Error ? m.message : m}`),
      debug: (m) => logger.debug({}, `node-cron: ${m instanceof Error ? m.message : m}`),
    };
    for (const job of this.#options.jobs) {
      // The task only enqueues, so it returns at once: overlap is decided by the queue, not by node-cron.
      const task = cron.createTask(job.cron, () => void this.trigger(job.name, 'schedule'), {
        name: `compliance-lake:${job.name}`,
        timezone: 'UTC',
        noOverlap: true,
        logger: cronLogger,
      });
      this.#tasks.push(task);
      void task.start();
    }
    for (const job of initial) this.trigger(job, 'start');
  }

  /** Enqueues `job` unless it is running (skipped) or already waiting (coalesced); starts it when idle. */
  trigger(job: string, reason: TriggerReason = 'manual'): TickOutcome {
    const outcome = this.#enqueue(job, reason);
    const log = this.#options.logger;
    if (outcome === 'skipped') log.info({ job, reason, running_since: this.#running?.startedAt.toISOString() }, 'scheduler: tick skipped, the job is still running');
    else if (outcome === 'coalesced') log.info({ job, reason, waiting: this.#pending.map((p) => p.job) }, 'scheduler: tick coalesced, the job is already waiting');
    else if (outcome === 'queued') log.debug({ job, reason, running: this.#running?.job }, 'scheduler: job queued behind the running one');
    this.#options.onTrigger?.(job, reason, outcome);
    return outcome;
  }

  running(): RunningJob | null {
    if (!this.#running) return null;
    const { job, reason, startedAt } = this.#running;
    return { job, reason, startedAt };
  }

  pending(): string[] {
    return this.#pending.map((p) => p.job);
  }

  /** The next time each job's schedule fires (null once stopped). */
  nextRuns(): Record<string, Date | null> {
    return Object.fromEntries(this.#options.jobs.map((j, i) => [j.name, this.#tasks[i]?.getNextRun() ?? null]));
  }

  /** Resolves when nothing is running and nothing is waiting. */
  idle(): Promise<void> {
    if (!this.#running && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops the cron tasks and drops the waiting jobs; later triggers are refused. Returns the running job's
   * promise (resolved at once when none runs), so the caller decides how long to wait for it.
   */
  stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      for (const task of this.#tasks) void task.destroy();
      const dropped = this.#pending.splice(0).map((p) => p.job);
      if (dropped.length) this.#options.logger.info({ dropped }, 'scheduler: stopping, waiting jobs dropped');
    }
    return this.#running?.done ?? Promise.resolve();
  }

  #enqueue(job: string, reason: TriggerReason): TickOutcome {
    if (this.#stopped) return 'stopped';
    if (this.#running?.job === job) return 'skipped';
    if (this.#pending.some((p) => p.job === job)) return 'coalesced';
    this.#pending.push({ job, reason });
    if (this.#running) return 'queued';
    this.#next();
    return 'started';
  }

  #next(): void {
    const item = this.#pending.shift();
    if (!item) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    const running = { ...item, startedAt: new Date(), done: Promise.resolve() };
    this.#running = running;
    running.done = this.#execute(item.job, item.reason).finally(() => {
      this.#running = null;
      this.#next();
    });
  }

  async #execute(job: string, reason: TriggerReason): Promise<void> {
    await Promise.resolve(); // the job starts after trigger() has returned and the running record is in place
    try {
      await this.#options.run(job, reason);
    } catch (err) {
      this.#options.logger.error({ job, error: err instanceof Error ? err.message : String(err) }, 'scheduler: job failed');
    }
  }
}
