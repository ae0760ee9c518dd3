// The outbox worker against receivers that fail (5xx), hang past the timeout and reset connections at random
// (detections.md §5): every alert reaches every destination, one id never carries two bodies, a destination
// that always fails is reported and holds nobody up, and no secret reaches a log line or a file.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/api/index.js';
import { openAlertsDb, type OpenAlertsDb } from '../src/delivery/alerts-db.js';
import { parseDestinations, type DestinationConfig } from '../src/delivery/config.js';
import { senderFor } from '../src/delivery/destinations/index.js';
import { BACKOFF_MAX_MS, backoffMs, deliverOutbox, FAILING_AFTER_MS } from '../src/delivery/outbox.js';
import { type Behaviour, httpReceiver, parseRfc5424, syslogReceiver } from './support/alert-receivers.js';
import { seedAlert } from './support/alert-seed.js';
import { seededRandom } from './support/crash-harness.js';

const HOOK_SECRET = 'whsec-DO-NOT-LEAK-4k8Zr1Qm';
const SLACK_TOKEN = 'SLACKTOKEN-DO-NOT-LEAK-9pW3';
const MARKERS = [HOOK_SECRET, SLACK_TOKEN, '4k8Zr1Qm', '9pW3'];

let dir: string;
let store: OpenAlertsDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cl-outbox-'));
  store = openAlertsDb(join(dir, 'data'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...obj, msg }));
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

