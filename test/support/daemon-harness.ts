// A daemon over the in-process simulator that runs a job only when the test triggers it: no start-up run, every
// schedule once a year, the GraphQL and health servers on free ports. Tests spread it and add what they check.
import type { Logger } from '../../src/api/index.js';
import type { DaemonOptions } from '../../src/scheduler/daemon.js';
import type { Simulator } from '../../src/simulator/server/app.js';

const NEVER = '0 0 1 1 *';

export function triggeredDaemonOptions(sim: Simulator, dataDir: string, apiKey: string, logger: Logger): DaemonOptions {
  return {
    dataDir,
    apiKey,
    baseUrl: 'http://sim.test',
    fetch: sim.fetch,
    requestsPerMinute: 0,
    runAtStart: false,
    schedules: { activities: NEVER, directory: NEVER, content: NEVER, reconcile: NEVER },
    graphql: { port: 0 },
    health: { port: 0 },
    logger,
  };
}
