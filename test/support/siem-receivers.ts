// Real SIEM receivers on 127.0.0.1 for the forward tests and benchmarks: a Splunk-HEC-like event collector and an
// Elasticsearch-`_bulk`-like index, each recording what it accepted and able to fail, hang, reset, or accept and
// then lose the answer ('ack-lost': stored, connection reset, so the sender never learns it was accepted).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type SiemBehaviour = 'ok' | 'fail' | 'hang' | 'reset' | 'ack-lost';

interface Base {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export interface HecReceiver extends Base {
  /** The `event` of every accepted HEC object, in arrival order (repeats kept). */
  events: Record<string, unknown>[];
  /** The raw HEC objects (time, host, source, sourcetype, index, event). */
  envelopes: Record<string, unknown>[];
  /** Authorization headers seen. */
  auth: string[];
}

export interface ElasticReceiver extends Base {
  /** index -> _id -> document (create never overwrites). */
  indices: Map<string, Map<string, Record<string, unknown>>>;
  /** create actions that found the id already there. */
  conflicts: number;
}

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Splunk HEC `/services/collector/event`: concatenated or newline-separated JSON objects, `Splunk <token>` auth. */
export async function hecReceiver(token: string, behave: (n: number) => SiemBehaviour = () => 'ok', options: { delayMs?: () => number } = {}): Promise<HecReceiver> {
  const r: HecReceiver = { url: '', requests: 0, events: [], envelopes: [], auth: [], close: async () => {} };
  const { server, url, sockets } = await listen((req, body, res) => {
    const n = r.requests++;
    r.auth.push(String(req.headers.authorization ?? ''));
    if (req.url !== '/services/collector/event') return void res.writeHead(404).end('{"text":"Incorrect index","code":7}');
    if (req.headers.authorization !== `Splunk ${token}`) return void res.writeHead(401).end('{"text":"Invalid token","code":4}');
    const behaviour = behave(n);
    const answer = () => {
      if (req.socket.destroyed) return;
      if (behaviour === 'fail') return void res.writeHead(503).end('{"text":"Server is busy","code":9}');
      if (behaviour === 'reset') return void req.socket.resetAndDestroy();
      if (behaviour === 'hang') return;
      for (const line of body.split('\n')) {
        if (!line) continue;
        const envelope = JSON.parse(line) as Record<string, unknown>;
        r.envelopes.push(envelope);
        r.events.push(envelope.event as Record<string, unknown>);
      }
      if (behaviour === 'ack-lost') return void req.socket.resetAndDestroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    };
    const wait = options.delayMs?.() ?? 0;
    if (wait > 0) setTimeout(answer, wait);
    else answer();
  });
  r.url = url;
  r.close = closer(server, sockets);
  return r;
}

/** Elasticsearch `_bulk` with `create` actions; `rejectItem(n, id)` rejects single items with a 429 (not stored). */
export async function elasticReceiver(behave: (n: number) => SiemBehaviour = () => 'ok', rejectItem: (n: number, id: string) => boolean = () => false): Promise<ElasticReceiver> {
  const r: ElasticReceiver = { url: '', requests: 0, indices: new Map(), conflicts: 0, close: async () => {} };
  const { server, url, sockets } = await listen((req, body, res) => {
    const n = r.requests++;
    if (req.url !== '/_bulk' || req.method !== 'POST') return void res.writeHead(404).end('{}');
    const behaviour = behave(n);
    if (behaviour === 'fail') return void res.writeHead(503).end('{"error":"unavailable"}');
    if (behaviour === 'reset') return void req.socket.resetAndDestroy();
    if (behaviour === 'hang') return;
    const lines = body.split('\n').filter(Boolean);
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]) as { create?: { _index: string; _id: string } };
      if (!action.create) throw new Error(`the receiver only takes create actions; got ${lines[i]}`);
      const { _index, _id } = action.create;
      if (rejectItem(n, _id)) {
        errors = true;
        items.push({ create: { _index, _id, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } });
        continue;
      }
      const index = r.indices.get(_index) ?? new Map<string, Record<string, unknown>>();
      r.indices.set(_index, index);
      if (index.has(_id)) {
        r.conflicts++;
        errors = true;
        items.push({ create: { _index, _id, status: 409, error: { type: 'version_conflict_engine_exception', reason: 'document already exists' } } });
      } else {
        index.set(_id, JSON.parse(lines[i + 1]) as Record<string, unknown>);
        items.push({ create: { _index, _id, status: 201, result: 'created' } });
      }
    }
    if (behaviour === 'ack-lost') return void req.socket.resetAndDestroy();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors, items }));
  });
  r.url = url;
  r.close = closer(server, sockets);
  return r;
}
