// One rate budget per process (design.md invariant 4): every job the daemon runs draws from one client and one
// budget, so the client-side window carries from one job to the next instead of starting over. The simulator
// counts requests per minute of its clock but sends no rate-limit headers (rpm 0), so the client's own window
// is all that paces it: several jobs back to back never put more than the limit into any minute. With a
// budget per job (as before), each job starts a fresh window and a minute holds the tail of one job and the
// head of the next, over the limit (checked by hand: 19 in one minute).
import { afterEach, expect, test } from 'vitest';
import { type Daemon, startDaemon } from '../src/scheduler/daemon.js';
import { triggeredDaemonOptions } from './support/daemon-harness.js';
import { tempDataDir } from './support/lake-harness.js';
import { KEYS, captureLogger, expectNoSecrets, makeSim, simTime } from './support/sim-harness.js';

const LIMIT = 12;
let daemon: Daemon | null = null;
const data = tempDataDir('cl-daemon-budget-');
afterEach(async () => {
  await daemon?.close();
  data.cleanup();
});

test('several jobs in a row share one budget and never exceed the server limit', async () => {
  const sim = makeSim({ sim: { rpm: 0 } });
  const time = simTime(sim);
  const logs = captureLogger();
  daemon = await startDaemon({
    ...triggeredDaemonOptions(sim, data.dir, KEYS.full, logs.logger),
    requestsPerMinute: LIMIT,
    // the client's clock and sleep are the simulator's frozen clock: waiting out a window moves it
    clientOptions: { now: time.now, sleep: time.sleep },
    maxRetries: 0,
  });
  for (const job of ['activities', 'directory', 'content', 'activities', 'directory'] as const) {
    daemon.trigger(job);
    await daemon.idle();
  }
  const status = daemon.status();
  for (const job of ['activities', 'directory', 'content']) expect(status.jobs[job]?.lastResult, `${job}: ${status.jobs[job]?.lastError}`).toBe('success');
  expect(status.jobs.activities.runs).toBe(2);

  const stats = (await (await sim.fetch('http://sim.test/_sim/stats')).json()) as {
    requests_total: number;
    rate_limited: number;
    windows: { start: string; requests: number }[];
  };
  // enough requests that one window could not hold them: the budget had to carry across jobs
  expect(stats.requests_total).toBeGreaterThan(3 * LIMIT);
  expect(stats.rate_limited).toBe(0);
  expect(Math.max(...stats.windows.map((w) => w.requests))).toBeLessThanOrEqual(LIMIT);
  expect(time.slept.length).toBeGreaterThan(0);
  expectNoSecrets(logs.lines, 'daemon logs');
});
