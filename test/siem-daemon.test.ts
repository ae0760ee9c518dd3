// The daemon's opt-in `forward` job (schema/ocsf.md §5): scheduled only when the config has forward
// destinations, run through the job queue, it sends what the daemon's sync committed to a loopback HEC receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/api/index.js';
import { type Daemon, type JobName, startDaemon } from '../src/scheduler/daemon.js';
import { parseForwardConfig } from '../src/siem/forward-config.js';
import { triggeredDaemonOptions } from './support/daemon-harness.js';
import { lakeQuery, tempDataDir } from './support/lake-harness.js';
import { KEYS, makeSim } from './support/sim-harness.js';
import { type HecReceiver, hecReceiver } from './support/siem-receivers.js';

const TOKEN = 'hec-daemon-token-Vb81';
let daemon: Daemon;
let hec: HecReceiver;
const data = tempDataDir('cl-siem-daemon-');
const lines: string[] = [];
const logger: Logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...obj, msg }))])) as unknown as Logger;

beforeAll(async () => {
  hec = await hecReceiver(TOKEN);
  const sim = makeSim({ tenant: { horizonDays: 4, activitiesPerDay: 150 } });
  daemon = await startDaemon({
    ...triggeredDaemonOptions(sim, data.dir, KEYS.full, logger),
    forward: parseForwardConfig({ schedule: '0 0 1 1 *', destinations: [{ name: 'splunk', type: 'hec', url: hec.url, tokenEnv: 'T' }] }, { env: { T: TOKEN } }),
  });
  daemon.trigger('startup');
  await daemon.idle();
}, 180_000);

afterAll(async () => {
  await daemon?.close();
  await hec?.close();
  data.cleanup();
});

describe('daemon: the forward job', () => {
  it('is scheduled, and a run sends every activity the sync committed, once', async () => {
    expect(hec.events).toEqual([]);
    daemon.trigger('forward' as JobName);
    await daemon.idle();
    const ids = (await lakeQuery(data.dir, 'activities', 'select id from {files} group by id order by min(created_at), id')).map((r) => String(r.id));
    expect(ids.length).toBeGreaterThan(100);
    expect(hec.events.map((e) => (e.metadata as { uid: string }).uid)).toEqual(ids);
    const end = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.job === 'forward' && l.msg === 'job: end');
    expect(end).toMatchObject({ level: 'info', sent: { splunk: ids.length }, failed: [] });
    // a second run has nothing new
    daemon.trigger('forward' as JobName);
    await daemon.idle();
    expect(hec.events.length).toBe(ids.length);
    expect(lines.join('\n')).not.toContain(TOKEN);
  }, 120_000);
});
