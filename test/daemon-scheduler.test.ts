// The daemon's scheduler on fake timers (real node-cron, vitest's clock): each job fires at its cron ticks
// in UTC, one job runs at a time (a tick for the running job is skipped, one for a waiting job coalesced,
// any other waits its turn), stop() ends the ticks; bad cron expressions are refused naming the setting or
// the flag; the metrics render as Prometheus text.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { DEFAULT_SCHEDULES, DaemonConfigError, startDaemon } from '../src/scheduler/daemon.js';
import { Metrics } from '../src/scheduler/metrics.js';
import { type TickOutcome, ScheduleError, Scheduler, cronProblem } from '../src/scheduler/scheduler.js';
import { requireBuiltCli, runCli } from './support/crash-harness.js';
import { KEYS, captureLogger } from './support/sim-harness.js';
import { tempDataDir } from './support/lake-harness.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

afterEach(() => {
  vi.useRealTimers();
});

const hhmmss = (d: Date = new Date()) => d.toISOString().slice(11, 19);

describe('schedules', () => {
  test('the default schedules fire the right jobs at the right ticks (UTC)', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-02T23:59:30Z') });
    const runs: { job: string; at: string }[] = [];
    const scheduler = new Scheduler({
      jobs: Object.entries(DEFAULT_SCHEDULES).map(([name, cron]) => ({ name, cron })),
      run: async (job) => {
        runs.push({ job, at: hhmmss() });
      },
      logger: captureLogger().logger,
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 3_600_000 + 30_000); // to 02:00:00
    const at = (job: string) => runs.filter((r) => r.job === job).map((r) => r.at);

    const minutes = Array.from({ length: 121 }, (_, i) => hhmmss(new Date(Date.UTC(2026, 10, 3, 0, i))));
    expect(at('activities')).toEqual(minutes);
    expect(at('directory')).toEqual(['00:00:00', '01:00:00', '02:00:00']);
    expect(at('content')).toEqual(minutes.filter((m) => Number(m.slice(3, 5)) % 5 === 0));
    expect(at('reconcile')).toEqual(['00:15:00']);
    // jobs due at the same tick each run once, one after the other
    expect(runs.filter((r) => r.at === '01:00:00').map((r) => r.job).sort()).toEqual(['activities', 'content', 'directory']);
    await scheduler.stop();
  });

  test('six-field expressions tick by the second; start() runs the initial jobs at once, in order', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-03T10:00:00.500Z') });
    const runs: string[] = [];
    const scheduler = new Scheduler({
      jobs: [{ name: 'activities', cron: '*/2 * * * * *' }],
      run: async (job, reason) => {
        runs.push(`${hhmmss()} ${job} ${reason}`);
      },
      logger: captureLogger().logger,
    });
    scheduler.start(['startup', 'activities']);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(runs).toEqual([
      '10:00:00 startup start',
      '10:00:00 activities start',
      '10:00:02 activities schedule',
      '10:00:04 activities schedule',
      '10:00:06 activities schedule',
    ]);
    await scheduler.stop();
  });
});

describe('one job at a time', () => {
  test('a slow job: its own ticks are skipped, another job waits and its ticks coalesce', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-03T00:00:30Z') });
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    const outcomes: string[] = [];
    const logs = captureLogger();
    const scheduler = new Scheduler({
      jobs: [
        { name: 'slow', cron: '* * * * *' },
        { name: 'quick', cron: '*/30 * * * * *' },
      ],
      run: async (job) => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.push(`${hhmmss()} ${job}`);
        if (job === 'slow') await new Promise((r) => setTimeout(r, 140_000));
        active--;
      },
      logger: logs.logger,
      onTrigger: (job, _reason, outcome: TickOutcome) => outcomes.push(`${hhmmss()} ${job} ${outcome}`),
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3 * 60_000 + 40_000); // to 00:04:10

    expect(maxActive).toBe(1);
    expect(runs).toEqual([
      '00:01:00 slow', // until 00:03:20
      '00:03:20 quick', // waited behind slow; its later ticks were folded into this one run
      '00:03:30 quick',
      '00:04:00 slow',
    ]);
    expect(outcomes).toEqual([
      '00:01:00 slow started',
      '00:01:00 quick queued',
      '00:01:30 quick coalesced',
      '00:02:00 slow skipped',
      '00:02:00 quick coalesced',
      '00:02:30 quick coalesced',
      '00:03:00 slow skipped',
      '00:03:00 quick coalesced',
      '00:03:30 quick started',
      '00:04:00 slow started',
      '00:04:00 quick queued',
    ]);
    expect(scheduler.running()).toMatchObject({ job: 'slow', reason: 'schedule' });
    expect(scheduler.pending()).toEqual(['quick']);
    // skipped and coalesced ticks are logged
    expect(logs.lines.filter((l) => l.includes('tick skipped')).length).toBe(2);
    expect(logs.lines.filter((l) => l.includes('tick coalesced')).length).toBe(4);

    // stop(): no more ticks, the waiting job is dropped, the running one is awaited by the caller
    const done = scheduler.stop();
    expect(scheduler.pending()).toEqual([]);
    expect(scheduler.trigger('quick')).toBe('stopped');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await done;
    expect(runs).toHaveLength(4);
    expect(scheduler.running()).toBeNull();
  });

  test('a job that throws is logged and the queue goes on', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-03T00:00:00.500Z') });
    const logs = captureLogger();
    const runs: string[] = [];
    const scheduler = new Scheduler({
      jobs: [],
      run: async (job) => {
        runs.push(job);
        if (job === 'bad') throw new Error('boom');
      },
      logger: logs.logger,
    });
    scheduler.start(['bad', 'good']);
    await scheduler.idle();
    expect(runs).toEqual(['bad', 'good']);
    expect(logs.lines.some((l) => l.startsWith('error scheduler: job failed') && l.includes('boom'))).toBe(true);
    await scheduler.stop();
  });
});