function flaky(random: () => number): (n: number) => Behaviour {
  return () => {
    const r = random();
    return r < 0.15 ? 'fail' : r < 0.2 ? 'hang' : r < 0.3 ? 'reset' : 'ok';
  };
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('backoff', () => {
  it('doubles from 1 s to 5 min, with half of each step jittered', () => {
    expect([1, 2, 3, 9, 10].map((a) => backoffMs(a, () => 0))).toEqual([500, 1000, 2000, 128_000, 150_000]);
    expect([1, 2, 3].map((a) => backoffMs(a, () => 0.999_999))).toEqual([1000, 2000, 4000]);
    expect(backoffMs(40, () => 0.999_999)).toBe(BACKOFF_MAX_MS);
  });
});

describe('flaky receivers', () => {
  it('delivers every alert to every destination; one id never arrives with two bodies; secrets stay out of logs and files', async () => {
    const random = seededRandom(12);
    const hook = await httpReceiver(flaky(random));
    const slack = await httpReceiver(flaky(random), `/services/T00/B00/${SLACK_TOKEN}`);
    const rx = await syslogReceiver(flaky(random));
    const { logger, lines } = captureLogger();
    try {
      writeFileSync(join(dir, 'slack.url'), slack.url);
      const configs: DestinationConfig[] = parseDestinations(
        [
          { name: 'soc', type: 'webhook', url: hook.url, secretEnv: 'HOOK_SECRET', timeout: '300ms' },
          { name: 'chat', type: 'slack', urlFile: join(dir, 'slack.url'), timeout: '300ms' },
          { name: 'siem', type: 'syslog', host: '127.0.0.1', port: rx.port, timeout: '300ms' },
          { name: 'file', type: 'ndjson', path: join(dir, 'data', 'alerts.ndjson') },
        ],
        { env: { HOOK_SECRET } },
      );
      const ids = Array.from({ length: 30 }, (_, n) => seedAlert(store.db, n, { level: n % 2 ? 'high' : 'critical' }, configs));
      const destinations = configs.map((config) => ({ config, sender: senderFor(config) }));
      let clock = Date.now();
      let passes = 0;
      let failures = 0;
      for (;;) {
        const report = await deliverOutbox({ db: store.db, destinations, now: () => clock, random, logger, batch: 10 });
        passes++;
        failures += report.destinations.reduce((n, d) => n + d.failed, 0);
        if (report.destinations.every((d) => d.pending === 0)) break;
        if (passes > 500) throw new Error(`not delivered after 500 passes: ${JSON.stringify(report)}`);
        clock += BACKOFF_MAX_MS;
      }
      expect(failures).toBeGreaterThan(10);
      const bodiesById = (pairs: [string, string][]) => {
        const m = new Map<string, Set<string>>();
        for (const [id, body] of pairs) m.set(id, (m.get(id) ?? new Set()).add(body));
        return m;
      };
      const hookBodies = bodiesById(hook.received.map((r) => [String(r.headers['idempotency-key']), r.body]));
      const slackBodies = bodiesById(slack.received.map((r) => [JSON.stringify(JSON.parse(r.body).blocks).match(/alert `([0-9a-f]{32})`/)![1], r.body]));
      const syslogBodies = bodiesById(rx.received.map((r) => { const p = parseRfc5424(r.message); return [p.sd['cl@32473'].id, r.message]; }));
      const fileLines = readFileSync(join(dir, 'data', 'alerts.ndjson'), 'utf8').trim().split('\n');
      const fileBodies = bodiesById(fileLines.map((l) => [JSON.parse(l).id, l]));
      for (const [name, bodies, accepted] of [
        ['webhook', hookBodies, new Set(hook.accepted().map((r) => String(r.headers['idempotency-key'])))],
        ['slack', slackBodies, new Set(slack.accepted().map((r) => JSON.stringify(JSON.parse(r.body).blocks).match(/alert `([0-9a-f]{32})`/)![1]))],
        ['syslog', syslogBodies, new Set(rx.accepted().map((m) => parseRfc5424(m).sd['cl@32473'].id))],
        ['ndjson', fileBodies, new Set(fileBodies.keys())],
      ] as const) {
        expect([...accepted].sort(), `${name}: every alert accepted`).toEqual([...ids].sort());
        for (const [id, set] of bodies) expect(set.size, `${name}: ${id} arrived with ${set.size} different bodies`).toBe(1);
      }
      // the webhook, syslog and the file carry the same document
      for (const id of ids) {
        const doc = [...hookBodies.get(id)!][0];
        expect(parseRfc5424([...syslogBodies.get(id)!][0]).msg).toBe(doc);
        expect([...fileBodies.get(id)!][0]).toBe(doc);
      }
      const duplicates = hook.received.length - hook.accepted().length;
      expect(duplicates).toBeGreaterThan(0); // attempts the receiver saw but did not accept: repeated, same body
      expect(lines.some((l) => l.includes('"delivery: attempt failed; will retry"'))).toBe(true);
      expect(lines.some((l) => /timed out|did not answer within 300 ms/.test(l))).toBe(true);
      const logText = lines.join('\n');
      for (const m of MARKERS) expect(logText).not.toContain(m);
      expect(logText).not.toContain(slack.url);
      store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      for (const file of filesUnder(join(dir, 'data'))) {
        const bytes = readFileSync(file);
        for (const m of MARKERS) expect(bytes.includes(m), `${file} holds a secret`).toBe(false);
        expect(bytes.includes('/services/T00/B00'), `${file} holds the Slack URL`).toBe(false);
      }
      expect(statSync(join(dir, 'data', 'alerts.sqlite')).size).toBeGreaterThan(0);
    } finally {
      await Promise.all([hook.close(), slack.close(), rx.close()]);
    }
  }, 60_000);
});

describe('a destination that always fails', () => {
  it('is reported as failing after 15 minutes, retried on backoff, and never holds up the others', async () => {
    const dead = await httpReceiver(() => 'fail');
    const good = await httpReceiver();
    const { logger, lines } = captureLogger();
    try {
      const configs = parseDestinations(
        [
          { name: 'dead', type: 'webhook', url: dead.url, secretEnv: 'HOOK_SECRET' },
          { name: 'good', type: 'webhook', url: good.url, secretEnv: 'HOOK_SECRET' },
        ],
        { env: { HOOK_SECRET } },
      );
      const destinations = configs.map((config) => ({ config, sender: senderFor(config) }));
      const start = Date.now();
      let clock = start;
      for (let n = 0; n < 5; n++) seedAlert(store.db, n, {}, configs, clock);
      const first = await deliverOutbox({ db: store.db, destinations, now: () => clock, logger });
      const byName = (r: typeof first) => Object.fromEntries(r.destinations.map((d) => [d.destination, d]));
      // one attempt for the dead destination (the rest wait with it), every alert to the good one
      expect(byName(first).dead).toMatchObject({ attempted: 1, failed: 1, pending: 5, failing: false, lastError: 'the webhook answered HTTP 503' });
      expect(byName(first).good).toMatchObject({ delivered: 5, pending: 0 });
      for (let minute = 1; clock - start < FAILING_AFTER_MS; minute++) {
        clock += 60_000;
        seedAlert(store.db, 100 + minute, {}, configs, clock);
        const r = await deliverOutbox({ db: store.db, destinations, now: () => clock, logger });
        expect(byName(r).good.pending).toBe(0);
      }
      const last = await deliverOutbox({ db: store.db, destinations, now: () => clock, logger });
      expect(byName(last).dead).toMatchObject({ failing: true, failingSince: start, pending: 5 + 15 });
      expect(good.accepted()).toHaveLength(5 + 15);
      // backoff: about one attempt per doubling step in 15 minutes, not one per alert and pass
      expect(dead.received.length).toBeLessThan(15);
      expect(dead.received.length).toBeGreaterThan(4);
      expect(lines.filter((l) => l.includes('"destination":"dead"')).length).toBe(dead.received.length);
    } finally {
      await Promise.all([dead.close(), good.close()]);
    }
  });

  it('keeps the rows of a destination removed from the config, reported as orphaned', async () => {
    const configs = parseDestinations([{ name: 'old', type: 'ndjson', path: join(dir, 'old.ndjson') }, { name: 'kept', type: 'ndjson', path: join(dir, 'kept.ndjson') }]);
    seedAlert(store.db, 1, {}, configs);
    const kept = configs.filter((c) => c.name === 'kept');
    const report = await deliverOutbox({ db: store.db, destinations: kept.map((config) => ({ config, sender: senderFor(config) })) });
    expect(report.orphaned).toEqual([{ destination: 'old', pending: 1 }]);
    expect(report.destinations[0]).toMatchObject({ destination: 'kept', delivered: 1 });
  });
});
