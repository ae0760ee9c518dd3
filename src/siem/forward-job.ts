// The daemon's opt-in `forward` job (schema/ocsf.md §5): the same pass as `compliance-lake forward`, in the
// daemon's job queue (so it never runs while the daemon's own sync writes), with its own metrics.
import type { Logger } from '../api/index.js';
import type { Metrics } from '../scheduler/metrics.js';
import type { TriggerReason } from '../scheduler/scheduler.js';
import { StateStore } from '../state/index.js';
import { forwardPass } from './forward.js';
import type { ForwardConfig } from './forward-config.js';

export const FORWARD_JOB = 'forward';
/** In the daemon a failing destination is tried again at the next tick, not held for long backoffs. */
const DAEMON_MAX_ATTEMPTS = 3;

export async function runForwardJob(config: ForwardConfig, dataDir: string, log: Logger, metrics: Metrics, reason: TriggerReason, stopping: () => boolean): Promise<void> {
  if (stopping()) return;
  metrics.define('compliance_lake_forward_events_total', 'counter', 'Activities and alerts a forward destination accepted.');
  metrics.define('compliance_lake_forward_failures_total', 'counter', 'Forward passes in which a destination did not take everything.');
  const started = Date.now();
  log.info({ job: FORWARD_JOB, reason, destinations: config.destinations.map((d) => d.name) }, 'job: start');
  const stop = new AbortController();
  const state = StateStore.open(dataDir);
  try {
    const results = await forwardPass({ dataDir, state, destinations: config.destinations, maxAttempts: DAEMON_MAX_ATTEMPTS, logger: log, signal: stop.signal });
    for (const r of results) {
      metrics.inc('compliance_lake_forward_events_total', { destination: r.destination, kind: 'activities' }, r.activities);
      metrics.inc('compliance_lake_forward_events_total', { destination: r.destination, kind: 'alerts' }, r.alerts);
      if (!r.ok) metrics.inc('compliance_lake_forward_failures_total', { destination: r.destination });
    }
    const failed = results.filter((r) => !r.ok);
    log[failed.length ? 'warn' : 'info'](
      { job: FORWARD_JOB, ms: Date.now() - started, sent: Object.fromEntries(results.map((r) => [r.destination, r.activities + r.alerts])), failed: failed.map((r) => r.destination) },
      'job: end',
    );
  } catch (err) {
    log.error({ job: FORWARD_JOB, error: (err as Error).message }, 'job: end');
  } finally {
    state.close();
  }
}
