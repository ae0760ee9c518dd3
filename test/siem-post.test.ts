// The request bodies of `forward` go out with node:http (src/siem/post.ts), not fetch: the body's buffers as they
// are, with a Content-Length, over one kept-alive connection; a timeout, a refused connection and an answer sent
// before the body was read give the messages forward's retries and logs expect, never the URL or the token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hecSender } from '../src/siem/destinations.js';
import { type HecConfig, parseForwardConfig } from '../src/siem/forward-config.js';
import { Poster } from '../src/siem/post.js';

const TOKEN = 'hec-token-DO-NOT-LEAK-post';
const closers: (() => void)[] = [];

afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function server(handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void, early?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<{ url: string; ports: number[] }> {
  const ports: number[] = [];
  const s = createServer((req, res) => {
    ports.push(req.socket.remotePort!);
    if (early?.(req, res)) return;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(parts)));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closers.push(() => s.close());
  closers.push(() => s.closeAllConnections());
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, ports };
}

function hec(url: string, timeout = '5s'): HecConfig {
  const { destinations } = parseForwardConfig({ destinations: [{ name: 'h', type: 'hec', url, tokenEnv: 'HEC_TOKEN', timeout }] }, { env: { HEC_TOKEN: TOKEN } });
  return destinations[0] as HecConfig;
}

describe('forward POSTs (node:http)', () => {
  it('sends a body of several buffers with its Content-Length over one kept-alive connection', async () => {
    const seen: { length: string | undefined; chunked: boolean; body: string }[] = [];
    const s = await server((req, res, body) => {
      seen.push({ length: req.headers['content-length'], chunked: req.headers['transfer-encoding'] === 'chunked', body: body.toString() });
      res.end('ok');
    });
    const poster = new Poster();
    closers.push(() => poster.close());
    const body = [Buffer.from('{"a":1}\n'), Buffer.from('{"é":2}\n'), Buffer.alloc(0), Buffer.from('x'.repeat(70_000) + '\n')];
    for (let i = 0; i < 3; i++) {
      const answer = await poster.post(`${s.url}/p`, body, { 'Content-Type': 'application/x-ndjson' }, new AbortController().signal);
      expect(answer).toEqual({ status: 200, text: 'ok' });
    }
    const want = Buffer.concat(body);
    expect(seen).toEqual(Array(3).fill({ length: String(want.length), chunked: false, body: want.toString() }));
    expect(new Set(s.ports).size).toBe(1);
  });

  it('HEC: the framed batch arrives as sent; a timeout, a refused connection and an early 401 are DeliveryErrors without URL or token', async () => {
    const got: string[] = [];
    const ok = await server((req, res, body) => {
      got.push(body.toString());
      expect(req.headers.authorization).toBe(`Splunk ${TOKEN}`);
      res.end('{"text":"Success","code":0}');
    });
    const sender = hecSender(hec(ok.url), 'activities');
    closers.push(() => sender.close?.());
    const batch = sender.batch();
    batch.add('a1', 1_700_000_000_123, '{"x":"é"}');
    batch.add('a2', 1_700_000_000_456, '{"y":1}', true);
    await sender.send(batch, new AbortController().signal);
    expect(got[0].split('\n')).toEqual([
      expect.stringMatching(/^\{"time":1700000000\.123,"host":".*","source":"compliance-lake","sourcetype":"ocsf","event":\{"x":"é"\}\}$/),
      expect.stringMatching(/^\{"time":1700000000\.456,.*"event":\{"y":1\}\}$/),
      '',
    ]);
    expect(() => batch.add('a3', 0, '{}')).toThrow(/sealed/);

    const silent = await server(() => undefined);
    const slow = hecSender(hec(silent.url, '200ms'), 'activities');
    closers.push(() => slow.close?.());
    const b1 = slow.batch();
    b1.add('a1', 0, '{}');
    await expect(slow.send(b1, new AbortController().signal)).rejects.toThrow('HEC destination "h" did not answer within 200 ms');

    const refused = hecSender(hec('http://127.0.0.1:1'), 'activities');
    const b2 = refused.batch();
    b2.add('a1', 0, '{}');
    const err = await refused.send(b2, new AbortController().signal).catch((e: Error) => e);
    expect(String(err)).toMatch(/HEC destination "h": connection failed \(ECONNREFUSED\)/);
    refused.close?.();

    // answers 401 before reading a large body, and closes
    const early = await server(
      () => undefined,
      (_req, res) => {
        res.writeHead(401, { connection: 'close' }).end('no');
        return true;
      },
    );
    const denied = hecSender(hec(early.url), 'activities');
    closers.push(() => denied.close?.());
    const b3 = denied.batch();
    for (let i = 0; i < 2_000; i++) b3.add(`a${i}`, 0, `{"pad":"${'p'.repeat(1_000)}"}`, true);
    const e3 = await denied.send(b3, new AbortController().signal).catch((e: Error) => e);
    expect(String(e3)).toContain('refused the credentials (HTTP 401)');
    for (const e of [err, e3]) {
      expect(String(e)).not.toContain(TOKEN);
      expect(String(e)).not.toContain('127.0.0.1');
    }
  });
});
