// A hung server is cut at the deadline even while the garbage collector runs (src/api/deadline.ts). Node holds
// an AbortSignal.timeout() only weakly; joined to another signal with AbortSignal.any() and listened to by no
// one, it was collected and never fired: the daemon's delivery to a webhook that accepted and never answered
// waited forever (seen in test/delivery-crash.test.ts). Here gc() runs every 10 ms while a webhook delivery, a
// syslog delivery and an API request (through a fetch that joins a stop signal, as the daemon's does) each wait
// on a loopback server that never answers; each must fail with its timeout message, not hang.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ComplianceClient } from '../src/api/client.js';
import { parseDestinations } from '../src/delivery/config.js';
import { senderFor } from '../src/delivery/destinations/index.js';
import type { AlertDocument } from '../src/delivery/document.js';
import { KEYS } from './support/sim-harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Accepts connections, reads everything, never answers (not even a FIN with its own). */
let silent: Server;
let port: number;
const sockets = new Set<Socket>();
let collecting: NodeJS.Timeout;

beforeAll(async () => {
  silent = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as AddressInfo).port;
  collecting = setInterval(gc, 10);
});

afterAll(async () => {
  clearInterval(collecting);
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

/** The outcome of `p`, or 'hung' if it has not settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([p.then(() => 'resolved', (err: Error) => `rejected: ${err.message}`), guard]);
  } finally {
    clearTimeout(timer);
  }
}

const doc = { id: 'a1', createdAt: '2026-12-01T00:00:00.000Z', level: 'high', rule: { id: 'sso_disabled', title: 'SSO off', level: 'high', mitre: [] }, summary: 's', entity: { type: 'organization', id: 'org-1' } } as unknown as AlertDocument;

describe('deadlines under garbage collection', () => {
  test('a webhook and a syslog receiver that never answer are cut at the timeout, every time', async () => {
    const [hook, syslog] = parseDestinations(
      [
        { name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secretEnv: 'S', timeout: '300ms' },
        { name: 'log', type: 'syslog', host: '127.0.0.1', port, timeout: '300ms' },
      ],
      { env: { S: 'whsec-deadline-test' } },
    );
    const daemonStop = new AbortController();
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify(doc);
      const [h, s] = await Promise.all([
        within(senderFor(hook).send(doc, body, daemonStop.signal), 5_000),
        within(senderFor(syslog).send(doc, body, daemonStop.signal), 5_000),
      ]);
      expect(h).toBe('rejected: the webhook did not answer within 300 ms');
      expect(s).toMatch(/^rejected: syslog 127\.0\.0\.1:\d+ did not answer within 300 ms$/);
    }
  });

  test("an API request through a fetch joined to a stop signal (the daemon's) is cut at the client's timeout", async () => {
    const stopped = new AbortController();
    const client = new ComplianceClient({
      apiKey: KEYS.full,
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 300,
      maxRetries: 0,
      requestsPerMinute: 0,
      fetch: (input, init) => globalThis.fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, stopped.signal]) : stopped.signal }),
    });
    const outcome = await within(client.organizations.list(), 5_000);
    expect(outcome).toMatch(/^rejected: .*300 ms/);
  });
});
