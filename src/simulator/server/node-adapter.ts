// The loopback transport: a node:http server around the simulator's handler, faults applied at the socket.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimRequest, SimResponse } from './app.js';
import { errorBody } from './errors.js';

export interface ListeningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function toSimRequest(req: IncomingMessage, body: string | undefined): SimRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers, remoteAddress: req.socket.remoteAddress ?? '', body };
}

/** A streamed body: chunked, written as the socket drains, so a 50 MB download never sits in memory. */
async function sendStream(res: ServerResponse, sim: SimResponse, stream: NonNullable<SimResponse['stream']>): Promise<void> {
  const headers = { ...sim.headers };
  delete headers['content-length'];
  res.writeHead(sim.status, headers);
  for await (const chunk of stream()) {
    if (res.destroyed) return;
    if (sim.fault === 'truncate') {
      // the first chunk, then the connection drops mid-body
      res.write(chunk, () => res.socket?.destroy());
      return;
    }
    if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
  }
  res.end();
}

function send(res: ServerResponse, sim: SimResponse): void {
  if (sim.stream && sim.fault !== 'reset') {
    sendStream(res, sim, sim.stream).catch(() => res.destroy());
    return;
  }
  const body = sim.bytes ?? Buffer.from(sim.body, 'utf8');
  if (sim.fault === 'reset') {
    // no response at all: the client sees ECONNRESET / "socket hang up"
    res.socket?.destroy();
    return;
  }
  res.writeHead(sim.status, { ...sim.headers, 'content-length': String(body.length) });
  if (sim.fault === 'truncate') {
    // the promised Content-Length never arrives: half the body, then the socket closes
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

export function listenNode(handle: (req: SimRequest) => Promise<SimResponse>, port: number, host: string): Promise<ListeningServer> {
  const server = createServer({ keepAlive: true }, (req, res) => {
    void (async () => {
      try {
        const sim = await handle(toSimRequest(req, await readBody(req)));
        if (sim.fault && typeof sim.fault === 'object') {
          const ms = sim.fault.delayMs;
          await new Promise((r) => setTimeout(r, ms));
          if (res.destroyed) return;
          send(res, { ...sim, fault: undefined });
        } else send(res, sim);
      } catch (err) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(500, { 'content-type': 'application/json', 'x-should-retry': 'false' });
        res.end(errorBody('api_error', `Internal server error: ${(err as Error).message}`, null));
      }
    })();
  });
  // keep connections open between a client's requests; longer than typical client pools' idle timeouts
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${hostPart}:${address.port}`,
        port: address.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
