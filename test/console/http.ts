// Raw HTTP(S) for the console's server tests: the path is sent exactly as written (fetch would resolve "..").
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** HTTPS: the one certificate to trust. */
  ca?: string;
}

export function raw(origin: string, r: RawRequest): Promise<RawAnswer> {
  const url = new URL(origin);
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const options = { host: url.hostname, port: url.port, method: r.method ?? 'GET', path: r.path, headers: r.headers ?? {}, ...(https ? { ca: r.ca, servername: 'localhost' } : {}) };
    const req = (https ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** POST /login with a form; the cookie pair ("cl_session=...") when a session started, else null. */
export async function login(origin: string, token: string | null, ca?: string): Promise<{ answer: RawAnswer; cookie: string | null }> {
  const answer = await raw(origin, {
    method: 'POST',
    path: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: token === null ? '' : new URLSearchParams({ token }).toString(),
    ca,
  });
  const set = answer.headers['set-cookie']?.[0];
  return { answer, cookie: set && !/Max-Age=0/.test(set) ? set.split(';')[0] : null };
}

export function gqlRaw(origin: string, query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = {}, ca?: string): Promise<RawAnswer> {
  return raw(origin, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }), ca });
}

/** GET as bytes (a gzipped body stays packed). */
export function rawBytes(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