describe('bad cron expressions are refused before anything starts', () => {
  test('cronProblem', () => {
    expect(cronProblem('* * * * *')).toBeNull();
    expect(cronProblem('*/10 * * * * *')).toBeNull();
    expect(cronProblem('15 0 * * *')).toBeNull();
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
    expect(cronProblem('every minute')).toMatch(/fields|illegal/);
    expect(cronProblem('* * *')).toMatch(/expected 5 or 6 fields/);
    expect(cronProblem('')).not.toBeNull();
  });

  test('the scheduler names the job', () => {
    const logger = captureLogger().logger;
    expect(() => new Scheduler({ jobs: [{ name: 'directory', cron: '0 25 * * *' }], run: async () => {}, logger })).toThrow(ScheduleError);
    expect(() => new Scheduler({ jobs: [{ name: 'directory', cron: '0 25 * * *' }], run: async () => {}, logger })).toThrow(/"directory".*"0 25 \* \* \*".*hour/);
  });

  test('startDaemon names the setting and starts nothing', async () => {
    const { dir, cleanup } = tempDataDir('cl-daemon-cron-');
    try {
      const dataDir = join(dir, 'data');
      await expect(
        startDaemon({ dataDir, apiKey: KEYS.full, baseUrl: 'http://127.0.0.1:9', requestsPerMinute: 0, schedules: { content: '*/0 * * * *' }, logger: captureLogger().logger }),
      ).rejects.toThrow(DaemonConfigError);
      await expect(
        startDaemon({ dataDir, apiKey: KEYS.full, baseUrl: 'http://127.0.0.1:9', requestsPerMinute: 0, schedules: { reconcile: 'daily' }, logger: captureLogger().logger }),
      ).rejects.toThrow(/schedules\.reconcile: "daily"/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      cleanup();
    }
  });

  test('the CLI names the flag and exits 2 (built CLI)', async () => {
    requireBuiltCli();
    const { dir, cleanup } = tempDataDir('cl-daemon-cron-');
    try {
      const env = { ANTHROPIC_COMPLIANCE_API_KEY: KEYS.full };
      const a = await runCli(['run', '--data-dir', dir, '--base-url', 'http://127.0.0.1:9', '--activities-every', '* * *'], env);
      expect(a.code).toBe(2);
      expect(a.stderr).toMatch(/--activities-every: "\* \* \*" is not a valid cron expression \(expected 5 or 6 fields/);
      const b = await runCli(['run', '--data-dir', dir, '--base-url', 'http://127.0.0.1:9', '--reconcile-at', '75 0 * * *'], env);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/--reconcile-at: "75 0 \* \* \*".*second/);
      const c = await runCli(['run', '--data-dir', dir, '--base-url', 'http://127.0.0.1:9', '--shutdown-timeout', 'soon'], env);
      expect(c.code).toBe(2);
      expect(c.stderr).toMatch(/--shutdown-timeout must be a duration/);
      for (const r of [a, b, c]) expect(r.stderr + r.stdout).not.toContain(KEYS.full);
    } finally {
      cleanup();
    }
  });
});

describe('metrics', () => {
  test('Prometheus text: HELP and TYPE once per family, labels escaped, counters only go up', () => {
    const m = new Metrics();
    m.define('compliance_lake_sync_lag_seconds', 'gauge', 'Lag.');
    m.define('compliance_lake_api_requests_total', 'counter', 'Requests.');
    m.define('compliance_lake_model_build_duration_seconds', 'gauge', 'Build.');
    m.set('compliance_lake_sync_lag_seconds', { stream: 'activities' }, 61.5);
    m.set('compliance_lake_sync_lag_seconds', { stream: 'users' }, 3);
    m.set('compliance_lake_sync_lag_seconds', { stream: 'activities' }, 62);
    m.inc('compliance_lake_api_requests_total', { stream: 'a"b\\c\nd' }, 2);
    m.inc('compliance_lake_api_requests_total', { stream: 'a"b\\c\nd' });
    expect(m.render()).toBe(
      [
        '# HELP compliance_lake_sync_lag_seconds Lag.',
        '# TYPE compliance_lake_sync_lag_seconds gauge',
        'compliance_lake_sync_lag_seconds{stream="activities"} 62',
        'compliance_lake_sync_lag_seconds{stream="users"} 3',
        '# HELP compliance_lake_api_requests_total Requests.',
        '# TYPE compliance_lake_api_requests_total counter',
        'compliance_lake_api_requests_total{stream="a\\"b\\\\c\\nd"} 3',
        '# HELP compliance_lake_model_build_duration_seconds Build.',
        '# TYPE compliance_lake_model_build_duration_seconds gauge',
        '',
      ].join('\n'),
    );
    expect(() => m.inc('compliance_lake_api_requests_total', {}, -1)).toThrow(/only goes up/);
    expect(() => m.inc('compliance_lake_sync_lag_seconds', {})).toThrow(/gauge/);
    expect(() => m.define('compliance_lake_errors', 'counter', 'x')).toThrow(/_total/);
  });
});
