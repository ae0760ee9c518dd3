// The daemon with an Admin key (compliance-api.md §1.2: the activity feed only): it schedules only the feed,
// says at start what it leaves out and why, and its start-up run succeeds instead of failing nine streams.
// Asking it for a stream the key cannot read is a configuration error.
import { afterEach, expect, test } from 'vitest';
import { type Daemon, DaemonConfigError, startDaemon } from '../src/scheduler/daemon.js';
import { triggeredDaemonOptions } from './support/daemon-harness.js';
import { tempDataDir } from './support/lake-harness.js';
import { KEYS, captureLogger, expectNoSecrets, makeSim } from './support/sim-harness.js';

let daemon: Daemon | null = null;
const data = tempDataDir('cl-daemon-keys-');
afterEach(async () => {
  await daemon?.close();
  daemon = null;
});
afterEach(() => data.cleanup());

test('an Admin key: only the feed is scheduled, the start log says why, and the start-up run succeeds', async () => {
  const sim = makeSim({ sim: { rpm: 0 } });
  const logs = captureLogger();
  daemon = await startDaemon(triggeredDaemonOptions(sim, data.dir, KEYS.admin, logs.logger));
  expect(Object.keys(daemon.status().schedules).sort()).toEqual(['activities', 'reconcile']);
  const notice = logs.lines.find((l) => l.startsWith('warn run: not scheduling '));
  expect(notice).toMatch(/not scheduling organizations, organization_settings, users, .*project_attachments, project_collaborators: an Admin key \(sk-ant-admin01-\) reads only the activity feed/);

  daemon.trigger('startup');
  await daemon.idle();
  const startup = daemon.status().jobs.startup;
  expect(startup.lastResult, startup.lastError ?? '').toBe('success');
  const stats = (await (await sim.fetch('http://sim.test/_sim/stats')).json()) as { by_path_prefix: Record<string, number> };
  expect(Object.keys(stats.by_path_prefix)).toEqual(['/v1/compliance/activities']);
  expectNoSecrets(logs.lines, 'daemon logs');
});

test('an Admin key asked for a directory stream: refused at start, naming the stream and the key kind', async () => {
  const sim = makeSim({ sim: { rpm: 0 } });
  const start = startDaemon({ ...triggeredDaemonOptions(sim, data.dir, KEYS.admin, captureLogger().logger), streams: ['activities', 'groups'] });
  await expect(start).rejects.toThrow(DaemonConfigError);
  await expect(start).rejects.toThrow(/streams: the key cannot read groups: an Admin key/);
});
