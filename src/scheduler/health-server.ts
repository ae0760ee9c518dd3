// The daemon's operations endpoints on their own small node:http server (default 127.0.0.1:9464, the port
// Prometheus exporters customarily use): /healthz (the process is up, and how alert delivery stands per
// destination), /readyz (it has synced and built the
// models, and is not shutting down) and /metrics (Prometheus text). They sit apart from the GraphQL server
// because that one answers only /graphql and needs a bearer token, while probes and scrapers send none;
// nothing here reveals compliance data or a secret.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../api/index.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';

export const DEFAULT_METRICS_PORT = 9464;
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** After this long, close() drops connections still open (a scraper keeping its connection alive). */
const CLOSE_GRACE_MS = 2_000;

export interface Readiness {
  ready: boolean;
  /** Why not, in words; null when ready. */
  reason: string | null;
}

export interface HealthServerOptions {
  port: number;
  host: string;
  readiness(): Readiness;
  metrics(): string;
  /** More of /healthz's body: the alert destinations' delivery state (never a URL or a secret). */
  details?(): Record<string, unknown>;
  logger: Logger;
}

export interface HealthServer {
  /** http://host:port (no path). */
  url: string;
  close(): Promise<void>;
}

export class HealthServerListenError extends Error {
  override name = 'HealthServerListenError';
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
    }
    try {
      if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok', ...options.details?.() }));
      if (path === '/readyz') {
        const r = options.readiness();
        return send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(r.ready ? { status: 'ready' } : { status: 'not ready', reason: r.reason }));
      }
      if (path === '/metrics') return send(res, 200, PROMETHEUS_CONTENT_TYPE, options.metrics());
      return send(res, 404, 'application/json', JSON.stringify({ error: 'not found; try /healthz, /readyz or /metrics' }));
    } catch (err) {
      options.logger.error({ path, error: err instanceof Error ? err.message : String(err) }, 'health server: request failed');
      return send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
    }
  });
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port, options.host);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason = err.code === 'EADDRINUSE' ? `port ${port} is in use` : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine` : err.message;
      reject(new HealthServerListenError(`cannot serve /healthz, /readyz and /metrics on ${host}:${port}: ${reason}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
