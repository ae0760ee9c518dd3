// Each destination against a real receiver on 127.0.0.1 (detections.md §5): the webhook's body, headers and
// HMAC signature, the Slack payload, syslog frames that parse as RFC 5424 with our structured data, and
// NDJSON lines on disk when the delivery is marked.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { alertOutbox } from '../src/detections/schema.js';
import { openAlertsDb, type OpenAlertsDb } from '../src/delivery/alerts-db.js';
import { parseDestinations, SYSLOG_FACILITIES, type DestinationConfig } from '../src/delivery/config.js';
import { senderFor } from '../src/delivery/destinations/index.js';
import { deliverOutbox } from '../src/delivery/outbox.js';
import { httpReceiver, parseRfc5424, syslogReceiver } from './support/alert-receivers.js';
import { seedAlert } from './support/alert-seed.js';

const SECRET = 'whsec-test-7Hq2Lp9Xv4';
const ACTOR = { user: { id: 'user_0001', email: 'mallory@example.com' }, groups: [{ id: 'grp_admins', name: 'Admins' }], roles: ['admin'] };

let dir: string;
let store: OpenAlertsDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cl-dest-'));
  store = openAlertsDb(join(dir, 'data'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function configure(raw: unknown[]): DestinationConfig[] {
  return parseDestinations(raw, { env: { HOOK_SECRET: SECRET }, baseDir: dir });
}

async function deliverAll(configs: DestinationConfig[]) {
  return deliverOutbox({ db: store.db, destinations: configs.map((config) => ({ config, sender: senderFor(config) })) });
}

describe('webhook', () => {
  it('POSTs the alert document with the idempotency key and a signature that verifies with the shared secret', async () => {
    const hook = await httpReceiver();
    try {
      const configs = configure([{ name: 'soc', type: 'webhook', url: hook.url, secretEnv: 'HOOK_SECRET' }]);
      const id = seedAlert(store.db, 1, { evidence: ['act_b', 'act_a'], actor: ACTOR }, configs);
      const report = await deliverAll(configs);
      expect(report.destinations[0]).toMatchObject({ destination: 'soc', delivered: 1, failed: 0, pending: 0 });
      expect(hook.received).toHaveLength(1);
      const { headers, body } = hook.received[0];
      expect(headers['content-type']).toBe('application/json');
      expect(headers['idempotency-key']).toBe(id);
      const ts = String(headers['x-compliance-lake-timestamp']);
      expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(300);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`);
      const got = Buffer.from(String(headers['x-compliance-lake-signature']));
      expect(got.length === expected.length && timingSafeEqual(got, expected)).toBe(true);
      // a wrong secret does not verify
      expect(String(headers['x-compliance-lake-signature'])).not.toBe(`sha256=${createHmac('sha256', 'other').update(`${ts}.${body}`).digest('hex')}`);
      const doc = JSON.parse(body);
      expect(doc).toMatchObject({ id, source: 'compliance-lake', level: 'high', rule: { id: 'sso_disabled', level: 'high' }, entity: { type: 'user', id: 'user_0001' }, status: 'open', historical: false });
      expect(doc.evidence).toEqual({ count: 2, activityIds: ['act_a', 'act_b'], truncated: false });
      expect(doc.actor).toEqual(ACTOR);
      // the frozen body is what was sent
      const row = store.db.select().from(alertOutbox).where(eq(alertOutbox.alertId, id)).get()!;
      expect(row).toMatchObject({ state: 'delivered', attempts: 1, body });
    } finally {
      await hook.close();
    }
  });

  it('treats a non-2xx answer as a failure and retries later with the same body', async () => {
    const hook = await httpReceiver((n) => (n === 0 ? 'fail' : 'ok'));
    try {
      const configs = configure([{ name: 'soc', type: 'webhook', url: hook.url, secretEnv: 'HOOK_SECRET' }]);
      seedAlert(store.db, 1, {}, configs);
      let clock = Date.now();
      const first = await deliverOutbox({ db: store.db, destinations: configs.map((config) => ({ config, sender: senderFor(config) })), now: () => clock });
      expect(first.destinations[0]).toMatchObject({ delivered: 0, failed: 1, pending: 1, lastError: 'the webhook answered HTTP 503' });
      const notYet = await deliverOutbox({ db: store.db, destinations: configs.map((config) => ({ config, sender: senderFor(config) })), now: () => clock });
      expect(notYet.destinations[0].attempted).toBe(0);
      clock += 2_000;
      const second = await deliverOutbox({ db: store.db, destinations: configs.map((config) => ({ config, sender: senderFor(config) })), now: () => clock });
      expect(second.destinations[0]).toMatchObject({ delivered: 1, pending: 0, lastError: null });
      expect(hook.received.map((r) => r.body)).toEqual([hook.received[0].body, hook.received[0].body]);
    } finally {
      await hook.close();
    }
  });
});

describe('slack', () => {
  it('POSTs text and blocks to the incoming-webhook URL read from its file', async () => {
    const hook = await httpReceiver(() => 'ok', '/services/T0/B0/xyz');
    try {
      writeFileSync(join(dir, 'slack.url'), hook.url + '\n');
      const configs = configure([{ name: 'chat', type: 'slack', urlFile: 'slack.url' }]);
      const id = seedAlert(store.db, 2, { level: 'critical', entityId: 'user_<b>&co' }, configs);
      await deliverAll(configs);
      expect(hook.received).toHaveLength(1);
      expect(hook.received[0].path).toBe('/services/T0/B0/xyz');
      const payload = JSON.parse(hook.received[0].body);
      expect(payload.text).toBe('[CRITICAL] sso_disabled: test alert 2 for user_&lt;b&gt;&amp;co');
      expect(payload.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'CRITICAL: sso_disabled' } });
      expect(JSON.stringify(payload.blocks)).toContain(id);
      expect(JSON.stringify(payload.blocks)).not.toContain('<b>');
    } finally {
      await hook.close();
    }
  });
});

describe('syslog', () => {
  it('sends octet-counted RFC 5424 frames with MSGID alert, the structured data and the document as MSG', async () => {
    const rx = await syslogReceiver();
    const hook = await httpReceiver();
    try {
      const configs = configure([
        { name: 'siem', type: 'syslog', host: '127.0.0.1', port: rx.port, facility: 'local4' },
        { name: 'soc', type: 'webhook', url: hook.url, secretEnv: 'HOOK_SECRET' },
      ]);
      const ids = [seedAlert(store.db, 1, { level: 'medium', entityId: 'quote"back\\slash]' }, configs), seedAlert(store.db, 2, { level: 'info' }, configs)];
      const report = await deliverAll(configs);
      expect(report.destinations.map((d) => d.delivered)).toEqual([2, 2]);
      expect(rx.accepted()).toHaveLength(2);
      const parsed = rx.accepted().map(parseRfc5424);
      for (const [i, p] of parsed.entries()) {
        expect(p.version).toBe(1);
        expect(p.msgId).toBe('alert');
        expect(p.app).toBe('compliance-lake');
        expect(p.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(p.sd['cl@32473'].id).toBe(ids[i]);
        expect(p.sd['cl@32473'].rule).toBe('sso_disabled');
        // the same document the webhook received
        expect(p.msg).toBe(hook.received.find((r) => r.headers['idempotency-key'] === ids[i])!.body);
      }
      expect(parsed[0].sd['cl@32473']).toMatchObject({ level: 'medium', entity_id: 'quote"back\\slash]' });
      expect(parsed[0].pri).toBe(SYSLOG_FACILITIES.local4 * 8 + 4);
      expect(parsed[1].pri).toBe(SYSLOG_FACILITIES.local4 * 8 + 6);
    } finally {
      await rx.close();
      await hook.close();
    }
  });

  it('fails the attempt when the receiver resets the connection, and delivers on the retry', async () => {
    const rx = await syslogReceiver((n) => (n === 0 ? 'reset' : 'ok'));
    try {
      const configs = configure([{ name: 'siem', type: 'syslog', host: '127.0.0.1', port: rx.port }]);
      seedAlert(store.db, 1, {}, configs);
      let clock = Date.now();
      const run = () => deliverOutbox({ db: store.db, destinations: configs.map((config) => ({ config, sender: senderFor(config) })), now: () => clock });
      expect((await run()).destinations[0]).toMatchObject({ delivered: 0, failed: 1 });
      expect((await run()).destinations[0].lastError).toMatch(/^syslog 127\.0\.0\.1:\d+: /);
      clock += 5_000;
      expect((await run()).destinations[0]).toMatchObject({ delivered: 1, pending: 0 });
      expect(rx.accepted()).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});

describe('ndjson', () => {
  it('appends one line per alert, on disk when the delivery is marked, and keeps a torn line apart', async () => {
    const path = join(dir, 'out', 'alerts.ndjson');
    const configs = configure([{ name: 'file', type: 'ndjson', path: 'out/alerts.ndjson' }]);
    const a = seedAlert(store.db, 1, {}, configs);
    await deliverAll(configs);
    expect(readFileSync(path, 'utf8').split('\n')).toEqual([expect.stringContaining(`"id":"${a}"`), '']);
    // a crash tore the next line mid-write
    writeFileSync(path, readFileSync(path, 'utf8') + '{"id":"torn');
    const b = seedAlert(store.db, 2, {}, configs);
    await deliverAll(configs);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('{"id":"torn');
    expect(JSON.parse(lines[2]).id).toBe(b);
    expect(lines[3]).toBe('');
  });

  it('reports a path it cannot write without losing the alert', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where a directory should be');
    const configs = configure([{ name: 'file', type: 'ndjson', path: 'blocker/alerts.ndjson' }]);
    seedAlert(store.db, 1, {}, configs);
    const report = await deliverAll(configs);
    expect(report.destinations[0]).toMatchObject({ delivered: 0, failed: 1, pending: 1 });
    expect(report.destinations[0].lastError).toMatch(/^ndjson .*blocker\/alerts\.ndjson: cannot append \((ENOTDIR|EEXIST)\)$/);
  });
});

describe('filters', () => {
  it('queues an alert only for destinations whose level threshold and rules it matches, and no historical alert', async () => {
    const configs = configure([
      { name: 'all', type: 'ndjson', path: 'all.ndjson' },
      { name: 'high', type: 'ndjson', path: 'high.ndjson', minLevel: 'high' },
      { name: 'sso', type: 'ndjson', path: 'sso.ndjson', rules: ['sso_disabled'] },
    ]);
    seedAlert(store.db, 1, { level: 'medium', ruleId: 'sso_disabled' }, configs);
    seedAlert(store.db, 2, { level: 'critical', ruleId: 'admin_key_created' }, configs);
    seedAlert(store.db, 3, { level: 'critical', ruleId: 'sso_disabled', historical: true }, configs);
    const rows = store.db.select({ d: alertOutbox.destination }).from(alertOutbox).all().map((r) => r.d).sort();
    expect(rows).toEqual(['all', 'all', 'high', 'sso']);
  });
});
