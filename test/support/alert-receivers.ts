// Real receivers on 127.0.0.1 for the delivery tests: an HTTP endpoint (webhook or Slack) and an RFC 6587
// octet-counting syslog listener, each recording what arrived and able to fail, hang or reset on demand.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'ok' | 'fail' | 'hang' | 'reset';

export interface HttpDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver did with it ('ok' = answered 200). */
  outcome: Behaviour;
}

export interface HttpReceiver {
  url: string;
  received: HttpDelivery[];
  accepted(): HttpDelivery[];
  close(): Promise<void>;
}

/** `behave(n)` decides the fate of the n-th request (0-based); the body has been read in full first. */
export async function httpReceiver(behave: (n: number) => Behaviour = () => 'ok', path = '/hook', delayMs: () => number = () => 0): Promise<HttpReceiver> {
  const received: HttpDelivery[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const outcome = behave(received.length);
      const delivery: HttpDelivery = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), outcome };
      received.push(delivery);
      const answer = () => {
        // the sender may be gone (killed) before the answer: then it never learnt of the acceptance
        if (req.socket.destroyed) return void (delivery.outcome = 'reset');
        if (outcome === 'ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        else if (outcome === 'fail') res.writeHead(503, { 'content-type': 'text/plain' }).end('try later');
        else if (outcome === 'reset') req.socket.resetAndDestroy();
        // 'hang': never answer; the sender's timeout ends the attempt
      };
      const wait = delayMs();
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    accepted: () => received.filter((r) => r.outcome === 'ok'),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SyslogReceiver {
  port: number;
  /** Every complete message received (without the octet count), and whether the connection ended cleanly. */
  received: { message: string; outcome: Behaviour }[];
  accepted(): string[];
  close(): Promise<void>;
}

/** Parses octet-counted frames; `behave(n)` decides the fate of the n-th connection. */
export async function syslogReceiver(behave: (n: number) => Behaviour = () => 'ok'): Promise<SyslogReceiver> {
  const received: SyslogReceiver['received'] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  // allowHalfOpen: our FIN is sent only when the behaviour says so (otherwise Node answers the FIN itself)
  const server: TcpServer = createTcpServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const outcome = behave(connections++);
    // 'fail' and 'reset': refuse at once, before reading anything
    if (outcome === 'reset' || outcome === 'fail') return void socket.resetAndDestroy();
    let buf = Buffer.alloc(0);
    const messages: string[] = [];
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const space = buf.indexOf(0x20);
        if (space < 0) break;
        const len = Number(buf.subarray(0, space).toString('ascii'));
        if (!Number.isInteger(len) || len <= 0) throw new Error(`bad octet count: ${buf.subarray(0, space).toString()}`);
        if (buf.length < space + 1 + len) break;
        messages.push(buf.subarray(space + 1, space + 1 + len).toString('utf8'));
        buf = buf.subarray(space + 1 + len);
      }
    });
    socket.on('end', () => {
      for (const message of messages) received.push({ message, outcome });
      // 'hang': read everything but never answer the FIN (the sender times out and sends it again)
      if (outcome === 'ok') socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    accepted: () => received.filter((r) => r.outcome === 'ok').map((r) => r.message),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RFC 5424 message: header fields, structured data and MSG (the BOM removed). Throws when it does not parse. */
export function parseRfc5424(message: string): { pri: number; version: number; timestamp: string; host: string; app: string; procId: string; msgId: string; sd: Record<string, Record<string, string>>; msg: string } {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(message);
  if (!m) throw new Error(`not an RFC 5424 header: ${message.slice(0, 80)}`);
  let rest = message.slice(m[0].length);
  const sd: Record<string, Record<string, string>> = {};
  if (rest.startsWith('-')) rest = rest.slice(1);
  else {
    while (rest.startsWith('[')) {
      const idm = /^\[([^\s\]=]+)/.exec(rest)!;
      const params: Record<string, string> = {};
      rest = rest.slice(idm[0].length);
      for (;;) {
        const pm = /^ ([^\s=\]"]+)="((?:[^"\\\]]|\\["\\\]])*)"/.exec(rest);
        if (!pm) break;
        params[pm[1]] = pm[2].replace(/\\(["\\\]])/g, '$1');
        rest = rest.slice(pm[0].length);
      }
      if (!rest.startsWith(']')) throw new Error(`structured data does not close: ${rest.slice(0, 40)}`);
      rest = rest.slice(1);
      sd[idm[1]] = params;
    }
  }
  if (!rest.startsWith(' ')) throw new Error('no space before MSG');
  rest = rest.slice(1);
  const msg = rest.startsWith('\uFEFF') ? rest.slice(1) : rest;
  return { pri: Number(m[1]), version: Number(m[2]), timestamp: m[3], host: m[4], app: m[5], procId: m[6], msgId: m[7], sd, msg };
}
